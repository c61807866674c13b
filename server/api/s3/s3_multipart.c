/* s3_multipart.c: multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads, and the
 * sweep that reclaims abandoned uploads.
 *
 * Staging: an upload lives under the reserved, unlistable directory S3_UPLOADS_DIR of the
 * root, through the store like any value: ".zarrd-uploads/ID/upload" is its record (value:
 * the object's store key "BUCKET/KEY"; metadata: the object's, from the Create request;
 * mtime: when it was initiated) and ".zarrd-uploads/ID/pNNNNN" its parts (each with its MD5
 * as content ETag). IDs are 128 random bits in hex. Reserved names are refused in keys and
 * hidden from every listing, so neither API can reach them.
 *
 * Complete checks the list (ascending part numbers: InvalidPartOrder; each part present with
 * the given ETag: InvalidPart; all but the last at least 5 MiB: EntityTooSmall), writes the
 * parts in order into one new value of the object (a temp file beside it) and renames it into
 * place with the object's metadata and the ETag "MD5(part MD5s)-N" -- one atomic step, under
 * the key's lock with If-None-Match / If-Match -- and then deletes the staging files. Complete
 * and Abort claim the upload in this process first, so two of them never work on one upload
 * at once (OperationAborted for the second).
 *
 * The sweep runs on the main loop at start-up and then every ttl/4 (at least 1 s, at most
 * 10 min): an upload whose newest file is older than --s3-upload-ttl (default 24 h) is
 * deleted, as is a directory without a record (left by a crash or a part written during an
 * Abort). */
#include "s3_internal.h"

#include "api_xml.h"
#include "log.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S3_MAX_CLAIMS  256
#define S3_MAX_UPLOADS 100000 /* listed at once by ListMultipartUploads / the sweep */

void s3_upload_key(const char *id, unsigned part, char *out, size_t cap)
{
    if (part)
        snprintf(out, cap, S3_UPLOADS_DIR "/%s/p%05u", id, part);
    else
        snprintf(out, cap, S3_UPLOADS_DIR "/%s/upload", id);
}

/* ---- claims: one Complete or Abort per upload at a time ---- */

static pthread_mutex_t s3_claim_lock = PTHREAD_MUTEX_INITIALIZER;
static char s3_claims[S3_MAX_CLAIMS][S3_UPLOAD_ID_LEN + 1];

static bool s3_claim(const char *id)
{
    pthread_mutex_lock(&s3_claim_lock);
    int free_slot = -1;
    bool taken = false;
    for (int i = 0; i < S3_MAX_CLAIMS; i++) {
        if (strcmp(s3_claims[i], id) == 0) taken = true;
        if (!s3_claims[i][0] && free_slot < 0) free_slot = i;
    }
    bool ok = !taken && free_slot >= 0;
    if (ok) memcpy(s3_claims[free_slot], id, S3_UPLOAD_ID_LEN + 1);
    pthread_mutex_unlock(&s3_claim_lock);
    return ok;
}

static void s3_release(const char *id)
{
    pthread_mutex_lock(&s3_claim_lock);
    for (int i = 0; i < S3_MAX_CLAIMS; i++)
        if (strcmp(s3_claims[i], id) == 0) s3_claims[i][0] = '\0';
    pthread_mutex_unlock(&s3_claim_lock);
}

/* ---- the record ---- */

/* Read upload id's record: the object's store key into path (cap bytes), its metadata (may
 * be NULL) and stat. ZD_ENOTFOUND if there is none. */
static int s3_record_read(st_store *s, const char *id, char *path, size_t cap, st_meta *meta,
                          st_stat *st)
{
    char key[ZD_MAX_KEY + 1];
    s3_upload_key(id, 0, key, sizeof key);
    st_reader *r;
    int rc = s->open_read(s, key, &r, st);
    if (rc) return rc;
    if (st->size == 0 || st->size >= cap)
        rc = ZD_ECORRUPT;
    else
        rc = r->read(r, 0, path, (size_t)st->size);
    if (!rc) path[st->size] = '\0';
    st_meta tmp;
    if (!rc) rc = r->meta(r, meta ? meta : &tmp);
    r->close(r);
    return rc;
}

/* Whether the request's upload exists for its object (answers NoSuchUpload if not). */
static bool s3_upload_check(cn_conn *c, st_meta *meta)
{
    s3_req *q = s3_q(c);
    char path[ZD_MAX_KEY + 1];
    st_stat st;
    int rc = s3_record_read(s3_store(c), q->upload_id, path, sizeof path, meta, &st);
    if (rc == ZD_ENOTFOUND || (!rc && strcmp(path, q->path) != 0)) {
        s3_error(c, S3E_NO_SUCH_UPLOAD,
                 "The specified upload does not exist. The upload ID may be invalid, or the "
                 "upload may have been aborted or completed.");
        return false;
    }
    if (rc) s3_store_error(c, rc, "reading the upload");
    return rc == 0;
}

/* Delete every file of an upload (parts first, the record last). */
static int s3_upload_delete(st_store *s, const char *id)
{
    char dir[64], key[ZD_MAX_KEY + 80];
    snprintf(dir, sizeof dir, S3_UPLOADS_DIR "/%s", id);
    st_list l = {0};
    int rc = s->list(s, dir, true, &l);
    bool existed;
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (strcmp(l.v[i].name, "upload") == 0) continue;
        snprintf(key, sizeof key, "%s/%s", dir, l.v[i].name);
        rc = s->remove(s, key, NULL, &existed);
    }
    st_list_free(&l);
    s3_upload_key(id, 0, key, sizeof key);
    if (!rc) rc = s->remove(s, key, NULL, &existed);
    return rc;
}

/* ---- Create ---- */

static void s3_create_begin(cn_conn *c)
{
    st_meta m;
    if (s3_bucket_exists(c) && s3_meta_from_request(c, &m) && s3_body_begin(c, NULL, 0))
        hd_offload(c, false);
}

static void s3_create_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_meta m;
    if (!s3_body_end(c, NULL, NULL, NULL) || !s3_meta_from_request(c, &m)) return;
    uint8_t rnd[S3_UPLOAD_ID_LEN / 2];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        s3_error(c, S3E_INTERNAL, "no random bytes for an upload id");
        return;
    }
    s3_hex(rnd, sizeof rnd, q->upload_id);
    char key[ZD_MAX_KEY + 1];
    s3_upload_key(q->upload_id, 0, key, sizeof key);
    st_writer *w;
    st_result res;
    int rc = s->put_begin(s, key, q->plen, &w);
    if (!rc) {
        rc = w->write(w, q->path, q->plen);
        if (!rc) rc = w->set_meta(w, &m);
        if (rc)
            w->abort(w);
        else
            rc = w->commit(w, NULL, &res);
    }
    if (rc) {
        s3_store_error(c, rc, "starting the upload");
        return;
    }
    zd_buf b = {0};
    s3_xml_start(&b, "InitiateMultipartUploadResult");
    ax_elem(&b, "Bucket", q->bucket, q->blen);
    ax_elem(&b, "Key", q->key, q->klen);
    ax_elem(&b, "UploadId", q->upload_id, S3_UPLOAD_ID_LEN);
    s3_xml_send(c, 200, &b, "InitiateMultipartUploadResult");
    zd_buf_free(&b);
}

S3_WORK(s3_create_finish)
const hd_handler s3_hd_create_upload = {
    .begin = s3_create_begin, .work = s3_create_finish_work, .finish = s3_emit};

/* ---- UploadPart ---- */

static void s3_part_begin(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    if (!c->req.has_length && !c->req.chunked) {
        s3_error(c, S3E_MISSING_CONTENT_LENGTH, "You must provide the Content-Length HTTP header.");
        return;
    }
    if (!s3_bucket_exists(c) || !s3_upload_check(c, NULL)) return;
    char key[ZD_MAX_KEY + 1];
    s3_upload_key(q->upload_id, q->part, key, sizeof key);
    uint64_t len = s3_body_length(c);
    st_writer *w;
    int rc = s->put_begin(s, key, len == UINT64_MAX ? 0 : len, &w);
    if (rc) {
        s3_store_error(c, rc, "storing the part");
        return;
    }
    if (s3_body_begin(c, w, S3_MAX_OBJECT)) hd_offload(c, false);
}

static void s3_part_finish(cn_conn *c)
{
    uint8_t md5[16];
    st_writer *w;
    if (s3_body_end(c, md5, &w, NULL)) s3_put_commit(c, w, md5, NULL, false);
}

S3_WORK(s3_part_finish)
const hd_handler s3_hd_upload_part = {
    .begin = s3_part_begin, .work = s3_part_finish_work, .finish = s3_emit};

/* ---- UploadPartCopy ---- */

/* x-amz-copy-source-range: "bytes=FIRST-LAST" (absent: the whole source). */
static bool s3_copy_range(cn_conn *c, uint64_t *off, uint64_t *len)
{
    size_t n;
    const char *h = cn_header_get(c, "x-amz-copy-source-range", &n);
    *off = 0;
    *len = UINT64_MAX;
    if (!h) return true;
    const char *dash = n > 6 && memcmp(h, "bytes=", 6) == 0 ? memchr(h + 6, '-', n - 6) : NULL;
    uint64_t first, last;
    if (!dash || !zd_parse_u64(h + 6, (size_t)(dash - h - 6), &first) ||
        !zd_parse_u64(dash + 1, (size_t)(h + n - dash - 1), &last) || last < first ||
        last - first >= S3_MAX_OBJECT) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "The x-amz-copy-source-range value must be of the form bytes=first-last "
                 "where first and last are the zero-based offsets of the first and last bytes "
                 "to copy (at most 5 GiB)");
        return false;
    }
    *off = first;
    *len = last - first + 1;
    return true;
}

static void s3_part_copy_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    char src[ZD_MAX_KEY + 1], key[ZD_MAX_KEY + 1];
    uint64_t off, len;
    if (!s3_bucket_exists(c) || !s3_upload_check(c, NULL) || !s3_copy_source(c, src, sizeof src) ||
        !s3_copy_range(c, &off, &len))
        return;
    st_stat st;
    int rc = s->stat(s, src, &st);
    if (!rc && len == UINT64_MAX && st.size > S3_MAX_OBJECT) rc = ZD_EOVERFLOW;
    s3_upload_key(q->upload_id, q->part, key, sizeof key);
    st_writer *w = NULL;
    if (!rc) rc = s->put_begin(s, key, len == UINT64_MAX ? st.size : len, &w);
    uint8_t md5[16];
    if (!rc) rc = s3_copy_into(c, w, src, off, len, NULL, md5);
    st_meta m = {0};
    char hex[33];
    s3_hex(md5, 16, hex);
    snprintf(m.etag, sizeof m.etag, "\"%s\"", hex);
    if (!rc) rc = w->set_meta(w, &m);
    if (rc) {
        if (w) w->abort(w);
        s3_copy_error(c, rc);
        return;
    }
    st_result res;
    if ((rc = w->commit(w, NULL, &res)) != 0) {
        s3_store_error(c, rc, "storing the part");
        return;
    }
    zd_buf b = {0};
    s3_xml_start(&b, "CopyPartResult");
    s3_xml_time(&b, "LastModified", res.stat.mtime_ns);
    const char *etag = s3_commit_etag(c, m.etag, &res.stat);
    ax_elem(&b, "ETag", etag, strlen(etag));
    s3_xml_send(c, 200, &b, "CopyPartResult");
    zd_buf_free(&b);
}

S3_WORK(s3_part_copy_finish)
const hd_handler s3_hd_upload_part_copy = {
    .begin = s3_offload_heavy, .work = s3_part_copy_finish_work, .finish = s3_emit};

/* ---- Complete ---- */

typedef struct s3_part_ref {
    unsigned number;
    char etag[ST_ETAG_MAX]; /* as listed, quotes removed */
} s3_part_ref;

/* The parts listed in a CompleteMultipartUpload body; answers and returns false if bad. */
static bool s3_complete_parse(cn_conn *c, const zd_buf *body, s3_part_ref **out, size_t *n)
{
    ax_doc doc;
    zd_error err = {0};
    *out = NULL;
    *n = 0;
    int rc = body->len ? ax_parse((const char *)body->data, body->len, &doc, &err) : ZD_EINVAL;
    const char *why = rc ? err.msg : NULL;
    if (!rc && !ax_is(doc.root, NULL, "CompleteMultipartUpload"))
        why = "the root element must be CompleteMultipartUpload";
    size_t count = 0;
    for (const ax_node *p = why ? NULL : ax_child(doc.root, NULL, "Part"); p;
         p = ax_next(p, NULL, "Part"))
        count++;
    if (!why && (count == 0 || count > S3_MAX_PARTS)) why = "it must list 1 to 10000 parts";
    s3_part_ref *v = why ? NULL : calloc(count, sizeof *v);
    if (!why && !v) why = "out of memory";
    size_t i = 0;
    for (const ax_node *p = why ? NULL : ax_child(doc.root, NULL, "Part"); p && !why;
         p = ax_next(p, NULL, "Part"), i++) {
        const ax_node *num = ax_child(p, NULL, "PartNumber"), *tag = ax_child(p, NULL, "ETag");
        size_t nl, tl;
        const char *ns = num ? ax_text_trim(num, &nl) : NULL;
        const char *ts = tag ? ax_text_trim(tag, &tl) : NULL;
        uint64_t pn;
        if (!ns || !ts || !zd_parse_u64(ns, nl, &pn) || pn < 1 || pn > S3_MAX_PARTS) {
            why = "each Part needs a PartNumber (1..10000) and an ETag";
            break;
        }
        if (tl >= 2 && ts[0] == '"' && ts[tl - 1] == '"') {
            ts++;
            tl -= 2;
        }
        if (tl >= sizeof v[i].etag) tl = sizeof v[i].etag - 1;
        v[i].number = (unsigned)pn;
        memcpy(v[i].etag, ts, tl);
        v[i].etag[tl] = '\0';
    }
    if (!rc) ax_free(&doc);
    if (why) {
        free(v);
        s3_error(c, S3E_MALFORMED_XML,
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: %s",
                 why);
        return false;
    }
    for (size_t k = 1; k < count; k++)
        if (v[k].number <= v[k - 1].number) {
            free(v);
            s3_error(c, S3E_INVALID_PART_ORDER,
                     "The list of parts was not in ascending order. Parts must be ordered by "
                     "part number.");
            return false;
        }
    *out = v;
    *n = count;
    return true;
}

/* Checks a part against its listing as it is copied: the ETag (its recorded MD5, or its
 * native ETag where the store keeps no metadata) and the size of every part but the last;
 * and provides the part's MD5 (decoded from its ETag, else computed while copying). */
typedef struct s3_part_check {
    const s3_part_ref *ref;
    bool last;
    s3_err err;
    EVP_MD_CTX *hash; /* computing the MD5: the ETag does not hold it */
    uint8_t md5[16];
} s3_part_check;

static int s3_part_check_fn(const st_precond *pc, const st_stat *cur)
{
    s3_part_check *k = pc->ctx;
    const char *e = s3_etag(cur);
    size_t elen = strlen(e), rlen = strlen(k->ref->etag);
    if (elen != rlen + 2 || memcmp(e + 1, k->ref->etag, rlen) != 0) {
        k->err = S3E_INVALID_PART;
        return ZD_EPRECOND;
    }
    if (!k->last && cur->size < S3_MIN_PART) {
        k->err = S3E_ENTITY_TOO_SMALL;
        return ZD_EPRECOND;
    }
    bool hex = cur->meta_etag[0] && elen == 34;
    for (size_t i = 0; hex && i < 16; i++) {
        int hi = zd_hex_value((unsigned char)e[1 + 2 * i]);
        int lo = zd_hex_value((unsigned char)e[2 + 2 * i]);
        hex = hi >= 0 && lo >= 0;
        k->md5[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!hex && (k->hash = EVP_MD_CTX_new()) != NULL) EVP_DigestInit_ex(k->hash, s3_md_md5(), NULL);
    return 0;
}

static void s3_part_observe(void *ctx, const void *data, size_t len)
{
    s3_part_check *k = ctx;
    if (k->hash) EVP_DigestUpdate(k->hash, data, len);
}

static void s3_complete_begin(cn_conn *c)
{
    /* assembling copies every part: heavy on any store */
    if (s3_bucket_exists(c) && s3_body_begin(c, NULL, S3_XML_BODY_MAX)) hd_offload(c, true);
}

/* Write the listed parts into w; the final ETag's MD5 over their MD5s into md5. */
static bool s3_complete_copy(cn_conn *c, st_writer *w, const s3_part_ref *parts, size_t n,
                             uint8_t md5[16])
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    EVP_MD_CTX *all = EVP_MD_CTX_new();
    if (!all) return false;
    EVP_DigestInit_ex(all, s3_md_md5(), NULL);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char key[ZD_MAX_KEY + 1];
        s3_upload_key(q->upload_id, parts[i].number, key, sizeof key);
        s3_part_check k = {.ref = &parts[i], .last = i + 1 == n, .err = S3E_COUNT};
        st_precond pc = {.check = s3_part_check_fn, .ctx = &k, .want_meta_etag = true};
        rc = st_write_from(s, w, key, 0, UINT64_MAX, &pc, NULL, s3_part_observe, &k);
        if (k.hash) {
            EVP_DigestFinal_ex(k.hash, k.md5, NULL);
            EVP_MD_CTX_free(k.hash);
        }
        if (rc == ZD_ENOTFOUND) k.err = S3E_INVALID_PART;
        if (k.err == S3E_INVALID_PART)
            s3_error(c, S3E_INVALID_PART,
                     "One or more of the specified parts could not be found or its entity tag "
                     "did not match (part %u).",
                     parts[i].number);
        else if (k.err == S3E_ENTITY_TOO_SMALL)
            s3_error(c, S3E_ENTITY_TOO_SMALL,
                     "Your proposed upload is smaller than the minimum allowed size: part %u is "
                     "under 5 MiB and not the last.",
                     parts[i].number);
        else if (rc)
            s3_store_error(c, rc, "assembling the object");
        EVP_DigestUpdate(all, k.md5, 16);
    }
    EVP_DigestFinal_ex(all, md5, NULL);
    EVP_MD_CTX_free(all);
    return rc == 0;
}

static void s3_complete_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    const zd_buf *body;
    s3_part_ref *parts;
    size_t n;
    st_precond dpc;
    const st_precond *dst_pc;
    if (!s3_body_end(c, NULL, NULL, &body) || !s3_write_precond(c, &dpc, &dst_pc) ||
        !s3_complete_parse(c, body, &parts, &n))
        return;
    st_meta *m = malloc(sizeof *m);
    if (!m || !s3_claim(q->upload_id)) {
        free(parts);
        free(m);
        s3_error(c, m ? S3E_OPERATION_ABORTED : S3E_SERVICE_UNAVAILABLE,
                 "A conflicting operation is currently in progress against this upload. "
                 "Please try again.");
        return;
    }
    st_writer *w = NULL;
    int rc = 0;
    uint8_t md5[16];
    if (s3_upload_check(c, m) && (rc = s->put_begin(s, q->path, 0, &w)) != 0)
        s3_store_error(c, rc, "assembling the object");
    bool ok = w && s3_complete_copy(c, w, parts, n, md5);
    if (ok) {
        char hex[33];
        s3_hex(md5, 16, hex);
        snprintf(m->etag, sizeof m->etag, "\"%s-%zu\"", hex, n);
        st_result res;
        rc = w->set_meta(w, m);
        if (!rc) {
            rc = w->commit(w, dst_pc, &res);
            w = NULL;
        }
        /* the ETag answered from now on (the native one where no metadata is kept) */
        if (!rc && !s->keeps_meta) memcpy(m->etag, res.stat.etag, sizeof m->etag);
        if (rc) s3_store_error(c, rc, "storing the object");
        ok = rc == 0;
    }
    if (w) w->abort(w);
    if (ok && (rc = s3_upload_delete(s, q->upload_id)) != 0)
        lg_log(LG_WARN, "s3: upload %s completed but its staging files stay: %s", q->upload_id,
               zd_strerror(rc));
    s3_release(q->upload_id);
    free(parts);
    if (!ok) {
        free(m);
        return;
    }
    zd_buf b = {0}, loc = {0};
    s3_xml_start(&b, "CompleteMultipartUploadResult");
    size_t hl;
    const char *host = cn_header_get(c, "host", &hl);
    zd_buf_appendf(&loc, "http://%.*s/", host ? (int)hl : 0, host ? host : "");
    s3_pct_encode(&loc, q->path, q->plen, true);
    ax_elem(&b, "Location", (const char *)loc.data, loc.len);
    ax_elem(&b, "Bucket", q->bucket, q->blen);
    ax_elem(&b, "Key", q->key, q->klen);
    ax_elem(&b, "ETag", m->etag, strlen(m->etag));
    free(m);
    s3_xml_send(c, 200, &b, "CompleteMultipartUploadResult");
    zd_buf_free(&b);
    zd_buf_free(&loc);
}

S3_WORK(s3_complete_finish)
const hd_handler s3_hd_complete_upload = {
    .begin = s3_complete_begin, .work = s3_complete_finish_work, .finish = s3_emit};

/* ---- Abort ---- */

static void s3_abort_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    if (!s3_bucket_exists(c)) return;
    if (!s3_claim(q->upload_id)) {
        s3_error(c, S3E_OPERATION_ABORTED,
                 "A conflicting operation is currently in progress against this upload.");
        return;
    }
    if (s3_upload_check(c, NULL)) {
        int rc = s3_upload_delete(s3_store(c), q->upload_id);
        if (rc) {
            s3_store_error(c, rc, "aborting the upload");
        } else {
            s3_answer(c, 204, NULL, NULL);
        }
    }
    s3_release(q->upload_id);
}

S3_WORK(s3_abort_finish)
const hd_handler s3_hd_abort_upload = {
    .begin = s3_offload_begin, .work = s3_abort_finish_work, .finish = s3_emit};

/* ---- ListParts ---- */

/* A numeric query parameter (absent: dflt); -1 if malformed. */
static long s3_query_num(cn_conn *c, const char *name, long dflt, long max)
{
    char v[24];
    size_t n;
    uint64_t x;
    int rc = s3_query(c, name, v, sizeof v, &n);
    if (rc == 0) return dflt;
    if (rc < 0 || !zd_parse_u64(v, n, &x)) return -1;
    return x > (uint64_t)max ? max : (long)x;
}

static void s3_list_parts_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    long marker = s3_query_num(c, "part-number-marker", 0, S3_MAX_PARTS);
    long max = s3_query_num(c, "max-parts", 1000, 1000);
    if (marker < 0 || max < 0) {
        s3_error(c, S3E_INVALID_ARGUMENT, "part-number-marker and max-parts must be integers");
        return;
    }
    if (!s3_bucket_exists(c) || !s3_upload_check(c, NULL)) return;
    char dir[64];
    snprintf(dir, sizeof dir, S3_UPLOADS_DIR "/%s", q->upload_id);
    st_list l = {0};
    int rc = s->list(s, dir, false, &l);
    if (rc) {
        st_list_free(&l);
        s3_store_error(c, rc, "listing the parts");
        return;
    }
    st_list_sort(&l);
    zd_buf b = {0}, parts = {0};
    long count = 0, last = 0;
    bool truncated = false;
    for (size_t i = 0; i < l.n; i++) {
        const char *name = l.v[i].name;
        char *end;
        long num = name[0] == 'p' ? strtol(name + 1, &end, 10) : 0;
        if (num <= marker || *end) continue;
        if (count == max) {
            truncated = true;
            break;
        }
        char key[ZD_MAX_KEY + 80];
        snprintf(key, sizeof key, "%s/%s", dir, name);
        st_reader *r;
        st_stat st;
        st_meta m;
        if (s->open_read(s, key, &r, &st)) continue; /* being replaced or gone */
        if (r->meta(r, &m)) m.etag[0] = '\0';
        r->close(r);
        memcpy(st.meta_etag, m.etag, sizeof st.meta_etag);
        zd_buf_append_str(&parts, "<Part>");
        ax_elemf(&parts, "PartNumber", "%ld", num);
        s3_xml_time(&parts, "LastModified", st.mtime_ns);
        ax_elem(&parts, "ETag", s3_etag(&st), strlen(s3_etag(&st)));
        ax_elemf(&parts, "Size", "%llu", (unsigned long long)st.size);
        zd_buf_append_str(&parts, "</Part>");
        count++;
        last = num;
    }
    st_list_free(&l);
    s3_xml_start(&b, "ListPartsResult");
    ax_elem(&b, "Bucket", q->bucket, q->blen);
    ax_elem(&b, "Key", q->key, q->klen);
    ax_elem(&b, "UploadId", q->upload_id, S3_UPLOAD_ID_LEN);
    s3_xml_owner(&b, "Initiator");
    s3_xml_owner(&b, "Owner");
    zd_buf_append_str(&b, "<StorageClass>STANDARD</StorageClass>");
    ax_elemf(&b, "PartNumberMarker", "%ld", marker);
    ax_elemf(&b, "NextPartNumberMarker", "%ld", last);
    ax_elemf(&b, "MaxParts", "%ld", max);
    ax_elem(&b, "IsTruncated", truncated ? "true" : "false", truncated ? 4 : 5);
    if (parts.len) zd_buf_append(&b, parts.data, parts.len);
    s3_xml_send(c, 200, &b, "ListPartsResult");
    zd_buf_free(&b);
    zd_buf_free(&parts);
}

const hd_handler s3_hd_list_parts = {.finish = s3_list_parts_finish};

/* ---- ListMultipartUploads ---- */

typedef struct s3_upload_ent {
    char *key; /* within the bucket */
    char id[S3_UPLOAD_ID_LEN + 1];
    uint64_t initiated;
} s3_upload_ent;

static int s3_upload_cmp(const void *a, const void *b)
{
    const s3_upload_ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->initiated != y->initiated) return x->initiated < y->initiated ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Every upload of the bucket whose key starts with prefix, sorted. */
static int s3_uploads_of(cn_conn *c, const char *prefix, size_t plen, s3_upload_ent **out,
                         size_t *n)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_list l = {0};
    *out = NULL;
    *n = 0;
    int rc = s->list(s, S3_UPLOADS_DIR, false, &l);
    st_list_sort(&l);
    s3_upload_ent *v = l.n ? calloc(l.n, sizeof *v) : NULL;
    if (!rc && l.n && !v) rc = ZD_ENOMEM;
    for (size_t i = 0; !rc && i < l.n && i < S3_MAX_UPLOADS; i++) {
        const char *name = l.v[i].name;
        size_t nl = strlen(name);
        if (!l.v[i].dir || nl != S3_UPLOAD_ID_LEN + 1) continue;
        char id[S3_UPLOAD_ID_LEN + 1], path[ZD_MAX_KEY + 1];
        memcpy(id, name, S3_UPLOAD_ID_LEN);
        id[S3_UPLOAD_ID_LEN] = '\0';
        st_stat st;
        if (s3_record_read(s, id, path, sizeof path, NULL, &st)) continue;
        size_t pl = strlen(path);
        if (pl <= q->blen + plen || memcmp(path, q->bucket, q->blen) != 0 || path[q->blen] != '/' ||
            memcmp(path + q->blen + 1, prefix, plen) != 0)
            continue;
        s3_upload_ent *e = &v[(*n)++];
        e->key = strdup(path + q->blen + 1);
        memcpy(e->id, id, sizeof e->id);
        e->initiated = st.mtime_ns;
        if (!e->key) rc = ZD_ENOMEM;
    }
    st_list_free(&l);
    if (*n > 1) qsort(v, *n, sizeof *v, s3_upload_cmp);
    *out = v;
    return rc;
}

static void s3_list_uploads_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    char prefix[ZD_MAX_KEY + 1], delim[64], kmarker[ZD_MAX_KEY + 1], imarker[64];
    size_t plen, dlen, kml, iml;
    long max = s3_query_num(c, "max-uploads", 1000, 1000);
    if (s3_query(c, "prefix", prefix, sizeof prefix, &plen) < 0 ||
        s3_query(c, "delimiter", delim, sizeof delim, &dlen) < 0 ||
        s3_query(c, "key-marker", kmarker, sizeof kmarker, &kml) < 0 ||
        s3_query(c, "upload-id-marker", imarker, sizeof imarker, &iml) < 0 || max < 0) {
        s3_error(c, S3E_INVALID_ARGUMENT, "Invalid listing parameter");
        return;
    }
    if (!s3_bucket_exists(c)) return;
    s3_upload_ent *v;
    size_t n;
    int rc = s3_uploads_of(c, prefix, plen, &v, &n);
    zd_buf b = {0}, ups = {0}, cps = {0};
    long count = 0;
    bool truncated = false;
    const char *next_key = "", *next_id = "";
    char last_cp[ZD_MAX_KEY + 1] = "";
    for (size_t i = 0; !rc && i < n; i++) {
        const s3_upload_ent *e = &v[i];
        int k = strcmp(e->key, kmarker);
        if (kml && (k < 0 || (k == 0 && (!iml || strcmp(e->id, imarker) <= 0)))) continue;
        const char *d = dlen ? strstr(e->key + plen, delim) : NULL;
        if (d) {
            size_t cl = (size_t)(d - e->key) + dlen;
            if (strlen(last_cp) == cl && memcmp(last_cp, e->key, cl) == 0) continue;
            if (count == max) {
                truncated = true;
                break;
            }
            memcpy(last_cp, e->key, cl);
            last_cp[cl] = '\0';
            zd_buf_append_str(&cps, "<CommonPrefixes>");
            ax_elem(&cps, "Prefix", last_cp, cl);
            zd_buf_append_str(&cps, "</CommonPrefixes>");
            count++;
            next_key = e->key;
            next_id = e->id;
            continue;
        }
        if (count == max) {
            truncated = true;
            break;
        }
        zd_buf_append_str(&ups, "<Upload>");
        ax_elem(&ups, "Key", e->key, strlen(e->key));
        ax_elem(&ups, "UploadId", e->id, S3_UPLOAD_ID_LEN);
        s3_xml_owner(&ups, "Initiator");
        s3_xml_owner(&ups, "Owner");
        zd_buf_append_str(&ups, "<StorageClass>STANDARD</StorageClass>");
        s3_xml_time(&ups, "Initiated", e->initiated);
        zd_buf_append_str(&ups, "</Upload>");
        count++;
        next_key = e->key;
        next_id = e->id;
    }
    if (!rc) {
        s3_xml_start(&b, "ListMultipartUploadsResult");
        ax_elem(&b, "Bucket", q->bucket, q->blen);
        ax_elem(&b, "KeyMarker", kmarker, kml);
        ax_elem(&b, "UploadIdMarker", imarker, iml);
        ax_elem(&b, "NextKeyMarker", next_key, strlen(next_key));
        ax_elem(&b, "NextUploadIdMarker", next_id, strlen(next_id));
        ax_elem(&b, "Prefix", prefix, plen);
        if (dlen) ax_elem(&b, "Delimiter", delim, dlen);
        ax_elemf(&b, "MaxUploads", "%ld", max);
        ax_elem(&b, "IsTruncated", truncated ? "true" : "false", truncated ? 4 : 5);
        if (ups.len) zd_buf_append(&b, ups.data, ups.len);
        if (cps.len) zd_buf_append(&b, cps.data, cps.len);
        s3_xml_send(c, 200, &b, "ListMultipartUploadsResult");
    } else {
        s3_store_error(c, rc, "listing the uploads");
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    zd_buf_free(&b);
    zd_buf_free(&ups);
    zd_buf_free(&cps);
}

const hd_handler s3_hd_list_uploads = {.finish = s3_list_uploads_finish};

/* ---- the sweep ---- */

static uint64_t s3_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Delete the uploads idle for longer than the TTL (and directories without a record). */
static void s3_sweep(s3_service *svc)
{
    st_store *s = svc->store;
    st_list l = {0};
    if (s->list(s, S3_UPLOADS_DIR, false, &l)) {
        st_list_free(&l);
        return;
    }
    st_list_sort(&l);
    uint64_t now = s3_now_ns();
    for (size_t i = 0; i < l.n && i < S3_MAX_UPLOADS; i++) {
        size_t nl = strlen(l.v[i].name);
        if (!l.v[i].dir || nl != S3_UPLOAD_ID_LEN + 1) continue;
        char id[S3_UPLOAD_ID_LEN + 1], dir[64];
        memcpy(id, l.v[i].name, S3_UPLOAD_ID_LEN);
        id[S3_UPLOAD_ID_LEN] = '\0';
        snprintf(dir, sizeof dir, S3_UPLOADS_DIR "/%s", id);
        st_list files = {0};
        bool record = false;
        uint64_t newest = 0;
        if (s->list(s, dir, true, &files) == 0)
            for (size_t k = 0; k < files.n; k++) {
                record |= strcmp(files.v[k].name, "upload") == 0;
                if (files.v[k].mtime_ns > newest) newest = files.v[k].mtime_ns;
            }
        st_list_free(&files);
        bool idle = newest + svc->upload_ttl_ns < now;
        if ((record && !idle) || !s3_claim(id)) continue;
        int rc = s3_upload_delete(s, id);
        s3_release(id);
        lg_log(rc ? LG_WARN : LG_INFO, "s3: reclaimed %s upload %s%s%s",
               record ? "abandoned" : "orphaned", id, rc ? ": " : "", rc ? zd_strerror(rc) : "");
    }
    st_list_free(&l);
}

static void s3_on_sweep(uv_timer_t *t)
{
    s3_sweep(t->data);
}

int s3_sweep_start(s3_service *svc, uv_loop_t *loop)
{
    uint64_t every_ms = svc->upload_ttl_ns / 4 / 1000000;
    if (every_ms < 1000) every_ms = 1000;
    if (every_ms > 600000) every_ms = 600000;
    s3_sweep(svc);
    int rc = uv_timer_init(loop, &svc->sweep);
    if (rc) return rc;
    svc->sweep.data = svc;
    svc->sweeping = true;
    return uv_timer_start(&svc->sweep, s3_on_sweep, every_ms, every_ms);
}

void s3_sweep_stop(s3_service *svc)
{
    if (!svc->sweeping) return;
    svc->sweeping = false;
    uv_close((uv_handle_t *)&svc->sweep, NULL);
}
