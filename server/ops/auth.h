/* auth.h: bearer-token access control (--token-file).
 *
 * File format, one token per line: `TOKEN rw|ro [PREFIX]`; blank lines and lines starting with
 * '#' are ignored. `ro` allows GET/HEAD/listings, `rw` also writes. With a PREFIX the token
 * only reaches keys equal to PREFIX or below PREFIX/ (segment-wise). Tokens are compared in
 * constant time and never logged. */
#ifndef ZS_AUTH_H
#define ZS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct au_table au_table;

/* One line of a rights file: `WORD... rw|ro [PREFIX]` with nwords leading words (a bearer
 * token; an S3 access key id and its secret), PREFIX without leading or trailing '/'. */
typedef struct au_line {
    const char *words[2];
    size_t nwords;
    bool rw;
    const char *prefix; /* "" = everything */
    size_t prefix_len;
} au_line;

/* Read a rights file (blank lines and '#' comments skipped, at most 4096 entries): each(ctx,
 * line) for every entry, which returns 0 or a negative code (and may set *why). On failure
 * returns a negative code and writes "PATH:LINE: reason" to err. */
int au_read_file(const char *path, size_t nwords, const char *usage,
                 int (*each)(void *ctx, const au_line *l, const char **why), void *ctx, char *err,
                 size_t errlen);

/* Load a token file. On failure returns a negative code and writes a reason to err. */
int au_load(const char *path, au_table **out, char *err, size_t errlen);
void au_free(au_table *t);

/* Decide a request: authz is the Authorization header (NULL if absent), key the decoded key
 * or listing prefix ("" = root). Returns 0 (allowed), 401 (no or unknown token) or 403. */
int au_check(const au_table *t, const char *authz, size_t authz_len, const char *key,
             size_t key_len, bool write);

#endif
