/* shard_mem_meta.c: shard layouts from zarr.json values of the memory store (see
 * shard_mem_meta.h). */
#include "shard_mem_meta.h"

#include "zd_codec.h"
#include "zd_grid.h"
#include "zd_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_MAX_SIZE (1u << 20) /* zarr.json larger than this is refused (as for files) */

/* The parsed array metadata at path, or NULL if there is none (or it is no array, too large
 * or invalid: then it cannot claim a chunk key). */
static zd_meta *read_array(st_store *s, const char *path)
{
    st_reader *r;
    st_stat st;
    if (s->open_read(s, path, &r, &st) != 0) return NULL;
    char *text = st.size <= META_MAX_SIZE ? malloc((size_t)st.size + 1) : NULL;
    zd_meta *meta = NULL;
    if (text && r->read(r, 0, text, (size_t)st.size) == 0 &&
        zd_meta_parse(text, (size_t)st.size, &meta, NULL) == 0 &&
        meta->node_type != ZD_NODE_ARRAY) {
        zd_meta_free(meta);
        meta = NULL;
    }
    free(text);
    r->close(r);
    return meta;
}

/* The layout the array's codecs give, or ZD_EUNSUPPORTED saying why there is none. */
static int shard_of(const zd_meta *meta, sh_array_shard *out, zd_error *err)
{
    zd_chunk_spec spec;
    zd_codec_chain *chain = NULL;
    zd_error why = {0};
    if (zd_meta_chunk_spec(meta, &spec) != 0 ||
        zd_codec_chain_new(meta->codecs, &spec, &chain, &why) != 0)
        return zd_error_set(err, ZD_EUNSUPPORTED, "the array's codecs are invalid: %.200s",
                            why.msg);
    const zd_shard_layout *l = zd_codec_chain_shard_layout(chain);
    int rc = 0;
    if (!l) {
        rc = zd_error_set(err, ZD_EUNSUPPORTED, "the array's codecs are not sharding_indexed");
    } else {
        out->layout = *l;
        uint64_t n = 0;
        out->fixed_chunk_bytes = zd_codec_chain_fixed_size(zd_codec_chain_inner(chain), &n) ? n : 0;
    }
    zd_codec_chain_free(chain);
    return rc;
}

int sh_mem_layout(st_store *s, const char *key, sh_array_shard *out, zd_error *err)
{
    size_t klen = strlen(key);
    if (klen > ZD_MAX_KEY) return zd_error_set(err, ZD_ENOTFOUND, "key too long");
    int rc = ZD_ENOTFOUND;
    /* Array prefixes from the deepest ancestor of key up to the root (prefix length 0). */
    for (size_t plen = klen; rc == ZD_ENOTFOUND;) {
        while (plen > 0 && key[plen - 1] != '/')
            plen--;
        char path[ZD_MAX_KEY + 16];
        snprintf(path, sizeof path, "%.*szarr.json", (int)plen, key);
        zd_meta *meta = read_array(s, path);
        zd_grid grid;
        uint64_t coords[ZD_MAX_DIMS];
        if (meta && zd_meta_grid(meta, &grid) == 0 &&
            zd_grid_key_decode(&grid, &meta->key_encoding, key + plen, klen - plen, coords, NULL) ==
                0)
            rc = shard_of(meta, out, err);
        zd_meta_free(meta);
        if (plen == 0) break;
        plen--; /* drop the '/' */
    }
    return rc == ZD_ENOTFOUND
               ? zd_error_set(err, rc, "no Zarr-Shard header and no array has %s as a chunk key",
                              key)
               : rc;
}
