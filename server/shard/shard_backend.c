/* shard_backend.c: picking and opening the shard endpoints' backend (see shard_backend.h). */
#include "shard_backend.h"

#include "shard_budget.h"
#include "shard_mem.h"

#include <stdlib.h>

/* The file engine and the zarr.json cache of one key space. */
typedef struct file_backend {
    st_store *store; /* borrows the engine's journal (st_fs_set_journal) */
    sh_engine *engine;
    sh_meta *meta;
} file_backend;

static int file_layout(void *ctx, const char *key, sh_array_shard *out, zd_error *err)
{
    return sh_meta_lookup(((file_backend *)ctx)->meta, key, out, err);
}

static int file_read(void *ctx, const char *key, const zd_shard_layout *l, const uint64_t *pos,
                     size_t n, zd_buf *out, zd_shard_entry *at, zd_error *err)
{
    return sh_engine_read(((file_backend *)ctx)->engine, key, l, pos, n, out, at, err);
}

static int file_apply(void *ctx, const char *key, const zd_shard_layout *l, const sh_op *ops,
                      size_t n, bool may_block, zd_error *err)
{
    sh_engine *e = ((file_backend *)ctx)->engine;
    return may_block ? sh_engine_apply(e, key, l, ops, n, err)
                     : sh_engine_apply_now(e, key, l, ops, n, err);
}

static int file_journal_write(void *ctx, const char *key, int fd, uint64_t size, const st_patch *p,
                              size_t n, uint64_t new_size, zd_error *err)
{
    return sh_engine_write_plain(ctx, key, fd, size, p, n, new_size, err);
}

static void file_journal_done(void *ctx)
{
    sh_engine_plain_done(ctx);
}

static uint64_t file_trim(void *ctx, uint64_t want)
{
    return sh_engine_trim(((file_backend *)ctx)->engine, want);
}

static void file_close(void *ctx)
{
    file_backend *fb = ctx;
    st_fs_set_journal(fb->store, NULL);
    sh_meta_free(fb->meta);
    sh_engine_close(fb->engine);
    free(fb);
}

int sh_backend_open(st_store *store, const sh_engine_opts *opts, sh_backend *out, zd_error *err)
{
    uint64_t max_index = opts ? opts->max_index_bytes : 0;
    sh_budget_set_limit(opts ? opts->index_memory : 0);
    if (!store->files) {
        sh_mem_backend(store, out);
        out->max_index_bytes = max_index;
        return 0;
    }
    file_backend *fb = calloc(1, sizeof *fb);
    if (!fb) return zd_error_set(err, ZD_ENOMEM, "no memory for the shard engine");
    int rc = sh_engine_open(&fb->engine, store->files, store->keys, opts, err);
    if (rc == 0 && (rc = sh_meta_new(&fb->meta, store->files)) != 0) {
        zd_error_set(err, rc, "no memory for the zarr.json cache");
        sh_engine_close(fb->engine);
    }
    if (rc) {
        free(fb);
        return rc;
    }
    st_fs_set_journal(
        store,
        &(st_journal){.ctx = fb->engine, .write = file_journal_write, .done = file_journal_done});
    fb->store = store;
    *out = (sh_backend){.ctx = fb,
                        .layout = file_layout,
                        .read = file_read,
                        .apply = file_apply,
                        .close = file_close,
                        .trim = file_trim,
                        .max_index_bytes = max_index};
    return 0;
}

void sh_backend_close(sh_backend *b)
{
    if (b->close) b->close(b->ctx);
    *b = (sh_backend){0};
}
