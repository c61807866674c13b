/* test_view.c: the browser view over HTTP, on both stores (the pixels and the page in a real
 * browser are browser.sh's): a Zarr node's page (metadata, stored chunks, hostile strings
 * escaped), and the preview image `?preview=png`: PNG signature and IHDR size, pixels of a
 * known slice (unfiltered rows, inflated with zlib), sharded arrays through the shard index,
 * ETags that change with the data and give 304, the slice parameters (400), a group or no
 * zarr.json (400 / 404), and the work bound (413 for one chunk too large to decode). */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

TestSuite(view, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* A 2-D float32 array 6 x 10, chunks 4 x 4 ("bytes" codec, little endian): value = r * 10 + c,
 * NaN at (1, 2); chunk (1, 2) is not stored (fill value -1). */
static void put_float_array(const char *name)
{
    char target[128], json[1024];
    snprintf(json, sizeof json,
             "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[6,10],\"data_type\":"
             "\"float32\",\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{"
             "\"chunk_shape\":[4,4]}},\"chunk_key_encoding\":{\"name\":\"default\"},"
             "\"fill_value\":-1,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":"
             "\"little\"}}],\"attributes\":{\"title\":\"floats\"}}");
    snprintf(target, sizeof target, "/%s/zarr.json", name);
    zt_put_str(target, json);
    for (int cr = 0; cr < 2; cr++)
        for (int cc = 0; cc < 3; cc++) {
            if (cr == 1 && cc == 2) continue;
            float v[16];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) {
                    int r = cr * 4 + i, c = cc * 4 + j;
                    v[i * 4 + j] = (r == 1 && c == 2) ? NAN : (float)(r * 10 + c);
                }
            snprintf(target, sizeof target, "/%s/c/%d/%d", name, cr, cc);
            cr_assert_eq(zt_status("PUT", target, NULL, v, sizeof v) / 100, 2);
        }
}

/* GET target: 200 image/png; decodes our own encoding (8-bit RGB, filter 0 rows) into rgb. */
static void get_png(const char *target, int *w, int *h, uint8_t **rgb, char *etag)
{
    zt_response r;
    zt_do("GET", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s: %d %.*s", target, r.status, (int)r.body.len,
                 (const char *)r.body.data);
    cr_assert_str_eq(zt_header(&r, "Content-Type"), "image/png");
    if (etag) snprintf(etag, 64, "%s", zt_header(&r, "ETag"));
    const uint8_t *p = r.body.data;
    cr_assert(r.body.len > 33 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0, "no PNG signature");
    cr_assert_eq(memcmp(p + 12, "IHDR", 4), 0);
    *w = (p[16] << 24) | (p[17] << 16) | (p[18] << 8) | p[19];
    *h = (p[20] << 24) | (p[21] << 16) | (p[22] << 8) | p[23];
    cr_assert(p[24] == 8 && p[25] == 2, "not 8-bit RGB");
    /* The IDAT data, inflated. */
    size_t off = 33, row = (size_t)*w * 3 + 1;
    uLongf raw_len = row * (size_t)*h;
    uint8_t *raw = malloc(raw_len);
    for (; off + 12 <= r.body.len;) {
        uint32_t len = (uint32_t)p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8 | p[off + 3];
        if (memcmp(p + off + 4, "IDAT", 4) == 0) {
            cr_assert_eq(uncompress(raw, &raw_len, p + off + 8, len), Z_OK);
            break;
        }
        off += 12 + len;
    }
    cr_assert_eq(raw_len, row * (size_t)*h);
    *rgb = malloc((size_t)*w * *h * 3);
    for (int y = 0; y < *h; y++) {
        cr_assert_eq(raw[y * row], 0, "row filter");
        memcpy(*rgb + (size_t)y * *w * 3, raw + y * row + 1, (size_t)*w * 3);
    }
    free(raw);
    zt_response_free(&r);
}

static const uint8_t *px(const uint8_t *rgb, int w, int x, int y)
{
    return rgb + ((size_t)y * w + x) * 3;
}

Test(view, preview_pixels_of_a_float_array)
{
    put_float_array("f");
    int w, h;
    uint8_t *rgb;
    get_png("/f/?preview=png", &w, &h, &rgb, NULL);
    cr_assert_eq(w, 10);
    cr_assert_eq(h, 6);
    /* NaN magenta; the smallest finite value (the missing chunk's fill, -1) black; the largest
     * (5 * 10 + 7 = 57: row 5, column 7) white; 0 at (0, 0) is 1/58 of the way. */
    const uint8_t *nan = px(rgb, w, 2, 1);
    cr_assert(nan[0] == 255 && nan[1] == 0 && nan[2] == 255, "NaN not magenta");
    cr_assert_eq(px(rgb, w, 9, 5)[0], 0, "the fill value is the minimum");
    cr_assert_eq(px(rgb, w, 7, 5)[0], 255);
    cr_assert_eq(px(rgb, w, 0, 0)[0], (uint8_t)lround(255.0 / 58));
    cr_assert_eq(px(rgb, w, 3, 2)[0], (uint8_t)lround(255.0 * 24 / 58));
    free(rgb);
    /* The page shows the same scale and links the same image. */
    zt_response r;
    zt_do("GET", "/f/", "Accept: text/html\r\n", NULL, 0, &r);
    zd_buf_append(&r.body, "", 1);
    const char *b = (const char *)r.body.data;
    cr_assert_not_null(strstr(b, "id=\"min\">-1<"), "%s", b);
    cr_assert_not_null(strstr(b, "id=\"max\">57<"));
    cr_assert_not_null(strstr(b, "id=\"nans\">1<"));
    cr_assert_not_null(strstr(b, "id=\"stored\">5 of 6, 320 bytes<"), "%s", b);
    cr_assert_not_null(strstr(b, "src=\"?preview=png&amp;x=1&amp;y=0\""), "%s", b);
    zt_response_free(&r);
}

Test(view, etag_follows_the_data)
{
    put_float_array("e");
    int w, h;
    uint8_t *rgb;
    char etag[64], etag2[64], hdr[128];
    get_png("/e/?preview=png", &w, &h, &rgb, etag);
    free(rgb);
    snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
    cr_assert_eq(zt_status("GET", "/e/?preview=png", hdr, NULL, 0), 304);
    /* Storing the missing chunk changes the image and its ETag. */
    float v[16] = {100};
    cr_assert_eq(zt_status("PUT", "/e/c/1/2", NULL, v, sizeof v), 201);
    cr_assert_eq(zt_status("GET", "/e/?preview=png", hdr, NULL, 0), 200);
    get_png("/e/?preview=png", &w, &h, &rgb, etag2);
    cr_assert_str_neq(etag, etag2);
    cr_assert_eq(px(rgb, w, 8, 4)[0], 255, "the new chunk's 100 is the maximum");
    free(rgb);
    /* Another slice is another image. */
    get_png("/e/?preview=png&y=1&x=0", &w, &h, &rgb, etag);
    cr_assert(w == 6 && h == 10, "transposed %d x %d", w, h);
    cr_assert_str_neq(etag, etag2);
    free(rgb);
}

Test(view, sharded_and_3d)
{
    /* uint16 4 x 6 x 8, shards 2 x 6 x 8 of inner chunks 1 x 3 x 4: value = z*100 + y*8 + x.
     * Built as inner chunks sent to the shard endpoint, so the preview reads the index. */
    const char *json =
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4,6,8],\"data_type\":\"uint16\","
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2,6,8]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,\"codecs\":[{\"name\":"
        "\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[1,3,4],\"codecs\":[{\"name\":"
        "\"bytes\",\"configuration\":{\"endian\":\"little\"}}],\"index_codecs\":[{\"name\":"
        "\"bytes\",\"configuration\":{\"endian\":\"little\"}},{\"name\":\"crc32c\"}]}}],"
        "\"dimension_names\":[\"z\",\"y\",\"x\"]}";
    zt_put_str("/s/zarr.json", json);
    for (int z = 0; z < 4; z++)
        for (int cy = 0; cy < 2; cy++)
            for (int cx = 0; cx < 2; cx++) {
                uint16_t v[12];
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 4; j++)
                        v[i * 4 + j] = (uint16_t)(z * 100 + (cy * 3 + i) * 8 + cx * 4 + j);
                char t[128];
                snprintf(t, sizeof t, "/s/c/%d/0/0?chunk=%d,%d,%d", z / 2, z % 2, cy, cx);
                cr_assert_eq(zt_status("PUT", t, NULL, v, sizeof v), 204, "%s", t);
            }
    int w, h;
    uint8_t *rgb;
    get_png("/s/?preview=png&i0=3", &w, &h, &rgb, NULL);
    cr_assert(w == 8 && h == 6, "%d x %d", w, h);
    /* z = 3: values 300..347 increasing along each row, then down: a strict ramp. */
    for (int i = 1; i < w * h; i++)
        cr_assert(rgb[i * 3] >= rgb[(i - 1) * 3], "not a ramp at %d", i);
    cr_assert(rgb[0] == 0 && rgb[(w * h - 1) * 3] == 255);
    free(rgb);
    zt_response r;
    zt_do("GET", "/s/?i0=3", "Accept: text/html\r\n", NULL, 0, &r);
    zd_buf_append(&r.body, "", 1);
    const char *b = (const char *)r.body.data;
    cr_assert_not_null(strstr(b, "id=\"min\">300<"), "%s", b);
    cr_assert_not_null(strstr(b, "id=\"max\">347<"));
    cr_assert_not_null(strstr(b, "id=\"shards\">2 × 6 × 8<"));
    cr_assert_not_null(strstr(b, "<option value=\"0\">z</option>"), "dimension names");
    cr_assert_not_null(strstr(b, "name=\"i0\" min=\"0\" max=\"3\" value=\"3\""), "%s", b);
    zt_response_free(&r);
}

Test(view, refusals)
{
    put_float_array("r");
    zt_put_str("/g/zarr.json", "{\"zarr_format\":3,\"node_type\":\"group\"}");
    static const char *const bad[] = {"/r/?preview=png&x=0&y=0", "/r/?preview=png&x=2",
                                      "/r/?preview=png&y=-1", "/r/?preview=png&x=a",
                                      "/r/?preview=png&x=99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        zt_expect_error_for("GET", bad[i], NULL, NULL, 0, 400);
    zt_expect_error_for("GET", "/g/?preview=png", NULL, NULL, 0, 400);
    /* Metadata the preview cannot use: a zarr.json that does not parse, a codec chain that
     * cannot be built (float64 needs the bytes codec's endian): 422. */
    zt_put_str("/bad/zarr.json", "{\"zarr_format\":3,\"node_type\":\"array\"}");
    zt_expect_error_for("GET", "/bad/?preview=png", NULL, NULL, 0, 422);
    zt_put_str("/bad2/zarr.json",
               "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[2],\"data_type\":"
               "\"float64\",\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{"
               "\"chunk_shape\":[2]}},\"chunk_key_encoding\":{\"name\":\"default\"},"
               "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\"}]}");
    zt_expect_error_for("GET", "/bad2/?preview=png", NULL, NULL, 0, 422);
    zt_expect_error_for("GET", "/none/?preview=png", NULL, NULL, 0, 404);
    /* A 3-D array: a fixed index past the extent. */
    const char *json =
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[3,4,4],\"data_type\":\"uint8\","
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[1,4,4]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,\"codecs\":[{\"name\":"
        "\"bytes\"}]}";
    zt_put_str("/t/zarr.json", json);
    zt_expect_error_for("GET", "/t/?preview=png&i0=3", NULL, NULL, 0, 400);
    cr_assert_eq(zt_status("GET", "/t/?preview=png&i0=2", NULL, NULL, 0), 200);
    /* One chunk beyond what a preview decodes (64 MiB): 413, and the page says why. */
    const char *huge =
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[10000,10000],\"data_type\":"
        "\"float64\",\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":"
        "[10000,10000]}},\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,"
        "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}";
    zt_put_str("/huge/zarr.json", huge);
    zt_expect_error_for("GET", "/huge/?preview=png", NULL, NULL, 0, 413);
    zt_response r;
    zt_do("GET", "/huge/", "Accept: text/html\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "id=\"preview-error\"", 18));
    zt_response_free(&r);
    /* A corrupt chunk (wrong size for the bytes codec): 500 naming it; the page survives. */
    cr_assert_eq(zt_status("PUT", "/r/c/0/0", NULL, "short", 5), 204);
    zt_do("GET", "/r/?preview=png", NULL, NULL, 0, &r);
    zt_expect_error(&r, 500);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "c/0/0", 5));
    zt_response_free(&r);
    cr_assert_eq(zt_status("GET", "/r/", "Accept: text/html\r\n", NULL, 0), 200);
}

Test(view, hostile_strings_are_escaped)
{
    const char *json =
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[2,2],\"data_type\":\"uint8\","
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2,2]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,\"codecs\":[{\"name\":"
        "\"bytes\"}],\"dimension_names\":[\"<b>y</b>\",\"x\\\"onmouseover=\\\"alert(1)\"],"
        "\"attributes\":{\"<script>\":\"</pre><script>alert(1)</script>\"}}";
    zt_put_str("/h%3Ci%3E/zarr.json", json); /* the key segment is "h<i>" */
    zt_response r;
    zt_do("GET", "/h%3Ci%3E/", "Accept: text/html\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    zd_buf_append(&r.body, "", 1);
    const char *b = (const char *)r.body.data;
    cr_assert_null(strstr(b, "<script"), "a script element: %s", b);
    cr_assert_null(strstr(b, "<b>"), "markup from dimension_names");
    cr_assert_null(strstr(b, "<i>"), "markup from the key");
    cr_assert_null(strstr(b, "\"onmouseover"), "an attribute broke out of its quotes");
    cr_assert_not_null(strstr(b, "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "%s", b);
    cr_assert_not_null(strstr(b, "&lt;b&gt;y&lt;/b&gt;"));
    zt_response_free(&r);
}
