/* dav.h: the WebDAV class 1 subset on the native listener (RFC 4918; server/DAV.md), so
 * generic file clients (rclone's webdav backend, cadaver, davfs2, object_store's HTTP store)
 * can list, make collections, copy, move and delete. Values are WebDAV resources, key
 * prefixes ("directories") collections:
 *
 *   OPTIONS    Allow, DAV: 1 (a CORS preflight is answered by cors.c instead)
 *   PROPFIND   Depth 0 / 1: 207 multistatus of live properties; Depth infinity (or none):
 *              403 with <DAV:propfind-finite-depth/>
 *   PROPPATCH  207, every property refused with 403 (no dead properties are kept)
 *   MKCOL      201; 405 something is there; 409 no parent collection; 415 with a body
 *   DELETE     of a collection (a prefix URL, or a key that is one): everything below, value by
 *              value, then the collection (dav_delete.c; a value's DELETE is hd_delete.c's)
 *   COPY/MOVE  Destination, Overwrite (T|F), Depth (COPY 0|infinity): 201 / 204; 412
 *              Overwrite F and the destination exists; 409 no parent collection at the
 *              destination; 403 same or overlapping source and destination; 502 a
 *              destination on another server. Atomic per value (a value is copied by one PUT-
 *              like replace; moved by one rename under both keys' locks).
 *
 * Errors are XML (<D:error> with a DAV precondition element where RFC 4918 names one, and
 * zarrd's short reason and detail); a collection operation that fails part-way answers 207
 * with the member that failed. Tokens (--token-file) apply as to the native API: PROPFIND is a
 * read, the other methods writes, and COPY/MOVE need write access to the destination too. */
#ifndef DAV_H
#define DAV_H

#include "handlers.h"

extern const hd_handler hd_dav_options;   /* OPTIONS (dav_options.c) */
extern const hd_handler hd_dav_propfind;  /* PROPFIND (dav_propfind.c) */
extern const hd_handler hd_dav_proppatch; /* PROPPATCH (dav_propfind.c) */
extern const hd_handler hd_dav_mkcol;     /* MKCOL (dav_mkcol.c) */
extern const hd_handler hd_dav_copy;      /* COPY (dav_copymove.c) */
extern const hd_handler hd_dav_move;      /* MOVE (dav_copymove.c) */
extern const hd_handler hd_dav_delete;    /* DELETE of a collection (dav_delete.c) */

/* Whether method is one of WebDAV's own (its errors are written as XML). */
bool dav_is_method(int method);

/* The error body writer for WebDAV requests (rs_error_writer): an XML <D:error>. */
void dav_error_writer(cn_conn *c, const char *error, const char *detail);

/* DELETE of a prefix, or of a key that is a collection, as a work step (on an I/O thread for
 * the fs store): the collection is deleted with everything below it and the outcome recorded
 * for dav_answer (204; 207 naming the member that failed; 403 the root; 400 a Depth other
 * than infinity; 404; 412). */
void dav_delete_collection(cn_conn *c);

/* In finish: answer what a WebDAV work step recorded. */
void dav_answer(cn_conn *c);

#endif
