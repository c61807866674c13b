/* fdcache.h: the fs store's cache of open descriptors and their metadata, so a GET or HEAD of a
 * hot key costs no openat2, fstat or close (three system calls of about six per small GET).
 *
 * One table per fs store (FC_SLOTS entries in sets of 4 by a hash of the key, a mutex held
 * only for the table lookup). An entry holds the key, an open read-only descriptor of its file
 * and the file's stat, read under the key's lock. Exactness: every change of a key through the
 * key space (PUT, PATCH, DELETE, shard patches, compaction) passes the key's change bracket
 * (kl_change_begin, keylock.h), and the cache is a watcher of it: its before() drops the key's
 * entry before the change is made, with the exclusive lock held, and no reader can fill it
 * again before the change is complete (readers fill under the shared lock). A deleted or
 * replaced file is so closed at once, unless a response is still streaming from it (readers
 * hold references). Edits made behind zarrd's back (another process writing into the data
 * directory) are not announced: an entry is used for at most FC_VALID_MS after it was filled,
 * so such an edit is seen within that time, like nginx's open_file_cache_valid. */
#ifndef ZS_FDCACHE_H
#define ZS_FDCACHE_H

#include "keylock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define FC_SLOTS                                                                                   \
    4096                 /* slots (a power of two); entries are also held to a quarter of the      \
                             process's descriptor limit, so connections always have room */
#define FC_VALID_MS 1000 /* longest use of an entry, for edits behind zarrd's back */
#define FC_BODY_MAX (16 * 1024) /* values up to this size are kept in memory too ... */
#define FC_BODY_ALL (32u << 20) /* ... up to this many bytes of them, process-wide */

typedef struct fc_cache fc_cache;
typedef struct fc_entry fc_entry;

/* A cache watching the changes announced by `keys`. 0 or ZD_ENOMEM / ZD_EOVERFLOW. */
int fc_new(kl_table *keys, fc_cache **out);
/* Stop watching and drop every entry (descriptors still read from close with their reader). */
void fc_free(fc_cache *c);

/* With key's lock held (shared or exclusive): a usable entry for key, with a reference for the
 * caller (fc_release), or NULL. */
fc_entry *fc_lookup(fc_cache *c, const char *key, size_t len);

/* With key's lock held: remember key's open descriptor fd and its stat. The cache takes fd and
 * the entry comes back with a reference for the caller; NULL when the cache is full or out of
 * memory, and then the caller still owns fd. */
fc_entry *fc_insert(fc_cache *c, const char *key, size_t len, int fd, const struct stat *st);

/* The coarse monotonic clock, in milliseconds, that FC_VALID_MS is counted in (the shard
 * cache bounds its reads' staleness with it too). */
uint64_t fc_now_ms(void);

/* Drop key's entry (the watcher does this when a change of key begins). */
void fc_forget(fc_cache *c, const char *key, size_t len);

int fc_fd(const fc_entry *e);
const struct stat *fc_stat(const fc_entry *e);

/* Whether the entry's file is known to carry no metadata (store_fs_meta.c), so a GET needs no
 * fgetxattr / remember that it has none. A file's metadata changes only with a change of its
 * key, and that drops the entry first (exactness as above); an entry no longer in the table
 * may still be marked by a reader that read before the change, which no later lookup sees. */
bool fc_no_meta(const fc_entry *e);
void fc_set_no_meta(fc_entry *e);

/* The whole value of the entry's file (fc_stat's st_size bytes) in memory, or NULL: a small
 * GET then costs no pread. fc_set_body keeps a copy of `bytes`, read from the entry's
 * descriptor, when the value is at most FC_BODY_MAX bytes and the process holds fewer than
 * FC_BODY_ALL such bytes. Exact for the same reason: a value is changed in place only with
 * no reader open and after its entry has left the table, and otherwise replaced by a new
 * file (keylock.h). */
const uint8_t *fc_body(const fc_entry *e);
void fc_set_body(fc_entry *e, const void *bytes);

/* Drop a reference (from any thread); the last one closes the descriptor. */
void fc_release(fc_entry *e);

#endif
