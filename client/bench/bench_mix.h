/* bench_mix.h: the load generator's operation mix, e.g. "get=60,range=10,put=20,patch=10".
 * Weights are relative; an operation left out has weight 0. zb_mix_pick maps a uniform random
 * number to an operation with probability weight / total. */
#ifndef BENCH_MIX_H
#define BENCH_MIX_H

#include <stdint.h>

typedef enum zb_op {
    ZB_OP_GET,   /* GET a whole value */
    ZB_OP_RANGE, /* GET a byte range of a value */
    ZB_OP_PUT,   /* PUT (replace) a whole value */
    ZB_OP_PATCH, /* PATCH a byte range of a value in place */
    ZB_OP_SHARD, /* PUT one encoded inner chunk into a shard (?chunk=) */
    ZB_OP_BATCH, /* POST several inner chunks into a shard (?batch) */
    ZB_OP_COUNT
} zb_op;

#define ZB_MIX_MAX_WEIGHT 1000000u

typedef struct zb_mix {
    uint32_t weight[ZB_OP_COUNT];
    uint32_t total;
} zb_mix;

/* Parse "name=W,name=W,...". Names: get range put patch shard batch; each at most once;
 * weights 0..ZB_MIX_MAX_WEIGHT; total > 0. 0 or ZD_EINVAL / ZD_ERANGE. */
int zb_mix_parse(const char *s, zb_mix *mix);

/* The operation for a uniform random number r (any uint64_t). Requires total > 0. */
zb_op zb_mix_pick(const zb_mix *mix, uint64_t r);

/* Lower-case name of an operation, as in the mix syntax. */
const char *zb_op_name(zb_op op);

#endif
