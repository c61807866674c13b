/* pd_conns.h: many client connections at once, for the abuse tests (idle keep-alive crowds,
 * slowloris), plus the two questions every abuse test asks afterwards: does the server still
 * answer a normal client, and how much memory does it hold. */
#ifndef PD_CONNS_H
#define PD_CONNS_H

#include <stdbool.h>
#include <stddef.h>

#include "zt_http.h"
#include "zt_server.h"

/* n connections to s (an array the caller frees with pd_conns_close). NULL when one could not
 * be opened (those opened are closed again). */
zt_conn *pd_conns_open(const zt_server *s, size_t n);
void pd_conns_close(zt_conn *conns, size_t n);

/* How many of conns[0..n) the server has closed: a non-blocking peek sees EOF or a reset. A
 * connection with unread response bytes but no EOF counts as open. */
size_t pd_conns_closed(zt_conn *conns, size_t n);

/* Poll pd_conns_closed until all n are closed or timeout_ms passes; returns the last count. */
size_t pd_conns_wait_closed(zt_conn *conns, size_t n, int timeout_ms);

/* GET /_zarrd/health on a fresh connection whose every operation is bounded by timeout_ms:
 * true when it answers 200 in time. */
bool pd_served(const zt_server *s, int timeout_ms);

/* The server's resident memory (VmRSS) in KiB; asserts that it is readable. */
long pd_rss_kb(const zt_server *s);

#endif
