/* bench_matrix.h: `zarrd-bench URL matrix`, zarr-python's benchmark cases (and zarrs' bulk
 * case) run through the client library and a zarrd server. Every case verifies the data it
 * read (or, after a write, reads it back and verifies it); verification is not timed. */
#ifndef BENCH_MATRIX_H
#define BENCH_MATRIX_H

#include <stdbool.h>
#include <stdint.h>

#define ZB_MATRIX_MAX_REPEATS 1000
#define ZB_MATRIX_MIN_SIZE    256  /* bulk cube edge: one shard; sizes are multiples of it */
#define ZB_MATRIX_MAX_SIZE    2048 /* bulk cube edge; 2048^3 uint16 = 16 GiB */

typedef struct zb_matrix_cfg {
    const char *url;
    unsigned repeats;
    const char *json_path;
    const char *case_filter; /* comma-separated names or name prefixes; NULL = all */
    uint64_t size;           /* bulk cube edge, a multiple of 256 */
    const char *prefix;      /* arrays are written under this key prefix */
    int workers;             /* client pipeline threads; 0 = cores */
    int write_mode;          /* zc_shard_write_mode of partial sharded writes */
    bool keep;               /* leave the arrays (for readers such as zarrita) */
    bool list;               /* print the case names and exit */
    bool allow_remote;
} zb_matrix_cfg;

/* The whole command (argv[0] is "matrix"). Exit status: 0 ok, 1 failed/wrong data, 2 usage. */
int zb_matrix_cmd(const char *url, int argc, char **argv);

#endif
