/* zd_fill.c: Zarr v3 fill values — JSON ⇄ element bytes (see zd_fill.h).
 *
 * cJSON keeps numbers as doubles, so integer fill values are checked to be integral and in the
 * type's range as doubles; integers beyond ±2^53 are exact only when written as text by
 * zd_fill_to_json (a cJSON raw item), which zd_fill_parse reads back exactly. Finite floats are
 * written as raw items too, with the fewest digits that convert back to the same bits (cJSON's
 * own printing settles for 15 digits when they are merely close). float16 has no C type: it is
 * converted to and from double here with round-to-nearest-even. */
#include "zd_fill.h"

#include "zd_ctype.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HALF_EXP_MASK  0x7c00u
#define HALF_FRAC_MASK 0x03ffu
#define HALF_NAN       0x7e00u
#define FLOAT32_NAN    UINT32_C(0x7fc00000)
#define FLOAT64_NAN    UINT64_C(0x7ff8000000000000)

static double half_to_double(uint16_t h)
{
    double sign = (h & 0x8000u) ? -1.0 : 1.0;
    unsigned exp = (h & HALF_EXP_MASK) >> 10;
    unsigned frac = h & HALF_FRAC_MASK;
    if (exp == 0) return sign * ldexp(frac, -24);
    if (exp == 31) return frac ? NAN : sign * INFINITY;
    return sign * ldexp(frac + 1024, (int)exp - 25);
}

/* Nearest binary16 bit pattern (ties to even); values beyond the range become infinity. */
static uint16_t half_from_double(double d)
{
    uint16_t sign = signbit(d) ? 0x8000u : 0;
    d = fabs(d);
    if (isnan(d)) return HALF_NAN;
    if (d < 0x1p-14) /* subnormal: d = m * 2^-24; m == 1024 is the smallest normal, also right */
        return sign | (uint16_t)nearbyint(d * 0x1p24);
    int e;
    double f = frexp(d, &e); /* d = f * 2^e, f in [0.5, 1) */
    double m = nearbyint(ldexp(f, 11));
    int biased = e - 1 + 15;
    if (m == 2048.0) {
        m = 1024.0;
        biased++;
    }
    if (isinf(d) || biased >= 31) return sign | HALF_EXP_MASK;
    return sign | (uint16_t)((unsigned)biased << 10) | (uint16_t)((unsigned)m - 1024u);
}

static bool is_float_type(zd_dtype t)
{
    return t == ZD_FLOAT16 || t == ZD_FLOAT32 || t == ZD_FLOAT64;
}

static bool is_signed_type(zd_dtype t)
{
    return t == ZD_INT8 || t == ZD_INT16 || t == ZD_INT32 || t == ZD_INT64;
}

static bool is_unsigned_type(zd_dtype t)
{
    return t == ZD_UINT8 || t == ZD_UINT16 || t == ZD_UINT32 || t == ZD_UINT64;
}

static void store_uint(uint8_t *out, size_t size, uint64_t v)
{
    for (size_t i = 0; i < size; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t load_uint(const uint8_t *in, size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)in[i] << (8 * i);
    return v;
}

static int parse_hex_bits(const char *s, size_t size, uint64_t *bits)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s + 2) != 2 * size) return ZD_EINVAL;
    uint64_t v = 0;
    for (const char *p = s + 2; *p; p++) {
        int digit = zd_hex_value((unsigned char)*p);
        if (digit < 0) return ZD_EINVAL;
        v = (v << 4) | (uint64_t)digit;
    }
    *bits = v;
    return 0;
}

static uint64_t float_bits_from_double(zd_dtype t, double d)
{
    if (t == ZD_FLOAT16) return half_from_double(d);
    if (t == ZD_FLOAT32) {
        float f = isnan(d) ? NAN : (float)d;
        uint32_t b;
        memcpy(&b, &f, sizeof b);
        return isnan(d) ? FLOAT32_NAN : b;
    }
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return isnan(d) ? FLOAT64_NAN : b;
}

static bool float_overflows(zd_dtype t, double d)
{
    if (!isfinite(d)) return false;
    if (t == ZD_FLOAT16) return fabs(d) >= 65520.0;
    if (t == ZD_FLOAT32) return isinf((float)d);
    return false;
}

/* A JSON number, or raw number text as written by float_to_json. */
static bool json_number(const cJSON *json, double *out)
{
    if (cJSON_IsNumber(json)) {
        *out = json->valuedouble;
        return true;
    }
    if (!cJSON_IsRaw(json) || !json->valuestring[0]) return false;
    char *end;
    *out = strtod(json->valuestring, &end);
    return *end == '\0' && isfinite(*out);
}

/* One float scalar of type t (float16/32/64) into `out`. `what` names the field in errors. */
static int parse_float(const cJSON *json, zd_dtype t, uint8_t *out, const char *what, zd_error *err)
{
    size_t size = zd_dtype_size(t);
    const char *name = zd_dtype_name(t);
    uint64_t bits;
    double number;
    if (json_number(json, &number)) {
        if (float_overflows(t, number))
            return zd_error_set(err, ZD_ERANGE, "%s: %g is out of range for %s", what, number,
                                name);
        bits = float_bits_from_double(t, number);
    } else if (cJSON_IsString(json)) {
        const char *s = json->valuestring;
        if (strcmp(s, "NaN") == 0)
            bits = float_bits_from_double(t, NAN);
        else if (strcmp(s, "Infinity") == 0)
            bits = float_bits_from_double(t, INFINITY);
        else if (strcmp(s, "-Infinity") == 0)
            bits = float_bits_from_double(t, -INFINITY);
        else if (parse_hex_bits(s, size, &bits) != 0)
            return zd_error_set(err, ZD_EINVAL,
                                "%s: \"%.40s\" is not NaN, Infinity, -Infinity or a hex string "
                                "of %zu digits for %s",
                                what, s, 2 * size, name);
    } else {
        return zd_error_set(err, ZD_EINVAL, "%s: %s needs a number or a string", what, name);
    }
    store_uint(out, size, bits);
    return 0;
}

/* Exact decimal integer text (as written by zd_json_from_u64 / zd_json_from_i64). */
static int parse_int_text(const char *s, bool *negative, uint64_t *magnitude)
{
    *negative = s[0] == '-';
    const char *digits = s + (*negative ? 1 : 0);
    if (digits[0] < '0' || digits[0] > '9' || (digits[0] == '0' && digits[1] != '\0'))
        return ZD_EINVAL;
    for (const char *p = digits; *p; p++)
        if (*p < '0' || *p > '9') return ZD_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(digits, NULL, 10);
    if (errno == ERANGE) return ZD_ERANGE;
    *magnitude = v;
    return 0;
}

int zd_json_int(const cJSON *item, bool *negative, uint64_t *magnitude)
{
    if (cJSON_IsRaw(item)) return parse_int_text(item->valuestring, negative, magnitude);
    if (!cJSON_IsNumber(item)) return ZD_EINVAL;
    double d = item->valuedouble;
    if (!isfinite(d) || d != floor(d)) return ZD_EINVAL;
    if (fabs(d) >= 0x1p64) return ZD_ERANGE;
    *negative = d < 0;
    *magnitude = (uint64_t)fabs(d);
    return 0;
}

cJSON *zd_json_from_u64(uint64_t v)
{
    char text[24];
    if (v <= INT32_MAX) return cJSON_CreateNumber((double)v);
    snprintf(text, sizeof text, "%" PRIu64, v);
    return cJSON_CreateRaw(text);
}

cJSON *zd_json_from_i64(int64_t v)
{
    char text[24];
    if (v >= INT32_MIN && v <= INT32_MAX) return cJSON_CreateNumber((double)v);
    snprintf(text, sizeof text, "%" PRId64, v);
    return cJSON_CreateRaw(text);
}

static int parse_integer(const cJSON *json, zd_dtype t, uint8_t *out, zd_error *err)
{
    size_t size = zd_dtype_size(t);
    const char *name = zd_dtype_name(t);
    bool negative;
    uint64_t magnitude;
    int rc = zd_json_int(json, &negative, &magnitude);
    if (rc == ZD_EINVAL && (cJSON_IsNumber(json) || cJSON_IsRaw(json)))
        return zd_error_set(err, ZD_ERANGE, "fill_value: not an integer (%s)", name);
    if (rc == ZD_EINVAL)
        return zd_error_set(err, ZD_EINVAL, "fill_value: %s needs an integer", name);
    if (rc != 0) return zd_error_set(err, rc, "fill_value: out of range for %s", name);
    unsigned bits = (unsigned)(8 * size);
    uint64_t value;
    if (is_unsigned_type(t)) {
        uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        if ((negative && magnitude != 0) || magnitude > max) goto out_of_range;
        value = magnitude;
    } else {
        uint64_t limit = UINT64_C(1) << (bits - 1); /* |min|; max is limit - 1 */
        if (negative ? magnitude > limit : magnitude >= limit) goto out_of_range;
        value = negative ? (uint64_t)0 - magnitude : magnitude;
    }
    store_uint(out, size, value);
    return 0;
out_of_range:
    return zd_error_set(err, ZD_ERANGE, "fill_value: %s%" PRIu64 " is out of range for %s",
                        negative && magnitude ? "-" : "", magnitude, name);
}

static int parse_complex(const cJSON *json, zd_dtype t, uint8_t *out, zd_error *err)
{
    zd_dtype part = t == ZD_COMPLEX64 ? ZD_FLOAT32 : ZD_FLOAT64;
    if (!cJSON_IsArray(json) || cJSON_GetArraySize(json) != 2)
        return zd_error_set(err, ZD_EINVAL, "fill_value: %s needs a pair [real, imaginary]",
                            zd_dtype_name(t));
    int rc = parse_float(json->child, part, out, "fill_value[0]", err);
    if (rc == 0)
        rc = parse_float(json->child->next, part, out + zd_dtype_size(part), "fill_value[1]", err);
    return rc;
}

int zd_fill_parse(const cJSON *json, zd_dtype t, uint8_t out[ZD_FILL_BYTES], zd_error *err)
{
    uint8_t value[ZD_FILL_BYTES] = {0};
    int rc;
    if (json == NULL || cJSON_IsNull(json))
        return zd_error_set(err, ZD_EINVAL, "fill_value: missing or null");
    if ((unsigned)t >= ZD_DTYPE_COUNT)
        return zd_error_set(err, ZD_EUNSUPPORTED, "fill_value: unknown data type");
    if (t == ZD_BOOL) {
        if (!cJSON_IsBool(json))
            return zd_error_set(err, ZD_EINVAL, "fill_value: bool needs true or false");
        value[0] = cJSON_IsTrue(json) ? 1 : 0;
        rc = 0;
    } else if (is_signed_type(t) || is_unsigned_type(t)) {
        rc = parse_integer(json, t, value, err);
    } else if (is_float_type(t)) {
        rc = parse_float(json, t, value, "fill_value", err);
    } else {
        rc = parse_complex(json, t, value, err);
    }
    if (rc == 0) memcpy(out, value, ZD_FILL_BYTES);
    return rc;
}

static cJSON *hex_json(uint64_t bits, size_t size)
{
    char text[2 + 16 + 1];
    snprintf(text, sizeof text, "0x%0*" PRIx64, (int)(2 * size), bits);
    return cJSON_CreateString(text);
}

static cJSON *float_to_json(zd_dtype t, const uint8_t *in)
{
    size_t size = zd_dtype_size(t);
    uint64_t bits = load_uint(in, size);
    double d;
    uint64_t canonical_nan;
    if (t == ZD_FLOAT16) {
        d = half_to_double((uint16_t)bits);
        canonical_nan = HALF_NAN;
    } else if (t == ZD_FLOAT32) {
        float f;
        uint32_t b32 = (uint32_t)bits;
        memcpy(&f, &b32, sizeof f);
        d = f;
        canonical_nan = FLOAT32_NAN;
    } else {
        memcpy(&d, &bits, sizeof d);
        canonical_nan = FLOAT64_NAN;
    }
    if (isnan(d)) return bits == canonical_nan ? cJSON_CreateString("NaN") : hex_json(bits, size);
    if (isinf(d)) return cJSON_CreateString(d > 0 ? "Infinity" : "-Infinity");
    if (d == 0 && signbit(d)) /* cJSON would print -0.0 as "0" */
        return hex_json(bits, size);
    /* cJSON prints doubles with 15 digits when that is merely close, so write the shortest
     * decimal text that converts back to exactly these bits as a raw item. */
    char text[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, d);
        if (float_bits_from_double(t, strtod(text, NULL)) == bits) break;
    }
    return cJSON_CreateRaw(text);
}

static cJSON *integer_to_json(zd_dtype t, const uint8_t *in)
{
    size_t size = zd_dtype_size(t);
    uint64_t raw = load_uint(in, size);
    if (is_unsigned_type(t)) return zd_json_from_u64(raw);
    unsigned shift = (unsigned)(64 - 8 * size);
    return zd_json_from_i64((int64_t)(raw << shift) >> shift); /* sign-extend */
}

cJSON *zd_fill_to_json(zd_dtype t, const uint8_t fill[ZD_FILL_BYTES])
{
    if (t == ZD_BOOL) return cJSON_CreateBool(fill[0] != 0);
    if (is_signed_type(t) || is_unsigned_type(t)) return integer_to_json(t, fill);
    if (is_float_type(t)) return float_to_json(t, fill);
    if (t != ZD_COMPLEX64 && t != ZD_COMPLEX128) return NULL;
    zd_dtype part = t == ZD_COMPLEX64 ? ZD_FLOAT32 : ZD_FLOAT64;
    cJSON *pair = cJSON_CreateArray();
    cJSON *re = float_to_json(part, fill);
    cJSON *im = float_to_json(part, fill + zd_dtype_size(part));
    if (!pair || !re || !im) {
        cJSON_Delete(pair);
        cJSON_Delete(re);
        cJSON_Delete(im);
        return NULL;
    }
    cJSON_AddItemToArray(pair, re);
    cJSON_AddItemToArray(pair, im);
    return pair;
}

void zd_fill_buffer(void *buf, size_t n, zd_dtype t, const uint8_t fill[ZD_FILL_BYTES])
{
    size_t size = zd_dtype_size(t);
    size_t total = n * size;
    static const uint8_t zero[ZD_FILL_BYTES];
    if (total == 0) return;
    if (size == 1 || memcmp(fill, zero, size) == 0) {
        memset(buf, fill[0], total);
        return;
    }
    /* Seed one element, then double the filled prefix until the buffer is full. */
    uint8_t *out = buf;
    memcpy(out, fill, size);
    for (size_t done = size; done < total;) {
        size_t step = done < total - done ? done : total - done;
        memcpy(out + done, out, step);
        done += step;
    }
}

bool zd_fill_is_uniform(const void *buf, size_t n, zd_dtype t, const uint8_t fill[ZD_FILL_BYTES])
{
    size_t size = zd_dtype_size(t);
    const uint8_t *in = buf;
    if (n == 0) return true;
    if (memcmp(in, fill, size) != 0) return false;
    /* Element i equals element i+1 for every i, hence all equal the first. */
    return memcmp(in, in + size, (n - 1) * size) == 0;
}
