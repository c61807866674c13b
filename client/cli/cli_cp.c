/* cli_cp.c: zarrd-cli cp — copy a Zarr v3 hierarchy between a local directory and the server,
 * either way. The server side is written with a leading ':' (":data/my.zarr"; ":" alone is the
 * URL's root). Every regular file below the source becomes one key (or the reverse); files are
 * copied by a few threads sharing the client, with a progress bar on stderr when it is a
 * terminal. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CP_THREADS 8

typedef struct cp_job {
    zc_client *c;
    int upload; /* local → server */
    const char *src, *dst;
    char **names; /* relative paths */
    size_t n;
    size_t next, done;
    uint64_t bytes;
    int failed;
    int progress; /* draw the bar */
    pthread_mutex_t lock;
} cp_job;

static int add_name(cp_job *j, size_t *cap, const char *name)
{
    if (j->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **p = realloc(j->names, nc * sizeof *p);
        if (!p) return -1;
        j->names = p;
        *cap = nc;
    }
    if (!(j->names[j->n] = strdup(name))) return -1;
    j->n++;
    return 0;
}

/* out = a + sep + b (sep omitted when a or b is empty); -1 when it does not fit. */
static int join(char *out, size_t cap, const char *a, const char *sep, const char *b)
{
    int n = snprintf(out, cap, "%s%s%s", a, a[0] && b[0] ? sep : "", b);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Collect the regular files below root/rel. */
static int walk(cp_job *j, size_t *cap, const char *root, const char *rel)
{
    char path[PATH_MAX];
    if (join(path, sizeof path, root, "/", rel) < 0) return -1;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[PATH_MAX], full[PATH_MAX];
        struct stat st;
        if (join(sub, sizeof sub, rel, "/", e->d_name) < 0 ||
            join(full, sizeof full, root, "/", sub) < 0 || stat(full, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(j, cap, root, sub);
        else if (S_ISREG(st.st_mode) && add_name(j, cap, sub) < 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

static int mkdirs_for(const char *file)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", file);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return 0;
}

/* key's value into the file at path, streamed into a new file beside it that replaces it only
 * once the whole value is there: a failed copy leaves no part of a value behind, nor harms a
 * file that was there. 0 or -1 (message printed). */
static int download(zc_client *c, const char *key, const char *path, uint64_t *bytes)
{
    static atomic_uint serial;
    char part[PATH_MAX];
    if (snprintf(part, sizeof part, "%s.zarrd-cli-%ld-%u", path, (long)getpid(),
                 atomic_fetch_add(&serial, 1)) >= (int)sizeof part) {
        fprintf(stderr, "zarrd-cli: path too long: %s\n", path);
        return -1;
    }
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    int fd = open(part, flags, 0666); /* its directory is made only when missing */
    if (fd < 0 && errno == ENOENT && mkdirs_for(path) == 0) fd = open(part, flags, 0666);
    if (fd < 0) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int st = cli_get_to_fd(c, key, fd, path, bytes);
    if (close(fd) != 0 && st == CLI_OK) {
        fprintf(stderr, "zarrd-cli: writing %s: %s\n", path, strerror(errno));
        st = CLI_FAIL;
    }
    if (st == CLI_OK && rename(part, path) != 0) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", path, strerror(errno));
        st = CLI_FAIL;
    }
    if (st != CLI_OK) unlink(part);
    return st == CLI_OK ? 0 : -1;
}

static int copy_one(cp_job *j, const char *name, uint64_t *bytes)
{
    char key[PATH_MAX], path[PATH_MAX];
    if (join(path, sizeof path, j->upload ? j->src : j->dst, "/", name) < 0 ||
        join(key, sizeof key, j->upload ? j->dst : j->src, "/", name) < 0) {
        fprintf(stderr, "zarrd-cli: path too long: %s\n", name);
        return -1;
    }
    if (j->upload) return cli_put_path(j->c, key, path, bytes) == CLI_OK ? 0 : -1;
    return download(j->c, key, path, bytes);
}

static void draw(const cp_job *j)
{
    int width = 30, filled = j->n ? (int)(j->done * (size_t)width / j->n) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu files, %.1f MiB", filled, "##############################",
            width - filled, "", j->done, j->n, (double)j->bytes / (1024.0 * 1024.0));
}

static void *copier(void *arg)
{
    cp_job *j = arg;
    pthread_mutex_lock(&j->lock);
    while (j->next < j->n && !j->failed) {
        const char *name = j->names[j->next++];
        pthread_mutex_unlock(&j->lock);
        uint64_t bytes = 0;
        int rc = copy_one(j, name, &bytes);
        pthread_mutex_lock(&j->lock);
        j->done++;
        j->bytes += bytes;
        if (rc < 0) j->failed = 1;
        if (j->progress) draw(j);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static int list_remote(cp_job *j, size_t *cap)
{
    zc_entry *e;
    size_t n;
    int rc = zc_list(j->c, j->src, 1, &e, &n);
    if (rc < 0) return cli_report(rc, j->src[0] ? j->src : "/") == CLI_OK ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!e[i].is_dir && add_name(j, cap, e[i].name) < 0) rc = -1;
    zc_entries_free(e, n);
    return rc;
}

static int run_cp(zc_client *c, const cli_args *a)
{
    const char *src = a->pos[0], *dst = a->pos[1];
    int src_remote = src[0] == ':', dst_remote = dst[0] == ':';
    if (src_remote == dst_remote)
        return cli_usage_error("cp needs exactly one server path, written :PATH");
    cp_job j = {.c = c, .upload = dst_remote, .progress = isatty(2)};
    j.src = src_remote ? src + 1 : src;
    j.dst = dst_remote ? dst + 1 : dst;
    pthread_mutex_init(&j.lock, NULL);
    size_t cap = 0;
    int rc = j.upload ? walk(&j, &cap, j.src, "") : list_remote(&j, &cap);
    if (rc == 0 && !j.upload && mkdir(j.dst, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", j.dst, strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        pthread_t t[CP_THREADS];
        int nt = 0;
        while (nt < CP_THREADS && pthread_create(&t[nt], NULL, copier, &j) == 0)
            nt++;
        if (nt == 0) copier(&j);
        for (int i = 0; i < nt; i++)
            pthread_join(t[i], NULL);
        if (j.progress) fputc('\n', stderr);
        rc = j.failed ? -1 : 0;
    }
    for (size_t i = 0; i < j.n; i++)
        free(j.names[i]);
    free(j.names);
    pthread_mutex_destroy(&j.lock);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

static const char *const no_names[] = {NULL};

const cli_command cli_cp = {
    "cp",
    "SRC DST",
    "Copy a Zarr hierarchy between a local directory and the server, either way; the\n"
    "server side is written :PATH (relative to the URL; ':' = its root). Example:\n"
    "  zarrd-cli http://127.0.0.1:8080 cp ./image.zarr :images/image.zarr\n"
    "A progress bar is drawn on stderr when it is a terminal.\n",
    no_names,
    no_names,
    2,
    2,
    run_cp};
