/* zt_server.c: start and stop a real zarrd for tests (see zt_server.h). The child's stdout and
 * stderr go to files in the test's temporary directory, so a chatty server can never block on
 * a full pipe; the address line is found by polling the stdout file. The child gets
 * PR_SET_PDEATHSIG so a crashed test never leaves a server behind. */
#include "zt_server.h"

#include "zt_tmpdir.h"
#include "zd_error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS  20000
#define RUN_TIMEOUT_MS   20000
#define MAX_ARGS         64

const char *zt_zarrd_path(void)
{
    return ZT_ZARRD_PATH;
}

const char *zt_store(void)
{
    const char *s = getenv("ZT_STORE");
    return s && *s ? s : "fs";
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* In the child: die with the test process, keep only fds 0-2, run zarrd. Never returns. */
static void exec_zarrd(pid_t parent, int out_fd, int err_fd, char *const *argv)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(127);
    close_range(3, ~0U, 0);
    execv(argv[0], argv);
    _exit(127);
}

/* Fork and exec zarrd with argv, stdout/stderr to the given fds. Child pid or -1. */
static pid_t spawn(int out_fd, int err_fd, char *const *argv)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) exec_zarrd(parent, out_fd, err_fd, argv);
    return pid;
}

/* Read a whole (small) file into b. */
static int slurp_fd(int fd, zd_buf *b)
{
    char tmp[4096];
    ssize_t n;
    if (lseek(fd, 0, SEEK_SET) < 0) return ZD_EIO;
    while ((n = read(fd, tmp, sizeof tmp)) > 0)
        if (zd_buf_append(b, tmp, (size_t)n)) return ZD_ENOMEM;
    return n < 0 ? ZD_EIO : 0;
}

static void dump_file(const char *what, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    zd_buf b = {0};
    if (slurp_fd(fd, &b) == 0 && b.len)
        fprintf(stderr, "--- zarrd %s ---\n%.*s\n--- end ---\n", what, (int)b.len,
                (const char *)b.data);
    zd_buf_free(&b);
    close(fd);
}

/* Find "listening on http://HOST:PORT\n" in the stdout log; 1 found, 0 not yet. */
static int parse_address(zt_server *s)
{
    int fd = open(s->outlog, O_RDONLY);
    if (fd < 0) return 0;
    zd_buf b = {0};
    int found = 0;
    if (slurp_fd(fd, &b) == 0 && zd_buf_append(&b, "", 1) == 0) {
        const char *p = strstr((const char *)b.data, "listening on http://");
        const char *nl = p ? strchr(p, '\n') : NULL;
        if (nl) {
            p += strlen("listening on http://");
            const char *colon = nl;
            while (colon > p && *colon != ':')
                colon--;
            size_t hlen = (size_t)(colon - p);
            char *end;
            long port = strtol(colon + 1, &end, 10);
            if (*colon == ':' && hlen > 0 && hlen < sizeof s->host && end == nl && port > 0 &&
                port < 65536) {
                memcpy(s->host, p, hlen);
                s->host[hlen] = '\0';
                s->port = (int)port;
                found = 1;
            }
        }
        /* with --s3-listen the S3 line comes in the same write */
        const char *s3 = strstr((const char *)b.data, "s3 listening on http://");
        const char *s3nl = s3 ? strchr(s3, '\n') : NULL;
        const char *s3colon = s3nl ? memrchr(s3, ':', (size_t)(s3nl - s3)) : NULL;
        if (s3colon) s->s3_port = (int)strtol(s3colon + 1, NULL, 10);
    }
    zd_buf_free(&b);
    close(fd);
    return found;
}

static int path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= cap ? ZD_EOVERFLOW : 0;
}

static int prepare_dir(zt_server *s, const char *root)
{
    if (zt_tmpdir_create(s->dir, sizeof s->dir) ||
        path_join(s->outlog, sizeof s->outlog, s->dir, "zarrd.out") ||
        path_join(s->errlog, sizeof s->errlog, s->dir, "zarrd.err"))
        return ZD_EIO;
    if (root) {
        size_t n = strlen(root);
        if (n >= sizeof s->root) return ZD_EOVERFLOW;
        memcpy(s->root, root, n + 1);
        return 0;
    }
    if (path_join(s->root, sizeof s->root, s->dir, "root")) return ZD_EOVERFLOW;
    return mkdir(s->root, 0700) == 0 ? 0 : ZD_EIO;
}

static int launch(zt_server *s, const zt_server_opts *opts)
{
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = (char *)zt_zarrd_path();
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--root";
    argv[n++] = s->root;
    argv[n++] = "--store";
    argv[n++] = s->store;
    const char *fsync = getenv("ZT_FSYNC"); /* a test's own --fsync comes later and wins */
    if (fsync && *fsync) {
        argv[n++] = "--fsync";
        argv[n++] = (char *)fsync;
    }
    for (const char *const *a = opts ? opts->extra_args : NULL; a && *a; a++) {
        if (n + 1 >= MAX_ARGS) return ZD_EOVERFLOW;
        argv[n++] = (char *)*a;
    }
    argv[n] = NULL;

    int out_fd = open(s->outlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err_fd = open(s->errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd >= 0 && err_fd >= 0) s->pid = spawn(out_fd, err_fd, argv);
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    return s->pid > 0 ? 0 : ZD_EIO;
}

int zt_server_start(zt_server *s, const zt_server_opts *opts)
{
    memset(s, 0, sizeof *s);
    const char *store = opts && opts->store ? opts->store : zt_store();
    if (strlen(store) >= sizeof s->store) return ZD_EINVAL;
    strcpy(s->store, store);
    int rc = prepare_dir(s, opts ? opts->root : NULL);
    if (rc == 0) rc = launch(s, opts);
    for (int waited = 0; rc == 0; waited += 5) {
        if (parse_address(s)) return 0;
        int wstatus;
        if (waitpid(s->pid, &wstatus, WNOHANG) == s->pid) {
            fprintf(stderr, "zarrd exited during start-up (wait status %d)\n", wstatus);
            s->pid = 0;
            rc = ZD_EIO;
        } else if (waited >= START_TIMEOUT_MS) {
            fprintf(stderr, "zarrd printed no address within %d ms\n", START_TIMEOUT_MS);
            rc = ZD_EIO;
        } else {
            sleep_ms(5);
        }
    }
    dump_file("stdout", s->outlog);
    dump_file("stderr", s->errlog);
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0]) zt_tmpdir_remove(s->dir);
    return rc;
}

int zt_server_signal(const zt_server *s, int sig)
{
    return s->pid > 0 && kill(s->pid, sig) == 0 ? 0 : ZD_EIO;
}

/* Wait for pid up to timeout_ms, SIGKILL after that. 0 if it exited by itself. */
static int wait_child(pid_t pid, int timeout_ms, int *wstatus)
{
    for (int waited = 0;; waited += 5) {
        pid_t r = waitpid(pid, wstatus, WNOHANG);
        if (r == pid) return 0;
        if (r < 0 && errno != EINTR) return ZD_EIO;
        if (waited >= timeout_ms) break;
        sleep_ms(5);
    }
    kill(pid, SIGKILL);
    waitpid(pid, wstatus, 0);
    return ZD_EIO;
}

int zt_server_wait(zt_server *s, int timeout_ms, int *wstatus)
{
    int st = 0;
    if (s->pid <= 0) return ZD_EINVAL;
    int rc = wait_child(s->pid, timeout_ms, &st);
    s->pid = 0;
    if (wstatus) *wstatus = st;
    if (rc) fprintf(stderr, "zarrd did not exit within %d ms; killed\n", timeout_ms);
    return rc;
}

int zt_server_stop(zt_server *s, int *wstatus)
{
    int st = 0;
    int rc = 0;
    if (s->pid > 0) {
        zt_server_signal(s, SIGTERM);
        rc = zt_server_wait(s, STOP_TIMEOUT_MS, &st);
    }
    if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        fprintf(stderr, "zarrd stopped with wait status %d\n", st);
        rc = ZD_EIO;
    }
    if (rc) dump_file("stderr", s->errlog);
    if (s->dir[0] && zt_tmpdir_remove(s->dir) && rc == 0) rc = ZD_EIO;
    s->dir[0] = '\0';
    if (wstatus) *wstatus = st;
    return rc;
}

int zt_zarrd_run(const char *const *args, int *wstatus, zd_buf *out, zd_buf *err)
{
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = (char *)zt_zarrd_path();
    for (; args && *args; args++) {
        if (n + 1 >= MAX_ARGS) return ZD_EOVERFLOW;
        argv[n++] = (char *)*args;
    }
    argv[n] = NULL;
    int out_fd = memfd_create("zarrd.out", MFD_CLOEXEC);
    int err_fd = memfd_create("zarrd.err", MFD_CLOEXEC);
    int rc = ZD_EIO;
    pid_t pid = out_fd >= 0 && err_fd >= 0 ? spawn(out_fd, err_fd, argv) : -1;
    if (pid > 0 && wait_child(pid, RUN_TIMEOUT_MS, wstatus) == 0) {
        rc = 0;
        if (out) rc = slurp_fd(out_fd, out);
        if (err && rc == 0) rc = slurp_fd(err_fd, err);
    }
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    return rc;
}
