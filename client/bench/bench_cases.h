/* bench_cases.h: the cases of `zarrd-bench matrix` and how each one is prepared, timed and
 * verified. A case belongs to a family (e2e, indexing, large shard, bulk) whose functions do
 * the work; the table of cases is zb_cases. */
#ifndef BENCH_CASES_H
#define BENCH_CASES_H

#include "bench_matrix.h"

#include <stddef.h>
#include <stdint.h>
#include <zarrd/client.h>

/* State shared by the steps of one case. */
typedef struct zb_case_ctx {
    zc_client *client;
    const zb_matrix_cfg *cfg;
    char path[256]; /* the array's key */
    zc_array *arr;
    uint8_t *data;   /* what a write sends / what the array holds */
    uint8_t *out;    /* what a read returns */
    size_t len;      /* bytes of data and out */
    uint64_t bytes;  /* array bytes one timed run moves (for MB/s) */
    size_t out_used; /* bytes of out that a run writes and its check reads (0: all of len) */
    unsigned repeat; /* 0-based repeat being run */
    char why[160];   /* what a failed verification found */
} zb_case_ctx;

typedef struct zb_case zb_case;

typedef struct zb_family {
    int (*prepare)(zb_case_ctx *ctx, const zb_case *c); /* once, untimed */
    int (*before)(zb_case_ctx *ctx, const zb_case *c);  /* each repeat, untimed; may be NULL */
    int (*run)(zb_case_ctx *ctx, const zb_case *c);     /* timed */
    int (*check)(zb_case_ctx *ctx, const zb_case *c);   /* each repeat, untimed */
} zb_family;

typedef enum { ZB_READ, ZB_WRITE, ZB_READ_CHUNKS } zb_case_op;

struct zb_case {
    const char *name;
    const zb_family *family;
    zb_case_op op;
    uint64_t chunks, shards; /* e2e layout (shards 0 = none); indexing: shards edge or 0;
                                large and bulk fix their layout themselves (0 here) */
    const char *codec;       /* e2e: "none" or "gzip"; informative elsewhere */
    int sel;                 /* indexing: which selection; large: 0 one chunk, 1 a shard */
};

extern const zb_case zb_cases[];
extern const size_t zb_ncases;

/* Free what the case's steps allocated and close its array. */
void zb_case_ctx_reset(zb_case_ctx *ctx);

#endif
