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
 * work step), never on an event loop, unless they are cheap: small writes when the store says
 * its changes do not wait for syncs (!st_writes_block: the memory store, the fs store under
 * --fsync none).
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
    /* The content ETag recorded in the value's metadata (st_meta.etag) while it still
     * describes these bytes, else "". Filled by st_reader.meta, iterator items and, for a
     * precondition with want_meta_etag, the stat its check() gets; "" elsewhere. */
    char meta_etag[ST_ETAG_MAX];
} st_stat;

/* A request's preconditions; check() gets the current value's stat, or NULL if absent, and
 * returns 0 to proceed or ZD_EPRECOND. */
typedef struct st_precond {
    int (*check)(const struct st_precond *pc, const st_stat *cur);
    void *ctx;
    bool want_meta_etag; /* fill cur->meta_etag before check() (S3 compares content ETags) */
} st_precond;

/* Metadata kept with a value (S3's system and user metadata, store_meta.c): header lines
 * "name: value\n" (names lower case, values without CR/LF) and the content ETag computed
 * when the bytes were written. The fs store keeps it in an extended attribute of the value's
 * file, set on the temp file before the rename, so it is atomic with the value and the data
 * directory stays a plain Zarr store; the memory store keeps it with the value. Writes in
 * place (raw PATCH, shard patches) keep the lines and make the ETag stale: it is recorded
 * with the identity (fs: the native ETag) it was computed for and dropped on read when that
 * no longer matches, so a stale ETag is never served. */
#define ST_META_MAX 3072 /* bytes of header lines; fits one ext4 inode's xattr space */

typedef struct st_meta {
    char etag[ST_ETAG_MAX]; /* recorded content ETag, quotes included, or "" */
    size_t len;             /* bytes used in lines */
    char lines[ST_META_MAX];
} st_meta;

typedef struct st_reader st_reader;
typedef struct st_writer st_writer;

struct st_reader {
    /* Read exactly len bytes at off (the value is never truncated while a reader is open). */
    int (*read)(st_reader *r, uint64_t off, void *buf, size_t len);
    /* The metadata of the opened value (empty when it has none); out->etag only while it
     * still describes the opened bytes. */
    int (*meta)(st_reader *r, st_meta *out);
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
    /* Whole-value writers (put_begin): the metadata the value gets at commit (copied; none
     * unless called). NULL on writers that change a value in place (patch_begin). */
    int (*set_meta)(st_writer *w, const st_meta *m);
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

/* A lazy walk over the values whose keys start with a prefix, in byte order of the whole
 * keys as S3 lists them ("a-b" < "a/b" < "a0"), although the fs store is a directory tree:
 * each directory is read when the walk reaches it, so a page of a large prefix costs what
 * it shows, not a scan of everything below. Reserved names (ST_RESERVED_PREFIX) are never
 * shown. Values changed during the walk may or may not be seen. */
typedef struct st_item {
    const char *key; /* the whole key, valid until the next call */
    size_t len;
    st_stat stat; /* meta_etag filled */
} st_item;

typedef struct st_iter st_iter;

struct st_iter {
    /* The next value: 1 with *out filled, 0 at the end, or a negative code. */
    int (*next)(st_iter *it, st_item *out);
    /* Continue with the first key after `key[0..len)` (past_prefix: after every key that
     * starts with it, as when a delimiter folds them into one common prefix). */
    int (*seek)(st_iter *it, const char *key, size_t len, bool past_prefix);
    void (*close)(st_iter *it);
};

typedef struct st_store st_store;

struct st_store {
    const char *kind;
    kl_table *keys; /* the per-key locks (and, for fs, change announcements) */
    ks_root *files; /* the key space on disk; NULL for a store that keeps no files */
    /* Whether values keep st_meta (false: an fs root without user extended attributes; the
     * metadata given is then dropped, so a front-end refuses what it must not lose). */
    bool keeps_meta;
    int (*stat)(st_store *s, const char *key, st_stat *out);
    /* ZD_ENOTFOUND if there is no value. */
    int (*open_read)(st_store *s, const char *key, st_reader **out, st_stat *st);
    /* Start a whole-value replacement; size_hint is the expected length or 0. A body that
     * st_put_checks_early refuses here when the key cannot hold a value (ZD_EISDIR), before
     * the client sends it; a smaller one gets the same error from its commit. */
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
    /* Start a walk over the values whose keys start with prefix[0..len) (any string, not only
     * whole segments). */
    int (*iter_open)(st_store *s, const char *prefix, size_t len, st_iter **out);

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

/* The calling event-loop worker's turn ends: what the stores keep for the rest of a turn goes
 * (the fs store's last parent directory, ks_turn_end). Called by each worker once per loop
 * iteration. */
void st_turn_end(void);

/* Whether put_begin checks the key before the body arrives: for a body of unknown size (0) or
 * over 64 KiB. A smaller one is read first: checking twice cost every small PUT two system
 * calls on the fs store, and its commit checks anyway. */
static inline bool st_put_checks_early(uint64_t size_hint)
{
    return size_hint == 0 || size_hint > (64u << 10);
}

/* Copy value src to dst as a new value (new ETag and modification time) with src's
 * metadata (its content ETag too: the bytes are the same), replacing dst atomically as a PUT
 * does: src is read through open_read (one consistent state of it) and written through
 * put_begin/commit with pc checked against dst. ZD_ENOTFOUND no value at src; otherwise the
 * writer's errors. Works on every store (store_copy.c). */
int st_copy(st_store *s, const char *src, const char *dst, const st_precond *pc, st_result *res);

/* Check pieces for patch_many against the current size: ZD_ERANGE if one starts beyond the
 * size the value has when it is applied, ZD_EOVERFLOW if an end overflows. */
int st_patch_check(const st_patch *p, size_t n, uint64_t size);

/* Whether every change of the store blocks (fsync, group commit): the fs store under --fsync
 * batch or always. Front-ends then run every change on an I/O thread; otherwise only heavy
 * ones (large bodies, whole-value copies; see http/io_pool.h). */
bool st_writes_block(const st_store *s);

/* True if any segment of key[0..len) starts with ST_RESERVED_PREFIX. */
bool st_key_reserved(const char *key, size_t len);

/* ---- metadata (store_meta.c) ---- */

/* Append the line "name: value" (name lower-cased): ZD_EOVERFLOW when it does not fit,
 * ZD_EINVAL for a CR, LF or NUL in either or a ':' in the name. */
int st_meta_add(st_meta *m, const char *name, size_t nlen, const char *value, size_t vlen);

/* The value of line `name` (lower case), or NULL. */
const char *st_meta_get(const st_meta *m, const char *name, size_t *vlen);

/* Iterate the lines: *pos starts at 0; false at the end. */
bool st_meta_next(const st_meta *m, size_t *pos, const char **name, size_t *nlen,
                  const char **value, size_t *vlen);

/* Serialised form (the fs store's extended attribute): the ETag with the identity `stamp` it
 * was computed for, then the lines. decode drops the ETag unless `stamp` matches the one
 * recorded; ZD_ECORRUPT for a blob this code did not write. */
int st_meta_encode(const st_meta *m, const char *stamp, char *out, size_t cap, size_t *len);
int st_meta_decode(const char *blob, size_t len, const char *stamp, st_meta *out);

/* ---- copying (store_copy.c): generic over the backends ---- */

/* Append bytes [off, off + len) of the value at key (len UINT64_MAX: to its end) to writer
 * w, as one consistent version of it: pc (may be NULL) is checked against that version
 * (ZD_EPRECOND), ZD_ERANGE if the range is not inside it. observe (may be NULL) sees every
 * piece in order; *meta (may be NULL) gets the source's metadata. */
int st_write_from(st_store *s, st_writer *w, const char *key, uint64_t off, uint64_t len,
                  const st_precond *pc, st_meta *meta,
                  void (*observe)(void *ctx, const void *data, size_t len), void *ctx);

#endif
