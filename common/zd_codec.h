/* zd_codec.h: the Zarr v3 codec chain — how one chunk's elements become the stored bytes and
 * back. A chain is built from an array's zarr.json `codecs` list and its chunk spec, and is an
 * explicit pipeline, as the Zarr v3 spec and zarrs model it:
 *
 *   array→array codecs (transpose)*  →  one array→bytes codec (bytes | sharding_indexed)
 *                                    →  bytes→bytes codecs (gzip | zstd | crc32c)*
 *
 * A decoded chunk is always the full chunk shape (edge chunks are stored full size), C order,
 * elements in native little-endian byte order. A built chain is immutable and may be shared by
 * threads; the compression state lives in a zd_codec_ctx, which each worker thread keeps and
 * passes to every encode/decode, so zlib/zstd contexts are reset and reused, never re-created
 * per chunk.
 *
 * sharding_indexed chains also give partial access: the shard layout (zd_shard_index.h) and the
 * inner chain, so a reader fetches the index, plans the byte ranges of just the inner chunks it
 * needs (zd_codec_shard_plan) and decodes each inner chunk with the inner chain. */
#ifndef ZD_CODEC_H
#define ZD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "zd_buf.h"
#include "zd_chunk_spec.h"
#include "zd_error.h"
#include "zd_shard_index.h"

typedef struct zd_codec_chain zd_codec_chain;
typedef struct zd_codec_ctx zd_codec_ctx;

/* Per-thread compression contexts and scratch buffers; not thread-safe, one per worker. */
int zd_codec_ctx_new(zd_codec_ctx **out);
void zd_codec_ctx_free(zd_codec_ctx *ctx);

/* Build a chain from a zarr.json `codecs` array (objects with "name" and "configuration", or
 * bare name strings) for chunks described by `spec`. Unknown codec names, misplaced codecs and
 * bad configurations fail with ZD_EUNSUPPORTED / ZD_EINVAL and a message naming the codec and
 * field. */
int zd_codec_chain_new(const cJSON *codecs, const zd_chunk_spec *spec, zd_codec_chain **out,
                       zd_error *err);
void zd_codec_chain_free(zd_codec_chain *chain);

/* The chunk spec the chain was built for, and the bytes of one decoded chunk. */
const zd_chunk_spec *zd_codec_chain_spec(const zd_codec_chain *chain);
size_t zd_codec_chain_decoded_size(const zd_codec_chain *chain);

/* True when every chunk encodes to the same number of bytes (*nbytes): no compressor and no
 * sharding. Such slots can always be overwritten in place. */
bool zd_codec_chain_fixed_size(const zd_codec_chain *chain, uint64_t *nbytes);

/* The chain as a new zarr.json `codecs` array, every configuration written out in full
 * (index_location included); the caller deletes it. */
int zd_codec_chain_to_json(const zd_codec_chain *chain, cJSON **out, zd_error *err);

/* Encode one decoded chunk of `len` == decoded size bytes into `out` (reset first). For a
 * sharding_indexed chain, inner chunks equal to the fill value are left empty, and a shard
 * whose inner chunks are all empty encodes to nothing: out->len == 0 means "absent", the
 * caller deletes the key instead of storing it. Other chains never produce 0 bytes. */
int zd_codec_chain_encode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const void *chunk,
                          size_t len, zd_buf *out, zd_error *err);

/* Decode `len` encoded bytes into chunk[chunk_len], chunk_len == decoded size. Truncated or
 * corrupt input (bad checksum, bad framing, output larger or smaller than the chunk, shard
 * index out of bounds or overlapping) fails with ZD_ECORRUPT and leaves chunk unspecified. */
int zd_codec_chain_decode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const void *data,
                          size_t len, void *chunk, size_t chunk_len, zd_error *err);

/* For a chain that is a lone sharding_indexed codec (the only case whose inner chunks can be
 * addressed inside the stored shard): its layout and its inner chain. NULL otherwise. */
const zd_shard_layout *zd_codec_chain_shard_layout(const zd_codec_chain *chain);
const zd_codec_chain *zd_codec_chain_inner(const zd_codec_chain *chain);

/* One byte range of a shard to fetch: [offset, offset + nbytes). */
typedef struct zd_codec_range {
    uint64_t offset;
    uint64_t nbytes;
} zd_codec_range;

/* Plan the reads for inner chunks want[0..nwant) (linear C-order indices, see
 * zd_shard_chunk_index) of a shard whose index, fetched from zd_shard_index_offset() and
 * checked by zd_shard_index_decode(), is entries[l->nchunks]. Writes ranges in
 * increasing offset order into ranges[] (room for nwant), their count into *nranges, and for
 * each wanted chunk the position of the range holding it into range_of[i] (SIZE_MAX for an
 * empty chunk, which reads as the fill value). Chunks whose bytes are at most `max_gap` apart
 * share one range. A wanted chunk's bytes start at entries[c].offset - ranges[range_of[i]].offset
 * within its range. ZD_ERANGE for an index >= nchunks. */
int zd_codec_shard_plan(const zd_shard_layout *l, const zd_shard_entry *entries,
                        const uint64_t *want, size_t nwant, uint64_t max_gap,
                        zd_codec_range *ranges, size_t *nranges, size_t *range_of, zd_error *err);

#endif
