/* shard_meta.h: a shard's layout from its array's zarr.json, for shard requests without a
 * Zarr-Shard header. The array is the nearest ancestor of the key whose zarr.json describes an
 * array for which the rest of the key is a chunk key (its key encoding, inside its grid). Its
 * codecs must be a lone sharding_indexed codec; the layout and, when the inner codecs give
 * every inner chunk the same encoded size, that size (so a wrong-sized body is refused) come
 * from the codec chain.
 *
 * sh_meta_find does that search over any store, given a way to read one zarr.json: the fs
 * store's sh_meta_lookup goes through a cache of parsed files, where every lookup checks the
 * file's identity (inode, size, modification time), so a rewritten zarr.json is parsed again;
 * the memory store (shard_mem.c) reads zarr.json afresh. */
#ifndef SHARD_META_H
#define SHARD_META_H

#include "ks_root.h"
#include "zd_error.h"
#include "zd_grid.h"
#include "zd_shard_index.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct sh_meta sh_meta;

typedef struct sh_array_shard {
    zd_shard_layout layout;
    uint64_t fixed_chunk_bytes; /* every inner chunk encodes to this many bytes; 0: varies */
} sh_array_shard;

/* What one zarr.json says, as far as shard lookups care. */
typedef struct sh_meta_array {
    bool is_array; /* valid array metadata; nothing below is set otherwise */
    zd_grid grid;
    zd_key_encoding enc;
    bool sharded; /* false: why says why */
    sh_array_shard shard;
    char why[ZD_ERRMSG_MAX];
} sh_meta_array;

#define SH_META_MAX_SIZE (1u << 20) /* zarr.json larger than this is refused */

/* Describe the zarr.json text[0..len). */
void sh_meta_array_parse(const char *text, size_t len, sh_meta_array *out);

/* The zarr.json at path (relative to the store root), or NULL if there is none. */
typedef const sh_meta_array *(*sh_meta_get_fn)(void *ctx, const char *path);

/* Find the array that claims key as a chunk key, asking get for each ancestor's zarr.json from
 * the deepest up; errors as for sh_meta_lookup. Any store's lookup goes through here. */
int sh_meta_find(const char *key, sh_meta_get_fn get, void *ctx, sh_array_shard *out,
                 zd_error *err);

/* The cache over the zarr.json files of a key space (read beneath its root, no symbolic link
 * followed, like every key). */
int sh_meta_new(sh_meta **out, ks_root *ks);
void sh_meta_free(sh_meta *m);

/* ZD_ENOTFOUND: no array claims key as a chunk key; ZD_EUNSUPPORTED: the array is not
 * sharded (or its zarr.json or codecs are invalid, named in the message). */
int sh_meta_lookup(sh_meta *m, const char *key, sh_array_shard *out, zd_error *err);

#endif
