/* store.h: the storage interface under the HTTP handlers: a vtable with two backends, `fs`
 * (store_fs.c: one key = one file under --root, a plain Zarr directory store) and `memory`
 * (store_mem.c). Keys arrive validated by zd_key (no "." / "..", no empty segments, no
 * leading '/'); the reserved temp-name prefix is refused before a store is called.
 *
 * Readers and writers are per-request objects. A writer collects a request body (PUT: a new
 * value; raw PATCH: bytes at an offset) and applies it in commit(), which evaluates the
 * request's preconditions under the key's lock (keylock.h) against the then-current value, so
 * If-Match / If-None-Match are race-free with respect to other writers.
 *
 * Blocking: the calls that change a value (commit, patch_many, put_owned, remove) return only
 * once the change is as durable as --fsync promises: they may fsync, wait for a group commit or
 * copy a whole value, so front-ends call them on an I/O thread (http/io_pool.h, a handler's
 * work step), never on an event loop, unless the store says they are cheap (!st_writes_block:
 * the memory store).
 * Reads (stat, open_read, read, list) and begin/write stay on the loop: page-cache work.
 *
 * Every store has a per-key lock table (keys, keylock.h); a store whose values are files
 * under a root directory also exposes that key space (files, ks_root.h: the only code that
 * touches the disk), which the shard engine builds on. Writers of the fs store announce every
 * change of a key through kl_change_begin/end on `keys` (the one choke point for caches of
 * file state); the memory store's values are immutable versions named by their ETag, so caches
 * over it key by ETag and need no announcement.
 *
 * Functions return 0 or a negative ZD_E* code (zd_error.h): ZD_EPRECOND the precondition
 * refused (412 or 304), ZD_EBADKEY the key crosses a symbolic link or other non-key object
 * (400), ZD_EISDIR a directory is where the value should be or a value where a parent
 * directory should be (409), ZD_ELINKED an in-place write of a file with other hard links
 * (409), ZD_ENOSPC no space left or quota exhausted (507), ZD_ENOTFOUND, ZD_ERANGE,
 * ZD_EOVERFLOW, ZD_ENOMEM, ZD_EIO. */
#ifndef ZS_STORE_H
#define ZS_STORE_H

#include "keylock.h"
#include "ks_root.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Names beginning with this are the server's own (temp files); refused as key segments. */
#define ST_RESERVED_PREFIX     KS_PRIVATE_PREFIX
#define ST_RESERVED_PREFIX_LEN 7

#define ST_ETAG_MAX 64

typedef struct st_stat {
    uint64_t size;
    uint64_t mtime_ns;      /* last modification, ns since the epoch (Last-Modified) */
    char etag[ST_ETAG_MAX]; /* strong entity-tag, quotes included */
} st_stat;

/* A request's preconditions; check() gets the current value's stat, or NULL if absent, and
 * returns 0 to proceed or ZD_EPRECOND. */
typedef struct st_precond {
    int (*check)(const struct st_precond *pc, const st_stat *cur);
    void *ctx;
} st_precond;

typedef struct st_reader st_reader;
typedef struct st_writer st_writer;

struct st_reader {
    /* Read exactly len bytes at off (the value is never truncated while a reader is open). */
    int (*read)(st_reader *r, uint64_t off, void *buf, size_t len);
    void (*close)(st_reader *r);
    int fd; /* a file holding the value at the same offsets (for sendfile), or -1 */
};

/* Result of a committed write. */
typedef struct st_result {
    bool created; /* PUT: there was no value before */
    st_stat stat; /* the new value */
} st_result;

struct st_writer {
    int (*write)(st_writer *w, const void *data, size_t len);
    /* Apply; pc may be NULL. On failure nothing is visible and the writer is freed. */
    int (*commit)(st_writer *w, const st_precond *pc, st_result *res);
    /* Drop everything written; frees the writer. */
    void (*abort)(st_writer *w);
};

/* One piece of a multi-range PATCH. */
typedef struct st_patch {
    uint64_t off;
    const uint8_t *data;
    size_t len;
} st_patch;

/* One listing entry; name is relative to the listed prefix; a directory's name ends in '/'
 * ("c/"). */
typedef struct st_entry {
    char *name;
    uint64_t size;
    uint64_t mtime_ns; /* last modification (0 where the store keeps none, e.g. memory dirs) */
    bool dir;
    char etag[ST_ETAG_MAX]; /* a value's ETag, as st_stat's ("" for directories) */
} st_entry;

typedef struct st_list {
    st_entry *v;
    size_t n, cap;
} st_list;

typedef struct st_store st_store;

struct st_store {
    const char *kind;
    kl_table *keys; /* the per-key locks (and, for fs, change announcements) */
    ks_root *files; /* the key space on disk; NULL for a store that keeps no files */
    int (*stat)(st_store *s, const char *key, st_stat *out);
    /* ZD_ENOTFOUND if there is no value. */
    int (*open_read)(st_store *s, const char *key, st_reader **out, st_stat *st);
    /* Start a whole-value replacement; size_hint is the expected length or 0. */
    int (*put_begin)(st_store *s, const char *key, uint64_t size_hint, st_writer **out);
    /* Start a raw PATCH at `offset`: ZD_ENOTFOUND no value, ZD_ERANGE offset > size. The body
     * may be applied as it arrives (pwrite); commit() makes the new ETag visible. */
    int (*patch_begin)(st_store *s, const char *key, uint64_t offset, st_writer **out);
    /* Apply several pieces atomically, in order: every piece must start at or before the size
     * the value has when it is applied (ZD_ERANGE otherwise, nothing changed). */
    int (*patch_many)(st_store *s, const char *key, const st_patch *p, size_t n,
                      const st_precond *pc, st_result *res);
    /* Replace the value with data[0..len) (malloc'ed; the store takes it, also on failure) if
     * pc allows, atomically: installs a value built in memory without copying it (shard
     * patches on the memory store, shard_mem.c). NULL where the store has no such path. */
    int (*put_owned)(st_store *s, const char *key, uint8_t *data, size_t len, const st_precond *pc,
                     st_result *res);
    /* Delete; *existed says whether there was a value. */
    int (*remove)(st_store *s, const char *key, const st_precond *pc, bool *existed);
    /* Entries under prefix ("" = root): direct children (values and "directories"), or with
     * recursive every value below, named by its path relative to the prefix. Unsorted. */
    int (*list)(st_store *s, const char *prefix, bool recursive, st_list *out);

    /* Collections (WebDAV, S3 buckets). A collection is a key prefix with something below it
     * ("directory"), or one made by mkcol: the store keeps a made collection while it is
     * empty (fs: its directory is marked, ks_mkcol, so pruning emptied parent directories stops
     * there; memory: a hidden entry below it), until rmcol. A collection that was never made is
     * gone when its last member is. */

    /* What key names ("" = the root, always a collection): a value (*is_dir false, *st
     * filled), a collection (*is_dir true, st->mtime_ns where the store keeps one, else 0;
     * size 0, etag ""), or ZD_ENOTFOUND. */
    int (*lookup)(st_store *s, const char *key, st_stat *st, bool *is_dir);
    /* Make the collection key: ZD_EEXIST if a value or collection is there; ZD_ENOTFOUND if
     * its parent is not a collection (missing, or a value). */
    int (*mkcol)(st_store *s, const char *key);
    /* Remove the collection key, which must be empty: ZD_ENOTEMPTY if anything is below it,
     * ZD_ENOTFOUND if it is not a collection. Emptied parents that were never made go too. */
    int (*rmcol)(st_store *s, const char *key);
    /* Rename value src to dst atomically, as one change of both keys (kl_change_begin_pair):
     * a reader sees the value at src or at dst, never at neither. The value keeps its bytes,
     * modification time and ETag. pc (may be NULL) is checked against dst's current value
     * (NULL: absent); missing parents of dst are made as PUT makes them. ZD_ENOTFOUND no value
     * at src; ZD_EISDIR a collection is at dst or a value is where a parent of dst should be.
     * res->created: dst had no value. */
    int (*move)(st_store *s, const char *src, const char *dst, const st_precond *pc,
                st_result *res);
    void (*destroy)(st_store *s);
};

/* Backends. */
int st_fs_create(const char *root, const ks_opts *opts, st_store **out, zd_error *err);

/* The redo journal the shard engine lends the fs store (at start-up, before the first
 * request), so plain values can be changed in place atomically: raw PATCHes, and PUTs that
 * overwrite a small value (server/API.md, "In-place writes"). Without one the store copies.
 * write(): under key's change bracket (taken with ctx as its origin, so the lender is not told
 * of a change it journals itself), journal pieces p[0..n) and the new size for the file fd
 * (of size `size`), durable per --fsync, then apply them. done(): after the bracket ended
 * (the journal may checkpoint then). */
typedef struct st_journal {
    void *ctx;
    int (*write)(void *ctx, const char *key, int fd, uint64_t size, const st_patch *p, size_t n,
                 uint64_t new_size, zd_error *err);
    void (*done)(void *ctx);
} st_journal;

/* Lend j (copied; NULL: take it back) to the fs store s; other stores ignore it. */
void st_fs_set_journal(st_store *s, const st_journal *j);
int st_mem_create(st_store **out);

/* Listing helpers shared by the backends and the handler; st_list_add appends '/' to a
 * directory's name and copies size, mtime and ETag from st (NULL: none known). */
int st_list_add(st_list *l, const char *name, size_t len, bool dir, const st_stat *st);
void st_list_free(st_list *l);

/* Sort entries by name (byte order) and drop repeated directory entries (a store may report
 * a directory once per key below it). */
void st_list_sort(st_list *l);

/* Copy value src to dst as a new value (new ETag and modification time), replacing dst
 * atomically as a PUT does: src is read through open_read (one consistent state of it) and
 * written through put_begin/commit with pc checked against dst. ZD_ENOTFOUND no value at
 * src; otherwise the writer's errors. Works on every store. */
int st_copy(st_store *s, const char *src, const char *dst, const st_precond *pc, st_result *res);

/* Check pieces for patch_many against the current size: ZD_ERANGE if one starts beyond the
 * size the value has when it is applied, ZD_EOVERFLOW if an end overflows. */
int st_patch_check(const st_patch *p, size_t n, uint64_t size);

/* Whether the store's changes may block: those of a store that keeps files (fsync, group
 * commits, and under any mode a rename or unlink that waits for the file system's journal or
 * writeback). Front-ends then run every change on an I/O thread. */
bool st_writes_block(const st_store *s);

/* True if any segment of key[0..len) starts with ST_RESERVED_PREFIX. */
bool st_key_reserved(const char *key, size_t len);

#endif
