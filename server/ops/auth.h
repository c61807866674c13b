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

/* Load a token file. On failure returns a negative code and writes a reason to err. */
int au_load(const char *path, au_table **out, char *err, size_t errlen);
void au_free(au_table *t);

/* Decide a request: authz is the Authorization header (NULL if absent), key the decoded key
 * or listing prefix ("" = root). Returns 0 (allowed), 401 (no or unknown token) or 403. */
int au_check(const au_table *t, const char *authz, size_t authz_len, const char *key,
             size_t key_len, bool write);

#endif
