/* zd_meta.c: zarr.json parse/validate/write (see zd_meta.h). Parsing walks the document's
 * top-level fields once to refuse unknown ones and duplicates, then reads each known field in
 * dependency order (data_type before fill_value, shape before chunk_grid and dimension_names).
 * Nested objects whose fields are fixed (chunk_grid, chunk_key_encoding) are checked the same
 * way, so a misspelt field is an error that names it rather than a silently ignored setting. */
#include "zd_meta.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zd_checked.h"

static const char *const array_fields[] = {
    "zarr_format",          "node_type",  "shape",  "data_type",  "chunk_grid",
    "chunk_key_encoding",   "fill_value", "codecs", "attributes", "dimension_names",
    "storage_transformers", NULL};

/* zarr-python writes "consolidated_metadata" (usually null) into group documents; it is
 * accepted and written back unchanged. */
static const char *const group_fields[] = {"zarr_format", "node_type", "attributes",
                                           "consolidated_metadata", NULL};

static bool name_in(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0) return true;
    return false;
}

/* An unknown field may be ignored only if it is an object saying "must_understand": false. */
static bool ignorable_extension(const cJSON *item)
{
    const cJSON *mu = cJSON_GetObjectItemCaseSensitive(item, "must_understand");
    return cJSON_IsObject(item) && cJSON_IsFalse(mu);
}

/* Refuse unknown (non-ignorable) and duplicate fields of `obj`; `path` prefixes messages.
 * With `extra` set, ignorable extensions and `keep` fields are copied into *extra. */
static int check_fields(const cJSON *obj, const char *const *known, const char *keep,
                        const char *path, cJSON **extra, zd_error *err)
{
    for (const cJSON *item = obj->child; item; item = item->next) {
        const char *name = item->string;
        bool is_known = name_in(name, known);
        if (is_known) {
            for (const cJSON *prev = obj->child; prev != item; prev = prev->next)
                if (strcmp(prev->string, name) == 0)
                    return zd_error_set(err, ZD_EINVAL, "%s%s: duplicate field", path, name);
        } else if (!ignorable_extension(item)) {
            return zd_error_set(err, ZD_EUNSUPPORTED, "%s%s: unknown field", path, name);
        }
        if (!extra || (is_known && !(keep && strcmp(name, keep) == 0))) continue;
        if (!*extra && !(*extra = cJSON_CreateObject()))
            return zd_error_set(err, ZD_ENOMEM, "%s%s: out of memory", path, name);
        cJSON *copy = cJSON_Duplicate(item, true);
        if (!copy || !cJSON_AddItemToObject(*extra, name, copy)) {
            cJSON_Delete(copy);
            return zd_error_set(err, ZD_ENOMEM, "%s%s: out of memory", path, name);
        }
    }
    return 0;
}

static const cJSON *field(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static int parse_u64(const cJSON *item, uint64_t *out)
{
    bool negative;
    uint64_t v;
    int rc = zd_json_int(item, &negative, &v);
    if (rc != 0 || (negative && v != 0)) return ZD_EINVAL;
    *out = v;
    return 0;
}

/* A JSON array of at most ZD_MAX_DIMS non-negative integers (all >= min). */
static int parse_dims(const cJSON *arr, const char *name, uint64_t min, int *ndim, uint64_t *dims,
                      zd_error *err)
{
    if (!cJSON_IsArray(arr))
        return zd_error_set(err, ZD_EINVAL, "%s: needs an array of integers", name);
    int n = 0;
    for (const cJSON *item = arr->child; item; item = item->next, n++) {
        if (n == ZD_MAX_DIMS)
            return zd_error_set(err, ZD_EOVERFLOW, "%s: more than %d dimensions", name,
                                ZD_MAX_DIMS);
        if (parse_u64(item, &dims[n]) != 0 || dims[n] < min)
            return zd_error_set(err, ZD_EINVAL, "%s[%d]: needs an integer >= %" PRIu64, name, n,
                                min);
    }
    *ndim = n;
    return 0;
}

/* Chunk bounds shared by the parser and zd_meta_new_array. */
static int check_chunk_shape(int ndim, const uint64_t *chunk_shape, zd_dtype dtype, zd_error *err)
{
    uint64_t bytes = zd_dtype_size(dtype);
    for (int d = 0; d < ndim; d++) {
        if (chunk_shape[d] == 0)
            return zd_error_set(err, ZD_EINVAL, "chunk_grid: chunk_shape[%d] is 0", d);
        if (!zd_mul_u64(bytes, chunk_shape[d], &bytes) || bytes > ZD_MAX_CHUNK_BYTES)
            return zd_error_set(err, ZD_EOVERFLOW, "chunk_grid: a chunk exceeds %" PRIu64 " bytes",
                                (uint64_t)ZD_MAX_CHUNK_BYTES);
    }
    return 0;
}

/* An extension point value (chunk_grid, chunk_key_encoding, a codec): a name string, or an
 * object with "name", optional "configuration" (an object) and optional "must_understand". */
static int parse_extension(const cJSON *ext, const char *path, const char **name,
                           const cJSON **config, zd_error *err)
{
    static const char *const ext_fields[] = {"name", "configuration", "must_understand", NULL};
    char prefix[64];
    *config = NULL;
    if (cJSON_IsString(ext)) {
        *name = ext->valuestring;
        return 0;
    }
    if (!cJSON_IsObject(ext))
        return zd_error_set(err, ZD_EINVAL, "%s: needs an object or a name", path);
    const cJSON *n = field(ext, "name");
    if (!cJSON_IsString(n))
        return zd_error_set(err, ZD_EINVAL, "%s.name: missing or not a string", path);
    snprintf(prefix, sizeof prefix, "%s.", path);
    int rc = check_fields(ext, ext_fields, NULL, prefix, NULL, err);
    if (rc != 0) return rc;
    const cJSON *mu = field(ext, "must_understand");
    if (mu && !cJSON_IsBool(mu))
        return zd_error_set(err, ZD_EINVAL, "%s.must_understand: needs true or false", path);
    *config = field(ext, "configuration");
    if (*config && !cJSON_IsObject(*config))
        return zd_error_set(err, ZD_EINVAL, "%s.configuration: not an object", path);
    *name = n->valuestring;
    return 0;
}

static int parse_chunk_grid(const cJSON *grid, zd_meta *m, zd_error *err)
{
    static const char *const config_fields[] = {"chunk_shape", NULL};
    const char *name;
    const cJSON *config;
    int rc = parse_extension(grid, "chunk_grid", &name, &config, err);
    if (rc != 0) return rc;
    if (strcmp(name, "regular") != 0)
        return zd_error_set(err, ZD_EUNSUPPORTED, "chunk_grid.name: \"%.64s\" is not supported",
                            name);
    if (!config) return zd_error_set(err, ZD_EINVAL, "chunk_grid.configuration: missing");
    rc = check_fields(config, config_fields, NULL, "chunk_grid.configuration.", NULL, err);
    if (rc != 0) return rc;
    const cJSON *chunk_shape = field(config, "chunk_shape");
    int n;
    rc =
        parse_dims(chunk_shape, "chunk_grid.configuration.chunk_shape", 1, &n, m->chunk_shape, err);
    if (rc != 0) return rc;
    if (n != m->ndim)
        return zd_error_set(err, ZD_EINVAL,
                            "chunk_grid.configuration.chunk_shape: %d dimensions, shape has %d", n,
                            m->ndim);
    return check_chunk_shape(m->ndim, m->chunk_shape, m->dtype, err);
}

static int parse_key_encoding(const cJSON *enc, zd_meta *m, zd_error *err)
{
    static const char *const config_fields[] = {"separator", NULL};
    const char *name;
    const cJSON *config;
    int rc = parse_extension(enc, "chunk_key_encoding", &name, &config, err);
    if (rc != 0) return rc;
    if (strcmp(name, "default") == 0)
        m->key_encoding = (zd_key_encoding){ZD_KEY_DEFAULT, '/'};
    else if (strcmp(name, "v2") == 0)
        m->key_encoding = (zd_key_encoding){ZD_KEY_V2, '.'};
    else
        return zd_error_set(err, ZD_EUNSUPPORTED,
                            "chunk_key_encoding.name: \"%.64s\" is not supported", name);
    if (!config) return 0;
    rc = check_fields(config, config_fields, NULL, "chunk_key_encoding.configuration.", NULL, err);
    if (rc != 0) return rc;
    const cJSON *sep = field(config, "separator");
    if (!sep) return 0;
    if (!cJSON_IsString(sep) ||
        (strcmp(sep->valuestring, "/") != 0 && strcmp(sep->valuestring, ".") != 0))
        return zd_error_set(err, ZD_EINVAL,
                            "chunk_key_encoding.configuration.separator: needs \"/\" or \".\"");
    m->key_encoding.separator = sep->valuestring[0];
    return 0;
}

static int check_codecs(const cJSON *codecs, zd_error *err)
{
    if (!cJSON_IsArray(codecs) || !codecs->child)
        return zd_error_set(err, ZD_EINVAL, "codecs: needs a non-empty array");
    int i = 0;
    for (const cJSON *c = codecs->child; c; c = c->next, i++) {
        char path[32];
        const char *name;
        const cJSON *config;
        snprintf(path, sizeof path, "codecs[%d]", i);
        int rc = parse_extension(c, path, &name, &config, err);
        if (rc != 0) return rc;
    }
    return 0;
}

/* A copy of valid codecs with every short-hand name "x" written as {"name": "x"}, so the codec
 * chain only ever sees objects. NULL when out of memory. */
static cJSON *normalised_codecs(const cJSON *codecs)
{
    cJSON *copy = cJSON_Duplicate(codecs, true);
    for (cJSON *c = copy ? copy->child : NULL; c; c = c->next) {
        if (!cJSON_IsString(c)) continue;
        cJSON *obj = cJSON_CreateObject();
        if (!obj || !cJSON_AddStringToObject(obj, "name", c->valuestring) ||
            !cJSON_ReplaceItemViaPointer(copy, c, obj)) {
            cJSON_Delete(obj);
            cJSON_Delete(copy);
            return NULL;
        }
        c = obj;
    }
    return copy;
}

static int parse_dimension_names(const cJSON *names, zd_meta *m, zd_error *err)
{
    if (!names || cJSON_IsNull(names)) return 0;
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != m->ndim)
        return zd_error_set(err, ZD_EINVAL, "dimension_names: needs null or an array of %d names",
                            m->ndim);
    int i = 0;
    for (const cJSON *n = names->child; n; n = n->next, i++)
        if (!cJSON_IsString(n) && !cJSON_IsNull(n))
            return zd_error_set(err, ZD_EINVAL, "dimension_names[%d]: needs a string or null", i);
    return 0;
}

/* Copy `item` into *slot (NULL stays NULL). */
static int keep_copy(const cJSON *item, cJSON **slot, const char *name, zd_error *err)
{
    if (!item) return 0;
    if (!(*slot = cJSON_Duplicate(item, true)))
        return zd_error_set(err, ZD_ENOMEM, "%s: out of memory", name);
    return 0;
}

static int parse_array(const cJSON *doc, zd_meta *m, zd_error *err)
{
    int rc = check_fields(doc, array_fields, NULL, "", &m->extra, err);
    if (rc != 0) return rc;
    static const char *const required[] = {
        "shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs", NULL};
    for (const char *const *r = required; *r; r++)
        if (!field(doc, *r)) return zd_error_set(err, ZD_EINVAL, "%s: missing", *r);
    if ((rc = parse_dims(field(doc, "shape"), "shape", 0, &m->ndim, m->shape, err)) != 0) return rc;
    const cJSON *dtype = field(doc, "data_type");
    if (!cJSON_IsString(dtype)) return zd_error_set(err, ZD_EINVAL, "data_type: needs a string");
    if (zd_dtype_parse(dtype->valuestring, &m->dtype) != 0)
        return zd_error_set(err, ZD_EUNSUPPORTED, "data_type: \"%.64s\" is not supported",
                            dtype->valuestring);
    if ((rc = parse_chunk_grid(field(doc, "chunk_grid"), m, err)) != 0 ||
        (rc = parse_key_encoding(field(doc, "chunk_key_encoding"), m, err)) != 0 ||
        (rc = zd_fill_parse(field(doc, "fill_value"), m->dtype, m->fill, err)) != 0 ||
        (rc = check_codecs(field(doc, "codecs"), err)) != 0 ||
        (rc = parse_dimension_names(field(doc, "dimension_names"), m, err)) != 0)
        return rc;
    const cJSON *st = field(doc, "storage_transformers");
    if (st && (!cJSON_IsArray(st) || st->child))
        return zd_error_set(err, ZD_EUNSUPPORTED,
                            "storage_transformers: not supported (must be empty)");
    const cJSON *names = field(doc, "dimension_names");
    if (!(m->codecs = normalised_codecs(field(doc, "codecs"))))
        return zd_error_set(err, ZD_ENOMEM, "codecs: out of memory");
    return keep_copy(cJSON_IsNull(names) ? NULL : names, &m->dimension_names, "dimension_names",
                     err);
}

int zd_meta_from_json(const cJSON *doc, zd_meta **out, zd_error *err)
{
    if (!cJSON_IsObject(doc)) return zd_error_set(err, ZD_EINVAL, "zarr.json: not a JSON object");
    const cJSON *format = field(doc, "zarr_format");
    if (!format) return zd_error_set(err, ZD_EINVAL, "zarr_format: missing");
    if (!cJSON_IsNumber(format) || format->valuedouble != 3)
        return zd_error_set(err, ZD_EUNSUPPORTED, "zarr_format: must be 3");
    const cJSON *node = field(doc, "node_type");
    if (!node) return zd_error_set(err, ZD_EINVAL, "node_type: missing");
    const cJSON *attrs = field(doc, "attributes");
    if (attrs && !cJSON_IsObject(attrs))
        return zd_error_set(err, ZD_EINVAL, "attributes: needs an object");
    zd_meta *m = calloc(1, sizeof *m);
    if (!m) return zd_error_set(err, ZD_ENOMEM, "zarr.json: out of memory");
    int rc;
    if (cJSON_IsString(node) && strcmp(node->valuestring, "array") == 0) {
        m->node_type = ZD_NODE_ARRAY;
        rc = parse_array(doc, m, err);
    } else if (cJSON_IsString(node) && strcmp(node->valuestring, "group") == 0) {
        m->node_type = ZD_NODE_GROUP;
        rc = check_fields(doc, group_fields, "consolidated_metadata", "", &m->extra, err);
    } else {
        rc = zd_error_set(err, ZD_EINVAL, "node_type: needs \"array\" or \"group\"");
    }
    if (rc == 0) rc = keep_copy(attrs, &m->attributes, "attributes", err);
    if (rc != 0) {
        zd_meta_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* Minimal scanning of text cJSON has already accepted, to recover the exact text of one
 * top-level member: cJSON keeps numbers only as doubles, which cannot hold every 64-bit
 * integer fill value. Every step is bounded by `end`. */
static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\') p++;
    return p < end ? p + 1 : end;
}

static bool ends_scalar(char c)
{
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_value(const char *p, const char *end)
{
    if (p < end && *p == '"') return skip_string(p, end);
    if (p < end && (*p == '{' || *p == '[')) {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if ((*p == '}' || *p == ']') && --depth == 0)
                return p + 1;
            p++;
        }
        return end;
    }
    while (p < end && !ends_scalar(*p))
        p++;
    return p;
}

static bool is_integer_token(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!(p[i] >= '0' && p[i] <= '9') && !(i == 0 && p[i] == '-')) return false;
    return len > 0;
}

/* The text of top-level member `name` (a key written without escapes); false if absent. */
static bool find_member(const char *text, size_t len, const char *name, const char **value,
                        size_t *value_len)
{
    const char *end = text + len, *p = skip_space(text, end);
    size_t name_len = strlen(name);
    if (p == end || *p != '{') return false;
    for (p = skip_space(p + 1, end); p < end && *p == '"';) {
        const char *key = p + 1;
        p = skip_string(p, end);
        bool match = (size_t)(p - 1 - key) == name_len && memcmp(key, name, name_len) == 0;
        p = skip_space(p, end);
        if (p == end || *p != ':') return false;
        p = skip_space(p + 1, end);
        const char *v = p;
        p = skip_value(p, end);
        if (match) {
            *value = v;
            *value_len = (size_t)(p - v);
            return true;
        }
        p = skip_space(p, end);
        if (p == end || *p != ',') return false;
        p = skip_space(p + 1, end);
    }
    return false;
}

/* Replace a fill_value number too large for a double to hold exactly by its exact text. */
static int keep_exact_fill_integer(cJSON *doc, const char *text, size_t len)
{
    const cJSON *fill = field(doc, "fill_value");
    const char *token;
    size_t token_len;
    char exact[32];
    if (!cJSON_IsNumber(fill) || fabs(fill->valuedouble) < 0x1p53 ||
        !find_member(text, len, "fill_value", &token, &token_len) || token_len >= sizeof exact ||
        !is_integer_token(token, token_len))
        return 0;
    memcpy(exact, token, token_len);
    exact[token_len] = '\0';
    cJSON *raw = cJSON_CreateRaw(exact);
    if (!raw || !cJSON_ReplaceItemInObjectCaseSensitive(doc, "fill_value", raw)) {
        cJSON_Delete(raw);
        return ZD_ENOMEM;
    }
    return 0;
}

int zd_meta_parse(const char *text, size_t len, zd_meta **out, zd_error *err)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    size_t at = end && end >= text ? (size_t)(end - text) : 0;
    while (doc && at < len && strchr(" \t\r\n", text[at]) && text[at])
        at++;
    if (doc && at < len) {
        cJSON_Delete(doc);
        return zd_error_set(err, ZD_EINVAL, "zarr.json: text after the document (byte %zu)", at);
    }
    if (!doc) return zd_error_set(err, ZD_EINVAL, "zarr.json: not valid JSON (near byte %zu)", at);
    int rc = keep_exact_fill_integer(doc, text, len);
    if (rc != 0)
        rc = zd_error_set(err, rc, "fill_value: out of memory");
    else
        rc = zd_meta_from_json(doc, out, err);
    cJSON_Delete(doc);
    return rc;
}

static cJSON *default_codecs(void)
{
    cJSON *codecs = cJSON_CreateArray();
    cJSON *bytes = cJSON_CreateObject();
    cJSON *config = cJSON_CreateObject();
    if (!codecs || !bytes || !config || !cJSON_AddStringToObject(config, "endian", "little") ||
        !cJSON_AddStringToObject(bytes, "name", "bytes")) {
        cJSON_Delete(codecs);
        cJSON_Delete(bytes);
        cJSON_Delete(config);
        return NULL;
    }
    cJSON_AddItemToObject(bytes, "configuration", config);
    cJSON_AddItemToArray(codecs, bytes);
    return codecs;
}

int zd_meta_new_array(int ndim, const uint64_t *shape, const uint64_t *chunk_shape, zd_dtype dtype,
                      zd_meta **out, zd_error *err)
{
    if (ndim < 0 || ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "shape: %d dimensions (at most %d)", ndim, ZD_MAX_DIMS);
    if ((unsigned)dtype >= ZD_DTYPE_COUNT)
        return zd_error_set(err, ZD_EUNSUPPORTED, "data_type: unknown");
    int rc = check_chunk_shape(ndim, chunk_shape, dtype, err);
    if (rc != 0) return rc;
    zd_meta *m = calloc(1, sizeof *m);
    if (!m || !(m->codecs = default_codecs())) {
        free(m);
        return zd_error_set(err, ZD_ENOMEM, "zarr.json: out of memory");
    }
    m->node_type = ZD_NODE_ARRAY;
    m->ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        m->shape[d] = shape[d];
        m->chunk_shape[d] = chunk_shape[d];
    }
    m->dtype = dtype;
    m->key_encoding = (zd_key_encoding){ZD_KEY_DEFAULT, '/'};
    *out = m;
    return 0;
}

int zd_meta_new_group(zd_meta **out)
{
    zd_meta *m = calloc(1, sizeof *m);
    if (!m) return ZD_ENOMEM;
    m->node_type = ZD_NODE_GROUP;
    *out = m;
    return 0;
}

int zd_meta_set_codecs(zd_meta *m, const cJSON *codecs, zd_error *err)
{
    int rc = check_codecs(codecs, err);
    if (rc != 0) return rc;
    cJSON *copy = normalised_codecs(codecs);
    if (!copy) return zd_error_set(err, ZD_ENOMEM, "codecs: out of memory");
    cJSON_Delete(m->codecs);
    m->codecs = copy;
    return 0;
}

int zd_meta_set_fill_json(zd_meta *m, const cJSON *json, zd_error *err)
{
    return zd_fill_parse(json, m->dtype, m->fill, err);
}

void zd_meta_free(zd_meta *m)
{
    if (!m) return;
    cJSON_Delete(m->codecs);
    cJSON_Delete(m->dimension_names);
    cJSON_Delete(m->attributes);
    cJSON_Delete(m->extra);
    free(m);
}

/* Add `item` to `obj` under `name`; on any failure delete `item` and return false. */
static bool add(cJSON *obj, const char *name, cJSON *item)
{
    if (item && cJSON_AddItemToObject(obj, name, item)) return true;
    cJSON_Delete(item);
    return false;
}

static cJSON *dims_json(int ndim, const uint64_t *dims)
{
    cJSON *arr = cJSON_CreateArray();
    for (int d = 0; arr && d < ndim; d++) {
        cJSON *v = zd_json_from_u64(dims[d]);
        if (!v) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, v);
    }
    return arr;
}

/* {"name": name, "configuration": {key: value}}; takes ownership of value. */
static cJSON *named_config(const char *name, const char *key, cJSON *value)
{
    cJSON *config = cJSON_CreateObject();
    if (!add(config, key, value)) {
        cJSON_Delete(config);
        return NULL;
    }
    cJSON *obj = cJSON_CreateObject();
    if (!add(obj, "name", cJSON_CreateString(name))) {
        cJSON_Delete(obj);
        cJSON_Delete(config);
        return NULL;
    }
    if (!add(obj, "configuration", config)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static bool add_array_fields(cJSON *doc, const zd_meta *m)
{
    char sep[2] = {m->key_encoding.separator, '\0'};
    const char *enc = m->key_encoding.kind == ZD_KEY_V2 ? "v2" : "default";
    return add(doc, "shape", dims_json(m->ndim, m->shape)) &&
           add(doc, "data_type", cJSON_CreateString(zd_dtype_name(m->dtype))) &&
           add(doc, "chunk_grid",
               named_config("regular", "chunk_shape", dims_json(m->ndim, m->chunk_shape))) &&
           add(doc, "chunk_key_encoding",
               named_config(enc, "separator", cJSON_CreateString(sep))) &&
           add(doc, "fill_value", zd_fill_to_json(m->dtype, m->fill)) &&
           add(doc, "codecs", cJSON_Duplicate(m->codecs, true)) &&
           (!m->dimension_names ||
            add(doc, "dimension_names", cJSON_Duplicate(m->dimension_names, true)));
}

cJSON *zd_meta_to_json(const zd_meta *m)
{
    cJSON *doc = cJSON_CreateObject();
    bool ok = doc && add(doc, "zarr_format", cJSON_CreateNumber(3)) &&
              add(doc, "node_type",
                  cJSON_CreateString(m->node_type == ZD_NODE_ARRAY ? "array" : "group"));
    if (ok && m->node_type == ZD_NODE_ARRAY) ok = add_array_fields(doc, m);
    if (ok && m->attributes) ok = add(doc, "attributes", cJSON_Duplicate(m->attributes, true));
    for (const cJSON *x = m->extra ? m->extra->child : NULL; ok && x; x = x->next)
        ok = add(doc, x->string, cJSON_Duplicate(x, true));
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

int zd_meta_write(const zd_meta *m, zd_buf *out)
{
    cJSON *doc = zd_meta_to_json(m);
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) return ZD_ENOMEM;
    int rc = zd_buf_append_str(out, text);
    cJSON_free(text);
    return rc;
}

int zd_meta_grid(const zd_meta *m, zd_grid *g)
{
    if (m->node_type != ZD_NODE_ARRAY) return ZD_EINVAL;
    return zd_grid_init(g, m->ndim, m->shape, m->chunk_shape, NULL);
}

int zd_meta_chunk_spec(const zd_meta *m, zd_chunk_spec *spec)
{
    if (m->node_type != ZD_NODE_ARRAY) return ZD_EINVAL;
    memset(spec, 0, sizeof *spec);
    spec->ndim = m->ndim;
    for (int d = 0; d < m->ndim; d++)
        spec->shape[d] = m->chunk_shape[d];
    spec->dtype = m->dtype;
    memcpy(spec->fill, m->fill, sizeof spec->fill);
    return 0;
}
