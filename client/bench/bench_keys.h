/* bench_keys.h: cleaning up after a benchmark: deleting every key a run left under its
 * prefix (the load's sharded array, the matrix's arrays before they are recreated and at the
 * end of a run). */
#ifndef BENCH_KEYS_H
#define BENCH_KEYS_H

#include <zarrd/client.h>

/* Delete every key below prefix, listed recursively; a prefix with nothing below it is not an
 * error. Stops at the first listing or delete that fails and returns its ZC_E* code, with the
 * reason in zc_errmsg(). */
int zb_delete_prefix(zc_client *client, const char *prefix);

/* zb_delete_prefix for the end of a run: a failure is only a warning on stderr,
 * "zarrd-bench CMD: warning: ...", because the run's results stand. */
void zb_delete_prefix_or_warn(zc_client *client, const char *prefix, const char *cmd);

#endif
