/* vw_internal.h: what the view's files share (see view.h): the page frame, the node section
 * and the preview's pieces. */
#ifndef VW_INTERNAL_H
#define VW_INTERNAL_H

#include "conn.h"
#include "store.h"
#include "zd_buf.h"
#include "zd_meta.h"

#include <stddef.h>

/* Largest zarr.json the view reads. */
#define VW_META_MAX (1u << 20)

/* The page's head (title, style, breadcrumb of prefix) and its end. */
void vw_html_begin(zd_buf *out, const char *prefix, size_t plen);
void vw_html_end(zd_buf *out);

/* Append the Zarr node section of prefix (metadata, stored chunks, preview) if it holds a
 * zarr.json (vw_node.c); nothing otherwise. */
void vw_node_section(cn_conn *c, zd_buf *out, const char *prefix, size_t plen);

/* Append the preview part of an array's section: the slice form, the image and its colour
 * scale, or why there is none (vw_preview.c). */
void vw_preview_section(cn_conn *c, zd_buf *out, const char *prefix, size_t plen, const zd_meta *m,
                        const char *meta_etag);

/* Read and parse prefix's zarr.json: 0 (*meta set, *etag its ETag), ZD_ENOTFOUND, or another
 * code with err filled. */
int vw_read_meta(st_store *s, const char *prefix, size_t plen, zd_meta **meta, char *etag,
                 zd_error *err);

#endif
