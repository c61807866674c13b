/* zt_server.h: run a real zarrd for a test. zt_server_start() launches the zarrd built by meson
 * (path compiled in as ZT_ZARRD_PATH) on 127.0.0.1:0 with a fresh temporary --root, waits for
 * its `listening on http://HOST:PORT` line and records the address; zt_server_stop() sends
 * SIGTERM, reaps it and removes the temporary directory. The store comes from the options or
 * the environment variable ZT_STORE (fs or memory; default fs), so meson runs each integration
 * test executable once per store; ZT_FSYNC (none, batch, always) adds --fsync, so meson can run
 * the write tests once more with their commits on the I/O threads and the group commit. */
#ifndef ZT_SERVER_H
#define ZT_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "zd_buf.h"

typedef struct zt_server {
    pid_t pid;
    char host[64];
    int port;
    int s3_port; /* from "s3 listening on http://HOST:PORT" (--s3-listen), or 0 */
    char store[16];
    char dir[PATH_MAX];    /* temporary directory: root/ plus the server's logs */
    char root[PATH_MAX];   /* the server's --root: dir/root, or the caller's (opts.root) */
    char outlog[PATH_MAX]; /* the server's stdout */
    char errlog[PATH_MAX]; /* the server's stderr */
} zt_server;

typedef struct zt_server_opts {
    const char *store;             /* "fs" or "memory"; NULL: $ZT_STORE, else "fs" */
    const char *const *extra_args; /* more zarrd arguments, NULL-terminated; may be NULL */
    const char *root;              /* an existing --root the caller owns (kept at stop, e.g. for
                                      a restart); NULL: a fresh dir/root */
} zt_server_opts;

/* The zarrd executable under test. */
const char *zt_zarrd_path(void);

/* The store the test run is for: $ZT_STORE or "fs". */
const char *zt_store(void);

/* Start zarrd (opts may be NULL) and wait up to 20 s for its address. 0 or a ZD_E* code; on
 * failure the server's stderr is copied to our stderr and nothing is left running. */
int zt_server_start(zt_server *s, const zt_server_opts *opts);

/* Send a signal to the running server. */
int zt_server_signal(const zt_server *s, int sig);

/* Wait up to timeout_ms for the server to exit; *wstatus gets its wait status. 0, or ZD_EIO
 * after SIGKILL when it did not exit in time (the server is reaped either way). */
int zt_server_wait(zt_server *s, int timeout_ms, int *wstatus);

/* SIGTERM, wait up to 20 s (then SIGKILL), remove the temporary directory. *wstatus (may be
 * NULL) gets the wait status. 0 when the server exited with status 0. After zt_server_wait
 * (a server killed on purpose) it only removes the directory: call it before the struct is
 * started again, or the directory is left behind. */
int zt_server_stop(zt_server *s, int *wstatus);

/* Run zarrd with args (NULL-terminated, not counting argv[0]) to completion, capturing stdout
 * and stderr (either may be NULL); for the command-line tests. 0 or a ZD_E* code. */
int zt_zarrd_run(const char *const *args, int *wstatus, zd_buf *out, zd_buf *err);

#endif
