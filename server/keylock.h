/* keylock.h: per-key mutual exclusion for every write path of the server.
 *
 * A fixed table of mutexes striped by a hash of the key (two keys may share a stripe, which
 * only serialises them). Every store mutation (PUT commit, PATCH commit, multi-range PATCH,
 * DELETE) runs its read-check-replace step under kl_lock(key), and so must the shard engine
 * when it rewrites a shard: that is what makes a plain PUT/PATCH/DELETE of a shard key and a
 * shard patch serialisable. Hold a stripe only for synchronous work, never across event-loop
 * callbacks, and never take two stripes at once (no lock ordering exists). */
#ifndef ZS_KEYLOCK_H
#define ZS_KEYLOCK_H

#include <stddef.h>

void kl_lock(const char *key, size_t len);
void kl_unlock(const char *key, size_t len);

#endif
