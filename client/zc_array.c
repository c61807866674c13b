/* zc_array.c: array and group handles: create (from a spec or a zarr.json), open, close,
 * accessors, chunk keys, and running a callback per chunk of a selection on the worker pool.
 * The read and write pipelines (zc_read.c, zc_write.c) are such callbacks. */
#include "zc_array_impl.h"

#include "zc_errmsg.h"
#include "zc_request.h"
#include "zd_checked.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int set_path(zc_array *a, const char *path, zd_error *err)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n + sizeof "/zarr.json" > sizeof a->path)
        return zd_error_set(err, ZD_EINVAL, "array path too long");
    memcpy(a->path, path, n);
    a->path[n] = '\0';
    return 0;
}

static void meta_key(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s%szarr.json", path, path[0] ? "/" : "");
}

/* Build the handle's derived state from a[meta]. */
static int setup(zc_array *a, zd_error *err)
{
    if (a->meta->node_type != ZD_NODE_ARRAY)
        return zd_error_set(err, ZD_EINVAL, "%s is a group, not an array",
                            a->path[0] ? a->path : "/");
    int rc = zd_meta_grid(a->meta, &a->grid);
    if (rc == 0) rc = zd_meta_chunk_spec(a->meta, &a->spec);
    if (rc < 0) return zd_error_set(err, rc, "zarr.json: bad chunk grid");
    if ((rc = zd_codec_chain_new(a->meta->codecs, &a->spec, &a->chain, err)) < 0) return rc;
    a->elem_size = zd_dtype_size(a->spec.dtype);
    a->chunk_bytes = zd_codec_chain_decoded_size(a->chain);
    a->shard = zd_codec_chain_shard_layout(a->chain);
    a->inner = zd_codec_chain_inner(a->chain);
    if (a->shard && a->inner) {
        const zd_chunk_spec *is = zd_codec_chain_spec(a->inner);
        memcpy(a->inner_shape, is->shape, sizeof a->inner_shape);
        a->inner_bytes = zd_codec_chain_decoded_size(a->inner);
    } else {
        a->shard = NULL;
        a->inner = NULL;
    }
    return 0;
}

static void array_free(zc_array *a)
{
    if (!a) return;
    zd_codec_chain_free(a->chain);
    zd_meta_free(a->meta);
    free(a);
}

/* Validate, store zarr.json and return a handle for meta (consumed). */
static int create_from_meta(zc_client *c, const char *path, zd_meta *meta, zc_array **out,
                            zd_error *err)
{
    zc_array *a = calloc(1, sizeof *a);
    if (!a) {
        zd_meta_free(meta);
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    }
    a->client = c;
    a->meta = meta;
    int rc = set_path(a, path, err);
    if (rc == 0) rc = setup(a, err);
    zd_buf text = {0};
    if (rc == 0 && (rc = zd_meta_write(meta, &text)) < 0) zd_error_set(err, rc, "out of memory");
    if (rc == 0) {
        char key[ZD_MAX_KEY + 16];
        meta_key(a->path, key, sizeof key);
        zc_conn *conn = zc_client_conn_get(c);
        zc_response rs;
        zc_response_init(&rs);
        rc = conn ? zc_key_request(conn, "PUT", key, NULL, NULL, text.data, text.len, &rs, err)
                  : zd_error_set(err, ZD_ENOMEM, "out of memory");
        zc_response_free(&rs);
        if (conn) zc_client_conn_put(c, conn);
    }
    zd_buf_free(&text);
    if (rc < 0) {
        array_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

int zc_array_create_json(zc_client *c, const char *path, const char *zarr_json, zc_array **out)
{
    zd_error err = {0};
    zd_meta *meta = NULL;
    *out = NULL;
    int rc = zd_meta_parse(zarr_json, strlen(zarr_json), &meta, &err);
    if (rc == 0) rc = create_from_meta(c, path, meta, out, &err);
    return zc_report(rc, &err);
}

static cJSON *codec_obj(const char *name, cJSON *config)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "name", name)) {
        cJSON_Delete(o);
        cJSON_Delete(config);
        return NULL;
    }
    if (config) cJSON_AddItemToObject(o, "configuration", config);
    return o;
}

static cJSON *bytes_codec(void)
{
    cJSON *cfg = cJSON_CreateObject();
    if (cfg) cJSON_AddStringToObject(cfg, "endian", "little");
    return codec_obj("bytes", cfg);
}

/* [bytes, compressor?] for the spec's codec name. */
static int simple_codecs(const zc_array_spec *s, cJSON **out, zd_error *err)
{
    cJSON *list = cJSON_CreateArray();
    const char *name = s->codec ? s->codec : "none";
    if (!list) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    cJSON_AddItemToArray(list, bytes_codec());
    if (strcmp(name, "gzip") == 0 || strcmp(name, "zstd") == 0) {
        cJSON *cfg = cJSON_CreateObject();
        int level = s->level ? s->level : (name[0] == 'g' ? 5 : 3);
        if (cfg) {
            cJSON_AddNumberToObject(cfg, "level", level);
            if (name[0] == 'z') cJSON_AddBoolToObject(cfg, "checksum", 0);
        }
        cJSON_AddItemToArray(list, codec_obj(name, cfg));
    } else if (strcmp(name, "none") != 0) {
        cJSON_Delete(list);
        return zd_error_set(err, ZD_EINVAL, "unknown codec '%s' (none, gzip or zstd)", name);
    }
    *out = list;
    return 0;
}

static cJSON *u64_array(int n, const uint64_t *v)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, zd_json_from_u64(v[i]));
    return a;
}

/* [sharding_indexed{chunk_shape, codecs, index_codecs [bytes, crc32c], index end}]. */
static cJSON *sharding_codecs(const zc_array_spec *s, cJSON *inner)
{
    cJSON *cfg = cJSON_CreateObject();
    cJSON *index = cJSON_CreateArray();
    if (!cfg || !index) {
        cJSON_Delete(cfg);
        cJSON_Delete(index);
        cJSON_Delete(inner);
        return NULL;
    }
    cJSON_AddItemToArray(index, bytes_codec());
    cJSON_AddItemToArray(index, codec_obj("crc32c", NULL));
    cJSON_AddItemToObject(cfg, "chunk_shape", u64_array(s->ndim, s->chunks));
    cJSON_AddItemToObject(cfg, "codecs", inner);
    cJSON_AddItemToObject(cfg, "index_codecs", index);
    cJSON_AddStringToObject(cfg, "index_location", "end");
    cJSON *list = cJSON_CreateArray();
    if (list)
        cJSON_AddItemToArray(list, codec_obj("sharding_indexed", cfg));
    else
        cJSON_Delete(cfg);
    return list;
}

static int meta_from_spec(const zc_array_spec *s, zd_meta **out, zd_error *err)
{
    zd_dtype dt;
    if (!s->dtype || zd_dtype_parse(s->dtype, &dt) < 0)
        return zd_error_set(err, ZD_EINVAL, "unknown data type '%s'",
                            s->dtype ? s->dtype : "(none)");
    if (s->ndim < 1 || s->ndim > ZD_MAX_DIMS || !s->shape || !s->chunks)
        return zd_error_set(err, ZD_EINVAL, "need 1..%d dimensions with shape and chunks",
                            ZD_MAX_DIMS);
    for (int i = 0; s->shards && i < s->ndim; i++)
        if (s->chunks[i] == 0 || s->shards[i] % s->chunks[i] != 0)
            return zd_error_set(err, ZD_EINVAL,
                                "shard shape must be a multiple of the chunk shape (dim %d)", i);
    zd_meta *m = NULL;
    int rc = zd_meta_new_array(s->ndim, s->shape, s->shards ? s->shards : s->chunks, dt, &m, err);
    if (rc < 0) return rc;
    cJSON *codecs = NULL;
    rc = simple_codecs(s, &codecs, err);
    if (rc == 0 && s->shards && !(codecs = sharding_codecs(s, codecs)))
        rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (rc == 0) rc = zd_meta_set_codecs(m, codecs, err);
    cJSON_Delete(codecs);
    if (rc == 0 && s->fill_json) {
        cJSON *f = cJSON_Parse(s->fill_json);
        rc = f ? zd_meta_set_fill_json(m, f, err)
               : zd_error_set(err, ZD_EINVAL, "fill value '%s' is not JSON", s->fill_json);
        cJSON_Delete(f);
    }
    if (rc < 0) {
        zd_meta_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int zc_array_create(zc_client *c, const char *path, const zc_array_spec *spec, zc_array **out)
{
    zd_error err = {0};
    zd_meta *meta = NULL;
    *out = NULL;
    int rc = meta_from_spec(spec, &meta, &err);
    if (rc == 0) rc = create_from_meta(c, path, meta, out, &err);
    return zc_report(rc, &err);
}

int zc_array_open(zc_client *c, const char *path, zc_array **out)
{
    zd_error err = {0};
    *out = NULL;
    zc_array *a = calloc(1, sizeof *a);
    if (!a) return zc_report(ZD_ENOMEM, NULL);
    a->client = c;
    int rc = set_path(a, path, &err);
    void *text = NULL;
    size_t len = 0;
    if (rc == 0) {
        char key[ZD_MAX_KEY + 16];
        meta_key(a->path, key, sizeof key);
        rc = zc_get(c, key, &text, &len);
        if (rc < 0) zd_error_set(&err, rc, "%s", zc_errmsg());
    }
    if (rc == 0) rc = zd_meta_parse(text, len, &a->meta, &err);
    if (rc == 0) rc = setup(a, &err);
    zc_free(text);
    if (rc < 0)
        array_free(a);
    else
        *out = a;
    return zc_report(rc, &err);
}

void zc_array_close(zc_array *a)
{
    array_free(a);
}

int zc_group_create(zc_client *c, const char *path, const char *attributes_json)
{
    zd_error err = {0};
    zd_meta *m = NULL;
    int rc = zd_meta_new_group(&m);
    if (rc == 0 && attributes_json) {
        cJSON *attrs = cJSON_Parse(attributes_json);
        if (!cJSON_IsObject(attrs)) {
            cJSON_Delete(attrs);
            rc = zd_error_set(&err, ZD_EINVAL, "group attributes must be a JSON object");
        } else {
            m->attributes = attrs;
        }
    }
    zd_buf text = {0};
    if (rc == 0 && (rc = zd_meta_write(m, &text)) < 0) zd_error_set(&err, rc, "out of memory");
    char key[ZD_MAX_KEY + 16];
    size_t n = strlen(path);
    if (rc == 0 && n > ZD_MAX_KEY) rc = zd_error_set(&err, ZD_EINVAL, "group path too long");
    if (rc == 0) {
        while (n > 0 && path[n - 1] == '/')
            n--;
        snprintf(key, sizeof key, "%.*s%szarr.json", (int)n, path, n ? "/" : "");
        rc = zc_put(c, key, text.data, text.len);
        if (rc < 0) zd_error_set(&err, rc, "%s", zc_errmsg());
    }
    zd_buf_free(&text);
    zd_meta_free(m);
    return zc_report(rc, &err);
}

int zc_array_ndim(const zc_array *a)
{
    return a->grid.ndim;
}

const uint64_t *zc_array_shape(const zc_array *a)
{
    return a->grid.shape;
}

const uint64_t *zc_array_chunk_shape(const zc_array *a)
{
    return a->grid.chunk_shape;
}

size_t zc_array_elem_size(const zc_array *a)
{
    return a->elem_size;
}

const char *zc_array_dtype(const zc_array *a)
{
    return zd_dtype_name(a->spec.dtype);
}

int zc_array_metadata(const zc_array *a, char **json)
{
    zd_buf text = {0};
    *json = NULL;
    if (zd_meta_write(a->meta, &text) < 0 || zd_buf_append(&text, "", 1) < 0) {
        zd_buf_free(&text);
        return zc_report(ZD_ENOMEM, NULL);
    }
    *json = (char *)zd_buf_steal(&text, NULL);
    return zc_report(0, NULL);
}

int zc_array_chunk_key(const zc_array *a, const uint64_t *coords, char *out, zd_error *err)
{
    char ck[ZD_CHUNK_KEY_MAX];
    int rc = zd_key_encode(&a->meta->key_encoding, a->grid.ndim, coords, ck, sizeof ck, NULL);
    if (rc < 0) return zd_error_set(err, rc, "cannot encode a chunk key");
    int n = snprintf(out, ZD_MAX_KEY + 1, "%s%s%s", a->path, a->path[0] ? "/" : "", ck);
    if (n < 0 || n > ZD_MAX_KEY)
        return zd_error_set(err, ZD_EOVERFLOW, "chunk key longer than %d bytes", ZD_MAX_KEY);
    return 0;
}

void *zc_decode_target(const zd_selection *sel, const zd_chunk_part *part, size_t elem_size,
                       size_t bytes, void *out, zd_buf *scratch, bool *direct)
{
    size_t off;
    *direct = zd_part_is_dense_run(sel, part, elem_size, &off);
    if (*direct) return (uint8_t *)out + off;
    return zd_buf_reserve(scratch, bytes) < 0 ? NULL : scratch->data;
}

int zc_array_pool(zc_array *a, zc_pool **out, zd_error *err)
{
    zc_client *c = a->client;
    int rc = 0;
    pthread_mutex_lock(&c->pool_lock);
    if (!c->pool) {
        int n = c->opts.max_workers;
        if (n <= 0) {
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            n = cores > 0 ? (int)cores : 1;
        }
        rc = zc_pool_new(&c->cfg, n > 1024 ? 1024 : n, &c->pool, err);
    }
    *out = c->pool;
    pthread_mutex_unlock(&c->pool_lock);
    return rc;
}

/* Selection of the block start/shape/step (step may be NULL) and the coordinates of the
 * chunks it touches, ndim values per chunk (malloc'd, *n chunks). */
static int plan(const zc_array *a, const uint64_t *start, const uint64_t *shape,
                const uint64_t *step, zd_selection *sel, uint64_t **coords, size_t *n,
                zd_error *err)
{
    int nd = a->grid.ndim;
    zd_slice sl[ZD_MAX_DIMS];
    *coords = NULL;
    *n = 0;
    for (int d = 0; d < nd; d++) {
        uint64_t st = step ? step[d] : 1, span, stop;
        if (st == 0) return zd_error_set(err, ZD_EINVAL, "step 0 in dimension %d", d);
        if (shape[d] == 0) {
            stop = start[d];
        } else if (!zd_mul_u64(shape[d] - 1, st, &span) || !zd_add_u64(start[d], span, &stop) ||
                   !zd_add_u64(stop, 1, &stop)) {
            return zd_error_set(err, ZD_ERANGE, "region overflows in dimension %d", d);
        }
        sl[d] = (zd_slice){start[d], stop, st};
    }
    int rc = zd_selection_init(sel, &a->grid, sl, err);
    uint64_t count = 0;
    if (rc == 0 && (rc = zd_selection_count_chunks(sel, &count)) < 0)
        zd_error_set(err, rc, "too many chunks");
    if (rc < 0) return rc;
    size_t bytes;
    if (count > SIZE_MAX || !zd_mul_size((size_t)count, (size_t)(nd ? nd : 1) * 8, &bytes))
        return zd_error_set(err, ZD_EOVERFLOW, "too many chunks");
    uint64_t *c = malloc(bytes ? bytes : 1);
    if (!c) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    zd_chunk_iter it;
    zd_chunk_part part;
    size_t i = 0;
    zd_chunk_iter_init(&it, sel);
    while (i < count && zd_chunk_iter_next(&it, &part))
        memcpy(c + (i++) * (size_t)nd, part.coords, (size_t)nd * sizeof(uint64_t));
    *coords = c;
    *n = i;
    return 0;
}

typedef struct chunk_job {
    const zc_array *a;
    zd_selection sel;
    const uint64_t *coords;
    size_t n; /* grid chunks in coords */
    const zc_chunk_ops *ops;
    void *arg;
} chunk_job;

/* One worker's claimed batch of chunks, as a pipelined run (zc_pipe.h). */
typedef struct chunk_batch {
    chunk_job *j;
    zc_worker *w;
    size_t first;
    zd_chunk_part part;
    char key[ZD_MAX_KEY + 1];
} chunk_batch;

/* Selection part and key of the batch's chunk k into b->part and b->key; 1 when the chunk
 * holds no selected element (the planner never yields one), else 0 or < 0. */
static int batch_chunk(chunk_batch *b, size_t k, zd_error *err)
{
    const uint64_t *co = b->j->coords + (b->first + k) * (size_t)b->j->a->grid.ndim;
    if (!zd_selection_part(&b->j->sel, co, &b->part)) return 1;
    return zc_array_chunk_key(b->j->a, co, b->key, err);
}

static int batch_prepare(void *arg, size_t k, zc_pipe_rq *rq, zd_error *err)
{
    chunk_batch *b = arg;
    chunk_job *j = b->j;
    int rc = batch_chunk(b, k, err);
    if (rc != 0) return rc < 0 ? rc : ZC_PIPE_ALONE;
    return j->ops->prepare(b->w, j->a, &j->sel, &b->part, b->key, j->arg, rq, err);
}

static int batch_done(void *arg, size_t k, const zc_request *rq, zc_response *rs, zd_error *err)
{
    chunk_batch *b = arg;
    chunk_job *j = b->j;
    int rc = batch_chunk(b, k, err);
    return rc < 0 ? rc : j->ops->done(b->w, j->a, &j->sel, &b->part, b->key, j->arg, rq, rs, err);
}

static int batch_alone(void *arg, size_t k, zd_error *err)
{
    chunk_batch *b = arg;
    chunk_job *j = b->j;
    int rc = batch_chunk(b, k, err);
    if (rc != 0) return rc < 0 ? rc : 0;
    return j->ops->run(b->w, j->a, &j->sel, &b->part, b->key, j->arg, err);
}

static const zc_pipe_ops batch_pipe_ops = {batch_prepare, batch_done, batch_alone};

static int run_batch(zc_worker *w, size_t first, size_t count, void *arg, zd_error *err)
{
    chunk_batch b = {.j = arg, .w = w, .first = first};
    if (b.j->ops->prepare) return zc_pipe_run(&w->pipe, &w->conn, count, &batch_pipe_ops, &b, err);
    int rc = 0;
    for (size_t k = 0; k < count && rc == 0; k++)
        rc = batch_alone(&b, k, err);
    return rc;
}

/* A job of at most ZC_HERE_ITEMS chunks of an unsharded array, ZC_HERE_BYTES decoded bytes in
 * all, runs as one pipelined batch on the calling thread (zc_array_impl.h). A shard's part is
 * not always one request (index, then ranges): several shards keep the workers, which overlap
 * their round trips, unless ops->few takes the whole job. */
static bool runs_here(const zc_array *a, size_t n)
{
    return !a->shard && n > 0 && n <= ZC_HERE_ITEMS && a->chunk_bytes > 0 &&
           a->chunk_bytes <= ZC_HERE_BYTES / n;
}

static int run_few(zc_worker *w, size_t first, size_t count, void *arg, zd_error *err)
{
    (void)first, (void)count;
    chunk_job *j = arg;
    return j->ops->few_run(w, j->a, &j->sel, j->coords, j->n, j->arg, err);
}

int zc_array_each_chunk(zc_array *a, const uint64_t *start, const uint64_t *shape,
                        const uint64_t *step, const zc_chunk_ops *ops, void *arg, zd_error *err)
{
    chunk_job j = {.a = a, .ops = ops, .arg = arg};
    uint64_t *coords = NULL;
    size_t n = 0;
    zc_pool *pool = NULL;
    int rc = plan(a, start, shape, step, &j.sel, &coords, &n, err);
    if (rc == 0) rc = zc_array_pool(a, &pool, err);
    j.coords = coords;
    j.n = n;
    if (rc == 0 && ops->few && ops->few(a, &j.sel, coords, n))
        rc = zc_pool_run_here(pool, 1, run_few, &j, err);
    else if (rc == 0 && runs_here(a, n))
        rc = zc_pool_run_here(pool, n, run_batch, &j, err);
    else if (rc == 0)
        rc = zc_pool_run_batches(pool, n, run_batch, &j, err);
    free(coords);
    return rc;
}
