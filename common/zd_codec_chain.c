/* zd_codec_chain.c: builds a codec chain from a zarr.json `codecs` list — checks the order
 * (array→array*, one array→bytes, bytes→bytes*), parses each codec's configuration through
 * its own file, composes the transposes into one permutation and works out the encoded-size
 * bounds every decode is checked against. Also the chain's accessors. */
#include "zd_codec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "zd_checked.h"

typedef enum codec_role { ROLE_ARRAY_ARRAY, ROLE_ARRAY_BYTES, ROLE_BYTES_BYTES } codec_role;

static const struct codec_name {
    const char *name;
    zd_codec_kind kind;
    codec_role role;
} codec_names[] = {
    {"transpose", ZD_CODEC_TRANSPOSE, ROLE_ARRAY_ARRAY},
    {"bytes", ZD_CODEC_BYTES, ROLE_ARRAY_BYTES},
    {"sharding_indexed", ZD_CODEC_SHARDING, ROLE_ARRAY_BYTES},
    {"gzip", ZD_CODEC_GZIP, ROLE_BYTES_BYTES},
    {"zstd", ZD_CODEC_ZSTD, ROLE_BYTES_BYTES},
    {"crc32c", ZD_CODEC_CRC32C, ROLE_BYTES_BYTES},
};

static int check_spec(const zd_chunk_spec *spec, size_t *decoded, zd_error *err)
{
    if (spec->ndim < 0 || spec->ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "chunk rank %d outside 0..%d", spec->ndim, ZD_MAX_DIMS);
    uint64_t size = zd_dtype_size(spec->dtype);
    if (size == 0)
        return zd_error_set(err, ZD_EINVAL, "chunk data type %d is not valid", (int)spec->dtype);
    for (int d = 0; d < spec->ndim; d++) {
        if (spec->shape[d] == 0) return zd_error_set(err, ZD_EINVAL, "chunk shape[%d] is 0", d);
        if (!zd_mul_u64(size, spec->shape[d], &size) || size > ZD_MAX_CHUNK_BYTES)
            return zd_error_set(err, ZD_EOVERFLOW, "chunk of more than %llu bytes",
                                (unsigned long long)ZD_MAX_CHUNK_BYTES);
    }
    if (size > SIZE_MAX)
        return zd_error_set(err, ZD_EOVERFLOW, "chunk of %llu bytes does not fit in memory",
                            (unsigned long long)size);
    *decoded = (size_t)size;
    return 0;
}

/* Split one `codecs` entry into its name and configuration (NULL when absent). */
static int parse_entry(const cJSON *item, int pos, const char **name, const cJSON **cfg,
                       zd_error *err)
{
    *cfg = NULL;
    if (cJSON_IsString(item)) {
        *name = item->valuestring;
        return 0;
    }
    if (!cJSON_IsObject(item))
        return zd_error_set(err, ZD_EINVAL, "codecs[%d] must be an object or a name", pos);
    *name = NULL;
    for (const cJSON *f = item->child; f; f = f->next) {
        if (strcmp(f->string, "name") == 0 && cJSON_IsString(f))
            *name = f->valuestring;
        else if (strcmp(f->string, "configuration") == 0 && cJSON_IsObject(f))
            *cfg = f;
        else if (strcmp(f->string, "must_understand") == 0 && cJSON_IsBool(f))
            continue;
        else
            return zd_error_set(err, ZD_EINVAL, "codecs[%d]: bad or unknown field '%s'", pos,
                                f->string);
    }
    if (!*name) return zd_error_set(err, ZD_EINVAL, "codecs[%d]: field 'name' is required", pos);
    return 0;
}

static const struct codec_name *lookup(const char *name)
{
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (strcmp(codec_names[i].name, name) == 0) return &codec_names[i];
    return NULL;
}

static int parse_step(zd_codec_chain *c, zd_codec_step *s, const cJSON *cfg, zd_error *err)
{
    switch (s->kind) {
    case ZD_CODEC_TRANSPOSE: {
        int rc = zd_codec_transpose_parse(s, cfg, c->spec.ndim, err);
        if (rc) return rc;
        /* Applying order a then order b maps encoded dim i to decoded dim a[b[i]]. */
        int composed[ZD_MAX_DIMS];
        for (int i = 0; i < c->spec.ndim; i++)
            composed[i] = c->perm[s->order[i]];
        memcpy(c->perm, composed, sizeof composed);
        uint64_t shape[ZD_MAX_DIMS];
        zd_codec_transpose_shape(s->order, c->spec.ndim, c->ab_spec.shape, shape);
        memcpy(c->ab_spec.shape, shape, sizeof shape);
        return 0;
    }
    case ZD_CODEC_BYTES: {
        int rc = zd_codec_bytes_parse(s, cfg, c->spec.dtype, "bytes", err);
        size_t unit = zd_dtype_swap_unit(c->spec.dtype);
        c->swap_unit = s->big_endian && unit > 1 ? unit : 0;
        return rc;
    }
    case ZD_CODEC_SHARDING:
        return zd_codec_sharding_parse(c, cfg, err);
    case ZD_CODEC_GZIP:
        return zd_codec_gzip_parse(s, cfg, err);
    case ZD_CODEC_ZSTD:
        return zd_codec_zstd_parse(s, cfg, err);
    case ZD_CODEC_CRC32C:
        return zd_codec_crc32c_parse(cfg, err);
    }
    return ZD_EINVAL;
}

/* Bound every stage's input and the encoded chunk; exact only without compressors. */
static void compute_bounds(zd_codec_chain *c)
{
    uint64_t max = c->decoded_size;
    bool exact = true;
    if (c->shard) {
        const zd_codec_sharding *sh = c->shard;
        max = zd_codec_sat_add(sh->index_size,
                               zd_codec_sat_mul(sh->layout.nchunks, sh->inner->max_encoded));
        exact = false;
    }
    for (int i = c->ab + 1; i < c->nsteps; i++) {
        zd_codec_step *s = &c->steps[i];
        s->in_max = max;
        s->in_exact = exact;
        if (s->kind == ZD_CODEC_CRC32C) {
            max = zd_codec_sat_add(max, 4);
        } else {
            max = s->kind == ZD_CODEC_GZIP ? zd_codec_gzip_bound(max) : zd_codec_zstd_bound(max);
            exact = false;
        }
    }
    c->max_encoded = max;
    c->fixed = exact;
}

static int build_steps(zd_codec_chain *c, const cJSON *codecs, zd_error *err)
{
    int n = cJSON_GetArraySize(codecs);
    if (n == 0)
        return zd_error_set(err, ZD_EINVAL,
                            "codecs: empty (an array→bytes codec is required: bytes or "
                            "sharding_indexed)");
    if (n > ZD_CODEC_MAX_STEPS)
        return zd_error_set(err, ZD_EUNSUPPORTED, "codecs: %d codecs, at most %d supported", n,
                            ZD_CODEC_MAX_STEPS);
    int pos = 0;
    for (const cJSON *item = codecs->child; item; item = item->next, pos++) {
        const char *name = NULL;
        const cJSON *cfg;
        int rc = parse_entry(item, pos, &name, &cfg, err);
        if (rc) return rc;
        const struct codec_name *known = lookup(name);
        if (!known) return zd_error_set(err, ZD_EUNSUPPORTED, "codec '%s' is not supported", name);
        if (known->role == ROLE_ARRAY_ARRAY && c->ab >= 0)
            return zd_error_set(err, ZD_EINVAL,
                                "codecs: array→array codec '%s' after the array→bytes codec", name);
        if (known->role == ROLE_ARRAY_BYTES && c->ab >= 0)
            return zd_error_set(err, ZD_EINVAL, "codecs: second array→bytes codec '%s'", name);
        if (known->role == ROLE_BYTES_BYTES && c->ab < 0)
            return zd_error_set(err, ZD_EINVAL,
                                "codecs: bytes→bytes codec '%s' before the array→bytes codec",
                                name);
        zd_codec_step *s = &c->steps[c->nsteps++];
        s->kind = known->kind;
        if (known->role == ROLE_ARRAY_BYTES) c->ab = pos;
        rc = parse_step(c, s, cfg, err);
        if (rc) return rc;
    }
    if (c->ab < 0)
        return zd_error_set(err, ZD_EINVAL,
                            "codecs: no array→bytes codec (bytes or sharding_indexed)");
    return 0;
}

int zd_codec_chain_build(const cJSON *codecs, const zd_chunk_spec *spec, int depth,
                         zd_codec_chain **out, zd_error *err)
{
    *out = NULL;
    if (!cJSON_IsArray(codecs)) return zd_error_set(err, ZD_EINVAL, "codecs must be an array");
    if (depth >= ZD_CODEC_MAX_DEPTH)
        return zd_error_set(err, ZD_EUNSUPPORTED, "sharding nested deeper than %d levels",
                            ZD_CODEC_MAX_DEPTH - 1);
    size_t decoded = 0;
    int rc = check_spec(spec, &decoded, err);
    if (rc) return rc;
    zd_codec_chain *c = calloc(1, sizeof *c);
    if (!c) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    c->spec = *spec;
    c->ab_spec = *spec;
    c->elsize = zd_dtype_size(spec->dtype);
    c->decoded_size = decoded;
    c->depth = depth;
    c->ab = -1;
    for (int d = 0; d < ZD_MAX_DIMS; d++)
        c->perm[d] = d;
    rc = build_steps(c, codecs, err);
    if (rc) {
        zd_codec_chain_free(c);
        return rc;
    }
    for (int d = 0; d < spec->ndim; d++)
        c->permuted |= c->perm[d] != d;
    compute_bounds(c);
    *out = c;
    return 0;
}

int zd_codec_chain_new(const cJSON *codecs, const zd_chunk_spec *spec, zd_codec_chain **out,
                       zd_error *err)
{
    return zd_codec_chain_build(codecs, spec, 0, out, err);
}

void zd_codec_chain_free(zd_codec_chain *chain)
{
    if (!chain) return;
    zd_codec_sharding_free(chain->shard);
    free(chain);
}

const zd_chunk_spec *zd_codec_chain_spec(const zd_codec_chain *chain)
{
    return &chain->spec;
}

size_t zd_codec_chain_decoded_size(const zd_codec_chain *chain)
{
    return chain->decoded_size;
}

bool zd_codec_chain_fixed_size(const zd_codec_chain *chain, uint64_t *nbytes)
{
    if (chain->fixed && nbytes) *nbytes = chain->max_encoded;
    return chain->fixed;
}

const zd_shard_layout *zd_codec_chain_shard_layout(const zd_codec_chain *chain)
{
    return chain->shard && chain->nsteps == 1 ? &chain->shard->layout : NULL;
}

const zd_codec_chain *zd_codec_chain_inner(const zd_codec_chain *chain)
{
    return chain->shard && chain->nsteps == 1 ? chain->shard->inner : NULL;
}
