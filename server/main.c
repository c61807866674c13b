/* main.c: zarrd entry point.
 *
 * Architecture, by layer: --threads event loops (http/worker.c), each a uv_loop on its own
 * thread with its own SO_REUSEPORT listening socket, like nginx workers; a connection lives on
 * one loop for its whole life (http/conn.c: llhttp, keep-alive, pipelining, timeouts),
 * requests are routed (http/router.c) to the front-ends' handlers (api/), which talk to the
 * store (keyspace/store.h: fs or memory; the fs store's files are reached only through the key
 * space, keyspace/ks_root.h) and to the shard backend (shard/shard_backend.h: the file engine
 * or copy-on-write values), and build responses (http/response.c) that stream large bodies in
 * bounded pieces.
 *
 * This file builds the services every worker shares (wk_shared): the store, then the shard
 * backend over it (opening the file engine replays its journal, so before the first
 * connection is accepted: a plain GET after a crash never sees a half-applied shard patch);
 * they are closed in the reverse order after the workers are joined. The main thread only
 * binds, starts the workers and waits for SIGTERM/SIGINT, then drains: workers stop
 * accepting, finish in-flight requests, and the process exits 0. */
#include "access_log.h"
#include "auth.h"
#include "io_pool.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "router.h"
#include "s3.h"
#include "shard_backend.h"
#include "store.h"
#include "worker.h"
#include "zd_error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static wk_worker *zs_workers;
static int zs_nworkers;
static uv_signal_t zs_sigterm, zs_sigint, zs_sighup;
static s3_service *zs_s3;

static void zs_on_signal(uv_signal_t *s, int signum)
{
    (void)s;
    lg_log(LG_INFO, "signal %d: draining", signum);
    for (int i = 0; i < zs_nworkers; i++)
        wk_stop(&zs_workers[i]);
    if (zs_s3) s3_sweep_stop(zs_s3);
    uv_close((uv_handle_t *)&zs_sigterm, NULL);
    uv_close((uv_handle_t *)&zs_sigint, NULL);
    uv_close((uv_handle_t *)&zs_sighup, NULL);
}

static void zs_on_sighup(uv_signal_t *s, int signum)
{
    (void)s;
    (void)signum;
    if (al_reopen()) lg_log(LG_ERROR, "SIGHUP: cannot reopen the access log: %s", strerror(errno));
}

/* The store; ZARRD_RESOLVE=walk makes the fs store resolve keys by the O_NOFOLLOW segment
 * walk even where openat2 exists (the path kernels without openat2 take), ZARRD_TMPFILE=off
 * name every temp file (as file systems without O_TMPFILE need) and ZARRD_TMPFILE=proc link
 * new files through /proc/self/fd (as an unprivileged process does); tests use them. */
static int zs_open_store(const opt_config *cfg, st_store **store)
{
    zd_error err = {0};
    const char *resolve = getenv("ZARRD_RESOLVE"), *tmpfile = getenv("ZARRD_TMPFILE");
    ks_opts ko = {.fsync = cfg->fsync,
                  .walk = resolve && strcmp(resolve, "walk") == 0,
                  .tmpfile = !tmpfile                       ? KS_TMPFILE_AUTO
                             : strcmp(tmpfile, "off") == 0  ? KS_TMPFILE_OFF
                             : strcmp(tmpfile, "proc") == 0 ? KS_TMPFILE_PROC
                                                            : KS_TMPFILE_AUTO};
    int rc = cfg->store == OPT_STORE_FS ? st_fs_create(cfg->root, &ko, store, &err)
                                        : st_mem_create(store);
    if (rc)
        fprintf(stderr, "zarrd: cannot open the %s store: %s\n",
                cfg->store == OPT_STORE_FS ? "fs" : "memory",
                err.msg[0] ? err.msg : zd_strerror(rc));
    return rc;
}

/* The shard backend over the store (the fs store's journal is replayed here). */
static int zs_open_shards(const opt_config *cfg, st_store *store, sh_backend *shards)
{
    zd_error err = {0};
    sh_engine_opts opts = {.fsync = cfg->fsync,
                           .max_index_bytes = cfg->max_shard_index,
                           .index_memory = cfg->shard_index_memory};
    int rc = sh_backend_open(store, &opts, shards, &err);
    if (rc) fprintf(stderr, "zarrd: cannot start the shard engine at %s: %s\n", cfg->root, err.msg);
    return rc;
}

int main(int argc, char **argv)
{
    opt_config cfg;
    switch (opt_parse(argc, argv, &cfg)) {
    case OPT_EXIT_OK:
        return 0;
    case OPT_EXIT_USAGE:
        return 2;
    default:
        break;
    }
    signal(SIGPIPE, SIG_IGN);
    iop_init(cfg.io_threads);

    au_table *auth = NULL;
    if (cfg.token_file) {
        char err[512];
        if (au_load(cfg.token_file, &auth, err, sizeof err)) {
            fprintf(stderr, "zarrd: --token-file: %s\n", err);
            return 2;
        }
    }
    if (cfg.access_log && al_open(cfg.access_log) != 0) {
        fprintf(stderr, "zarrd: --access-log %s: %s\n", cfg.access_log, strerror(errno));
        au_free(auth);
        return 2;
    }
    st_store *store;
    if (zs_open_store(&cfg, &store)) {
        au_free(auth);
        al_close();
        return 1;
    }
    sh_backend shards;
    if (zs_open_shards(&cfg, store, &shards)) {
        store->destroy(store);
        au_free(auth);
        al_close();
        return 1;
    }
    if (cfg.s3) {
        char err[512];
        if (s3_service_open(&cfg, store, &zs_s3, err, sizeof err)) {
            fprintf(stderr, "zarrd: %s\n", err);
            return 2;
        }
    }

    zs_nworkers = cfg.threads;
    zs_workers = calloc((size_t)zs_nworkers, sizeof *zs_workers);
    mt_worker **metrics = calloc((size_t)zs_nworkers, sizeof *metrics);
    if (!zs_workers || !metrics) {
        fprintf(stderr, "zarrd: out of memory\n");
        return 1;
    }
    /* Per worker: the native listener's socket, then the S3 listener's (--s3-listen). */
    int nl = cfg.s3 ? 2 : 1;
    int *fds = calloc((size_t)zs_nworkers * (size_t)nl, sizeof *fds);
    int port = cfg.port, s3_port = cfg.s3_port;
    for (int i = 0; i < zs_nworkers; i++) {
        for (int j = 0; j < nl; j++) {
            const char *host = j ? cfg.s3_host : cfg.host;
            int *p = j ? &s3_port : &port;
            int rc = fds ? wk_bind(host, p, i == 0, &fds[i * nl + j]) : -1;
            if (rc) {
                fprintf(stderr, "zarrd: cannot listen on %s:%d: %s\n", host, *p,
                        rc < 0 ? uv_strerror(rc) : "out of memory");
                return 1;
            }
        }
        metrics[i] = &zs_workers[i].metrics;
    }
    wk_shared shared = {.cfg = &cfg,
                        .store = store,
                        .shards = &shards,
                        .auth = auth,
                        .s3 = zs_s3,
                        .metrics = metrics,
                        .workers = zs_workers,
                        .nworkers = zs_nworkers};
    const cn_frontend *fes[] = {&rt_native, &s3_frontend};

    uv_loop_t *main_loop = uv_default_loop();
    uv_signal_init(main_loop, &zs_sigterm);
    uv_signal_init(main_loop, &zs_sigint);
    uv_signal_start(&zs_sigterm, zs_on_signal, SIGTERM);
    uv_signal_start(&zs_sigint, zs_on_signal, SIGINT);
    uv_signal_init(main_loop, &zs_sighup);
    uv_signal_start(&zs_sighup, zs_on_sighup, SIGHUP);

    for (int i = 0; i < zs_nworkers; i++) {
        int rc = wk_start(&zs_workers[i], &shared, &fds[i * nl], fes, nl);
        if (rc) {
            fprintf(stderr, "zarrd: cannot start worker %d: %s\n", i, uv_strerror(rc));
            return 1;
        }
    }
    bool v6 = strchr(cfg.host, ':') != NULL, s3v6 = strchr(cfg.s3_host, ':') != NULL;
    if (cfg.s3) /* both lines at once: whoever reads the first finds the second too */
        printf("listening on http://%s%s%s:%d\ns3 listening on http://%s%s%s:%d\n", v6 ? "[" : "",
               cfg.host, v6 ? "]" : "", port, s3v6 ? "[" : "", cfg.s3_host, s3v6 ? "]" : "",
               s3_port);
    else
        printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", cfg.host, v6 ? "]" : "", port);
    fflush(stdout);
    if (zs_s3) s3_sweep_start(zs_s3, main_loop);
    lg_log(LG_INFO, "zarrd %s: %d threads, %s store%s%s%s", ZARRD_VERSION, zs_nworkers, store->kind,
           store->files ? " at " : "", store->files ? cfg.root : "",
           !store->files            ? ""
           : ks_walks(store->files) ? ", keys resolved by the O_NOFOLLOW walk"
                                    : ", keys resolved by openat2");

    uv_run(main_loop, UV_RUN_DEFAULT);
    for (int i = 0; i < zs_nworkers; i++)
        wk_join(&zs_workers[i]);
    uv_loop_close(main_loop);
    sh_backend_close(&shards);
    s3_service_close(zs_s3);
    store->destroy(store);
    au_free(auth);
    al_close();
    free(fds);
    free(metrics);
    free(zs_workers);
    lg_log(LG_INFO, "stopped");
    return 0;
}
