/* keylock.c: striped per-key reader-writer locks and change announcements (see keylock.h). */
#include "keylock.h"

#include "zd_hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KL_STRIPES 1024 /* power of two */

struct kl_table {
    pthread_rwlock_t locks[KL_STRIPES];
    _Atomic unsigned streams[KL_STRIPES]; /* open streams per stripe */
    atomic_bool in_place[KL_STRIPES];     /* a key was changed in place */
    kl_watcher watchers[KL_WATCHERS];
    int nwatchers;
};

int kl_table_new(kl_table **out)
{
    kl_table *t = calloc(1, sizeof *t);
    if (!t) return ZD_ENOMEM;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    for (int i = 0; i < KL_STRIPES; i++)
        pthread_rwlock_init(&t->locks[i], &attr);
    pthread_rwlockattr_destroy(&attr);
    *out = t;
    return 0;
}

void kl_table_free(kl_table *t)
{
    if (!t) return;
    for (int i = 0; i < KL_STRIPES; i++)
        pthread_rwlock_destroy(&t->locks[i]);
    free(t);
}

static unsigned kl_index(const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    return (unsigned)((h ^ (h >> 32)) & (KL_STRIPES - 1));
}

void kl_lock(kl_table *t, const char *key, size_t len)
{
    pthread_rwlock_wrlock(&t->locks[kl_index(key, len)]);
}

void kl_lock_shared(kl_table *t, const char *key, size_t len)
{
    pthread_rwlock_rdlock(&t->locks[kl_index(key, len)]);
}

void kl_unlock(kl_table *t, const char *key, size_t len)
{
    pthread_rwlock_unlock(&t->locks[kl_index(key, len)]);
}

int kl_watch(kl_table *t, const kl_watcher *w)
{
    if (t->nwatchers == KL_WATCHERS) return ZD_EOVERFLOW;
    t->watchers[t->nwatchers++] = *w;
    return 0;
}

void kl_unwatch(kl_table *t, const void *ctx)
{
    for (int i = 0; i < t->nwatchers; i++)
        if (t->watchers[i].ctx == ctx) {
            memmove(&t->watchers[i], &t->watchers[i + 1],
                    (size_t)(t->nwatchers - i - 1) * sizeof *t->watchers);
            t->nwatchers--;
            i--;
        }
}

/* Tell the watchers (but origin) of key's change about to happen; on a refusal the ones told
 * so far hear that it is over. */
static int kl_tell_before(kl_table *t, const char *key, const void *origin, zd_error *err)
{
    for (int i = 0; i < t->nwatchers; i++) {
        const kl_watcher *w = &t->watchers[i];
        int rc = w->ctx != origin && w->before ? w->before(w->ctx, key, err) : 0;
        if (rc) {
            while (i-- > 0)
                if (t->watchers[i].ctx != origin && t->watchers[i].after)
                    t->watchers[i].after(t->watchers[i].ctx, key);
            return rc;
        }
    }
    return 0;
}

static void kl_tell_after(kl_table *t, const char *key, const void *origin)
{
    for (int i = 0; i < t->nwatchers; i++)
        if (t->watchers[i].ctx != origin && t->watchers[i].after)
            t->watchers[i].after(t->watchers[i].ctx, key);
}

int kl_change_begin(kl_table *t, const char *key, const void *origin, zd_error *err)
{
    size_t len = strlen(key);
    kl_lock(t, key, len);
    int rc = kl_tell_before(t, key, origin, err);
    if (rc) kl_unlock(t, key, len);
    return rc;
}

void kl_change_end(kl_table *t, const char *key, const void *origin)
{
    kl_tell_after(t, key, origin);
    kl_unlock(t, key, strlen(key));
}

/* Lock (or unlock) the stripes of a and b, lower index first. */
static void kl_pair(kl_table *t, const char *a, const char *b, bool lock)
{
    unsigned i = kl_index(a, strlen(a)), j = kl_index(b, strlen(b));
    unsigned lo = i < j ? i : j, hi = i < j ? j : i;
    if (lock) {
        pthread_rwlock_wrlock(&t->locks[lo]);
        if (hi != lo) pthread_rwlock_wrlock(&t->locks[hi]);
    } else {
        if (hi != lo) pthread_rwlock_unlock(&t->locks[hi]);
        pthread_rwlock_unlock(&t->locks[lo]);
    }
}

int kl_change_begin_pair(kl_table *t, const char *a, const char *b, const void *origin,
                         zd_error *err)
{
    kl_pair(t, a, b, true);
    int rc = kl_tell_before(t, a, origin, err);
    if (rc == 0 && (rc = kl_tell_before(t, b, origin, err)) != 0) kl_tell_after(t, a, origin);
    if (rc) kl_pair(t, a, b, false);
    return rc;
}

void kl_change_end_pair(kl_table *t, const char *a, const char *b, const void *origin)
{
    kl_tell_after(t, a, origin);
    kl_tell_after(t, b, origin);
    kl_pair(t, a, b, false);
}

unsigned kl_stream_begin(kl_table *t, const char *key, size_t len)
{
    unsigned i = kl_index(key, len);
    atomic_fetch_add(&t->streams[i], 1);
    return i;
}

void kl_stream_end(kl_table *t, unsigned stream)
{
    atomic_fetch_sub(&t->streams[stream], 1);
}

bool kl_streaming(kl_table *t, const char *key, size_t len)
{
    return atomic_load(&t->streams[kl_index(key, len)]) != 0;
}

void kl_note_in_place(kl_table *t, const char *key, size_t len)
{
    atomic_store(&t->in_place[kl_index(key, len)], true);
}

bool kl_in_place_seen(kl_table *t, const char *key, size_t len)
{
    return atomic_load(&t->in_place[kl_index(key, len)]);
}
