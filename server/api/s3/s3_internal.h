/* s3_internal.h: what the S3 front-end's files share (not for other modules): the service,
 * the per-request state, the error table, the response helpers and each file's entry
 * points. One file per concern:
 *   s3_route.c     the listener's front-end: addressing, operation, auth, dispatch
 *   s3_auth.c      AWS Signature V4 (Authorization header, presigned URLs, chunk signatures)
 *   s3_keys.c      --s3-keys: credentials and their rights
 *   s3_body.c      request bodies: aws-chunked decoding, digests and checksums verified
 *   s3_chunked.c   the aws-chunked framing decoder itself
 *   s3_error.c     XML error bodies, request ids, response helpers
 *   s3_bucket.c    service and bucket operations
 *   s3_list.c      ListObjects (v1) and ListObjectsV2
 *   s3_object.c    GetObject, HeadObject, PutObject, DeleteObject
 *   s3_meta.c      object metadata from and to headers, conditional requests
 *   s3_copy.c      CopyObject and UploadPartCopy's source
 *   s3_multipart.c multipart uploads and the sweep of abandoned ones
 *   s3_delete.c    DeleteObjects */
#ifndef ZS_S3_INTERNAL_H
#define ZS_S3_INTERNAL_H

#include "conn.h"
#include "handlers.h"
#include "s3.h"
#include "s3_sigv4.h"
#include "store.h"
#include "zd_buf.h"
#include "zd_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_BUCKET_MAX    255                      /* longest first segment served as a bucket */
#define S3_MAX_OBJECT    (5ULL << 30)             /* one PUT or one part (AWS: 5 GiB) */
#define S3_MIN_PART      (5U << 20)               /* every part but the last (AWS: 5 MiB) */
#define S3_MAX_PARTS     10000                    /* part numbers 1..10000 */
#define S3_XML_BODY_MAX  (4U << 20)               /* DeleteObjects, CompleteMultipartUpload, ... */
#define S3_USER_META_MAX 2048                     /* x-amz-meta-* names and values (AWS: 2 KB) */
#define S3_MAX_KEYS      1000                     /* a listing page */
#define S3_SKEW_NS       (900ULL * 1000000000ULL) /* 15 minutes */
#define S3_UPLOADS_DIR   ST_RESERVED_PREFIX "uploads"
#define S3_UPLOAD_ID_LEN 32

/* ---- errors (s3_error.c) ---- */

typedef enum s3_err {
    S3E_ACCESS_DENIED,
    S3E_AUTH_HEADER_MALFORMED,
    S3E_AUTH_QUERY_ERROR,
    S3E_BAD_DIGEST,
    S3E_BUCKET_EXISTS,
    S3E_BUCKET_NOT_EMPTY,
    S3E_ENTITY_TOO_LARGE,
    S3E_ENTITY_TOO_SMALL,
    S3E_INCOMPLETE_BODY,
    S3E_INSUFFICIENT_STORAGE,
    S3E_INTERNAL,
    S3E_INVALID_ACCESS_KEY,
    S3E_INVALID_ARGUMENT,
    S3E_INVALID_BUCKET_NAME,
    S3E_INVALID_DIGEST,
    S3E_INVALID_PART,
    S3E_INVALID_PART_ORDER,
    S3E_INVALID_RANGE,
    S3E_INVALID_REQUEST,
    S3E_INVALID_URI,
    S3E_KEY_CONFLICT,
    S3E_KEY_TOO_LONG,
    S3E_MALFORMED_XML,
    S3E_METADATA_TOO_LARGE,
    S3E_METHOD_NOT_ALLOWED,
    S3E_MISSING_CONTENT_LENGTH,
    S3E_MISSING_BODY,
    S3E_NO_SUCH_BUCKET,
    S3E_NO_SUCH_KEY,
    S3E_NO_SUCH_UPLOAD,
    S3E_NOT_IMPLEMENTED,
    S3E_OPERATION_ABORTED,
    S3E_PRECONDITION_FAILED,
    S3E_REQUEST_TIMEOUT,
    S3E_HEADERS_TOO_LARGE,
    S3E_SERVICE_UNAVAILABLE,
    S3E_SIGNATURE_MISMATCH,
    S3E_TIME_SKEWED,
    S3E_SHA256_MISMATCH,
    S3E_COUNT
} s3_err;

/* ---- credentials (s3_keys.c) ---- */

typedef struct s3_cred {
    char *akid;
    char *secret;
    bool rw;
    char *scope; /* "" (everything), "bucket" or "bucket/prefix" */
    size_t scope_len;
} s3_cred;

typedef struct s3_keys {
    s3_cred *v;
    size_t n;
} s3_keys;

int s3_keys_load(const char *path, s3_keys *out, char *err, size_t errlen);
void s3_keys_free(s3_keys *k);
const s3_cred *s3_keys_find(const s3_keys *k, const char *akid, size_t len);

/* May cred reach store key (or listing prefix) path[0..len)? A bucket-wide operation names
 * the bucket alone; prefix_ok: a listing whose prefix lies above the credential's scope
 * (it is then narrowed by the caller) is allowed. */
bool s3_cred_allows(const s3_cred *cred, const char *path, size_t len, bool write);

/* ---- the service ---- */

struct s3_service {
    st_store *store;
    const opt_config *cfg;
    s3_keys keys; /* n == 0: no --s3-keys, any request is accepted */
    const char *domain;
    size_t domain_len;
    uint64_t upload_ttl_ns;
    uv_timer_t sweep;
    bool sweeping;
};

/* ---- requests ---- */

typedef enum s3_op {
    S3_OP_NONE,
    S3_LIST_BUCKETS,
    S3_CREATE_BUCKET,
    S3_HEAD_BUCKET,
    S3_DELETE_BUCKET,
    S3_GET_BUCKET_LOCATION,
    S3_GET_BUCKET_VERSIONING,
    S3_GET_ACL,
    S3_LIST_OBJECTS,
    S3_LIST_OBJECTS_V2,
    S3_LIST_UPLOADS,
    S3_DELETE_OBJECTS,
    S3_GET_OBJECT,
    S3_HEAD_OBJECT,
    S3_PUT_OBJECT,
    S3_COPY_OBJECT,
    S3_DELETE_OBJECT,
    S3_CREATE_UPLOAD,
    S3_UPLOAD_PART,
    S3_UPLOAD_PART_COPY,
    S3_COMPLETE_UPLOAD,
    S3_ABORT_UPLOAD,
    S3_LIST_PARTS,
} s3_op;

/* What a verified signature leaves for the body (chunk signatures) and the handlers. */
typedef struct s3_auth {
    const s3_cred *cred; /* NULL: no --s3-keys */
    bool presigned;
    uint8_t signing_key[32];
    char amz_date[17]; /* "YYYYMMDDTHHMMSSZ" */
    char scope[160];   /* "YYYYMMDD/region/s3/aws4_request" */
    char seed[65];     /* the request's signature: the first chunk signature's predecessor */
    char payload[80];  /* x-amz-content-sha256 as sent ("" if absent) */
} s3_auth;

/* A query parameter as sent (the value still %-encoded); the name decoded. */
typedef struct s3_param {
    const char *name, *value; /* into the request (or s3_req.qnames for an encoded name) */
    size_t nlen, vlen;
} s3_param;

typedef struct s3_req {
    s3_op op;
    s3_param params[S3_MAX_QUERY_PARAMS]; /* the query, split once (s3_query_parse) */
    size_t nparams;
    char qnames[512]; /* names that were %-encoded, decoded */
    char id[17];      /* x-amz-request-id */
    size_t blen, klen, plen;
    char bucket[S3_BUCKET_MAX + 1];
    char key[ZD_MAX_KEY + 1];  /* the object key, "" for service and bucket operations */
    char path[ZD_MAX_KEY + 1]; /* the store key: bucket "/" key (or the bucket alone) */
    char upload_id[S3_UPLOAD_ID_LEN + 1];
    unsigned part; /* UploadPart's partNumber */
    s3_auth auth;
    s3_err body_err; /* why the body filter failed (S3E_COUNT: it did not) */
    char body_msg[160];
    int cond; /* a failed precondition: 304 or 412 (s3_meta.c) */
    /* The answer a work step chose: it may run on an I/O thread, where no response may be
     * built (conn.h), so s3_error, s3_xml_send and s3_answer record it here and s3_emit, the
     * finish step, builds it on the loop. */
    struct {
        bool deferring; /* a work step runs */
        bool set;
        bool error; /* an error document (a 405 gets Allow) */
        int status;
        zd_buf body;       /* an XML document, or empty */
        const char *hname; /* one more header (a static name), or NULL */
        char *hval;
    } ans;
} s3_req;

/* The request state of c, the service, the store. */
s3_req *s3_q(cn_conn *c);
s3_service *s3_svc(cn_conn *c);
st_store *s3_store(cn_conn *c);

/* ---- responses (s3_error.c) ---- */

/* Start a response with the headers every S3 answer carries (x-amz-request-id, x-amz-id-2). */
void s3_begin(cn_conn *c, int status);

/* Answer an S3 error: its status and an XML body (none for HEAD), message printf-style. */
void s3_error(cn_conn *c, s3_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s3_error with one more response header (416's Content-Range). */
void s3_error_with(cn_conn *c, s3_err e, const char *hname, const char *hvalue, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* Answer a store error code as the matching S3 error; `what` names the operation. */
void s3_store_error(cn_conn *c, int rc, const char *what);

/* The front-end's hook for errors the connection layer raises (cn_frontend.error). */
void s3_conn_error(cn_conn *c, int status, const char *error, const char *detail);

/* Answer status without a body, with one more header (hname NULL: none). */
void s3_answer(cn_conn *c, int status, const char *hname, const char *hvalue);

/* Run fn, the body of a handler's work step, with its answer recorded for s3_emit, the
 * finish step of such handlers. S3_WORK(fn) defines fn_work running fn that way. Handlers
 * that change the store call hd_offload in their begin step: the fs store's changes block
 * until durable, and whole-object copies take long on any store. */
void s3_work_run(cn_conn *c, void (*fn)(cn_conn *c));
void s3_emit(cn_conn *c);
void s3_offload_begin(cn_conn *c); /* a begin step that only calls hd_offload(c, false) */
void s3_offload_heavy(cn_conn *c); /* ... hd_offload(c, true) */
void s3_answer_clear(s3_req *q);
#define S3_WORK(fn)                                                                                \
    static void fn##_work(cn_conn *c)                                                              \
    {                                                                                              \
        s3_work_run(c, fn);                                                                        \
    }

/* Start an XML document with root element `root` in the S3 namespace; s3_xml_end closes it
 * and sends it as a 200 (or `status`) answer. */
void s3_xml_start(zd_buf *b, const char *root);
void s3_xml_send(cn_conn *c, int status, zd_buf *b, const char *root);

/* Append <tag>ISO 8601 time</tag>; <tag> with the one owner (ID and DisplayName). */
void s3_xml_time(zd_buf *b, const char *tag, uint64_t ns);
void s3_xml_owner(zd_buf *b, const char *tag);

#define S3_OWNER_ID "zarrd"

/* A new request id (16 hex digits). */
void s3_request_id(char out[17]);

/* ---- auth (s3_auth.c) ---- */

/* Verify the request's signature (header or presigned) with the service's credentials and
 * fill q->auth; answers the S3 error and returns false when it does not hold. Without
 * --s3-keys it only records x-amz-content-sha256 and returns true. */
bool s3_auth_check(cn_conn *c, s3_req *q);

/* A chunk's signature (aws-chunked, STREAMING-AWS4-HMAC-SHA256-PAYLOAD): prev is the previous
 * signature (the seed first), hash the chunk's SHA-256; out gets 64 hex digits. trailer:
 * the signature of the trailing headers instead. */
void s3_auth_chunk_signature(const s3_auth *a, const char *prev, const uint8_t hash[32],
                             bool trailer, char out[65]);

/* ---- query strings ---- */

/* Split the request's query into q->params; answers InvalidArgument and returns false when
 * it has more than S3_MAX_QUERY_PARAMS parameters. */
bool s3_query_parse(cn_conn *c, s3_req *q);

/* Decode the value of the first `name` parameter ("%XX" only; '+' stays a '+', as S3 SDKs
 * always encode spaces): 1 found, 0 absent, -1 malformed or longer than cap - 1. */
int s3_query(cn_conn *c, const char *name, char *out, size_t cap, size_t *len);

/* Whether the query has parameter `name` (with or without a value). */
bool s3_query_has(cn_conn *c, const char *name);

/* ---- body (s3_body.c) ---- */

/* Route the request body through a filter that undoes aws-chunked, checks signatures,
 * x-amz-content-sha256, Content-MD5 and x-amz-checksum-*, and hands the bytes to w (a
 * store writer, owned from now on) or, w NULL, collects up to limit bytes. Answers the S3
 * error and returns false if the headers already say the body cannot be right. */
bool s3_body_begin(cn_conn *c, st_writer *w, uint64_t limit);

/* At the end of the message: verify. On success the collected bytes (w NULL) are in *out
 * (the body's buffer, valid until the request ends) and the content MD5 in md5; the store
 * writer (w given) is handed back in *w_out uncommitted. On failure the S3 error is
 * answered, the writer aborted, and false returned. */
bool s3_body_end(cn_conn *c, uint8_t md5[16], st_writer **w_out, const zd_buf **out);

/* The decoded length the body will have (x-amz-decoded-content-length or Content-Length),
 * or UINT64_MAX when unknown. */
uint64_t s3_body_length(cn_conn *c);

/* ---- metadata and conditions (s3_meta.c) ---- */

/* Collect Content-Type, Cache-Control, Content-Disposition, Content-Encoding,
 * Content-Language, Expires and x-amz-meta-* from the request into m (etag empty); answers
 * the S3 error and returns false (too large, not storable). */
bool s3_meta_from_request(cn_conn *c, st_meta *m);

/* Add the response headers for stored metadata (with response-* overrides on GET). */
void s3_meta_headers(cn_conn *c, const st_meta *m, bool overrides);

/* The ETag S3 clients see for a value: its recorded content ETag, else its native one. */
const char *s3_etag(const st_stat *st);

/* The ETag to answer for a value just committed with recorded ETag etag (st: its result):
 * etag, or the native one where the store keeps no metadata (what reads answer then). */
const char *s3_commit_etag(cn_conn *c, const char *etag, const st_stat *st);

/* GET/HEAD conditions (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
 * RFC 9110 13.2.2 order, as S3 documents): 0, 304 or 412; with copy_source the
 * x-amz-copy-source-if-* headers instead (412 only). */
int s3_cond_read(cn_conn *c, const st_stat *cur, bool copy_source);

/* A precondition for a write (If-Match / If-None-Match on PUT, DELETE, Complete...),
 * checked atomically by the store, comparing content ETags; NULL when the request has
 * none. Answers and returns false for an unsupported form (If-None-Match other than *). */
bool s3_write_precond(cn_conn *c, st_precond *pc, const st_precond **out);

/* A precondition evaluating s3_cond_read(copy_source) on the copy source. */
void s3_copy_precond(cn_conn *c, st_precond *pc);

/* ---- helpers shared by the handlers ---- */

/* Whether the request's bucket exists (answers NoSuchBucket and returns false if not). */
bool s3_bucket_exists(cn_conn *c);

/* Commit a verified body w (s3_body_end) with ETag "MD5" and, request_meta, the request's
 * metadata; answer 200 with the ETag (or the error). */
void s3_put_commit(cn_conn *c, st_writer *w, const uint8_t md5[16], const st_precond *pc,
                   bool request_meta);

/* Parse x-amz-copy-source into the store key src (decoded, validated, the bucket's existence
 * not checked); answers and returns false if malformed. */
bool s3_copy_source(cn_conn *c, char *src, size_t cap);

/* Copy bytes [off, off + len) of the source (len UINT64_MAX: all) into w under the
 * x-amz-copy-source-if-* conditions, computing their MD5; src_meta (may be NULL) gets the
 * source's metadata. s3_copy_error answers a failure of it. */
int s3_copy_into(cn_conn *c, st_writer *w, const char *src, uint64_t off, uint64_t len,
                 st_meta *src_meta, uint8_t md5[16]);
void s3_copy_error(cn_conn *c, int rc);

/* ---- handlers ---- */

extern const hd_handler s3_hd_list_buckets, s3_hd_create_bucket, s3_hd_head_bucket,
    s3_hd_delete_bucket, s3_hd_bucket_location, s3_hd_bucket_versioning, s3_hd_acl;
extern const hd_handler s3_hd_list_objects;
extern const hd_handler s3_hd_get_object, s3_hd_put_object, s3_hd_delete_object;
extern const hd_handler s3_hd_copy_object;
extern const hd_handler s3_hd_create_upload, s3_hd_upload_part, s3_hd_upload_part_copy,
    s3_hd_complete_upload, s3_hd_abort_upload, s3_hd_list_parts, s3_hd_list_uploads;
extern const hd_handler s3_hd_delete_objects;

/* The multipart staging key of an upload's part (or its record, part 0). */
void s3_upload_key(const char *id, unsigned part, char *out, size_t cap);

#endif
