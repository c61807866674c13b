/* zc_list.c: zc_list, the JSON directory listing of a prefix (one level or recursive). */
#include "zc_client_impl.h"

#include "zc_errmsg.h"
#include "zc_request.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define ZC_MAX_LIST_ENTRIES (1u << 24)

void zc_entries_free(zc_entry *entries, size_t n)
{
    if (!entries) return;
    for (size_t i = 0; i < n; i++)
        free(entries[i].name);
    free(entries);
}

static int parse_listing(const zc_response *rs, zc_entry **out, size_t *nout, zd_error *err)
{
    cJSON *root = cJSON_ParseWithLength((const char *)rs->body.data, rs->body.len);
    const cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "entries") : NULL;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(root);
        return zd_error_set(err, ZD_EIO, "listing: answer is not a JSON listing");
    }
    int count = cJSON_GetArraySize(arr);
    if (count < 0 || (unsigned)count > ZC_MAX_LIST_ENTRIES) {
        cJSON_Delete(root);
        return zd_error_set(err, ZD_EOVERFLOW, "listing: too many entries");
    }
    zc_entry *e = calloc((size_t)count + 1, sizeof *e);
    size_t n = 0;
    int rc = e ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (rc < 0) break;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(it, "size");
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(it, "dir");
        const cJSON *mtime = cJSON_GetObjectItemCaseSensitive(it, "mtime");
        if (!cJSON_IsString(name) || strlen(name->valuestring) > ZD_MAX_KEY ||
            (size && (!cJSON_IsNumber(size) || size->valuedouble < 0))) {
            rc = zd_error_set(err, ZD_EIO, "listing: malformed entry");
            break;
        }
        if (!(e[n].name = strdup(name->valuestring))) {
            rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
            break;
        }
        e[n].size = size ? (uint64_t)size->valuedouble : 0;
        e[n].is_dir = cJSON_IsTrue(dir);
        e[n].mtime = cJSON_IsNumber(mtime) && mtime->valuedouble > 0 && mtime->valuedouble < 1e15
                         ? (int64_t)mtime->valuedouble
                         : 0;
        n++;
    }
    cJSON_Delete(root);
    if (rc < 0) {
        zc_entries_free(e, n);
        return rc;
    }
    *out = e;
    *nout = n;
    return 0;
}

int zc_list(zc_client *c, const char *prefix, int recursive, zc_entry **entries, size_t *n)
{
    zd_error err = {0};
    *entries = NULL;
    *n = 0;
    size_t plen = strlen(prefix);
    char *p = strdup(prefix);
    if (!p) return zc_report(ZD_ENOMEM, NULL);
    while (plen > 0 && p[plen - 1] == '/')
        p[--plen] = '\0';
    zd_buf target = {0};
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_url_target(&c->cfg.url, p, 1, recursive ? "recursive=1" : NULL, &target, &err);
    if (rc == 0 && (rc = zd_buf_append(&target, "", 1)) < 0)
        zd_error_set(&err, rc, "out of memory");
    if (rc == 0) {
        zc_request rq = {.method = "GET",
                         .target = (const char *)target.data,
                         .headers = "Accept: application/json\r\n"};
        rc = zc_client_request(c, &rq, &rs, &err);
    }
    if (rc == 0) rc = parse_listing(&rs, entries, n, &err);
    zc_response_free(&rs);
    zd_buf_free(&target);
    free(p);
    return zc_report(rc, &err);
}
