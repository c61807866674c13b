/* zd_query.h: the query string of a request target (the part after '?'): iterating and
 * finding `name=value` pairs separated by '&', decoding them (percent-escapes and '+' for
 * space, as HTML forms do), and parsing comma-separated integer lists such as `chunk=3,0,7`.
 *
 * Pairs are returned as spans into the caller's string, still encoded; decoding writes into
 * a caller buffer. Nothing allocates. */
#ifndef ZD_QUERY_H
#define ZD_QUERY_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct zd_query_iter {
    const char *s;
    size_t len;
    size_t pos;
} zd_query_iter;

typedef struct zd_query_pair {
    const char *name; /* encoded, not empty */
    size_t name_len;
    const char *value; /* encoded; empty if no '=' */
    size_t value_len;
    bool has_value; /* the pair had an '=' ("batch" has none, "batch=" has one) */
} zd_query_pair;

/* Start iterating over a query string of `len` bytes (without the '?'). */
void zd_query_iter_init(zd_query_iter *it, const char *query, size_t len);

/* Next pair; empty elements ("a=1&&b=2", a trailing '&') and elements without a name ("=x")
 * are skipped. Returns true and fills *pair, or false at the end. */
bool zd_query_next(zd_query_iter *it, zd_query_pair *pair);

/* Decode `len` bytes of a name or value: "%XX" -> byte, '+' -> ' '. Writes at most `cap`
 * bytes to out and sets *out_len. ZD_EINVAL for a malformed escape, a decoded NUL or a result
 * longer than cap. */
int zd_query_decode(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                    zd_error *err);

/* The first pair whose decoded name equals `name` (NUL-terminated, compared exactly), still
 * encoded, into *pair: 0 with *found set, or ZD_EINVAL if a name is malformed. For a value of
 * unknown length, decoded by the caller (zd_query_decode) into a buffer of value_len bytes. */
int zd_query_find(const char *query, size_t len, const char *name, zd_query_pair *pair, bool *found,
                  zd_error *err);

/* Find the first pair whose decoded name equals `name` (NUL-terminated, compared exactly) and
 * decode its value into out (cap bytes; NUL-terminated, so at most cap-1 value bytes).
 * Returns 0 with *found set (false: out is ""), or ZD_EINVAL if a name or that value is
 * malformed or the value does not fit. */
int zd_query_get(const char *query, size_t len, const char *name, char *out, size_t cap,
                 size_t *out_len, bool *found, zd_error *err);

#define ZD_QUERY_MAX_PAIRS 64 /* the most pairs zd_query_repeated looks at */

/* Is a name given twice (compared decoded: "chunk" and "%63hunk" are one name)? An ambiguous
 * request (`?chunk=1,2&chunk=1,1`) is refused rather than read by its first pair. Returns 1
 * with *dup the second occurrence, 0 if every name is distinct, ZD_ERANGE for more than `max`
 * pairs (at most ZD_QUERY_MAX_PAIRS), ZD_EINVAL for a malformed escape in a name. */
int zd_query_repeated(const char *query, size_t len, size_t max, zd_query_pair *dup, zd_error *err);

/* Parse a comma-separated list of decimal non-negative integers ("3,0,7") into out[0..*n),
 * at most `max` entries (callers pass ZD_MAX_DIMS). No signs, spaces or empty entries; each
 * value must fit in uint64. Anything else, including an empty list: ZD_EINVAL. */
int zd_parse_u64_list(const char *s, size_t len, uint64_t *out, size_t max, size_t *n,
                      zd_error *err);

#endif
