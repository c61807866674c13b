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

/* Split line into l: nwords words, the mode, an optional prefix. */
static int au_parse_line(char *line, size_t nwords, au_line *l, const char **why)
{
    char *save = NULL;
    char *w[4] = {0};
    size_t n = 0;
    for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == nwords + 2) return ZD_EINVAL;
        w[n++] = tok;
    }
    if (n < nwords + 1) return ZD_EINVAL;
    *l = (au_line){.nwords = nwords, .prefix = ""};
    for (size_t i = 0; i < nwords; i++)
        l->words[i] = w[i];
    const char *mode = w[nwords];
    if (strcmp(mode, "rw") != 0 && strcmp(mode, "ro") != 0) {
        *why = "mode must be rw or ro";
        return ZD_EINVAL;
    }
    l->rw = mode[1] == 'w';
    if (w[nwords + 1]) {
        const char *prefix = w[nwords + 1];
        while (*prefix == '/')
            prefix++;
        size_t plen = strlen(prefix);
        while (plen > 0 && prefix[plen - 1] == '/')
            plen--;
        if (plen > ZD_MAX_KEY) {
            *why = "prefix too long";
            return ZD_EINVAL;
        }
        l->prefix = prefix;
        l->prefix_len = plen;
    }
    return 0;
}

int au_read_file(const char *path, size_t nwords, const char *usage,
                 int (*each)(void *ctx, const au_line *l, const char **why), void *ctx, char *err,
                 size_t errlen)
{
    FILE *f = fopen(path, "r"); /* fs-lint: not a store path: --token-file, --s3-keys */
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return ZD_EIO;
    }
    int rc = 0;
    char line[2 * AU_TOKEN_MAX + ZD_MAX_KEY + 64];
    int lineno = 0, entries = 0;
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
        if (entries++ == AU_MAX_TOKENS) {
            snprintf(err, errlen, "%s: more than %d entries", path, AU_MAX_TOKENS);
            rc = ZD_EOVERFLOW;
            break;
        }
        au_line l;
        const char *why = usage;
        rc = au_parse_line(line, nwords, &l, &why);
        if (!rc) rc = each(ctx, &l, &why);
        if (rc) snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    }
    fclose(f);
    if (!rc && entries == 0) {
        snprintf(err, errlen, "%s: no entries", path);
        rc = ZD_EINVAL;
    }
    return rc;
}

static int au_add(void *ctx, const au_line *l, const char **why)
{
    au_table *t = ctx;
    au_token *v = realloc(t->v, (t->n + 1) * sizeof *v);
    if (!v) return ZD_ENOMEM;
    t->v = v;
    au_token *tok = &t->v[t->n];
    tok->token_len = strlen(l->words[0]);
    if (tok->token_len >= AU_TOKEN_MAX) {
        *why = "token too long";
        return ZD_EINVAL;
    }
    memcpy(tok->token, l->words[0], tok->token_len + 1);
    tok->rw = l->rw;
    memcpy(tok->prefix, l->prefix, l->prefix_len);
    tok->prefix[l->prefix_len] = '\0';
    tok->prefix_len = l->prefix_len;
    t->n++;
    return 0;
}

int au_load(const char *path, au_table **out, char *err, size_t errlen)
{
    au_table *t = calloc(1, sizeof *t);
    if (!t) return ZD_ENOMEM;
    int rc = au_read_file(path, 1, "expected TOKEN rw|ro [PREFIX]", au_add, t, err, errlen);
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
