/* s3_route.c: the S3 listener's front-end (cn_frontend): for every request, find the bucket
 * and key (path style "/BUCKET/KEY", or virtual-host style "BUCKET.DOMAIN" with --s3-domain),
 * the operation (method + subresource query parameters, as the S3 API reference lists them),
 * check the signature and the credential's rights, and hand the request to the operation's
 * handler. Store keys are "BUCKET/KEY"; a key the directory tree cannot hold ("a//b", "a/",
 * ".", "..", a NUL, longer than 1024 bytes with its bucket) is refused with an S3 error
 * before anything is touched. */
#include "s3_internal.h"

#include "cors.h"
#include "zd_ctype.h"
#include "zd_error.h"
#include "zd_key.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local s3_req s3_req_fallback; /* when a connection's state cannot be allocated */

s3_req *s3_q(cn_conn *c)
{
    if (!c->fe_data) c->fe_data = calloc(1, sizeof(s3_req));
    return c->fe_data ? c->fe_data : &s3_req_fallback;
}

s3_service *s3_svc(cn_conn *c)
{
    return c->w->shared->s3;
}

st_store *s3_store(cn_conn *c)
{
    return c->w->shared->store;
}

/* CORS on this listener (with --cors-origin): S3's methods, and the headers SDKs send in
 * browsers; `*` admits the x-amz-meta-* names, Authorization is listed as the standard asks. */
static const cors_policy s3_cors = {
    .allow_methods = "GET, HEAD, PUT, POST, DELETE",
    .allow_headers = "Authorization, *",
    .expose = "ETag, Content-Range, Content-Length, Accept-Ranges, Last-Modified, Content-Type, "
              "Content-Encoding, Content-Disposition, Cache-Control, Expires, x-amz-request-id, "
              "x-amz-id-2, x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-sha1, "
              "x-amz-checksum-sha256",
    .max_age = "3600",
};

static void s3_request_start(cn_conn *c)
{
    s3_req *q = s3_q(c);
    c->cors = &s3_cors;
    q->op = S3_OP_NONE;
    q->nparams = 0;
    q->id[0] = '\0';
    q->blen = q->klen = q->plen = 0;
    q->bucket[0] = q->key[0] = q->path[0] = '\0';
    q->upload_id[0] = '\0';
    q->part = 0;
    q->auth.cred = NULL;
    q->auth.payload[0] = '\0';
    q->body_err = S3E_COUNT;
    q->cond = 0;
    s3_answer_clear(q);
    q->ans.deferring = false;
}

static void s3_conn_close(cn_conn *c)
{
    s3_answer_clear(c->fe_data);
    free(c->fe_data);
    c->fe_data = NULL;
}

/* ---- addressing ---- */

/* Virtual-host style: the bucket is what precedes ".DOMAIN" in the Host header. */
static bool s3_host_bucket(cn_conn *c, const char **b, size_t *blen)
{
    s3_service *svc = s3_svc(c);
    size_t hlen;
    const char *h = svc->domain ? cn_header_get(c, "host", &hlen) : NULL;
    if (!h) return false;
    const char *colon = memrchr(h, ':', hlen);
    if (colon && !memchr(h, ']', hlen)) hlen = (size_t)(colon - h);
    size_t dl = svc->domain_len;
    if (hlen < dl + 2 || h[hlen - dl - 1] != '.' ||
        !zd_ascii_caseeq(h + hlen - dl, dl, svc->domain))
        return false;
    *b = h;
    *blen = hlen - dl - 1;
    return true;
}

/* Split the target into bucket and key (decoded) and build the store key. */
static bool s3_address(cn_conn *c, s3_req *q)
{
    cn_request *r = &c->req;
    if (r->path_len == 0 || r->path[0] != '/') {
        s3_error(c, S3E_INVALID_URI, "The request target must be an absolute path.");
        return false;
    }
    const char *p = r->path + 1, *end = r->path + r->path_len;
    const char *b;
    size_t braw;
    bool vhost = s3_host_bucket(c, &b, &braw);
    if (!vhost) {
        b = p;
        const char *slash = memchr(p, '/', (size_t)(end - p));
        braw = slash ? (size_t)(slash - p) : (size_t)(end - p);
        p = slash ? slash + 1 : end;
    }
    long bl = braw ? s3_pct_decode(b, braw, q->bucket, sizeof q->bucket) : 0;
    zd_error err = {0};
    if (bl < 0 || (bl > 0 && (memchr(q->bucket, '/', (size_t)bl) ||
                              zd_key_validate(q->bucket, (size_t)bl, &err) ||
                              st_key_reserved(q->bucket, (size_t)bl)))) {
        q->bucket[0] = '\0';
        s3_error(c, S3E_INVALID_BUCKET_NAME, "The specified bucket is not valid.");
        return false;
    }
    q->blen = (size_t)bl;
    long kl = s3_pct_decode(p, (size_t)(end - p), q->key, sizeof q->key);
    if (kl < 0) {
        q->key[0] = '\0';
        if (kl == -2)
            s3_error(c, S3E_KEY_TOO_LONG, "Your key is too long.");
        else
            s3_error(c, S3E_INVALID_URI,
                     "Couldn't parse the specified URI (a malformed %%-escape or a NUL).");
        return false;
    }
    q->klen = (size_t)kl;
    if (q->klen && !q->blen) {
        s3_error(c, S3E_INVALID_URI, "An object key needs a bucket.");
        return false;
    }
    if (q->blen + 1 + q->klen > ZD_MAX_KEY) {
        s3_error(c, S3E_KEY_TOO_LONG,
                 "Your key is too long: bucket and key together may have "
                 "at most 1023 bytes here.");
        return false;
    }
    memcpy(q->path, q->bucket, q->blen);
    q->plen = q->blen;
    if (q->klen) {
        q->path[q->plen++] = '/';
        memcpy(q->path + q->plen, q->key, q->klen);
        q->plen += q->klen;
    }
    q->path[q->plen] = '\0';
    if (q->klen && (zd_key_validate(q->path, q->plen, &err) || st_key_reserved(q->path, q->plen))) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "This server keeps objects as files in a directory tree and cannot store this "
                 "key: %s",
                 err.msg[0] ? err.msg : "segments starting with \".zarrd-\" are reserved");
        return false;
    }
    return true;
}

/* ---- operations ---- */

/* Subresources this server does not implement (a request naming one gets NotImplemented
 * rather than being taken for a plain GET/PUT/DELETE of the bucket or object). */
static const char *const s3_unsupported[] = {"accelerate",
                                             "analytics",
                                             "attributes",
                                             "cors",
                                             "encryption",
                                             "intelligent-tiering",
                                             "inventory",
                                             "legal-hold",
                                             "lifecycle",
                                             "logging",
                                             "metrics",
                                             "notification",
                                             "object-lock",
                                             "ownershipControls",
                                             "policy",
                                             "policyStatus",
                                             "publicAccessBlock",
                                             "replication",
                                             "requestPayment",
                                             "restore",
                                             "retention",
                                             "select",
                                             "tagging",
                                             "torrent",
                                             "versions",
                                             "website",
                                             "partNumber",
                                             NULL};

static const char *s3_unsupported_subresource(cn_conn *c, s3_op op)
{
    for (const char *const *n = s3_unsupported; *n; n++) {
        if (strcmp(*n, "partNumber") == 0 && (op == S3_UPLOAD_PART || op == S3_UPLOAD_PART_COPY))
            continue;
        if (s3_query_has(c, *n)) return *n;
    }
    return NULL;
}

static s3_op s3_bucket_op(cn_conn *c)
{
    switch (c->req.method) {
    case HTTP_GET:
        if (s3_query_has(c, "location")) return S3_GET_BUCKET_LOCATION;
        if (s3_query_has(c, "versioning")) return S3_GET_BUCKET_VERSIONING;
        if (s3_query_has(c, "acl")) return S3_GET_ACL;
        if (s3_query_has(c, "uploads")) return S3_LIST_UPLOADS;
        return s3_query_has(c, "list-type") ? S3_LIST_OBJECTS_V2 : S3_LIST_OBJECTS;
    case HTTP_HEAD:
        return S3_HEAD_BUCKET;
    case HTTP_PUT:
        return s3_query_has(c, "acl") || s3_query_has(c, "versioning") ? S3_OP_NONE
                                                                       : S3_CREATE_BUCKET;
    case HTTP_DELETE:
        return S3_DELETE_BUCKET;
    case HTTP_POST:
        return s3_query_has(c, "delete") ? S3_DELETE_OBJECTS : S3_OP_NONE;
    default:
        return S3_OP_NONE;
    }
}

static s3_op s3_object_op(cn_conn *c)
{
    size_t n;
    bool upload = s3_query_has(c, "uploadId");
    bool copy = cn_header_get(c, "x-amz-copy-source", &n) != NULL;
    switch (c->req.method) {
    case HTTP_GET:
        if (upload) return S3_LIST_PARTS;
        return s3_query_has(c, "acl") ? S3_GET_ACL : S3_GET_OBJECT;
    case HTTP_HEAD:
        return S3_HEAD_OBJECT;
    case HTTP_PUT:
        if (upload || s3_query_has(c, "partNumber"))
            return copy ? S3_UPLOAD_PART_COPY : S3_UPLOAD_PART;
        if (s3_query_has(c, "acl")) return S3_OP_NONE;
        return copy ? S3_COPY_OBJECT : S3_PUT_OBJECT;
    case HTTP_DELETE:
        return upload ? S3_ABORT_UPLOAD : S3_DELETE_OBJECT;
    case HTTP_POST:
        if (s3_query_has(c, "uploads")) return S3_CREATE_UPLOAD;
        return upload ? S3_COMPLETE_UPLOAD : S3_OP_NONE;
    default:
        return S3_OP_NONE;
    }
}

static const hd_handler *s3_handler(s3_op op)
{
    switch (op) {
    case S3_LIST_BUCKETS:
        return &s3_hd_list_buckets;
    case S3_CREATE_BUCKET:
        return &s3_hd_create_bucket;
    case S3_HEAD_BUCKET:
        return &s3_hd_head_bucket;
    case S3_DELETE_BUCKET:
        return &s3_hd_delete_bucket;
    case S3_GET_BUCKET_LOCATION:
        return &s3_hd_bucket_location;
    case S3_GET_BUCKET_VERSIONING:
        return &s3_hd_bucket_versioning;
    case S3_GET_ACL:
        return &s3_hd_acl;
    case S3_LIST_OBJECTS:
    case S3_LIST_OBJECTS_V2:
        return &s3_hd_list_objects;
    case S3_LIST_UPLOADS:
        return &s3_hd_list_uploads;
    case S3_DELETE_OBJECTS:
        return &s3_hd_delete_objects;
    case S3_GET_OBJECT:
    case S3_HEAD_OBJECT:
        return &s3_hd_get_object;
    case S3_PUT_OBJECT:
        return &s3_hd_put_object;
    case S3_COPY_OBJECT:
        return &s3_hd_copy_object;
    case S3_DELETE_OBJECT:
        return &s3_hd_delete_object;
    case S3_CREATE_UPLOAD:
        return &s3_hd_create_upload;
    case S3_UPLOAD_PART:
        return &s3_hd_upload_part;
    case S3_UPLOAD_PART_COPY:
        return &s3_hd_upload_part_copy;
    case S3_COMPLETE_UPLOAD:
        return &s3_hd_complete_upload;
    case S3_ABORT_UPLOAD:
        return &s3_hd_abort_upload;
    case S3_LIST_PARTS:
        return &s3_hd_list_parts;
    default:
        return NULL;
    }
}

/* Whether the operation writes (rights), and whether it reaches the object (else the
 * bucket, whose rights are checked here, or the handler decides: listings, copies). */
static bool s3_op_writes(s3_op op)
{
    switch (op) {
    case S3_CREATE_BUCKET:
    case S3_DELETE_BUCKET:
    case S3_DELETE_OBJECTS:
    case S3_PUT_OBJECT:
    case S3_COPY_OBJECT:
    case S3_DELETE_OBJECT:
    case S3_CREATE_UPLOAD:
    case S3_UPLOAD_PART:
    case S3_UPLOAD_PART_COPY:
    case S3_COMPLETE_UPLOAD:
    case S3_ABORT_UPLOAD:
        return true;
    default:
        return false;
    }
}

/* The credential's rights for the operation (listings and DeleteObjects check per key). */
static bool s3_rights(const s3_req *q)
{
    const s3_cred *cred = q->auth.cred;
    if (!cred || q->op == S3_LIST_BUCKETS) return true;
    bool write = s3_op_writes(q->op);
    switch (q->op) {
    case S3_CREATE_BUCKET:
    case S3_DELETE_BUCKET:
        return s3_cred_allows(cred, q->bucket, q->blen, true);
    case S3_DELETE_OBJECTS: /* each key's rights decide its own outcome */
        write = false;
        /* fall through */
    case S3_LIST_OBJECTS:
    case S3_LIST_OBJECTS_V2:
    case S3_LIST_UPLOADS:
    case S3_HEAD_BUCKET:
    case S3_GET_BUCKET_LOCATION:
    case S3_GET_BUCKET_VERSIONING: /* the bucket must be within reach; the handler narrows */
        return (!write || cred->rw) &&
               (cred->scope_len == 0 ||
                (cred->scope_len >= q->blen && memcmp(cred->scope, q->bucket, q->blen) == 0 &&
                 (cred->scope_len == q->blen || cred->scope[q->blen] == '/')));
    default:
        return s3_cred_allows(cred, q->path, q->plen, write);
    }
}

/* uploadId and partNumber of the multipart operations. */
static bool s3_upload_params(cn_conn *c, s3_req *q)
{
    size_t n;
    if (q->op == S3_UPLOAD_PART || q->op == S3_UPLOAD_PART_COPY || q->op == S3_COMPLETE_UPLOAD ||
        q->op == S3_ABORT_UPLOAD || q->op == S3_LIST_PARTS) {
        char id[S3_UPLOAD_ID_LEN + 8];
        int rc = s3_query(c, "uploadId", id, sizeof id, &n);
        bool ok = rc == 1 && n == S3_UPLOAD_ID_LEN;
        for (size_t i = 0; ok && i < n; i++)
            ok = zd_hex_value((unsigned char)id[i]) >= 0 && !(id[i] >= 'A' && id[i] <= 'F');
        if (!ok) {
            s3_error(c, S3E_NO_SUCH_UPLOAD,
                     "The specified upload does not exist. The upload ID may be invalid, or the "
                     "upload may have been aborted or completed.");
            return false;
        }
        memcpy(q->upload_id, id, n + 1);
    }
    if (q->op == S3_UPLOAD_PART || q->op == S3_UPLOAD_PART_COPY) {
        char num[16];
        char *end;
        unsigned long v = 0;
        if (s3_query(c, "partNumber", num, sizeof num, &n) == 1 &&
            zd_is_digit((unsigned char)num[0]))
            v = strtoul(num, &end, 10);
        else
            end = num;
        if (*end || v < 1 || v > S3_MAX_PARTS) {
            s3_error(c, S3E_INVALID_ARGUMENT,
                     "Part number must be an integer between 1 and 10000, inclusive");
            return false;
        }
        q->part = (unsigned)v;
    }
    return true;
}

static void s3_route(cn_conn *c)
{
    s3_req *q = s3_q(c);
    if (cors_is_preflight(c)) { /* before any signature: browsers send none on a preflight */
        cors_preflight(c, &s3_cors);
        return;
    }
    if (!c->fe_data) { /* the state of a work step must be the connection's own */
        s3_error(c, S3E_SERVICE_UNAVAILABLE, "out of memory");
        return;
    }
    if (!s3_query_parse(c, q) || !s3_address(c, q)) return;
    int method = c->req.method;
    if (!q->blen)
        q->op = method == HTTP_GET ? S3_LIST_BUCKETS : S3_OP_NONE;
    else if (!q->klen)
        q->op = s3_bucket_op(c);
    else
        q->op = s3_object_op(c);
    const char *sub = s3_unsupported_subresource(c, q->op);
    if (sub) {
        s3_error(c, S3E_NOT_IMPLEMENTED, "The \"%s\" subresource is not implemented here.", sub);
        return;
    }
    if (q->op == S3_OP_NONE) {
        if (method == HTTP_GET || method == HTTP_HEAD || method == HTTP_PUT ||
            method == HTTP_DELETE || method == HTTP_POST)
            s3_error(c, S3E_NOT_IMPLEMENTED, "%s is not implemented for this resource here.",
                     llhttp_method_name(method));
        else
            s3_error(c, S3E_METHOD_NOT_ALLOWED,
                     "The specified method is not allowed against this resource.");
        return;
    }
    if (q->op == S3_GET_OBJECT && method == HTTP_HEAD) q->op = S3_HEAD_OBJECT;
    if (!s3_auth_check(c, q)) return;
    if (!s3_rights(q)) {
        s3_error(c, S3E_ACCESS_DENIED, "Access Denied");
        return;
    }
    if (!s3_upload_params(c, q)) return;
    c->req.handler = s3_handler(q->op);
    if (c->req.handler->begin) c->req.handler->begin(c);
}

const cn_frontend s3_frontend = {.route = s3_route,
                                 .request_start = s3_request_start,
                                 .error = s3_conn_error,
                                 .store_error = s3_store_error,
                                 .conn_close = s3_conn_close};
