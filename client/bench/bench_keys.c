/* bench_keys.c: deleting a benchmark's keys (see bench_keys.h). */
#include "bench_keys.h"

#include <stdio.h>

int zb_delete_prefix(zc_client *client, const char *prefix)
{
    zc_entry *e = NULL;
    size_t n = 0;
    int rc = zc_list(client, prefix, 1, &e, &n);
    if (rc == ZC_ENOTFOUND) return 0; /* nothing there to delete */
    if (rc) return rc;
    char key[512];
    for (size_t i = 0; i < n && !rc; i++) {
        if (e[i].is_dir) continue;
        snprintf(key, sizeof(key), "%s/%s", prefix, e[i].name);
        rc = zc_delete(client, key);
    }
    zc_entries_free(e, n);
    return rc;
}

void zb_delete_prefix_or_warn(zc_client *client, const char *prefix, const char *cmd)
{
    if (zb_delete_prefix(client, prefix) != 0)
        fprintf(stderr, "zarrd-bench %s: warning: cannot delete the keys under %s: %s\n", cmd,
                prefix, zc_errmsg());
}
