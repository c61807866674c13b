/* bench_keys.c: deleting a benchmark's keys (see bench_keys.h). */
#include "bench_keys.h"

#include <stdio.h>

void zb_delete_prefix(zc_client *client, const char *prefix, const char *cmd)
{
    zc_entry *e = NULL;
    size_t n = 0;
    if (zc_list(client, prefix, 1, &e, &n) != 0) return; /* nothing there to delete */
    char key[512];
    for (size_t i = 0; i < n; i++) {
        if (e[i].is_dir) continue;
        snprintf(key, sizeof(key), "%s/%s", prefix, e[i].name);
        if (zc_delete(client, key) != 0) {
            fprintf(stderr, "zarrd-bench %s: warning: cannot delete %s: %s\n", cmd, key,
                    zc_errmsg());
            break;
        }
    }
    zc_entries_free(e, n);
}
