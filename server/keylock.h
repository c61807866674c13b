/* keylock.h: the one per-key lock of the server, shared by every write path and the shard
 * engine.
 *
 * A fixed table of reader-writer locks striped by a hash of the key (two keys may share a
 * stripe, which only serialises them; writers are preferred so a stream of readers cannot
 * starve a patch). Exclusive: every store mutation (PUT commit, PATCH commit, multi-range
 * PATCH, DELETE) and every shard engine change (sh_engine_apply); shared: reads that must see
 * one consistent state of a value (a shard's inner chunk, a plain GET read in one piece). So a
 * plain PUT/PATCH/DELETE of a shard key and a shard patch are serialised, and no reader sees a
 * shard patch half applied. Plain writes take it through sh_engine_write_begin (which also makes
 * the engine forget the shard it cached). Hold a stripe only for synchronous work, never across
 * event-loop callbacks, and never take two stripes at once (no lock ordering exists). */
#ifndef ZS_KEYLOCK_H
#define ZS_KEYLOCK_H

#include <stddef.h>

void kl_lock(const char *key, size_t len);        /* exclusive */
void kl_lock_shared(const char *key, size_t len); /* shared with other readers */
void kl_unlock(const char *key, size_t len);      /* either mode */

#endif
