/* test_store_ops.c: the store operations the S3 front-end (and WebDAV) build on, against both
 * backends through the store interface: metadata kept with a value (and its content ETag
 * dropped, never served stale, after writes in place), server-side copy, directories made
 * by mkdir, and the lazy walk in byte order of whole keys (seek, past-prefix skips, prefixes
 * ending mid-segment, reserved names hidden). Every test runs on the fs and the memory
 * store. */
#include <criterion/criterion.h>

#include "store.h"
#include "zd_error.h"
#include "zt_tmpdir.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

static st_store *open_store(int kind)
{
    st_store *s = NULL;
    if (kind == 0) {
        cr_assert_eq(zt_tmpdir_create(root, sizeof root), 0);
        ks_opts opts = {.fsync = KS_FSYNC_NONE};
        zd_error err = {0};
        cr_assert_eq(st_fs_create(root, &opts, &s, &err), 0, "%s", err.msg);
        cr_assert(s->keeps_meta, "the test directory takes user extended attributes");
    } else {
        cr_assert_eq(st_mem_create(&s), 0);
    }
    return s;
}

static void close_store(st_store *s, int kind)
{
    s->destroy(s);
    if (kind == 0) zt_tmpdir_remove(root);
}

#define EACH_STORE(s)                                                                              \
    for (int kind_ = 0; kind_ < 2; kind_++)                                                        \
        for (st_store *s = open_store(kind_), *once_ = s; once_;                                   \
             close_store(s, kind_), once_ = NULL)

static void put_meta(st_store *s, const char *key, const char *data, const st_meta *m,
                     st_result *res)
{
    st_writer *w;
    cr_assert_eq(s->put_begin(s, key, strlen(data), &w), 0, "%s: put_begin", key);
    cr_assert_eq(w->write(w, data, strlen(data)), 0);
    if (m) cr_assert_eq(w->set_meta(w, m), 0);
    st_result r;
    cr_assert_eq(w->commit(w, NULL, res ? res : &r), 0, "%s: commit", key);
}

static void put(st_store *s, const char *key, const char *data)
{
    put_meta(s, key, data, NULL, NULL);
}

/* The value and metadata at key; asserts it exists. */
static void get(st_store *s, const char *key, char *buf, size_t cap, st_meta *m, st_stat *st)
{
    st_reader *r;
    st_stat tmp;
    if (!st) st = &tmp;
    cr_assert_eq(s->open_read(s, key, &r, st), 0, "%s: open_read (%s)", key, s->kind);
    cr_assert_lt(st->size, cap);
    cr_assert_eq(r->read(r, 0, buf, st->size), 0);
    buf[st->size] = '\0';
    st_meta tmpm;
    cr_assert_eq(r->meta(r, m ? m : &tmpm), 0);
    r->close(r);
}

static void meta_with(st_meta *m, const char *etag, const char *ctype)
{
    memset(m, 0, sizeof *m);
    snprintf(m->etag, sizeof m->etag, "%s", etag);
    cr_assert_eq(st_meta_add(m, "Content-Type", 12, ctype, strlen(ctype)), 0);
    cr_assert_eq(st_meta_add(m, "x-amz-meta-Color", 16, "blue", 4), 0);
}

Test(store_ops, meta_lines)
{
    st_meta m = {0};
    cr_assert_eq(st_meta_add(&m, "A", 1, "x: y", 4), 0);
    cr_assert_eq(st_meta_add(&m, "b", 1, "", 0), 0);
    cr_assert_eq(st_meta_add(&m, "c\n", 2, "v", 1), ZD_EINVAL);
    cr_assert_eq(st_meta_add(&m, "c", 1, "v\r", 2), ZD_EINVAL);
    cr_assert_eq(st_meta_add(&m, "c:d", 3, "v", 1), ZD_EINVAL);
    size_t n;
    const char *v = st_meta_get(&m, "a", &n);
    cr_assert(v && n == 4 && memcmp(v, "x: y", 4) == 0);
    cr_assert(st_meta_get(&m, "b", &n) && n == 0);
    cr_assert_null(st_meta_get(&m, "c", &n));
    char big[ST_META_MAX];
    memset(big, 'q', sizeof big);
    cr_assert_eq(st_meta_add(&m, "big", 3, big, sizeof big - 5), ZD_EOVERFLOW);
    /* encode / decode: the ETag survives only with the stamp it was recorded with */
    snprintf(m.etag, sizeof m.etag, "\"abc\"");
    char blob[ST_META_MAX + 200];
    size_t len;
    cr_assert_eq(st_meta_encode(&m, "s1", blob, sizeof blob, &len), 0);
    st_meta d;
    cr_assert_eq(st_meta_decode(blob, len, "s1", &d), 0);
    cr_assert_str_eq(d.etag, "\"abc\"");
    cr_assert_eq(d.len, m.len);
    cr_assert_eq(memcmp(d.lines, m.lines, m.len), 0);
    cr_assert_eq(st_meta_decode(blob, len, "s2", &d), 0);
    cr_assert_str_eq(d.etag, "", "a stale ETag was decoded");
    cr_assert_eq(d.len, m.len);
    cr_assert_eq(st_meta_decode("x", 1, "s1", &d), ZD_ECORRUPT);
}

Test(store_ops, metadata_kept_with_the_value)
{
    EACH_STORE(s)
    {
        st_meta m, got;
        meta_with(&m, "\"0123\"", "image/tiff");
        st_result res;
        put_meta(s, "b/k", "hello", &m, &res);
        char buf[64];
        st_stat st;
        get(s, "b/k", buf, sizeof buf, &got, &st);
        cr_assert_str_eq(buf, "hello");
        cr_assert_str_eq(got.etag, "\"0123\"", "%s", s->kind);
        size_t n;
        const char *v = st_meta_get(&got, "content-type", &n);
        cr_assert(v && n == 10 && memcmp(v, "image/tiff", n) == 0, "%s", s->kind);
        cr_assert(st_meta_get(&got, "x-amz-meta-color", &n), "names are kept lower case");
        cr_assert_str_eq(st.etag, res.stat.etag, "the native ETag is unchanged by metadata");

        /* a raw PATCH in place: the lines stay, the content ETag is gone */
        st_writer *w;
        cr_assert_eq(s->patch_begin(s, "b/k", 0, &w), 0);
        cr_assert_null(w->set_meta, "patch writers take no metadata");
        cr_assert_eq(w->write(w, "J", 1), 0);
        cr_assert_eq(w->commit(w, NULL, &res), 0);
        get(s, "b/k", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(buf, "Jello");
        cr_assert_str_eq(got.etag, "", "%s: stale content ETag served after PATCH", s->kind);
        cr_assert(st_meta_get(&got, "content-type", &n), "%s: PATCH lost the metadata", s->kind);

        /* a multi-range PATCH (a new file renamed into place) keeps the lines too */
        put_meta(s, "b/k", "hello", &m, NULL);
        st_patch p[2] = {{.off = 0, .data = (const uint8_t *)"Y", .len = 1},
                         {.off = 4, .data = (const uint8_t *)"!", .len = 1}};
        cr_assert_eq(s->patch_many(s, "b/k", p, 2, NULL, &res), 0);
        get(s, "b/k", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(buf, "Yell!");
        cr_assert_str_eq(got.etag, "", "%s: stale content ETag after a multi-range PATCH", s->kind);
        cr_assert(st_meta_get(&got, "x-amz-meta-color", &n), "%s", s->kind);

        /* a plain PUT replaces the metadata with none */
        put(s, "b/k", "plain");
        get(s, "b/k", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(got.etag, "");
        cr_assert_eq(got.len, 0, "%s: a plain PUT kept the old metadata", s->kind);
    }
}

/* A precondition that records the stat it was shown. */
static st_stat seen;
static int seen_calls;
static int record_check(const st_precond *pc, const st_stat *cur)
{
    (void)pc;
    seen_calls++;
    if (cur)
        seen = *cur;
    else
        memset(&seen, 0, sizeof seen);
    return 0;
}

Test(store_ops, precondition_sees_the_content_etag)
{
    EACH_STORE(s)
    {
        st_meta m;
        meta_with(&m, "\"feed\"", "text/plain");
        put_meta(s, "k", "v1", &m, NULL);
        st_precond pc = {.check = record_check, .want_meta_etag = true};
        st_writer *w;
        st_result res;
        cr_assert_eq(s->put_begin(s, "k", 2, &w), 0);
        cr_assert_eq(w->write(w, "v2", 2), 0);
        seen_calls = 0;
        cr_assert_eq(w->commit(w, &pc, &res), 0);
        cr_assert_eq(seen_calls, 1);
        cr_assert_str_eq(seen.meta_etag, "\"feed\"", "%s: PUT precondition", s->kind);
        bool existed;
        put_meta(s, "k", "v3", &m, NULL);
        cr_assert_eq(s->remove(s, "k", &pc, &existed), 0);
        cr_assert(existed);
        cr_assert_str_eq(seen.meta_etag, "\"feed\"", "%s: DELETE precondition", s->kind);
    }
}

/* A copy with new metadata, as S3's REPLACE directive does it: a writer filled from the source
 * and given the metadata. */
static void copy_replacing(st_store *s, const char *src, const char *dst, const st_meta *m)
{
    st_writer *w;
    st_result res;
    cr_assert_eq(s->put_begin(s, dst, 0, &w), 0);
    cr_assert_eq(st_write_from(s, w, src, 0, UINT64_MAX, NULL, NULL, NULL, NULL), 0);
    cr_assert_eq(w->set_meta(w, m), 0);
    cr_assert_eq(w->commit(w, NULL, &res), 0);
}

Test(store_ops, copy_keeps_or_replaces_metadata)
{
    EACH_STORE(s)
    {
        st_meta m, got;
        meta_with(&m, "\"aa\"", "text/csv");
        put_meta(s, "src/a", "some bytes", &m, NULL);
        st_result res;
        cr_assert_eq(st_copy(s, "src/a", "dst/b", NULL, &res), 0);
        cr_assert(res.created);
        char buf[64];
        get(s, "dst/b", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(buf, "some bytes");
        cr_assert_str_eq(got.etag, "\"aa\"", "%s: a copy keeps the content ETag", s->kind);
        size_t n;
        const char *v = st_meta_get(&got, "content-type", &n);
        cr_assert(v && n == 8 && memcmp(v, "text/csv", 8) == 0, "%s: st_copy lost the metadata",
                  s->kind);

        st_meta r;
        meta_with(&r, "\"bb\"", "application/x-new");
        copy_replacing(s, "src/a", "dst/b", &r);
        get(s, "dst/b", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(got.etag, "\"bb\"");
        v = st_meta_get(&got, "content-type", &n);
        cr_assert(v && n == 17 && memcmp(v, "application/x-new", 17) == 0);

        /* copy onto itself with new metadata */
        copy_replacing(s, "src/a", "src/a", &r);
        get(s, "src/a", buf, sizeof buf, &got, NULL);
        cr_assert_str_eq(buf, "some bytes");
        cr_assert_str_eq(got.etag, "\"bb\"");

        /* a missing source: nothing written */
        cr_assert_eq(st_copy(s, "nope", "dst/c", NULL, &res), ZD_ENOTFOUND);
        st_stat st;
        cr_assert_eq(s->stat(s, "dst/c", &st), ZD_ENOTFOUND);

        /* ranges of a source into a writer */
        st_writer *w;
        cr_assert_eq(s->put_begin(s, "part", 0, &w), 0);
        cr_assert_eq(st_write_from(s, w, "src/a", 5, 5, NULL, NULL, NULL, NULL), 0);
        cr_assert_eq(st_write_from(s, w, "src/a", 0, 4, NULL, NULL, NULL, NULL), 0);
        cr_assert_eq(st_write_from(s, w, "src/a", 5, 6, NULL, NULL, NULL, NULL), ZD_ERANGE);
        cr_assert_eq(w->commit(w, NULL, &res), 0);
        get(s, "part", buf, sizeof buf, NULL, NULL);
        cr_assert_str_eq(buf, "bytessome");
    }
}

/* Walk the prefix (after `after` if not NULL) and return the keys, '\n'-separated. */
static char *walk(st_store *s, const char *prefix, const char *after, bool past, size_t max)
{
    st_iter *it;
    cr_assert_eq(s->iter_open(s, prefix, strlen(prefix), &it), 0);
    if (after) cr_assert_eq(it->seek(it, after, strlen(after), past), 0);
    static char out[1 << 16];
    size_t len = 0;
    st_item item;
    int rc;
    for (size_t n = 0; n < max && (rc = it->next(it, &item)) == 1; n++) {
        cr_assert_lt(len + item.len + 1, sizeof out);
        memcpy(out + len, item.key, item.len);
        len += item.len;
        out[len++] = '\n';
        cr_assert_neq(item.stat.etag[0], '\0');
    }
    it->close(it);
    out[len] = '\0';
    return out;
}

static const char *tricky[] = {"b/a0", "b/a/b",      "b/a-b", "b/a",   "b/ab/c/d", "b/a/b0/z",
                               "b/a+", "b/\xc3\xa9", "b/A",   "b/a/a", "b/z"};

Test(store_ops, walk_in_byte_order_of_whole_keys)
{
    EACH_STORE(s)
    {
        for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++)
            if (strcmp(tricky[i], "b/a") != 0) put(s, tricky[i], "v");
        put(s, "top", "v");
        put(s, "c/x", "v");
        put(s, ST_RESERVED_PREFIX "up/p1", "hidden"); /* reserved: never walked */
        cr_assert_str_eq(walk(s, "b/", NULL, false, 100),
                         "b/A\nb/a+\nb/a-b\nb/a/a\nb/a/b\nb/a/b0/z\nb/a0\nb/ab/c/d\nb/z\n"
                         "b/\xc3\xa9\n",
                         "%s", s->kind);
        cr_assert_str_eq(walk(s, "", NULL, false, 100),
                         "b/A\nb/a+\nb/a-b\nb/a/a\nb/a/b\nb/a/b0/z\nb/a0\nb/ab/c/d\nb/z\n"
                         "b/\xc3\xa9\nc/x\ntop\n",
                         "%s: the root walk", s->kind);
        /* a prefix that ends inside a segment */
        cr_assert_str_eq(walk(s, "b/a", NULL, false, 100),
                         "b/a+\nb/a-b\nb/a/a\nb/a/b\nb/a/b0/z\nb/a0\nb/ab/c/d\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/a/b", NULL, false, 100), "b/a/b\nb/a/b0/z\n");
        cr_assert_str_eq(walk(s, "nothing/", NULL, false, 100), "");
        /* start after a key, present or not, at any depth */
        cr_assert_str_eq(walk(s, "b/", "b/a-b", false, 3), "b/a/a\nb/a/b\nb/a/b0/z\n", "%s",
                         s->kind);
        cr_assert_str_eq(walk(s, "b/", "b/a/b", false, 2), "b/a/b0/z\nb/a0\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/", "b/a/", false, 1), "b/a/a\n");
        cr_assert_str_eq(walk(s, "b/", "b/a/zz", false, 2), "b/a0\nb/ab/c/d\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/", "a", false, 1), "b/A\n", "a bound before the prefix");
        cr_assert_str_eq(walk(s, "b/", "c", false, 1), "", "a bound after the prefix");
        /* past a prefix: what a delimiter folds into one common prefix is skipped */
        cr_assert_str_eq(walk(s, "b/", "b/a/", true, 2), "b/a0\nb/ab/c/d\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/", "b/a", true, 2), "b/z\nb/\xc3\xa9\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/", "b/a-", true, 1), "b/a/a\n", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/", "b/", true, 5), "", "%s", s->kind);
        cr_assert_str_eq(walk(s, "b/a/", "b/", true, 5), "", "%s", s->kind);
        cr_assert_str_eq(walk(s, "", "b/", true, 5), "c/x\ntop\n", "%s", s->kind);
    }
}

Test(store_ops, walk_items_carry_stat_and_content_etag)
{
    EACH_STORE(s)
    {
        st_meta m;
        meta_with(&m, "\"5eed\"", "text/plain");
        put_meta(s, "b/x", "12345", &m, NULL);
        put(s, "b/y", "12");
        st_iter *it;
        cr_assert_eq(s->iter_open(s, "b/", 2, &it), 0);
        st_item item;
        cr_assert_eq(it->next(it, &item), 1);
        cr_assert_eq(item.len, 3);
        cr_assert_eq(memcmp(item.key, "b/x", 3), 0);
        cr_assert_eq(item.stat.size, 5);
        cr_assert_neq(item.stat.mtime_ns, 0);
        cr_assert_str_eq(item.stat.meta_etag, "\"5eed\"", "%s", s->kind);
        cr_assert_eq(it->next(it, &item), 1);
        cr_assert_eq(item.stat.size, 2);
        cr_assert_str_eq(item.stat.meta_etag, "");
        cr_assert_eq(it->next(it, &item), 0);
        cr_assert_eq(it->next(it, &item), 0, "the end is sticky");
        it->close(it);
    }
}

/* Pages of 1,000 through 5,000 keys in two layouts (flat, and nested like chunk keys): every
 * key once, in order, whatever the page boundaries. */
Test(store_ops, paged_walks_see_every_key_once_in_order)
{
    EACH_STORE(s)
    {
        char key[64];
        for (int i = 0; i < 2500; i++) {
            snprintf(key, sizeof key, "flat/k%05d", i * 7 % 2500);
            put(s, key, "");
            snprintf(key, sizeof key, "tree/c/%d/%d", i / 50, i % 50);
            put(s, key, "");
        }
        for (int layout = 0; layout < 2; layout++) {
            const char *prefix = layout ? "tree/" : "flat/";
            char last[64] = "";
            size_t total = 0;
            for (;;) {
                st_iter *it;
                cr_assert_eq(s->iter_open(s, prefix, 5, &it), 0);
                if (last[0]) cr_assert_eq(it->seek(it, last, strlen(last), false), 0);
                st_item item;
                size_t n = 0;
                while (n < 1000 && it->next(it, &item) == 1) {
                    char k[64];
                    memcpy(k, item.key, item.len);
                    k[item.len] = '\0';
                    cr_assert_gt(strcmp(k, last), 0, "%s: %s after %s", s->kind, k, last);
                    strcpy(last, k);
                    n++;
                }
                it->close(it);
                total += n;
                if (n < 1000) break;
            }
            cr_assert_eq(total, 2500, "%s %s: %zu keys", s->kind, prefix, total);
        }
    }
}
