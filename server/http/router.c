/* router.c: request routing (see router.h). CORS preflights are answered first (cors.h), then
 * OPTIONS *, service endpoints, shard endpoints, WebDAV methods (dav.h) and the key verbs. */
#include "router.h"

#include "dav.h"
#include "handlers.h"
#include "zd_query.h"

#include <string.h>

/* Does the query name a shard endpoint (`chunk=...`, `chunks=...` or `batch`)? */
static bool rt_is_shard(const cn_request *r)
{
    static const char *const names[] = {"chunk", "chunks", "batch"};
    zd_query_iter it;
    zd_query_pair p;
    zd_query_iter_init(&it, r->query, r->query_len);
    while (zd_query_next(&it, &p))
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (p.name_len == strlen(names[i]) && memcmp(p.name, names[i], p.name_len) == 0)
                return true;
    return false;
}

/* A query naming a parameter twice (`?chunk=1,2&chunk=1,1`) is ambiguous: 400, never the first
 * one silently. Answers and returns false when it is. */
static bool rt_query_unambiguous(cn_conn *c)
{
    zd_query_pair dup;
    zd_error err = {0};
    int rc = zd_query_repeated(c->req.query, c->req.query_len, ZD_QUERY_MAX_PAIRS, &dup, &err);
    if (rc == 1)
        rs_error(c, 400, "bad request", "the query parameter \"%.*s\" is given more than once",
                 (int)dup.name_len, dup.name);
    else if (rc < 0)
        rs_error(c, 400, "bad request", "%s", err.msg);
    return rc == 0;
}

/* Whether the method needs a token with write access (OPTIONS and PROPFIND only read). */
static bool rt_is_write(int method)
{
    return method != HTTP_GET && method != HTTP_HEAD && method != HTTP_OPTIONS &&
           method != HTTP_PROPFIND;
}

static const hd_handler *rt_pick(cn_conn *c)
{
    cn_request *r = &c->req;
    if (rt_is_shard(r)) return &hd_shard;
    switch (r->method) {
    case HTTP_OPTIONS:
        return &hd_dav_options;
    case HTTP_PROPFIND:
        return &hd_dav_propfind;
    case HTTP_PROPPATCH:
        return &hd_dav_proppatch;
    case HTTP_MKCOL:
        return &hd_dav_mkcol;
    case HTTP_COPY:
        return &hd_dav_copy;
    case HTTP_MOVE:
        return &hd_dav_move;
    default:
        break;
    }
    if (r->key.is_prefix) {
        if (r->method == HTTP_GET || r->method == HTTP_HEAD) return &hd_list;
        if (r->method == HTTP_DELETE) return &hd_dav_delete;
        return NULL;
    }
    switch (r->method) {
    case HTTP_GET:
    case HTTP_HEAD:
        return &hd_get;
    case HTTP_PUT:
        return &hd_put;
    case HTTP_PATCH:
        return &hd_patch;
    case HTTP_DELETE:
        return &hd_delete;
    default:
        return NULL;
    }
}

/* OPTIONS * (RFC 9110 9.3.7): the server's capabilities, no key involved. */
static bool rt_is_options_star(const cn_request *r)
{
    return r->method == HTTP_OPTIONS && r->path_len == 1 && r->path[0] == '*';
}

void rt_route(cn_conn *c)
{
    cn_request *r = &c->req;
    if (dav_is_method(r->method)) r->error_writer = dav_error_writer;
    if (cors_is_preflight(c)) { /* before tokens: browsers send none on a preflight */
        cors_preflight(c, c->cors);
        return;
    }
    if (rt_is_options_star(r)) {
        r->handler = &hd_dav_options;
        r->handler->finish(c);
        return;
    }
    if (r->path_len == 0 || r->path[0] != '/') {
        rs_error(c, 400, "bad request target", "the request target must be an absolute path");
        return;
    }
    if (r->path_len >= 7 && memcmp(r->path, "/_zarrd", 7) == 0 &&
        (r->path_len == 7 || r->path[7] == '/')) {
        r->handler = &hd_service;
    } else {
        zd_error err = {0};
        if (zd_key_from_path(r->path, r->path_len, &r->key, &err)) {
            rs_error(c, 400, "bad key", "%s", err.msg);
            return;
        }
        if (st_key_reserved(r->key.key, r->key.len)) {
            rs_error(c, 400, "bad key",
                     "key segments starting with \"" ST_RESERVED_PREFIX "\" are reserved");
            return;
        }
        const au_table *auth = c->w->shared->auth;
        if (auth) {
            size_t alen = 0;
            const char *authz = cn_header_get(c, "authorization", &alen);
            int rc = au_check(auth, authz, alen, r->key.key, r->key.len, rt_is_write(r->method));
            if (rc == 401) {
                rs_error(c, 401, "unauthorized", "a valid bearer token is required");
                return;
            }
            if (rc == 403) {
                rs_error(c, 403, "forbidden", "the token does not grant this access to this key");
                return;
            }
        }
        if (!rt_query_unambiguous(c)) return;
        r->handler = rt_pick(c);
        if (!r->handler) {
            rs_begin(c, 405);
            rs_header(c, "Allow",
                      r->key.is_prefix
                          ? "OPTIONS, GET, HEAD, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE"
                          : "OPTIONS, GET, HEAD, PUT, PATCH, DELETE, PROPFIND, PROPPATCH, MKCOL, "
                            "COPY, MOVE");
            rs_error_body(c, "method not allowed", "%s is not allowed on %s",
                          llhttp_method_name(r->method), r->key.is_prefix ? "a listing" : "a key");
            return;
        }
    }
    if (r->handler->begin) r->handler->begin(c);
}

const cn_frontend rt_native = {.route = rt_route, .store_error = hd_store_error};
