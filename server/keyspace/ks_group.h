/* ks_group.h: group commit, the server's one design for making writes durable together.
 *
 * A writer finishes its writes (they are in the page cache), takes a ticket, and waits until a
 * sync that *began after* the ticket was taken has completed: then its writes are durable. The
 * first waiter that finds no sync in flight leads: it runs the group's sync function for every
 * ticket taken so far; writers that arrive meanwhile wait for the leader and form the next
 * group, which one of them leads. No timer and no gathering delay: under load the groups grow
 * by themselves (every writer that arrives during a sync shares the next one), and an idle
 * writer pays one sync. A failed sync fails every ticket it covered (after a failed fsync the
 * kernel may have dropped the dirty pages: a later success proves nothing for them).
 *
 * Waiting blocks the calling thread: call it from an I/O thread, never an event loop. Users:
 * the fs store's writes under --fsync batch (the key space's group, one syncfs of the root's
 * file system per group, ks_commit_batch) and the shard journal's lanes (one fdatasync of the
 * lane file per group, under batch and always). */
#ifndef KS_GROUP_H
#define KS_GROUP_H

#include <stdint.h>

typedef struct ks_group ks_group;

/* sync(ctx) makes every write done before it began durable: 0 or a ZD_E* code. */
int ks_group_new(ks_group **out, int (*sync)(void *ctx), void *ctx);
void ks_group_free(ks_group *g);

/* My writes are done: the ticket a later ks_group_wait takes. */
uint64_t ks_group_ticket(ks_group *g);

/* Wait until a sync that began after `ticket` was taken has completed (leading one if none is
 * in flight). 0, or the failed sync's code. */
int ks_group_wait(ks_group *g, uint64_t ticket);

/* Syncs run so far (for tests and benchmarks). */
uint64_t ks_group_syncs(ks_group *g);

#endif
