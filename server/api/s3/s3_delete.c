/* s3_delete.c: DeleteObjects (POST /BUCKET?delete): up to 1000 keys in one XML body
 *
 *   <Delete><Quiet>true</Quiet><Object><Key>k</Key></Object>...</Delete>
 *
 * each deleted like DeleteObject (idempotent: a key that is not there counts as deleted),
 * each with its own outcome: <Deleted> (left out with Quiet) or <Error> (a key this server
 * cannot name, one outside the credential's rights, a store failure). The body must carry
 * Content-MD5 or an x-amz-checksum-* (AWS requires one; the body filter verifies it). */
#include "s3_internal.h"

#include "api_xml.h"
#include "zd_error.h"
#include "zd_key.h"

#include <string.h>

#define S3_DELETE_MAX 1000

static void s3_delete_objects_begin(cn_conn *c)
{
    size_t n;
    bool digest = cn_header_get(c, "content-md5", &n) != NULL;
    for (size_t i = 0; !digest && i < c->req.nheaders; i++) {
        const cn_header *h = &c->req.headers[i];
        digest = h->name_len > 15 && strncasecmp(c->arena + h->name, "x-amz-checksum-", 15) == 0;
    }
    if (!digest && !cn_header_get(c, "x-amz-trailer", &n)) {
        s3_error(c, S3E_INVALID_REQUEST,
                 "Missing required header for this request: Content-MD5 (or x-amz-checksum-*)");
        return;
    }
    if (s3_bucket_exists(c) && s3_body_begin(c, NULL, S3_XML_BODY_MAX)) hd_offload(c, false);
}

static void s3_delete_error(zd_buf *b, const char *key, size_t len, const char *code,
                            const char *msg)
{
    zd_buf_append_str(b, "<Error>");
    ax_elem(b, "Key", key, len);
    ax_elem(b, "Code", code, strlen(code));
    ax_elem(b, "Message", msg, strlen(msg));
    zd_buf_append_str(b, "</Error>");
}

/* Delete one key of the request's bucket; its outcome goes to b. */
static void s3_delete_one(cn_conn *c, const char *key, size_t klen, bool quiet, zd_buf *b)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    char path[ZD_MAX_KEY + 1];
    zd_error err = {0};
    if (klen == 0 || q->blen + 1 + klen > ZD_MAX_KEY) {
        s3_delete_error(b, key, klen, "KeyTooLongError", "The key is empty or too long.");
        return;
    }
    memcpy(path, q->bucket, q->blen);
    path[q->blen] = '/';
    memcpy(path + q->blen + 1, key, klen);
    size_t plen = q->blen + 1 + klen;
    path[plen] = '\0';
    if (zd_key_validate(path, plen, &err) || st_key_reserved(path, plen)) {
        /* a key this server cannot hold cannot be here: nothing to delete */
    } else if (!s3_cred_allows(q->auth.cred, path, plen, true)) {
        s3_delete_error(b, key, klen, "AccessDenied", "Access Denied");
        return;
    } else {
        bool existed;
        int rc = s->remove(s, path, NULL, &existed);
        if (rc && rc != ZD_ENOTFOUND) {
            s3_delete_error(b, key, klen, "InternalError", zd_strerror(rc));
            return;
        }
    }
    if (quiet) return;
    zd_buf_append_str(b, "<Deleted>");
    ax_elem(b, "Key", key, klen);
    zd_buf_append_str(b, "</Deleted>");
}

static void s3_delete_objects_finish(cn_conn *c)
{
    const zd_buf *body;
    if (!s3_body_end(c, NULL, NULL, &body)) return;
    ax_doc doc;
    zd_error err = {0};
    int rc = body->len ? ax_parse((const char *)body->data, body->len, &doc, &err) : ZD_EINVAL;
    const char *why = rc ? (err.msg[0] ? err.msg : "an empty body") : NULL;
    size_t count = 0;
    if (!why && !ax_is(doc.root, NULL, "Delete")) why = "the root element must be Delete";
    for (const ax_node *o = why ? NULL : ax_child(doc.root, NULL, "Object"); o;
         o = ax_next(o, NULL, "Object"))
        if (!ax_child(o, NULL, "Key") || ++count > S3_DELETE_MAX)
            why = "1 to 1000 Objects with a Key";
    if (!why && count == 0) why = "1 to 1000 Objects with a Key";
    if (why) {
        if (!rc) ax_free(&doc);
        s3_error(c, S3E_MALFORMED_XML,
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: %s",
                 why);
        return;
    }
    const ax_node *qn = ax_child(doc.root, NULL, "Quiet");
    size_t ql = 0;
    const char *qv = qn ? ax_text_trim(qn, &ql) : "";
    bool quiet = ql == 4 && memcmp(qv, "true", 4) == 0;
    zd_buf b = {0};
    s3_xml_start(&b, "DeleteResult");
    for (const ax_node *o = ax_child(doc.root, NULL, "Object"); o; o = ax_next(o, NULL, "Object")) {
        const ax_node *k = ax_child(o, NULL, "Key");
        s3_delete_one(c, k->text, k->text_len, quiet, &b);
    }
    ax_free(&doc);
    s3_xml_send(c, 200, &b, "DeleteResult");
    zd_buf_free(&b);
}

S3_WORK(s3_delete_objects_finish)
const hd_handler s3_hd_delete_objects = {
    .begin = s3_delete_objects_begin, .work = s3_delete_objects_finish_work, .finish = s3_emit};
