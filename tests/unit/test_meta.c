/* test_meta.c: unit tests for zarr.json: a zarr-python style array and group parse, documents
 * round trip through write and parse, every malformed field is refused with an error naming
 * it, extensions with must_understand false are kept, and limits are enforced. */
#include <criterion/criterion.h>

#include "zd_meta.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *array_doc =
    "{\"shape\": [10000, 1000, 7], \"data_type\": \"float32\","
    " \"chunk_grid\": {\"name\": \"regular\", \"configuration\": {\"chunk_shape\": [1000, 100, "
    "7]}},"
    " \"chunk_key_encoding\": {\"name\": \"default\", \"configuration\": {\"separator\": \"/\"}},"
    " \"fill_value\": \"NaN\","
    " \"codecs\": [{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}},"
    "              {\"name\": \"zstd\", \"configuration\": {\"level\": 0, \"checksum\": false}}],"
    " \"attributes\": {\"units\": \"m\", \"nested\": {\"a\": [1, 2]}},"
    " \"dimension_names\": [\"t\", null, \"z\"],"
    " \"zarr_format\": 3, \"node_type\": \"array\", \"storage_transformers\": []}";

static zd_meta *parse_ok(const char *text)
{
    zd_meta *m = NULL;
    zd_error err = {0};
    int rc = zd_meta_parse(text, strlen(text), &m, &err);
    cr_assert_eq(rc, 0, "parse failed: %s", err.msg);
    return m;
}

Test(meta, zarr_python_style_array)
{
    zd_meta *m = parse_ok(array_doc);
    cr_assert_eq(m->node_type, ZD_NODE_ARRAY);
    cr_assert_eq(m->ndim, 3);
    cr_assert(m->shape[0] == 10000 && m->shape[1] == 1000 && m->shape[2] == 7);
    cr_assert(m->chunk_shape[0] == 1000 && m->chunk_shape[1] == 100 && m->chunk_shape[2] == 7);
    cr_assert_eq(m->dtype, ZD_FLOAT32);
    uint32_t nan_bits;
    memcpy(&nan_bits, m->fill, 4);
    cr_assert_eq(nan_bits, 0x7fc00000);
    cr_assert_eq(m->key_encoding.kind, ZD_KEY_DEFAULT);
    cr_assert_eq(m->key_encoding.separator, '/');
    cr_assert_eq(cJSON_GetArraySize(m->codecs), 2);
    cr_assert_str_eq(cJSON_GetArrayItem(m->codecs, 1)->child->valuestring, "zstd");
    cr_assert_str_eq(cJSON_GetObjectItem(m->attributes, "units")->valuestring, "m");
    cr_assert_eq(cJSON_GetArraySize(m->dimension_names), 3);
    cr_assert_null(m->extra);

    zd_chunk_spec spec;
    cr_assert_eq(zd_meta_chunk_spec(m, &spec), 0);
    cr_assert_eq(spec.ndim, 3);
    cr_assert(spec.shape[0] == 1000 && spec.shape[1] == 100 && spec.shape[2] == 7);
    cr_assert_eq(spec.dtype, ZD_FLOAT32);
    cr_assert_eq(memcmp(spec.fill, m->fill, sizeof spec.fill), 0);

    zd_grid g;
    cr_assert_eq(zd_meta_grid(m, &g), 0);
    cr_assert(g.nchunks[0] == 10 && g.nchunks[1] == 10 && g.nchunks[2] == 1);
    zd_meta_free(m);
}

Test(meta, minimal_array_with_defaults)
{
    zd_meta *m = parse_ok(
        "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [], \"data_type\": \"bool\","
        " \"chunk_grid\": {\"name\": \"regular\", \"configuration\": {\"chunk_shape\": []}},"
        " \"chunk_key_encoding\": {\"name\": \"v2\"}, \"fill_value\": true,"
        " \"codecs\": [{\"name\": \"bytes\"}], \"dimension_names\": null}");
    cr_assert_eq(m->ndim, 0);
    cr_assert_eq(m->key_encoding.kind, ZD_KEY_V2);
    cr_assert_eq(m->key_encoding.separator, '.');
    cr_assert_eq(m->fill[0], 1);
    cr_assert_null(m->attributes);
    cr_assert_null(m->dimension_names);
    zd_meta_free(m);
}

Test(meta, group_with_zarr_python_consolidated_metadata)
{
    zd_meta *m = parse_ok("{\"attributes\": {\"x\": 1}, \"zarr_format\": 3,"
                          " \"consolidated_metadata\": null, \"node_type\": \"group\"}");
    cr_assert_eq(m->node_type, ZD_NODE_GROUP);
    cr_assert_not_null(m->attributes);
    zd_chunk_spec spec;
    zd_grid g;
    cr_assert_eq(zd_meta_chunk_spec(m, &spec), ZD_EINVAL);
    cr_assert_eq(zd_meta_grid(m, &g), ZD_EINVAL);
    zd_buf out = {0};
    cr_assert_eq(zd_meta_write(m, &out), 0);
    cr_assert_eq(zd_buf_append(&out, "", 1), 0);
    zd_meta *back = parse_ok((const char *)out.data);
    cr_assert_not_null(cJSON_GetObjectItem(back->extra, "consolidated_metadata"));
    zd_meta_free(back);
    zd_buf_free(&out);
    zd_meta_free(m);
}

/* Write m, parse it back, and compare every field. */
static void check_round_trip(const zd_meta *m)
{
    zd_buf out = {0};
    cr_assert_eq(zd_meta_write(m, &out), 0);
    cr_assert_eq(zd_buf_append(&out, "", 1), 0);
    zd_meta *b = parse_ok((const char *)out.data);
    cr_assert_eq(b->node_type, m->node_type);
    cr_assert_eq(b->ndim, m->ndim);
    for (int d = 0; d < m->ndim; d++) {
        cr_assert_eq(b->shape[d], m->shape[d]);
        cr_assert_eq(b->chunk_shape[d], m->chunk_shape[d]);
    }
    cr_assert_eq(b->dtype, m->dtype);
    cr_assert_eq(memcmp(b->fill, m->fill, sizeof m->fill), 0, "%s", out.data);
    cr_assert_eq(b->key_encoding.kind, m->key_encoding.kind);
    cr_assert_eq(b->key_encoding.separator, m->key_encoding.separator);
    cr_assert(m->codecs ? cJSON_Compare(b->codecs, m->codecs, true) : b->codecs == NULL);
    cr_assert(m->attributes ? cJSON_Compare(b->attributes, m->attributes, true)
                            : b->attributes == NULL);
    cr_assert(m->dimension_names ? cJSON_Compare(b->dimension_names, m->dimension_names, true)
                                 : b->dimension_names == NULL);
    cr_assert(m->extra ? cJSON_Compare(b->extra, m->extra, true) : b->extra == NULL);
    zd_meta_free(b);
    zd_buf_free(&out);
}

Test(meta, parsed_documents_round_trip)
{
    zd_meta *m = parse_ok(array_doc);
    check_round_trip(m);
    zd_meta_free(m);
}

Test(meta, new_array_has_spec_defaults_and_round_trips_for_every_type)
{
    uint64_t shape[] = {5000000000ull, 3};
    uint64_t chunks[] = {1000, 3};
    for (int t = 0; t < ZD_DTYPE_COUNT; t++) {
        zd_meta *m = NULL;
        cr_assert_eq(zd_meta_new_array(2, shape, chunks, (zd_dtype)t, &m, NULL), 0);
        cr_assert_eq(m->key_encoding.kind, ZD_KEY_DEFAULT);
        cr_assert_eq(m->key_encoding.separator, '/');
        cr_assert_str_eq(cJSON_GetObjectItem(m->codecs->child, "name")->valuestring, "bytes");
        for (size_t i = 0; i < zd_dtype_size((zd_dtype)t); i++)
            m->fill[i] = t == ZD_BOOL ? 1 : (uint8_t)(0x35 + i);
        check_round_trip(m);
        zd_meta_free(m);
    }
}

Test(meta, setters_validate)
{
    zd_meta *m = NULL;
    uint64_t shape[] = {10};
    cr_assert_eq(zd_meta_new_array(1, shape, shape, ZD_INT16, &m, NULL), 0);
    zd_error err = {0};
    cJSON *fill = cJSON_CreateNumber(40000);
    cr_assert_eq(zd_meta_set_fill_json(m, fill, &err), ZD_ERANGE);
    cJSON_SetNumberValue(fill, -7);
    cr_assert_eq(zd_meta_set_fill_json(m, fill, &err), 0);
    cr_assert(m->fill[0] == 0xF9 && m->fill[1] == 0xFF);
    cJSON_Delete(fill);
    cJSON *codecs = cJSON_Parse("[{\"name\": \"bytes\"}, {\"name\": \"gzip\", "
                                "\"configuration\": {\"level\": 1}}]");
    cr_assert_eq(zd_meta_set_codecs(m, codecs, &err), 0);
    cr_assert(cJSON_Compare(m->codecs, codecs, true));
    cJSON_Delete(codecs);
    codecs = cJSON_Parse("[{\"level\": 1}]");
    cr_assert_eq(zd_meta_set_codecs(m, codecs, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "codecs[0]"), "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(m->codecs), 2, "codecs unchanged on error");
    cJSON_Delete(codecs);
    check_round_trip(m);
    zd_meta_free(m);
    cr_assert_eq(zd_meta_new_group(&m), 0);
    check_round_trip(m);
    zd_meta_free(m);
}

Test(meta, new_array_enforces_limits)
{
    zd_meta *m = NULL;
    zd_error err = {0};
    uint64_t shape[ZD_MAX_DIMS + 1];
    for (int d = 0; d <= ZD_MAX_DIMS; d++)
        shape[d] = 1;
    cr_assert_eq(zd_meta_new_array(ZD_MAX_DIMS + 1, shape, shape, ZD_UINT8, &m, &err), ZD_EINVAL);
    cr_assert_eq(zd_meta_new_array(ZD_MAX_DIMS, shape, shape, ZD_UINT8, &m, &err), 0);
    zd_meta_free(m);
    uint64_t big[] = {1u << 20, 1u << 20};
    cr_assert_eq(zd_meta_new_array(2, big, big, ZD_UINT8, &m, &err), ZD_EOVERFLOW);
    cr_assert(strstr(err.msg, "chunk_grid"), "%s", err.msg);
    uint64_t zero[] = {0};
    cr_assert_eq(zd_meta_new_array(1, shape, zero, ZD_UINT8, &m, &err), ZD_EINVAL);
}

/* Navigate `path` ("a.b.c") in doc and replace the last field by `value` (JSON text), or
 * delete it when value is NULL. */
static void mutate(cJSON *doc, const char *path, const char *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *obj = doc;
    char *name = buf, *dot;
    while ((dot = strchr(name, '.'))) {
        *dot = '\0';
        obj = cJSON_GetObjectItemCaseSensitive(obj, name);
        cr_assert_not_null(obj, "bad test path %s", path);
        name = dot + 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    if (value) {
        cJSON *v = cJSON_Parse(value);
        cr_assert_not_null(v, "bad test JSON %s", value);
        cJSON_AddItemToObject(obj, name, v);
    }
}

static const struct {
    const char *path;
    const char *value; /* NULL: delete the field */
    const char *named; /* the error message must contain this */
    int code;
} malformed[] = {
    {"zarr_format", NULL, "zarr_format", ZD_EINVAL},
    {"zarr_format", "2", "zarr_format", ZD_EUNSUPPORTED},
    {"zarr_format", "\"3\"", "zarr_format", ZD_EUNSUPPORTED},
    {"node_type", NULL, "node_type", ZD_EINVAL},
    {"node_type", "\"arrays\"", "node_type", ZD_EINVAL},
    {"node_type", "1", "node_type", ZD_EINVAL},
    {"shape", NULL, "shape", ZD_EINVAL},
    {"shape", "10", "shape", ZD_EINVAL},
    {"shape", "[10, -1, 7]", "shape[1]", ZD_EINVAL},
    {"shape", "[10, 1.5, 7]", "shape[1]", ZD_EINVAL},
    {"shape", "[10, \"1\", 7]", "shape[1]", ZD_EINVAL},
    {"shape", "[10, 1000]", "chunk_shape", ZD_EINVAL},
    {"shape", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "shape",
     ZD_EOVERFLOW},
    {"data_type", NULL, "data_type", ZD_EINVAL},
    {"data_type", "\"float128\"", "data_type", ZD_EUNSUPPORTED},
    {"data_type", "{\"name\": \"float32\"}", "data_type", ZD_EINVAL},
    {"chunk_grid", NULL, "chunk_grid", ZD_EINVAL},
    {"chunk_grid", "\"regular\"", "chunk_grid", ZD_EINVAL},
    {"chunk_grid.name", "\"rectilinear\"", "chunk_grid.name", ZD_EUNSUPPORTED},
    {"chunk_grid.name", NULL, "chunk_grid.name", ZD_EINVAL},
    {"chunk_grid.configuration", NULL, "chunk_grid.configuration", ZD_EINVAL},
    {"chunk_grid.extra", "1", "chunk_grid.extra", ZD_EUNSUPPORTED},
    {"chunk_grid.configuration.chunk_shape", "[1000, 0, 7]",
     "chunk_grid.configuration.chunk_shape[1]", ZD_EINVAL},
    {"chunk_grid.configuration.chunk_shape", "[1000, 100]", "chunk_grid.configuration.chunk_shape",
     ZD_EINVAL},
    {"chunk_grid.configuration.chunk_shape", NULL, "chunk_grid.configuration.chunk_shape",
     ZD_EINVAL},
    {"chunk_grid.configuration.chunk_shape", "[100000, 100000, 7]", "chunk_grid", ZD_EOVERFLOW},
    {"chunk_grid.configuration.chunk_shape", "[4294967296, 4294967296, 4294967296]", "chunk_grid",
     ZD_EOVERFLOW},
    {"chunk_grid.configuration.chunks", "[1]", "chunk_grid.configuration.chunks", ZD_EUNSUPPORTED},
    {"chunk_key_encoding", NULL, "chunk_key_encoding", ZD_EINVAL},
    {"chunk_key_encoding", "[]", "chunk_key_encoding", ZD_EINVAL},
    {"chunk_key_encoding.name", "\"v3\"", "chunk_key_encoding.name", ZD_EUNSUPPORTED},
    {"chunk_key_encoding.name", NULL, "chunk_key_encoding.name", ZD_EINVAL},
    {"chunk_key_encoding.configuration", "\"/\"", "chunk_key_encoding.configuration", ZD_EINVAL},
    {"chunk_key_encoding.configuration.separator", "\"-\"",
     "chunk_key_encoding.configuration.separator", ZD_EINVAL},
    {"chunk_key_encoding.configuration.separator", "\"//\"",
     "chunk_key_encoding.configuration.separator", ZD_EINVAL},
    {"chunk_key_encoding.configuration.sep", "\"/\"", "chunk_key_encoding.configuration.sep",
     ZD_EUNSUPPORTED},
    {"fill_value", NULL, "fill_value", ZD_EINVAL},
    {"fill_value", "null", "fill_value", ZD_EINVAL},
    {"fill_value", "\"nan\"", "fill_value", ZD_EINVAL},
    {"fill_value", "1e40", "fill_value", ZD_ERANGE},
    {"codecs", NULL, "codecs", ZD_EINVAL},
    {"codecs", "[]", "codecs", ZD_EINVAL},
    {"codecs", "{\"name\": \"bytes\"}", "codecs", ZD_EINVAL},
    {"codecs", "[{\"name\": \"bytes\"}, 5]", "codecs[1]", ZD_EINVAL},
    {"codecs", "[{\"name\": \"bytes\", \"level\": 1}]", "codecs[0].level", ZD_EUNSUPPORTED},
    {"codecs", "[{\"name\": \"bytes\", \"configuration\": 1}]", "codecs[0].configuration",
     ZD_EINVAL},
    {"chunk_grid.must_understand", "\"no\"", "chunk_grid.must_understand", ZD_EINVAL},
    {"codecs", "[{\"name\": 5}]", "codecs[0]", ZD_EINVAL},
    {"attributes", "[]", "attributes", ZD_EINVAL},
    {"attributes", "null", "attributes", ZD_EINVAL},
    {"dimension_names", "[\"t\", \"y\"]", "dimension_names", ZD_EINVAL},
    {"dimension_names", "[\"t\", 1, \"z\"]", "dimension_names[1]", ZD_EINVAL},
    {"dimension_names", "\"t\"", "dimension_names", ZD_EINVAL},
    {"storage_transformers", "[{\"name\": \"x\"}]", "storage_transformers", ZD_EUNSUPPORTED},
    {"storage_transformers", "{}", "storage_transformers", ZD_EUNSUPPORTED},
    {"unknown_thing", "1", "unknown_thing", ZD_EUNSUPPORTED},
    {"my_extension", "{\"must_understand\": true}", "my_extension", ZD_EUNSUPPORTED},
    {"my_extension", "{\"config\": 1}", "my_extension", ZD_EUNSUPPORTED},
    {"my_extension", "{\"must_understand\": \"false\"}", "my_extension", ZD_EUNSUPPORTED},
    {"consolidated_metadata", "null", "consolidated_metadata", ZD_EUNSUPPORTED},
};

Test(meta, every_malformed_field_is_refused_by_name)
{
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        cJSON *doc = cJSON_Parse(array_doc);
        mutate(doc, malformed[i].path, malformed[i].value);
        zd_meta *m = (zd_meta *)0x1;
        zd_error err = {0};
        int rc = zd_meta_from_json(doc, &m, &err);
        cr_assert_eq(rc, malformed[i].code, "%s = %s: got %d (%s)", malformed[i].path,
                     malformed[i].value ? malformed[i].value : "(deleted)", rc, err.msg);
        cr_assert(strstr(err.msg, malformed[i].named), "%s: message \"%s\" does not name %s",
                  malformed[i].path, err.msg, malformed[i].named);
        cr_assert_eq(m, (zd_meta *)0x1, "output untouched on error");
        cJSON_Delete(doc);
    }
}

Test(meta, duplicate_fields_are_refused)
{
    zd_error err = {0};
    zd_meta *m = NULL;
    const char *text = "{\"zarr_format\": 3, \"node_type\": \"group\", \"attributes\": {},"
                       " \"attributes\": {\"a\": 1}}";
    cr_assert_eq(zd_meta_parse(text, strlen(text), &m, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "attributes: duplicate"), "%s", err.msg);
}

Test(meta, group_refuses_array_fields)
{
    zd_error err = {0};
    zd_meta *m = NULL;
    const char *text = "{\"zarr_format\": 3, \"node_type\": \"group\", \"shape\": [1]}";
    cr_assert_eq(zd_meta_parse(text, strlen(text), &m, &err), ZD_EUNSUPPORTED);
    cr_assert(strstr(err.msg, "shape"), "%s", err.msg);
}

Test(meta, extensions_that_need_not_be_understood_are_kept)
{
    cJSON *doc = cJSON_Parse(array_doc);
    mutate(doc, "my_extension", "{\"must_understand\": false, \"configuration\": {\"k\": 1}}");
    zd_meta *m = NULL;
    zd_error err = {0};
    cr_assert_eq(zd_meta_from_json(doc, &m, &err), 0, "%s", err.msg);
    cJSON *kept = cJSON_GetObjectItem(m->extra, "my_extension");
    cr_assert(cJSON_Compare(kept, cJSON_GetObjectItem(doc, "my_extension"), true));
    check_round_trip(m);
    zd_meta_free(m);
    cJSON_Delete(doc);
}

Test(meta, not_json_or_not_an_object)
{
    const char *bad[] = {"", "{", "[]", "3", "{\"zarr_format\": 3,}", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_meta *m = NULL;
        zd_error err = {0};
        cr_assert_eq(zd_meta_parse(bad[i], strlen(bad[i]), &m, &err), ZD_EINVAL, "%s", bad[i]);
        cr_assert(strstr(err.msg, "zarr.json"), "%s", err.msg);
        cr_assert_null(m);
    }
}

Test(meta, parse_respects_the_length)
{
    char text[1024];
    snprintf(text, sizeof text, "%sGARBAGE", array_doc);
    zd_meta *m = NULL;
    cr_assert_eq(zd_meta_parse(text, strlen(array_doc), &m, NULL), 0);
    zd_meta_free(m);
    cr_assert_eq(zd_meta_parse(text, strlen(text), &m, NULL), ZD_EINVAL);
}

Test(meta, key_encodings_parse)
{
    static const struct {
        const char *json;
        zd_key_kind kind;
        char sep;
    } cases[] = {
        {"{\"name\": \"default\"}", ZD_KEY_DEFAULT, '/'},
        {"{\"name\": \"default\", \"configuration\": {\"separator\": \".\"}}", ZD_KEY_DEFAULT, '.'},
        {"{\"name\": \"v2\"}", ZD_KEY_V2, '.'},
        {"{\"name\": \"v2\", \"configuration\": {\"separator\": \"/\"}}", ZD_KEY_V2, '/'},
        {"{\"name\": \"v2\", \"configuration\": {}}", ZD_KEY_V2, '.'},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *doc = cJSON_Parse(array_doc);
        mutate(doc, "chunk_key_encoding", cases[i].json);
        zd_meta *m = NULL;
        zd_error err = {0};
        cr_assert_eq(zd_meta_from_json(doc, &m, &err), 0, "%s: %s", cases[i].json, err.msg);
        cr_assert_eq(m->key_encoding.kind, cases[i].kind, "%s", cases[i].json);
        cr_assert_eq(m->key_encoding.separator, cases[i].sep, "%s", cases[i].json);
        check_round_trip(m);
        zd_meta_free(m);
        cJSON_Delete(doc);
    }
}

Test(meta, zero_length_dimensions_are_allowed)
{
    cJSON *doc = cJSON_Parse(array_doc);
    mutate(doc, "shape", "[0, 0, 7]");
    zd_meta *m = NULL;
    cr_assert_eq(zd_meta_from_json(doc, &m, NULL), 0);
    zd_grid g;
    cr_assert_eq(zd_meta_grid(m, &g), 0);
    cr_assert_eq(g.nchunks[0], 0);
    zd_meta_free(m);
    cJSON_Delete(doc);
}

Test(meta, extreme_64_bit_integer_fill_values_are_exact_from_text)
{
    static const struct {
        const char *dtype;
        const char *fill;
        uint64_t bits;
    } cases[] = {
        {"uint64", "18446744073709551615", UINT64_MAX},
        {"uint64", "9007199254740993", 9007199254740993ull},
        {"int64", "-9223372036854775808", 0x8000000000000000ull},
        {"int64", "9223372036854775807", 0x7fffffffffffffffull},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"zarr_format\": 3, \"node_type\": \"array\", \"attributes\": {\"fill_value\": "
                 "1}, \"shape\": [4], \"data_type\": \"%s\", \"chunk_grid\": {\"name\": "
                 "\"regular\", \"configuration\": {\"chunk_shape\": [2]}}, "
                 "\"chunk_key_encoding\": {\"name\": \"default\"},\n \"fill_value\" :  %s , "
                 "\"codecs\": [{\"name\": \"bytes\"}]}",
                 cases[i].dtype, cases[i].fill);
        zd_meta *m = parse_ok(text);
        uint64_t got;
        memcpy(&got, m->fill, 8);
        cr_assert_eq(got, cases[i].bits, "%s %s", cases[i].dtype, cases[i].fill);
        check_round_trip(m);
        zd_meta_free(m);
    }
}

Test(meta, short_hand_extension_names)
{
    cJSON *doc = cJSON_Parse(array_doc);
    mutate(doc, "chunk_key_encoding", "\"v2\"");
    mutate(doc, "codecs", "[\"bytes\", {\"name\": \"crc32c\", \"must_understand\": true}]");
    zd_meta *m = NULL;
    zd_error err = {0};
    cr_assert_eq(zd_meta_from_json(doc, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(m->key_encoding.kind, ZD_KEY_V2);
    cr_assert_eq(m->key_encoding.separator, '.');
    cJSON *want = cJSON_Parse("[{\"name\": \"bytes\"}, {\"name\": \"crc32c\", "
                              "\"must_understand\": true}]");
    cr_assert(cJSON_Compare(m->codecs, want, true), "codecs normalised to objects");
    cJSON_Delete(want);
    check_round_trip(m);
    zd_meta_free(m);
    cJSON_Delete(doc);
}
