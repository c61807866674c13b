/* vw_cache.c: rendered previews by ETag (see vw_preview.h), so the image a page just rendered
 * is served from memory when the browser fetches it, and a reload costs one stat per stored
 * value instead of decoding again. A small table shared by the worker threads under one
 * mutex; least recently used entries go first; at most VW_CACHE_BYTES of PNG in all. */
#include "vw_cache.h"

#include <pthread.h>
#include <string.h>

#define VW_CACHE_ENTRIES 16
#define VW_CACHE_BYTES   (16u << 20)

typedef struct vw_cached {
    char etag[VW_ETAG_MAX];
    vw_image img; /* png owned */
    uint64_t used;
} vw_cached;

static pthread_mutex_t vw_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static vw_cached vw_cache[VW_CACHE_ENTRIES];
static uint64_t vw_cache_tick;

bool vw_cache_get(const char *etag, vw_image *img)
{
    bool found = false;
    pthread_mutex_lock(&vw_cache_lock);
    for (int i = 0; i < VW_CACHE_ENTRIES && !found; i++) {
        vw_cached *e = &vw_cache[i];
        if (!e->etag[0] || strcmp(e->etag, etag) != 0) continue;
        *img = e->img;
        img->png = (zd_buf){0};
        found = zd_buf_append(&img->png, e->img.png.data, e->img.png.len) == 0;
        e->used = ++vw_cache_tick;
    }
    pthread_mutex_unlock(&vw_cache_lock);
    return found;
}

void vw_cache_put(const char *etag, const vw_image *img)
{
    if (img->png.len > VW_CACHE_BYTES / 4 || strlen(etag) >= VW_ETAG_MAX) return;
    vw_image copy = *img;
    copy.png = (zd_buf){0};
    if (zd_buf_append(&copy.png, img->png.data, img->png.len)) return;
    pthread_mutex_lock(&vw_cache_lock);
    for (int i = 0; i < VW_CACHE_ENTRIES; i++)
        if (strcmp(vw_cache[i].etag, etag) == 0) { /* rendered twice at once: keep one */
            pthread_mutex_unlock(&vw_cache_lock);
            vw_image_free(&copy);
            return;
        }
    size_t total = copy.png.len;
    for (int i = 0; i < VW_CACHE_ENTRIES; i++)
        total += vw_cache[i].img.png.len;
    for (;;) { /* evict the least recently used until it fits, and a slot is free */
        int lru = -1, free_slot = -1;
        for (int i = 0; i < VW_CACHE_ENTRIES; i++) {
            if (!vw_cache[i].etag[0]) {
                free_slot = i;
                continue;
            }
            if (lru < 0 || vw_cache[i].used < vw_cache[lru].used) lru = i;
        }
        if (free_slot >= 0 && total <= VW_CACHE_BYTES) {
            vw_cached *e = &vw_cache[free_slot];
            strcpy(e->etag, etag);
            e->img = copy;
            e->used = ++vw_cache_tick;
            break;
        }
        total -= vw_cache[lru].img.png.len;
        vw_image_free(&vw_cache[lru].img);
        vw_cache[lru] = (vw_cached){0};
    }
    pthread_mutex_unlock(&vw_cache_lock);
}
