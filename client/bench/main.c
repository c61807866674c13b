/* main.c: zarrd-bench, the benchmark and load generator of zarrd, a thin user of the public
 * client API (zarrd/client.h). `zarrd-bench URL load ...` drives a server with a mix of
 * requests; `zarrd-bench URL matrix ...` runs zarr-python's benchmark cases through it. */
#include "bench_load.h"
#include "bench_matrix.h"
#include "bench_writers.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: zarrd-bench URL load [options]     load generator\n"
    "       zarrd-bench URL matrix [options]   benchmark matrix (zarr-python's cases)\n"
    "       zarrd-bench URL writers [options]  many writers of one shard: endpoints vs RMW\n"
    "       zarrd-bench URL COMMAND --help     options of a command\n"
    "URL is http://HOST:PORT[/prefix] of a running zarrd.\n"
    "Exit status: 0 ok, 1 a run failed or read wrong data, 2 usage.\n";

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("zarrd-bench %s\n", ZARRD_VERSION);
        return 0;
    }
    if (argc < 3) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[2], "load") == 0) return zb_load_cmd(argv[1], argc - 2, argv + 2);
    if (strcmp(argv[2], "matrix") == 0) return zb_matrix_cmd(argv[1], argc - 2, argv + 2);
    if (strcmp(argv[2], "writers") == 0) return zb_writers_cmd(argv[1], argc - 2, argv + 2);
    fprintf(stderr, "zarrd-bench: unknown command '%s'\n%s", argv[2], usage);
    return 2;
}
