/* keylock.h: the per-key lock of a store and the one place where a change of a key is
 * announced.
 *
 * A table of reader-writer locks striped by a hash of the key (two keys may share a stripe,
 * which only serialises them; writers are preferred so a stream of readers cannot starve a
 * patch). Exclusive: every change of a key; shared: reads that must see one consistent state of
 * a value (a shard's inner chunk, the opening of a plain GET). Hold a stripe only for
 * synchronous work, never across event-loop callbacks, and never take two stripes at once
 * except through kl_change_begin_pair, which takes them in stripe order (two pair-takers cannot
 * deadlock, and a single-stripe holder never waits for a second). Each store owns one table
 * (st_store.keys).
 *
 * Changes: every writer of a file-backed key (the fs store's PUT / PATCH / DELETE and the
 * shard engine) brackets its change with kl_change_begin / kl_change_end: the exclusive lock
 * plus the watchers. A watcher is told before (it may refuse: the shard engine journals a
 * barrier there) and after (caches drop what they knew of the key). Watchers are registered
 * at start-up, before the first request; the writer passes its own watcher context as
 * `origin` so it is not told about its own change. This is the choke point for anything that
 * caches file state (descriptors, metadata, decoded shards).
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
 * from copies (pread into the response buffer); other values keep zero-copy sendfile.
 *
 * Taking the exclusive lock announces a change of the key: kl_lock drops the key's entry from
 * the fs store's descriptor cache (fdcache.h) before the change is made. */
#ifndef ZS_KEYLOCK_H
#define ZS_KEYLOCK_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>

#define KL_WATCHERS 4 /* watchers per table */

typedef struct kl_table kl_table;

int kl_table_new(kl_table **out);
void kl_table_free(kl_table *t);

void kl_lock(kl_table *t, const char *key, size_t len);        /* exclusive */
void kl_lock_shared(kl_table *t, const char *key, size_t len); /* shared with other readers */
void kl_unlock(kl_table *t, const char *key, size_t len);      /* either mode */

/* Someone that keeps state about keys and must hear of their changes. before() runs with the
 * key's exclusive lock held, before the change; a non-zero ZD_E* refuses the change (err says
 * why). after() runs once the change is done or failed, the lock still held. */
typedef struct kl_watcher {
    int (*before)(void *ctx, const char *key, zd_error *err);
    void (*after)(void *ctx, const char *key);
    void *ctx;
} kl_watcher;

/* Register w (copied) / remove the watcher with context ctx. Only while no change runs (at
 * start-up and shut-down); ZD_EOVERFLOW past KL_WATCHERS. */
int kl_watch(kl_table *t, const kl_watcher *w);
void kl_unwatch(kl_table *t, const void *ctx);

/* Take key's exclusive lock and tell every watcher but `origin` (a watcher's ctx, or NULL).
 * On failure nothing is held. */
int kl_change_begin(kl_table *t, const char *key, const void *origin, zd_error *err);
/* Tell the watchers (but origin) that it is over and release the lock. */
void kl_change_end(kl_table *t, const char *key, const void *origin);

/* A change of two keys at once (a move from a to b): both stripes, in stripe order (one when
 * they share it), then every watcher but origin told of a and of b. On failure nothing is held
 * and the watchers told so far have heard it is over. */
int kl_change_begin_pair(kl_table *t, const char *a, const char *b, const void *origin,
                         zd_error *err);
void kl_change_end_pair(kl_table *t, const char *a, const char *b, const void *origin);

/* Register a stream of key (shared lock held); returns what kl_stream_end takes. */
unsigned kl_stream_begin(kl_table *t, const char *key, size_t len);
void kl_stream_end(kl_table *t, unsigned stream);
/* Whether a stream of key's stripe is open (exclusive lock held, so none starts meanwhile). */
bool kl_streaming(kl_table *t, const char *key, size_t len);

/* The shard engine changes key's file in place (exclusive lock held) / whether that ever
 * happened to a key of key's stripe. */
void kl_note_in_place(kl_table *t, const char *key, size_t len);
bool kl_in_place_seen(kl_table *t, const char *key, size_t len);

#endif
