/* bench_writers.h: `zarrd-bench URL writers`: many clients writing different inner chunks of
 * one shard at once, through the shard endpoints and by careful client-side read-modify-write
 * (If-Match, retry on 412); throughput, latency and lost updates (bench_writers.c). */
#ifndef BENCH_WRITERS_H
#define BENCH_WRITERS_H

/* The whole command (argv[0] is "writers"); the exit status: 0 ok, 1 a run failed or lost an
 * update, 2 usage. */
int zb_writers_cmd(const char *url, int argc, char **argv);

#endif
