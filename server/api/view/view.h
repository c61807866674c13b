/* view.h: what a person sees in a browser. The HTML page of a listing (`GET /prefix/` when
 * the client did not ask for JSON, see hd_list.c): links with sizes and dates, and, when the
 * prefix is a Zarr node (it holds a zarr.json), the node's metadata, how many chunks and
 * bytes it stores, and for arrays a preview image of a 2-D slice with a form to pick it
 * (`GET /prefix/?preview=png&...`, rendered by the server, vw_preview.c). Plain HTML, no
 * script, nothing fetched from elsewhere; every stored string is escaped. */
#ifndef VW_VIEW_H
#define VW_VIEW_H

#include "conn.h"
#include "store.h"

#include <stddef.h>

/* Answer 200 with the HTML page of prefix[0..plen) (ends in '/', "" for the root) listing l
 * (sorted). */
void vw_page(cn_conn *c, const char *prefix, size_t plen, const st_list *l);

/* Whether the listing request asks for the preview image (?preview=...). */
bool vw_wants_preview(cn_conn *c);

/* Answer the preview PNG of the array at the request's prefix (vw_preview.c). */
void vw_preview(cn_conn *c);

#endif
