/* vw_cache.h: rendered previews kept by ETag (vw_cache.c). */
#ifndef VW_CACHE_H
#define VW_CACHE_H

#include "vw_preview.h"

#include <stdbool.h>

#define VW_ETAG_MAX 40 /* '"' + 32 hex digits + '"' + NUL */

/* A copy of the preview cached as etag into img (vw_image_free it); false when there is none. */
bool vw_cache_get(const char *etag, vw_image *img);

/* Keep a copy of img as etag. */
void vw_cache_put(const char *etag, const vw_image *img);

#endif
