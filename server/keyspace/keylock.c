/* keylock.c: striped per-key reader-writer locks (see keylock.h). */
#include "keylock.h"

#include "zd_hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define KL_STRIPES 1024 /* power of two */

static pthread_rwlock_t kl_table[KL_STRIPES] = {
    [0 ... KL_STRIPES - 1] = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP};

static _Atomic unsigned kl_streams[KL_STRIPES]; /* open streams per stripe */
static atomic_bool kl_in_place[KL_STRIPES];     /* a key was changed in place */

static unsigned kl_index(const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    return (unsigned)((h ^ (h >> 32)) & (KL_STRIPES - 1));
}

static pthread_rwlock_t *kl_stripe(const char *key, size_t len)
{
    return &kl_table[kl_index(key, len)];
}

void kl_lock(const char *key, size_t len)
{
    pthread_rwlock_wrlock(kl_stripe(key, len));
}

void kl_lock_shared(const char *key, size_t len)
{
    pthread_rwlock_rdlock(kl_stripe(key, len));
}

void kl_unlock(const char *key, size_t len)
{
    pthread_rwlock_unlock(kl_stripe(key, len));
}

void kl_lock_pair(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned i = kl_index(a, alen), j = kl_index(b, blen);
    pthread_rwlock_wrlock(&kl_table[i < j ? i : j]);
    if (i != j) pthread_rwlock_wrlock(&kl_table[i < j ? j : i]);
}

void kl_unlock_pair(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned i = kl_index(a, alen), j = kl_index(b, blen);
    pthread_rwlock_unlock(&kl_table[i]);
    if (i != j) pthread_rwlock_unlock(&kl_table[j]);
}

unsigned kl_stream_begin(const char *key, size_t len)
{
    unsigned i = kl_index(key, len);
    atomic_fetch_add(&kl_streams[i], 1);
    return i;
}

void kl_stream_end(unsigned stream)
{
    atomic_fetch_sub(&kl_streams[stream], 1);
}

bool kl_streaming(const char *key, size_t len)
{
    return atomic_load(&kl_streams[kl_index(key, len)]) != 0;
}

void kl_note_in_place(const char *key, size_t len)
{
    atomic_store(&kl_in_place[kl_index(key, len)], true);
}

bool kl_in_place_seen(const char *key, size_t len)
{
    return atomic_load(&kl_in_place[kl_index(key, len)]);
}
