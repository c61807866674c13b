/* zd_ctype.h: locale-independent character classes and small lexing helpers shared by the
 * HTTP-facing parsers (RFC 9110 tokens, OWS, hex digits, case-insensitive compare, strict
 * decimal numbers, bounded quoting of input in error messages). All static inline; none of
 * them looks at the C locale. */
#ifndef ZD_CTYPE_H
#define ZD_CTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline bool zd_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Value 0..15 of a hex digit, or -1. */
static inline int zd_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* OWS: space or horizontal tab (RFC 9110 5.6.3). */
static inline bool zd_is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* tchar of an RFC 9110 token (5.6.2). */
static inline bool zd_is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline unsigned char zd_ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* True if s[0..len) equals the NUL-terminated lowercase `lit` ignoring ASCII case. */
static inline bool zd_ascii_caseeq(const char *s, size_t len, const char *lit)
{
    size_t i = 0;
    for (; i < len; i++)
        if (lit[i] == '\0' || zd_ascii_lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    return lit[i] == '\0';
}

/* Trim OWS from both ends of s[0..*len): advances *s and shrinks *len. */
static inline void zd_trim_ows(const char **s, size_t *len)
{
    while (*len > 0 && zd_is_ows((unsigned char)(*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && zd_is_ows((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* Strict decimal: s[0..len) is 1 or more digits whose value fits in uint64. */
static inline bool zd_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!zd_is_digit(c) || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(c - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

/* Precision for quoting untrusted input in an error message ("%.*s"): at most 40 bytes, so a
 * huge length can never become a negative (unbounded) precision. */
static inline int zd_quote_len(size_t len)
{
    return len < 40 ? (int)len : 40;
}

#endif
