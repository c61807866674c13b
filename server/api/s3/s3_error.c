/* s3_error.c: S3 responses: the headers every answer carries, XML documents in the S3
 * namespace, and error bodies with the codes and statuses AWS documents
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Error><Code>NoSuchKey</Code><Message>...</Message><Resource>/b/k</Resource>
 *   <RequestId>...</RequestId></Error>
 *
 * Errors the connection layer raises (malformed requests, timeouts, bodies over the limit)
 * come through s3_conn_error and get the same form. */
#include "s3_internal.h"

#include "api_xml.h"
#include "log.h"
#include "metrics.h"
#include "zd_error.h"
#include "zd_httpdate.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *code;
    int status;
} s3_errors[S3E_COUNT] = {
    [S3E_ACCESS_DENIED] = {"AccessDenied", 403},
    [S3E_AUTH_HEADER_MALFORMED] = {"AuthorizationHeaderMalformed", 400},
    [S3E_AUTH_QUERY_ERROR] = {"AuthorizationQueryParametersError", 400},
    [S3E_BAD_DIGEST] = {"BadDigest", 400},
    [S3E_BUCKET_EXISTS] = {"BucketAlreadyOwnedByYou", 409},
    [S3E_BUCKET_NOT_EMPTY] = {"BucketNotEmpty", 409},
    [S3E_ENTITY_TOO_LARGE] = {"EntityTooLarge", 400},
    [S3E_ENTITY_TOO_SMALL] = {"EntityTooSmall", 400},
    [S3E_INCOMPLETE_BODY] = {"IncompleteBody", 400},
    [S3E_INSUFFICIENT_STORAGE] = {"InsufficientStorage", 507},
    [S3E_INTERNAL] = {"InternalError", 500},
    [S3E_INVALID_ACCESS_KEY] = {"InvalidAccessKeyId", 403},
    [S3E_INVALID_ARGUMENT] = {"InvalidArgument", 400},
    [S3E_INVALID_BUCKET_NAME] = {"InvalidBucketName", 400},
    [S3E_INVALID_DIGEST] = {"InvalidDigest", 400},
    [S3E_INVALID_PART] = {"InvalidPart", 400},
    [S3E_INVALID_PART_ORDER] = {"InvalidPartOrder", 400},
    [S3E_INVALID_RANGE] = {"InvalidRange", 416},
    [S3E_INVALID_REQUEST] = {"InvalidRequest", 400},
    [S3E_INVALID_URI] = {"InvalidURI", 400},
    [S3E_KEY_CONFLICT] = {"KeyConflict", 409},
    [S3E_KEY_TOO_LONG] = {"KeyTooLongError", 400},
    [S3E_MALFORMED_XML] = {"MalformedXML", 400},
    [S3E_METADATA_TOO_LARGE] = {"MetadataTooLarge", 400},
    [S3E_METHOD_NOT_ALLOWED] = {"MethodNotAllowed", 405},
    [S3E_MISSING_CONTENT_LENGTH] = {"MissingContentLength", 411},
    [S3E_MISSING_BODY] = {"MissingRequestBodyError", 400},
    [S3E_NO_SUCH_BUCKET] = {"NoSuchBucket", 404},
    [S3E_NO_SUCH_KEY] = {"NoSuchKey", 404},
    [S3E_NO_SUCH_UPLOAD] = {"NoSuchUpload", 404},
    [S3E_NOT_IMPLEMENTED] = {"NotImplemented", 501},
    [S3E_OPERATION_ABORTED] = {"OperationAborted", 409},
    [S3E_PRECONDITION_FAILED] = {"PreconditionFailed", 412},
    [S3E_REQUEST_TIMEOUT] = {"RequestTimeout", 400},
    [S3E_HEADERS_TOO_LARGE] = {"RequestHeaderSectionTooLarge", 400},
    [S3E_SERVICE_UNAVAILABLE] = {"ServiceUnavailable", 503},
    [S3E_SIGNATURE_MISMATCH] = {"SignatureDoesNotMatch", 403},
    [S3E_TIME_SKEWED] = {"RequestTimeTooSkewed", 403},
    [S3E_SHA256_MISMATCH] = {"XAmzContentSHA256Mismatch", 400},
};

static uint64_t s3_id_seed;
static pthread_once_t s3_id_once = PTHREAD_ONCE_INIT;

static void s3_id_init(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s3_id_seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec;
}

void s3_request_id(char out[17])
{
    static _Atomic uint64_t counter;
    pthread_once(&s3_id_once, s3_id_init);
    uint64_t x = (s3_id_seed + atomic_fetch_add(&counter, 1)) * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 31;
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 15; i >= 0; i--, x >>= 4)
        out[i] = hex[x & 15];
    out[16] = '\0';
}

void s3_begin(cn_conn *c, int status)
{
    s3_req *q = s3_q(c);
    assert(!q->ans.deferring); /* a work step records its answer (s3_answer) */
    rs_begin(c, status);
    if (!q->id[0]) s3_request_id(q->id);
    rs_header(c, "x-amz-request-id", q->id);
    rs_header(c, "x-amz-id-2", q->id);
}

void s3_xml_start(zd_buf *b, const char *root)
{
    zd_buf_appendf(b,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<%s xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
                   root);
}

/* Record an answer for s3_emit; takes body's bytes (leaving it empty). */
static void s3_record(s3_req *q, int status, bool error, zd_buf *body, const char *hname,
                      const char *hvalue)
{
    s3_answer_clear(q);
    q->ans.set = true;
    q->ans.error = error;
    q->ans.status = status;
    if (body) {
        q->ans.body = *body;
        *body = (zd_buf){0};
    }
    q->ans.hname = hname;
    if (hname && !(q->ans.hval = strdup(hvalue))) q->ans.hname = NULL;
}

void s3_answer_clear(s3_req *q)
{
    zd_buf_free(&q->ans.body);
    free(q->ans.hval);
    q->ans.hval = NULL;
    q->ans.hname = NULL;
    q->ans.set = false;
}

void s3_answer(cn_conn *c, int status, const char *hname, const char *hvalue)
{
    s3_req *q = s3_q(c);
    if (q->ans.deferring) {
        s3_record(q, status, false, NULL, hname, hvalue);
        return;
    }
    s3_begin(c, status);
    if (hname) rs_header(c, hname, hvalue);
    rs_send(c, NULL, NULL, 0);
}

void s3_work_run(cn_conn *c, void (*fn)(cn_conn *c))
{
    s3_req *q = s3_q(c);
    q->ans.deferring = true;
    fn(c);
    q->ans.deferring = false;
}

void s3_offload_begin(cn_conn *c)
{
    hd_offload(c, false);
}

void s3_offload_heavy(cn_conn *c)
{
    hd_offload(c, true);
}

void s3_emit(cn_conn *c)
{
    s3_req *q = s3_q(c);
    if (!q->ans.set) return; /* conn.c answers 500 */
    s3_begin(c, q->ans.status);
    if (q->ans.error && q->ans.status == 405) rs_header(c, "Allow", "GET, HEAD, PUT, POST, DELETE");
    if (q->ans.hname) rs_header(c, q->ans.hname, q->ans.hval);
    if (q->ans.body.len)
        rs_send(c, "application/xml", q->ans.body.data, q->ans.body.len);
    else
        rs_send(c, NULL, NULL, 0);
    s3_answer_clear(q);
}

void s3_xml_send(cn_conn *c, int status, zd_buf *b, const char *root)
{
    zd_buf_appendf(b, "</%s>\n", root);
    s3_req *q = s3_q(c);
    if (q->ans.deferring) {
        s3_record(q, status, false, b, NULL, NULL);
        return;
    }
    s3_begin(c, status);
    rs_send(c, "application/xml", b->data, b->len);
}

void s3_xml_owner(zd_buf *b, const char *tag)
{
    zd_buf_appendf(b, "<%s><ID>" S3_OWNER_ID "</ID><DisplayName>" S3_OWNER_ID "</DisplayName></%s>",
                   tag, tag);
}

void s3_xml_time(zd_buf *b, const char *tag, uint64_t ns)
{
    char iso[ZD_ISODATE_LEN + 1];
    zd_isodate_format((int64_t)ns, iso);
    ax_elem(b, tag, iso, strlen(iso));
}

/* The error body for e with `status` (0: e's own) and one more header (hname may be NULL). */
static void s3_error_send_h(cn_conn *c, s3_err e, int status, const char *hname, const char *hvalue,
                            const char *msg)
{
    s3_req *q = s3_q(c);
    if (!status) status = s3_errors[e].status;
    zd_buf b = {0};
    zd_buf_append_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    ax_elem(&b, "Code", s3_errors[e].code, strlen(s3_errors[e].code));
    ax_elem(&b, "Message", msg, strlen(msg));
    if (q->blen) ax_elem(&b, "BucketName", q->bucket, q->blen);
    if (q->klen) ax_elem(&b, "Key", q->key, q->klen);
    if (q->upload_id[0]) ax_elem(&b, "UploadId", q->upload_id, strlen(q->upload_id));
    zd_buf res = {0};
    zd_buf_append(&res, "/", 1);
    zd_buf_append(&res, q->path, q->plen);
    ax_elem(&b, "Resource", (const char *)res.data, res.len);
    zd_buf_free(&res);
    if (!q->id[0]) s3_request_id(q->id);
    ax_elem(&b, "RequestId", q->id, strlen(q->id));
    zd_buf_append_str(&b, "</Error>\n");
    lg_log(LG_DEBUG, "s3 error %d %s: %s", status, s3_errors[e].code, msg);
    if (q->ans.deferring) {
        s3_record(q, status, true, &b, hname, hvalue);
        return;
    }
    s3_begin(c, status);
    if (status == 405) rs_header(c, "Allow", "GET, HEAD, PUT, POST, DELETE");
    if (hname) rs_header(c, hname, hvalue);
    rs_send(c, "application/xml", b.data, b.len);
    zd_buf_free(&b);
}

static void s3_error_send(cn_conn *c, s3_err e, int status, const char *msg)
{
    s3_error_send_h(c, e, status, NULL, NULL, msg);
}

void s3_error_with(cn_conn *c, s3_err e, const char *hname, const char *hvalue, const char *fmt,
                   ...)
{
    char msg[ZD_ERRMSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s3_error_send_h(c, e, 0, hname, hvalue, msg);
}

void s3_error(cn_conn *c, s3_err e, const char *fmt, ...)
{
    char msg[ZD_ERRMSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s3_error_send(c, e, 0, msg);
}

void s3_store_error(cn_conn *c, int rc, const char *what)
{
    s3_req *q = s3_q(c);
    if (q->body_err != S3E_COUNT) { /* the body filter said why */
        s3_error_send(c, q->body_err, 0, q->body_msg);
        return;
    }
    switch (rc) {
    case ZD_ENOTFOUND:
        if (q->klen)
            s3_error(c, S3E_NO_SUCH_KEY, "The specified key does not exist.");
        else
            s3_error(c, S3E_NO_SUCH_BUCKET, "The specified bucket does not exist.");
        break;
    case ZD_EPRECOND:
        s3_error(c, S3E_PRECONDITION_FAILED,
                 "At least one of the pre-conditions you specified did not hold.");
        break;
    case ZD_EISDIR:
        s3_error(c, S3E_KEY_CONFLICT,
                 "%s: this server keeps keys in a directory tree, where a key cannot be both "
                 "an object and the prefix of other objects (\"a\" and \"a/b\")",
                 what);
        break;
    case ZD_EBADKEY:
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "%s: the key crosses a symbolic link or a special file on the server", what);
        break;
    case ZD_ENOSPC:
        mt_event(MT_EV_ERR_NOSPACE);
        s3_error(c, S3E_INSUFFICIENT_STORAGE, "%s: no space left on the server", what);
        break;
    case ZD_ERANGE:
        s3_error(c, S3E_INVALID_RANGE, "%s: the range is not inside the object", what);
        break;
    case ZD_EOVERFLOW:
        s3_error(c, S3E_ENTITY_TOO_LARGE, "%s: size limit exceeded", what);
        break;
    case ZD_ENOMEM:
        mt_event(MT_EV_ERR_NOMEM);
        s3_error(c, S3E_SERVICE_UNAVAILABLE, "%s: out of memory", what);
        break;
    case ZD_EINVAL:
        s3_error(c, S3E_INVALID_REQUEST, "%s", what);
        break;
    default:
        mt_event(MT_EV_ERR_IO);
        s3_error(c, S3E_INTERNAL, "%s failed (%s)", what, zd_strerror(rc));
        break;
    }
}

void s3_conn_error(cn_conn *c, int status, const char *error, const char *detail)
{
    s3_err e;
    switch (status) {
    case 403:
        e = S3E_ACCESS_DENIED;
        break;
    case 408:
        e = S3E_REQUEST_TIMEOUT;
        break;
    case 411:
        e = S3E_MISSING_CONTENT_LENGTH;
        break;
    case 413:
        e = S3E_ENTITY_TOO_LARGE;
        break;
    case 414:
        e = S3E_INVALID_URI;
        break;
    case 431:
        e = S3E_HEADERS_TOO_LARGE;
        break;
    case 501:
    case 505:
        e = S3E_NOT_IMPLEMENTED;
        break;
    case 503:
        e = S3E_SERVICE_UNAVAILABLE;
        break;
    case 507:
        e = S3E_INSUFFICIENT_STORAGE;
        break;
    default:
        e = status >= 500 ? S3E_INTERNAL : S3E_INVALID_REQUEST;
        break;
    }
    char msg[ZD_ERRMSG_MAX + 256];
    snprintf(msg, sizeof msg, "%s: %s", error, detail);
    s3_error_send(c, e, status, msg); /* the connection layer's status: it framed on it */
}
