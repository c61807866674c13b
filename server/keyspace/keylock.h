/* keylock.h: the one per-key lock of the server, shared by every write path and the shard
 * engine.
 *
 * A fixed table of reader-writer locks striped by a hash of the key (two keys may share a
 * stripe, which only serialises them; writers are preferred so a stream of readers cannot
 * starve a patch). Exclusive: every store mutation (PUT commit, PATCH commit, multi-range
 * PATCH, DELETE) and every shard engine change (sh_engine_apply); shared: reads that must see
 * one consistent state of a value (a shard's inner chunk, the opening of a plain GET). So a
 * plain PUT/PATCH/DELETE of a shard key and a shard patch are serialised, and no reader sees a
 * shard patch half applied. Plain writes take it through sh_engine_write_begin (which also
 * makes the engine forget the shard it cached). Hold a stripe only for synchronous work, never
 * across event-loop callbacks, and never take two stripes at once except with kl_lock_pair,
 * which takes them in stripe order (so two pair-takers cannot deadlock, and a single-stripe
 * holder never waits for a second one).
 *
 * Streams: a plain GET opens the value's file under the shared lock and then sends it over
 * many loop turns without the lock. It registers as a stream of the key's stripe for that
 * time (kl_stream_begin with the shared lock held, kl_stream_end when done); the shard engine,
 * holding the exclusive lock, asks kl_streaming before it changes a shard file in place and,
 * if so, moves the shard to a new file first, so the stream keeps reading the old, unchanged
 * one. Streams of other keys on the same stripe only cost such a move.
 *
 * sendfile(2) does not copy: the socket keeps referring to the file's page-cache pages until
 * the client has received them, after the stream ended. So a stripe whose keys the engine has
 * changed in place (kl_note_in_place, remembered while the process runs) has its values sent
 * from copies (pread into the response buffer); other values keep zero-copy sendfile. */
#ifndef ZS_KEYLOCK_H
#define ZS_KEYLOCK_H

#include <stdbool.h>
#include <stddef.h>

void kl_lock(const char *key, size_t len);        /* exclusive */
void kl_lock_shared(const char *key, size_t len); /* shared with other readers */
void kl_unlock(const char *key, size_t len);      /* either mode */

/* Both keys' stripes exclusive (a change that must be atomic over two keys: a move); one
 * stripe if they share it. Released with kl_unlock_pair on the same keys. */
void kl_lock_pair(const char *a, size_t alen, const char *b, size_t blen);
void kl_unlock_pair(const char *a, size_t alen, const char *b, size_t blen);

/* Register a stream of key (shared lock held); returns what kl_stream_end takes. */
unsigned kl_stream_begin(const char *key, size_t len);
void kl_stream_end(unsigned stream);
/* Whether a stream of key's stripe is open (exclusive lock held, so none starts meanwhile). */
bool kl_streaming(const char *key, size_t len);

/* The shard engine changes key's file in place (exclusive lock held) / whether that ever
 * happened to a key of key's stripe. */
void kl_note_in_place(const char *key, size_t len);
bool kl_in_place_seen(const char *key, size_t len);

#endif
