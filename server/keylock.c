/* keylock.c: striped per-key reader-writer locks (see keylock.h). */
#include "keylock.h"

#include <pthread.h>
#include <stdint.h>

#define KL_STRIPES 1024 /* power of two */

static pthread_rwlock_t kl_table[KL_STRIPES] = {
    [0 ... KL_STRIPES - 1] = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP};

/* FNV-1a, good enough to spread keys over the stripes. */
static pthread_rwlock_t *kl_stripe(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return &kl_table[(h ^ (h >> 32)) & (KL_STRIPES - 1)];
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
