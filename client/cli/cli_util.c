/* cli_util.c: argument parsing, input/output and error helpers for zarrd-cli (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cli_opt(const cli_args *a, const char *name)
{
    for (int i = 0; i < a->nopt; i++)
        if (strcmp(a->opt_name[i], name) == 0) return a->opt_val[i];
    return NULL;
}

int cli_flag(const cli_args *a, const char *name)
{
    for (int i = 0; i < a->nopt; i++)
        if (strcmp(a->opt_name[i], name) == 0) return 1;
    return 0;
}

int cli_report(int rc, const char *what)
{
    if (rc >= 0) return CLI_OK;
    const char *msg = zc_errmsg();
    fprintf(stderr, "zarrd-cli: %s: %s\n", what, msg[0] ? msg : zc_strerror(rc));
    return CLI_FAIL;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("zarrd-cli: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see --help)\n", stderr);
    return CLI_USAGE;
}

int cli_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int cli_u64_list(const char *s, uint64_t *out, int max, int *n)
{
    *n = 0;
    if (!s || !*s) return -1;
    for (;;) {
        char item[32];
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= sizeof item || *n >= max) return -1;
        memcpy(item, s, len);
        item[len] = '\0';
        if (cli_u64(item, &out[(*n)++]) < 0) return -1;
        if (s[len] == '\0') return 0;
        s += len + 1;
    }
}

/* One "START:STOP[:STEP]" of at most `len` bytes. */
static int region_dim(const char *s, size_t len, uint64_t extent, uint64_t *start, uint64_t *count,
                      uint64_t *step)
{
    char buf[72], *parts[3] = {0};
    if (len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int np = 0;
    char *p = buf;
    parts[np++] = p;
    while ((p = strchr(p, ':')) != NULL && np < 3) {
        *p++ = '\0';
        parts[np++] = p;
    }
    if (np < 2 || (p && strchr(p, ':'))) return -1;
    uint64_t a = 0, b = extent, st = 1;
    if ((*parts[0] && cli_u64(parts[0], &a) < 0) || (*parts[1] && cli_u64(parts[1], &b) < 0) ||
        (np == 3 && (cli_u64(parts[2], &st) < 0 || st == 0)) || a > b || b > extent)
        return -1;
    *start = a;
    *step = st;
    *count = (b - a + st - 1) / st;
    return 0;
}

int cli_region(const char *s, int ndim, const uint64_t *shape, uint64_t *start, uint64_t *count,
               uint64_t *step)
{
    for (int d = 0; d < ndim; d++) {
        start[d] = 0;
        count[d] = shape[d];
        step[d] = 1;
    }
    if (!s) return 0;
    for (int d = 0;; d++) {
        size_t len = strcspn(s, ",");
        if (d >= ndim || region_dim(s, len, shape[d], &start[d], &count[d], &step[d]) < 0) {
            fprintf(stderr,
                    "zarrd-cli: bad region '%s': want START:STOP[:STEP] for each of the %d "
                    "dimensions, inside the shape\n",
                    s, ndim);
            return -1;
        }
        if (s[len] == '\0') {
            if (d + 1 == ndim) return 0;
            fprintf(stderr, "zarrd-cli: region '%s' needs %d dimensions\n", s, ndim);
            return -1;
        }
        s += len + 1;
    }
}

int cli_read_input(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "zarrd-cli: out of memory reading %s\n", path);
            break;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            uint8_t *p = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = p;
            cap *= 2;
        }
    }
    int bad = !buf || ferror(f);
    if (buf && ferror(f)) fprintf(stderr, "zarrd-cli: reading %s: %s\n", path, strerror(errno));
    if (f != stdin) fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

typedef struct fd_in {
    int fd;
    int error; /* errno of the failed read */
} fd_in;

/* zc_put_stream's source: what the descriptor gives, a read at a time. */
static ssize_t read_piece(void *arg, void *buf, size_t cap)
{
    fd_in *in = arg;
    for (;;) {
        ssize_t n = read(in->fd, buf, cap);
        if (n >= 0) return n;
        if (errno != EINTR) {
            in->error = errno;
            return -1;
        }
    }
}

int cli_put_path(zc_client *c, const char *key, const char *path, uint64_t *bytes)
{
    bool std_in = strcmp(path, "-") == 0;
    int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "zarrd-cli: %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    /* a regular file goes from the page cache; stdin redirected from one too, when it has not
     * been read from yet (zc_put_file sends a file from its start) */
    struct stat st;
    int rc;
    fd_in in = {fd, 0};
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (!std_in || lseek(fd, 0, SEEK_CUR) == 0)) {
        rc = zc_put_file(c, key, fd);
        if (bytes) *bytes = (uint64_t)st.st_size;
    } else { /* a pipe or a device: sent as it is read */
        uint64_t taken = 0;
        rc = zc_put_stream(c, key, read_piece, &in, &taken);
        if (bytes) *bytes = taken;
    }
    if (!std_in) close(fd);
    if (in.error) {
        fprintf(stderr, "zarrd-cli: reading %s: %s\n", path, strerror(in.error));
        return CLI_FAIL;
    }
    return cli_report(rc, key);
}

typedef struct fd_out {
    int fd;
    int error; /* errno of the failed write */
} fd_out;

/* zc_get_stream's sink: each piece of the value to the descriptor as it comes. */
static int write_piece(void *arg, const void *data, size_t len)
{
    fd_out *o = arg;
    for (const char *p = data; len > 0;) {
        ssize_t n = write(o->fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            o->error = n < 0 ? errno : EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int cli_get_to_fd(zc_client *c, const char *key, int fd, const char *out_name, uint64_t *bytes)
{
    fd_out o = {fd, 0};
    int rc = zc_get_stream(c, key, write_piece, &o, bytes);
    if (o.error) {
        fprintf(stderr, "zarrd-cli: writing %s: %s\n", out_name, strerror(o.error));
        return CLI_FAIL;
    }
    return cli_report(rc, key);
}

int cli_write_stdout(const void *data, size_t len)
{
    if (len && fwrite(data, 1, len, stdout) != len) {
        fprintf(stderr, "zarrd-cli: writing output: %s\n", strerror(errno));
        return -1;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "zarrd-cli: writing output: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}
