/* bench_keys.h: cleaning up after a benchmark: deleting every key a run left under its
 * prefix (the load's sharded array, the matrix's arrays). */
#ifndef BENCH_KEYS_H
#define BENCH_KEYS_H

#include <zarrd/client.h>

/* Delete every key below prefix, listed recursively (nothing when it cannot be listed). Stops at
 * the first key that cannot be deleted, with a warning "zarrd-bench CMD: ..." on stderr (the run's
 * results stand). */
void zb_delete_prefix(zc_client *client, const char *prefix, const char *cmd);

#endif
