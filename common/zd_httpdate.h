/* zd_httpdate.h: HTTP dates (RFC 9110 section 5.6.7) and the ISO 8601 forms S3 uses.
 *
 * Formatting always writes IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). Parsing accepts
 * the three forms a recipient must accept: IMF-fixdate, the obsolete RFC 850 form
 * ("Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year more than 50 years in the future is
 * taken as the past century) and asctime ("Sun Nov  6 08:49:37 1994"). Everything else,
 * including out-of-range fields and trailing bytes, is invalid (a recipient then ignores the
 * header, as RFC 9110 says for If-Modified-Since). Times are seconds since the epoch, UTC. */
#ifndef ZD_HTTPDATE_H
#define ZD_HTTPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZD_HTTPDATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" without the NUL */
#define ZD_ISODATE_LEN  24 /* "1994-11-06T08:49:37.000Z" without the NUL */

/* Write IMF-fixdate for t into out (at least ZD_HTTPDATE_LEN + 1 bytes, NUL-terminated). */
void zd_httpdate_format(int64_t t, char *out);

/* Write ISO 8601 with milliseconds ("1994-11-06T08:49:37.123Z") for t_ns (nanoseconds since
 * the epoch) into out (at least ZD_ISODATE_LEN + 1 bytes, NUL-terminated). */
void zd_isodate_format(int64_t t_ns, char *out);

/* Parse one HTTP date from s[0..len) (surrounding spaces/tabs allowed); false if invalid. */
bool zd_httpdate_parse(const char *s, size_t len, int64_t *t);

/* Seconds since the epoch of a UTC calendar date (proleptic Gregorian; month 1..12). */
int64_t zd_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
