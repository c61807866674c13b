/* array_case.h: array test cases for the client tests — a zarr.json generator over codec
 * chains and layouts, a reference model (a dense in-memory copy updated by the same writes)
 * and a deterministic random source. */
#ifndef ARRAY_CASE_H
#define ARRAY_CASE_H

#include <stddef.h>
#include <stdint.h>

typedef enum ac_chain {
    AC_NONE,
    AC_GZIP,
    AC_ZSTD,
    AC_TRANSPOSE_ZSTD,
    AC_CRC32C,
    AC_NCHAINS
} ac_chain;
typedef enum ac_layout { AC_UNSHARDED, AC_SHARDED, AC_NESTED, AC_NLAYOUTS } ac_layout;

typedef struct ac_case {
    int ndim;
    uint64_t shape[4];
    uint64_t chunks[4]; /* innermost chunk shape */
    uint64_t shards[4]; /* shard shape (sharded and nested) */
    uint64_t mid[4];    /* nested: the middle level's chunk shape */
    const char *dtype;
    size_t elem;
    const char *fill_json;
    ac_chain chain;
    ac_layout layout;
} ac_case;

/* A case for ndim 1..4 with edge chunks (shapes not multiples of the chunks). */
void ac_case_init(ac_case *c, int ndim, ac_chain chain, ac_layout layout, int variant);

/* The zarr.json text for the case (static buffer). */
const char *ac_zarr_json(const ac_case *c);

/* Elements in the whole array. */
size_t ac_elems(const ac_case *c);

/* A dense reference copy, all fill value. */
void *ac_model_new(const ac_case *c);

/* Apply a block write (start, shape, C-order data) to the model. */
void ac_model_write(const ac_case *c, void *model, const uint64_t *start, const uint64_t *shape,
                    const void *data);

/* Copy a strided selection out of the model. */
void ac_model_read(const ac_case *c, const void *model, const uint64_t *start,
                   const uint64_t *shape, const uint64_t *step, void *out);

/* xorshift64* */
uint64_t ac_rand(uint64_t *state);

/* Fill buf with n random elements (never the fill value pattern by accident for n > 0). */
void ac_random_fill(uint64_t *state, void *buf, size_t bytes);

/* Fill buf with n copies of the case's fill value. */
void ac_fill_value(const ac_case *c, void *buf, size_t n);

#endif
