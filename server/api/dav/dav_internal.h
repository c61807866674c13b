/* dav_internal.h: what the WebDAV handlers share (dav_common.c): request headers (Depth,
 * Overwrite, Destination), hrefs, multistatus bodies and XML errors. */
#ifndef DAV_INTERNAL_H
#define DAV_INTERNAL_H

#include "dav.h"
#include "zd_buf.h"
#include "zd_error.h"
#include "zd_key.h"

#include <stdbool.h>
#include <stddef.h>

#define DAV_INFINITY   (-1)
#define DAV_BODY_MAX   (64 * 1024) /* PROPFIND / PROPPATCH request bodies */
#define DAV_NS_ZARRD   "urn:zarrd" /* zarrd's own elements in error bodies */
#define DAV_XML_HEADER "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

/* The Depth header: 0, 1 or DAV_INFINITY; `absent` when there is none; -2 if malformed. */
int dav_depth(cn_conn *c, int absent);

/* The Overwrite header (T by default): 0 and *overwrite set, or -1 if malformed. */
int dav_overwrite(cn_conn *c, bool *overwrite);

/* The Destination header as a validated key (RFC 4918 10.3: an absolute URI on this server or
 * an absolute path): 0, or an error answer already built (400 missing or malformed, 502 on
 * another host, 403 a service path or a token without write access there). */
int dav_destination(cn_conn *c, zd_key *dst);

/* Append the href of key (percent-encoded absolute path; a collection's ends in '/'),
 * XML-escaped. */
void dav_href(zd_buf *out, const char *key, size_t len, bool collection);

/* Multistatus bodies: the document's start and end, and a <response> with one status. */
void dav_ms_begin(zd_buf *out);
void dav_ms_end(zd_buf *out);
void dav_ms_status(zd_buf *out, const char *key, bool collection, int status, const char *why);

/* Answer 207 with the multistatus document body. */
void dav_send_multistatus(cn_conn *c, const zd_buf *body);

struct st_tree_fail;

/* Answer 207 naming the member a collection walk stopped at, with its status. */
void dav_tree_failed(cn_conn *c, const struct st_tree_fail *f);

/* Answer status with an XML <D:error> body holding the DAV precondition element `precond`
 * (a local name in DAV:, or NULL) and zarrd's reason and detail. */
void dav_error(cn_conn *c, int status, const char *precond, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Answer a store error of a single resource (hd_store_error's statuses, as XML). */
void dav_store_error(cn_conn *c, int rc, const char *what);

/* The status a store error maps to (404, 409, 412, 507, 500...). */
int dav_status_of(int rc);

/* What a WebDAV change decided. Its work step (store.h changes block on the fs store, so it
 * runs on an I/O thread: conn.h) records the outcome here and builds no answer; dav_answer
 * builds it in finish, on the loop. */
typedef struct dav_outcome {
    int status;       /* the answer: 201/204 done; >= 400 a dav_error; 0 store error rc */
    int rc;           /* the store's code (status 0) */
    const char *what; /* the request, for a store error's detail */
    const char *precond, *error; /* dav_error's DAV precondition element and reason */
    bool walked;                 /* a collection walk stopped at fail's member: 207 */
    struct st_tree_fail *fail;
    char detail[ZD_ERRMSG_MAX + 128];
} dav_outcome;

/* The request's outcome record (c->req.work_state), made on first use; NULL without memory
 * (then c->req.work_rc is ZD_ENOMEM). */
dav_outcome *dav_outcome_of(cn_conn *c);

/* Record a refusal: what dav_error would answer. */
void dav_refuse(dav_outcome *o, int status, const char *precond, const char *error, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

/* Record a store error (dav_store_error's answer); ZD_EPRECOND is a failed precondition. */
void dav_store_failed(dav_outcome *o, int rc, const char *what);

/* The tree-walk failure record of o (allocated on first use), or NULL without memory. */
struct st_tree_fail *dav_outcome_fail(dav_outcome *o);

/* In finish: answer what the work step recorded, and free the record. */
void dav_answer(cn_conn *c);

/* Whether the request carries a body (Content-Length > 0 or chunked). */
bool dav_has_body(cn_conn *c);

#endif
