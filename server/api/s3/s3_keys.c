/* s3_keys.c: --s3-keys, the S3 credentials: lines `ACCESS_KEY_ID SECRET rw|ro
 * [BUCKET[/PREFIX]]` (the rights-file format of --token-file, read by the same code in
 * ops/auth.c). `ro` reads and lists, `rw` also writes; a scope limits a credential to one
 * bucket or to the keys below a prefix in it (segment-wise, as for bearer tokens). Secrets
 * are never logged; an access key id is looked up with a comparison whose time does not
 * depend on where it differs. */
#include "s3_internal.h"

#include "auth.h"
#include "zd_error.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define S3_KEY_WORD_MAX 128

static int s3_keys_add(void *ctx, const au_line *l, const char **why)
{
    s3_keys *k = ctx;
    size_t alen = strlen(l->words[0]), slen = strlen(l->words[1]);
    if (alen >= S3_KEY_WORD_MAX || slen >= S3_KEY_WORD_MAX) {
        *why = "access key id or secret too long (at most 127 bytes)";
        return ZD_EINVAL;
    }
    if (s3_keys_find(k, l->words[0], alen)) {
        *why = "access key id listed twice";
        return ZD_EINVAL;
    }
    s3_cred *v = realloc(k->v, (k->n + 1) * sizeof *v);
    if (!v) return ZD_ENOMEM;
    k->v = v;
    s3_cred *c = &k->v[k->n];
    c->akid = strdup(l->words[0]);
    c->secret = strdup(l->words[1]);
    c->scope = strndup(l->prefix, l->prefix_len);
    c->scope_len = l->prefix_len;
    c->rw = l->rw;
    k->n++;
    return c->akid && c->secret && c->scope ? 0 : ZD_ENOMEM;
}

int s3_keys_load(const char *path, s3_keys *out, char *err, size_t errlen)
{
    *out = (s3_keys){0};
    int rc = au_read_file(path, 2, "expected ACCESS_KEY_ID SECRET rw|ro [BUCKET[/PREFIX]]",
                          s3_keys_add, out, err, errlen);
    if (rc) s3_keys_free(out);
    return rc;
}

void s3_keys_free(s3_keys *k)
{
    for (size_t i = 0; i < k->n; i++) {
        if (k->v[i].secret) OPENSSL_cleanse(k->v[i].secret, strlen(k->v[i].secret));
        free(k->v[i].akid);
        free(k->v[i].secret);
        free(k->v[i].scope);
    }
    free(k->v);
    *k = (s3_keys){0};
}

const s3_cred *s3_keys_find(const s3_keys *k, const char *akid, size_t len)
{
    const s3_cred *found = NULL;
    for (size_t i = 0; i < k->n; i++) { /* every entry compared: the time says nothing */
        const char *a = k->v[i].akid;
        size_t alen = a ? strlen(a) : 0;
        bool eq = alen == len && len > 0 && CRYPTO_memcmp(a, akid, len) == 0;
        if (eq && !found) found = &k->v[i];
    }
    return found;
}

bool s3_cred_allows(const s3_cred *cred, const char *path, size_t len, bool write)
{
    if (!cred) return true; /* no --s3-keys */
    if (write && !cred->rw) return false;
    size_t n = cred->scope_len;
    if (n == 0) return true;
    if (len < n || memcmp(path, cred->scope, n) != 0) return false;
    return len == n || path[n] == '/';
}
