/* zd_codec_internal.h: what the codec chain's files share and nobody else sees — the chain
 * structure, the per-codec parse / write-JSON / encode / decode functions the chain dispatches
 * to, the per-thread context with its scratch buffers. Transpose and sharding move elements
 * with the selections' strided copy (zd_copy_strided in zd_select.h). */
#ifndef ZD_CODEC_INTERNAL_H
#define ZD_CODEC_INTERNAL_H

#include "zd_codec.h"
#include "zd_select.h"

#include <zlib.h>
#include <zstd.h>

#define ZD_CODEC_MAX_STEPS 16 /* codecs in one chain */
#define ZD_CODEC_MAX_DEPTH 4  /* sharding nesting levels (outer chain = depth 0) */
/* Scratch buffers per depth: 0 the transposed array, 1 and 2 ping-pong between bytes stages,
 * 3 the inner chunk sharding gathers into / decodes out of. */
#define ZD_CODEC_SCRATCH 4

typedef enum zd_codec_kind {
    ZD_CODEC_TRANSPOSE,
    ZD_CODEC_BYTES,
    ZD_CODEC_SHARDING,
    ZD_CODEC_GZIP,
    ZD_CODEC_ZSTD,
    ZD_CODEC_CRC32C,
} zd_codec_kind;

/* One codec of the chain, as configured. */
typedef struct zd_codec_step {
    zd_codec_kind kind;
    int level;              /* gzip, zstd */
    bool checksum;          /* zstd */
    bool big_endian;        /* bytes */
    bool endian_given;      /* bytes: configuration named an endian */
    int order[ZD_MAX_DIMS]; /* transpose: encoded dim i is decoded dim order[i] */
    uint64_t in_max;        /* bytes→bytes: most bytes this step's encode takes ... */
    bool in_exact;          /* ... and whether it always takes exactly in_max */
} zd_codec_step;

typedef struct zd_codec_sharding {
    zd_shard_layout layout;
    uint64_t chunk_shape[ZD_MAX_DIMS];
    size_t index_size;
    bool contiguous; /* every inner chunk is one contiguous run of the decoded shard */
    zd_codec_chain *inner;
} zd_codec_sharding;

struct zd_codec_chain {
    zd_chunk_spec spec;    /* decoded chunk as callers see it */
    zd_chunk_spec ab_spec; /* the chunk as the array→bytes codec sees it (after transposes) */
    size_t elsize;
    size_t decoded_size;
    int depth;
    int nsteps;
    zd_codec_step steps[ZD_CODEC_MAX_STEPS];
    int ab;                /* index of the array→bytes step; bytes→bytes follow it */
    bool permuted;         /* the transposes compose to a non-identity ... */
    int perm[ZD_MAX_DIMS]; /* ... permutation, in transpose `order` form */
    size_t swap_unit;      /* bytes codec: swap units of this size (big endian), 0 none */
    zd_codec_sharding *shard;
    uint64_t max_encoded; /* most bytes an encoded chunk can have (saturated) */
    bool fixed;           /* every chunk encodes to exactly max_encoded bytes */
};

struct zd_codec_ctx {
    z_stream deflate;
    bool deflate_ready;
    int deflate_level;
    z_stream inflate;
    bool inflate_ready;
    ZSTD_CCtx *zcctx;
    ZSTD_DCtx *zdctx;
    zd_buf scratch[ZD_CODEC_MAX_DEPTH][ZD_CODEC_SCRATCH];
    zd_shard_entry *entries[ZD_CODEC_MAX_DEPTH];
    size_t nentries[ZD_CODEC_MAX_DEPTH];
};

/* Saturating arithmetic for encoded-size bounds (UINT64_MAX = "unbounded"). */
static inline uint64_t zd_codec_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t zd_codec_sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Chain construction, recursive for sharding's inner chain. */
int zd_codec_chain_build(const cJSON *codecs, const zd_chunk_spec *spec, int depth,
                         zd_codec_chain **out, zd_error *err);

/* Scratch buffer `i` of nesting level `depth`, emptied, with room for `size` bytes. */
int zd_codec_scratch(zd_codec_ctx *ctx, int depth, int i, size_t size, zd_buf **out, zd_error *err);
/* An entries array of n for nesting level `depth`. */
int zd_codec_scratch_entries(zd_codec_ctx *ctx, int depth, size_t n, zd_shard_entry **out,
                             zd_error *err);

/* Make room for more decoded output in `out`, never past `max` bytes in total, growing to at
 * least `hint`: *room is how many bytes may be written at out->data + out->len, 0 when out
 * already holds max bytes. 0 or ZD_ENOMEM. A buffer whose cap is already max is never
 * reallocated, so decoders can write into a caller's fixed buffer wrapped as a zd_buf. */
int zd_codec_out_grow(zd_buf *out, uint64_t max, uint64_t hint, size_t *room);

/* Configuration helpers: `cfg` is the codec's "configuration" object or NULL. */
int zd_codec_config_fields(const cJSON *cfg, const char *codec, const char *const *allowed,
                           zd_error *err);
int zd_codec_config_int(const cJSON *cfg, const char *codec, const char *field, int lo, int hi,
                        int *out, zd_error *err);
cJSON *zd_codec_json_new(const char *name, cJSON **config);

/* transpose */
int zd_codec_transpose_parse(zd_codec_step *s, const cJSON *cfg, int ndim, zd_error *err);
int zd_codec_transpose_json(const zd_codec_step *s, int ndim, cJSON *cfg);
void zd_codec_transpose_shape(const int *order, int ndim, const uint64_t *in, uint64_t *out);
void zd_codec_transpose_encode(const int *order, const zd_chunk_spec *spec, size_t elsize,
                               const uint8_t *in, uint8_t *out);
void zd_codec_transpose_decode(const int *order, const zd_chunk_spec *spec, size_t elsize,
                               const uint8_t *in, uint8_t *out);

/* bytes */
int zd_codec_bytes_parse(zd_codec_step *s, const cJSON *cfg, zd_dtype dtype, const char *codec,
                         zd_error *err);
int zd_codec_bytes_json(const zd_codec_step *s, cJSON *cfg);
void zd_codec_bytes_swap(uint8_t *dst, const uint8_t *src, size_t n, size_t unit);

/* gzip */
int zd_codec_gzip_parse(zd_codec_step *s, const cJSON *cfg, zd_error *err);
int zd_codec_gzip_json(const zd_codec_step *s, cJSON *cfg);
uint64_t zd_codec_gzip_bound(uint64_t n);
int zd_codec_gzip_encode(zd_codec_ctx *ctx, int level, const uint8_t *in, size_t n, zd_buf *out,
                         zd_error *err);
int zd_codec_gzip_decode(zd_codec_ctx *ctx, const uint8_t *in, size_t n, zd_buf *out, uint64_t max,
                         bool exact, zd_error *err);

/* zstd */
int zd_codec_zstd_parse(zd_codec_step *s, const cJSON *cfg, zd_error *err);
int zd_codec_zstd_json(const zd_codec_step *s, cJSON *cfg);
uint64_t zd_codec_zstd_bound(uint64_t n);
int zd_codec_zstd_encode(zd_codec_ctx *ctx, int level, bool checksum, const uint8_t *in, size_t n,
                         zd_buf *out, zd_error *err);
int zd_codec_zstd_decode(zd_codec_ctx *ctx, const uint8_t *in, size_t n, zd_buf *out, uint64_t max,
                         bool exact, zd_error *err);

/* crc32c */
int zd_codec_crc32c_parse(const cJSON *cfg, zd_error *err);
int zd_codec_crc32c_encode(const uint8_t *in, size_t n, zd_buf *out, zd_error *err);
int zd_codec_crc32c_check(const uint8_t *in, size_t n, size_t *payload, zd_error *err);

/* sharding_indexed */
int zd_codec_sharding_parse(zd_codec_chain *chain, const cJSON *cfg, zd_error *err);
int zd_codec_sharding_json(const zd_codec_sharding *sh, cJSON *cfg, zd_error *err);
void zd_codec_sharding_free(zd_codec_sharding *sh);
int zd_codec_sharding_encode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const uint8_t *in,
                             zd_buf *out, zd_error *err);
int zd_codec_sharding_decode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const uint8_t *in,
                             size_t n, uint8_t *out, zd_error *err);

/* Chain stages reused by sharding for inner chunks: encode appends to out. */
int zd_codec_chain_encode_append(const zd_codec_chain *chain, zd_codec_ctx *ctx, const uint8_t *in,
                                 zd_buf *out, zd_error *err);

#endif
