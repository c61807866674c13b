/* auth.c: token file loading and request authorisation (see auth.h). */
#include "auth.h"

#include "zd_ctype.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AU_TOKEN_MAX  256
#define AU_MAX_TOKENS 4096

typedef struct au_token {
    char token[AU_TOKEN_MAX];
    size_t token_len;
    bool rw;
    char prefix[ZD_MAX_KEY + 1]; /* "" = everything */
    size_t prefix_len;
} au_token;

struct au_table {
    au_token *v;
    size_t n;
};

static int au_parse_line(char *line, au_token *t, const char **why)
{
    char *save = NULL;
    char *tok = strtok_r(line, " \t", &save);
    char *mode = strtok_r(NULL, " \t", &save);
    char *prefix = strtok_r(NULL, " \t", &save);
    if (!tok || !mode || strtok_r(NULL, " \t", &save)) {
        *why = "expected TOKEN rw|ro [PREFIX]";
        return ZD_EINVAL;
    }
    t->token_len = strlen(tok);
    if (t->token_len >= AU_TOKEN_MAX) {
        *why = "token too long";
        return ZD_EINVAL;
    }
    memcpy(t->token, tok, t->token_len + 1);
    if (strcmp(mode, "rw") == 0)
        t->rw = true;
    else if (strcmp(mode, "ro") == 0)
        t->rw = false;
    else {
        *why = "mode must be rw or ro";
        return ZD_EINVAL;
    }
    t->prefix_len = 0;
    t->prefix[0] = '\0';
    if (prefix) {
        while (*prefix == '/')
            prefix++;
        size_t n = strlen(prefix);
        while (n > 0 && prefix[n - 1] == '/')
            n--;
        if (n > ZD_MAX_KEY) {
            *why = "prefix too long";
            return ZD_EINVAL;
        }
        memcpy(t->prefix, prefix, n);
        t->prefix[n] = '\0';
        t->prefix_len = n;
    }
    return 0;
}

int au_load(const char *path, au_table **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r"); /* fs-lint: not a store path: the --token-file */
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return ZD_EIO;
    }
    au_table *t = calloc(1, sizeof *t);
    int rc = t ? 0 : ZD_ENOMEM;
    char line[AU_TOKEN_MAX + ZD_MAX_KEY + 64];
    int lineno = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            rc = ZD_EINVAL;
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line;
        while (zd_is_ows((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#') continue;
        if (t->n == AU_MAX_TOKENS) {
            snprintf(err, errlen, "%s: more than %d tokens", path, AU_MAX_TOKENS);
            rc = ZD_EOVERFLOW;
            break;
        }
        au_token *v = realloc(t->v, (t->n + 1) * sizeof *v);
        if (!v) {
            rc = ZD_ENOMEM;
            break;
        }
        t->v = v;
        const char *why = "";
        if ((rc = au_parse_line(line, &t->v[t->n], &why)) != 0)
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
        else
            t->n++;
    }
    fclose(f);
    if (!rc && t->n == 0) {
        snprintf(err, errlen, "%s: no tokens", path);
        rc = ZD_EINVAL;
    }
    if (rc) {
        au_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void au_free(au_table *t)
{
    if (t) {
        if (t->v) memset(t->v, 0, t->n * sizeof *t->v);
        free(t->v);
        free(t);
    }
}

/* Constant-time equality of a presented token with a stored one: the time depends only on
 * the stored token's length, not on where the bytes differ. */
static bool au_token_eq(const au_token *t, const char *s, size_t len)
{
    unsigned char diff = (unsigned char)(len != t->token_len);
    for (size_t i = 0; i < t->token_len; i++)
        diff |= (unsigned char)(t->token[i] ^ (i < len ? s[i] : 0));
    return diff == 0;
}

static bool au_prefix_ok(const au_token *t, const char *key, size_t klen)
{
    if (t->prefix_len == 0) return true;
    if (klen < t->prefix_len || memcmp(key, t->prefix, t->prefix_len) != 0) return false;
    return klen == t->prefix_len || key[t->prefix_len] == '/';
}

int au_check(const au_table *t, const char *authz, size_t len, const char *key, size_t klen,
             bool write)
{
    if (!authz || len < 7 || !zd_ascii_caseeq(authz, 7, "bearer ")) return 401;
    const char *tok = authz + 7;
    len -= 7;
    zd_trim_ows(&tok, &len);
    const au_token *found = NULL;
    for (size_t i = 0; i < t->n; i++) /* no early exit: timing does not reveal which */
        if (au_token_eq(&t->v[i], tok, len) && !found) found = &t->v[i];
    if (!found) return 401;
    if ((write && !found->rw) || !au_prefix_ok(found, key, klen)) return 403;
    return 0;
}
