/* router.h: maps a request (method, target, query) to its handler, as DESIGN.md's API table
 * reads: /_zarrd/... service endpoints; ?chunk= / ?batch shard endpoints (route_shard.c);
 * trailing '/' listings; otherwise the key verbs. Keys are validated here (zd_key), the
 * reserved temp-name prefix refused, and bearer tokens checked, before any handler runs. */
#ifndef ZS_ROUTER_H
#define ZS_ROUTER_H

#include "conn.h"

/* Pick the handler for c->req and run its begin(); on refusal builds the error response. */
void rt_route(cn_conn *c);

/* The native API's front-end (rt_route, JSON errors). */
extern const cn_frontend rt_native;

#endif
