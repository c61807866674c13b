/* zd_httpdate.c: HTTP date formatting and parsing (see zd_httpdate.h). No locale, no
 * time zone, no libc calendar functions: pure arithmetic on the civil calendar, so the result
 * never depends on the process's environment (only RFC 850's two-digit years read the clock). */
#include "zd_httpdate.h"

#include "zd_ctype.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char zd_wkday[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char zd_month[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const zd_weekday_long[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                               "Friday", "Saturday", "Sunday"};

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
int64_t zd_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void zd_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t zd_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

#define ZD_DATE_MAX 253402300799 /* 9999-12-31T23:59:59Z: four-digit years only */

void zd_httpdate_format(int64_t t, char *out)
{
    t = t < 0 ? 0 : t > ZD_DATE_MAX ? ZD_DATE_MAX : t;
    char tmp[64];
    int64_t days = zd_floor_div(t, 86400), secs = t - days * 86400, y;
    unsigned m, d;
    zd_civil_from_days(days, &y, &m, &d);
    int wd = (int)(((days % 7) + 7) % 7);
    snprintf(tmp, sizeof tmp, "%s, %02u %s %04lld %02d:%02d:%02d GMT", zd_wkday[wd], d,
             zd_month[m - 1], (long long)y, (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60));
    memcpy(out, tmp, ZD_HTTPDATE_LEN + 1);
}

void zd_isodate_format(int64_t t_ns, char *out)
{
    t_ns = t_ns < 0 ? 0 : t_ns;
    char tmp[64];
    int64_t t = zd_floor_div(t_ns, 1000000000), ms = (t_ns - t * 1000000000) / 1000000;
    int64_t days = zd_floor_div(t, 86400), secs = t - days * 86400, y;
    unsigned m, d;
    zd_civil_from_days(days, &y, &m, &d);
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), (int)ms);
    memcpy(out, tmp, ZD_ISODATE_LEN + 1);
}

/* A cursor over the header value. */
typedef struct zd_dp {
    const char *s;
    size_t len, i;
} zd_dp;

static bool dp_lit(zd_dp *p, const char *lit)
{
    size_t n = strlen(lit);
    if (p->len - p->i < n || memcmp(p->s + p->i, lit, n) != 0) return false;
    p->i += n;
    return true;
}

/* Exactly n digits. */
static bool dp_digits(zd_dp *p, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned k = 0; k < n; k++) {
        if (p->i >= p->len || !zd_is_digit(p->s[p->i])) return false;
        v = v * 10 + (unsigned)(p->s[p->i++] - '0');
    }
    *out = v;
    return true;
}

static bool dp_month(zd_dp *p, unsigned *m)
{
    for (unsigned k = 0; k < 12; k++)
        if (dp_lit(p, zd_month[k])) {
            *m = k + 1;
            return true;
        }
    return false;
}

static bool dp_time(zd_dp *p, unsigned *h, unsigned *mi, unsigned *s)
{
    return dp_digits(p, 2, h) && dp_lit(p, ":") && dp_digits(p, 2, mi) && dp_lit(p, ":") &&
           dp_digits(p, 2, s);
}

static bool dp_wkday_short(zd_dp *p)
{
    for (int k = 0; k < 7; k++)
        if (dp_lit(p, zd_wkday[k])) return true;
    return false;
}

static bool dp_wkday_long(zd_dp *p)
{
    for (int k = 0; k < 7; k++)
        if (dp_lit(p, zd_weekday_long[k])) return true;
    return false;
}

static bool zd_date_valid(unsigned y, unsigned m, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || h > 23 || mi > 59 || s > 60) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* Current year, for RFC 850's two-digit years (RFC 9110: more than 50 years in the future
 * means the most recent past year with the same last two digits). */
static unsigned zd_rfc850_year(unsigned yy, int64_t now)
{
    int64_t y;
    unsigned m, d;
    zd_civil_from_days(zd_floor_div(now, 86400), &y, &m, &d);
    unsigned full = (unsigned)(y - y % 100) + yy;
    if ((int64_t)full > y + 50) full -= 100;
    return full;
}

static bool zd_parse_at(zd_dp *p, int64_t now, int64_t *t)
{
    unsigned y = 0, m = 0, d = 0, h = 0, mi = 0, s = 0;
    size_t start = p->i;
    if (dp_wkday_short(p) && dp_lit(p, ", ")) { /* IMF-fixdate */
        if (!(dp_digits(p, 2, &d) && dp_lit(p, " ") && dp_month(p, &m) && dp_lit(p, " ") &&
              dp_digits(p, 4, &y) && dp_lit(p, " ") && dp_time(p, &h, &mi, &s) &&
              dp_lit(p, " GMT")))
            return false;
    } else if ((p->i = start, dp_wkday_long(p)) && dp_lit(p, ", ")) { /* RFC 850 */
        unsigned yy;
        if (!(dp_digits(p, 2, &d) && dp_lit(p, "-") && dp_month(p, &m) && dp_lit(p, "-") &&
              dp_digits(p, 2, &yy) && dp_lit(p, " ") && dp_time(p, &h, &mi, &s) &&
              dp_lit(p, " GMT")))
            return false;
        y = zd_rfc850_year(yy, now);
    } else if ((p->i = start, dp_wkday_short(p)) && dp_lit(p, " ")) { /* asctime */
        if (!(dp_month(p, &m) && dp_lit(p, " "))) return false;
        if (dp_lit(p, " ")) {
            if (!dp_digits(p, 1, &d)) return false;
        } else if (!dp_digits(p, 2, &d)) {
            return false;
        }
        if (!(dp_lit(p, " ") && dp_time(p, &h, &mi, &s) && dp_lit(p, " ") && dp_digits(p, 4, &y)))
            return false;
    } else {
        return false;
    }
    if (!zd_date_valid(y, m, d, h, mi, s)) return false;
    if (s == 60) s = 59; /* a leap second names the last second of that minute */
    *t = zd_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

bool zd_httpdate_parse(const char *s, size_t len, int64_t *t)
{
    zd_trim_ows(&s, &len);
    zd_dp p = {s, len, 0};
    return zd_parse_at(&p, (int64_t)time(NULL), t) && p.i == p.len;
}
