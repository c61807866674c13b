/* create_floor.c: the local floor under fresh-key writes on the fs store. zarrd's PUT of a new
 * key is, at the file system, "create a temp file, write the value, rename it over the key";
 * this program does exactly that for N keys in one directory, with no network and no server,
 * so `zarrd-bench matrix`'s unsharded e2e writes can be compared with what the file system
 * itself allows. It times three ways of writing the same N values, alternating them, over
 * several rounds (a fresh directory each time):
 *
 *   temp+rename   openat(O_CREAT|O_EXCL) a temp name, pwrite, renameat over the key
 *                 (zarrd's PUT, --fsync none)
 *   create        openat(O_CREAT|O_TRUNC) the key itself, pwrite (no atomic replace; what a
 *                 local Zarr store such as zarrita's writes)
 *   +mtime        temp+rename plus the futimens + fstat zarrd makes for its ETag rule
 *   tmpfile+link  open(O_TMPFILE) an unnamed file in a staging directory beside DIR, pwrite,
 *                 linkat it at the key (zarrd's PUT of a new key since O_TMPFILE: one
 *                 directory change per key instead of three, --fsync none)
 *
 * each with T threads splitting the keys (zarrd runs one loop per core). Prints per-variant
 * median / min / max ms over the rounds and µs per key. A program, not a test: numbers are
 * reported, never asserted.
 *
 *   create_floor DIR [--keys N] [--size BYTES] [--threads T] [--rounds R]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { V_TEMP_RENAME, V_CREATE, V_MTIME, V_TMPFILE, V_COUNT };
static const char *const variant_name[V_COUNT] = {"temp+rename", "create", "temp+rename+mtime",
                                                  "tmpfile+link"};

typedef struct job {
    int dirfd;
    int stagefd; /* V_TMPFILE's staging directory */
    int variant;
    unsigned first, step, keys;
    const uint8_t *value;
    size_t size;
    int err; /* errno of the first failure */
} job;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    off_t off = 0;
    while (n > 0) {
        ssize_t k = pwrite(fd, p, n, off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        off += k;
        n -= (size_t)k;
    }
    return 0;
}

static int one_key(const job *j, unsigned k)
{
    char key[32], tmp[48];
    snprintf(key, sizeof key, "%u", k); /* like an unsharded 1-D array's chunk keys */
    if (j->variant == V_CREATE) {
        int fd = openat(j->dirfd, key, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        int rc = write_all(fd, j->value, j->size);
        close(fd);
        return rc;
    }
    if (j->variant == V_TMPFILE) {
        int fd = openat(j->stagefd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        char self[40];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        int rc = write_all(fd, j->value, j->size);
        if (rc == 0) rc = linkat(AT_FDCWD, self, j->dirfd, key, AT_SYMLINK_FOLLOW);
        close(fd);
        return rc;
    }
    snprintf(tmp, sizeof tmp, ".zarrd-tmp-%x-%x", (unsigned)getpid(), k);
    int fd = openat(j->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int rc = write_all(fd, j->value, j->size);
    if (rc == 0 && j->variant == V_MTIME) {
        struct stat st;
        struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_NOW}};
        rc = futimens(fd, ts) || fstat(fd, &st) ? -1 : 0;
    }
    if (rc == 0) rc = renameat(j->dirfd, tmp, j->dirfd, key);
    close(fd);
    return rc;
}

static void *run_job(void *arg)
{
    job *j = arg;
    for (unsigned k = j->first; k < j->keys && !j->err; k += j->step)
        if (one_key(j, k) != 0) j->err = errno ? errno : EIO;
    return NULL;
}

static int remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Write every key once with `variant` in a fresh directory under base; ms or < 0. */
static double run_round(const char *base, int variant, unsigned keys, unsigned threads,
                        const uint8_t *value, size_t size)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/floor-%d", base, variant);
    remove_tree(dir);
    if (mkdir(dir, 0755) != 0) return -1;
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return -1;
    char stage[4200];
    snprintf(stage, sizeof stage, "%s/stage", base);
    if (mkdir(stage, 0700) != 0 && errno != EEXIST) return -1;
    int stagefd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (stagefd < 0) return -1;
    job jobs[64];
    pthread_t tids[64];
    uint64_t t0 = now_ns();
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (job){.dirfd = dirfd,
                        .stagefd = stagefd,
                        .variant = variant,
                        .first = t,
                        .step = threads,
                        .keys = keys,
                        .value = value,
                        .size = size};
        pthread_create(&tids[t], NULL, run_job, &jobs[t]);
    }
    int err = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        if (jobs[t].err) err = jobs[t].err;
    }
    uint64_t t1 = now_ns();
    close(dirfd);
    close(stagefd);
    remove_tree(dir);
    if (err) {
        fprintf(stderr, "create_floor: %s: %s\n", variant_name[variant], strerror(err));
        return -1;
    }
    return (double)(t1 - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return false;
    *out = (unsigned)v;
    return true;
}

int main(int argc, char **argv)
{
    unsigned keys = 1000, size = 1000, threads = 2, rounds = 5;
    const char *base = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (strcmp(a, "--keys") == 0 && i + 1 < argc)
            ok = parse_uint(argv[++i], 1, 10000000, &keys);
        else if (strcmp(a, "--size") == 0 && i + 1 < argc)
            ok = parse_uint(argv[++i], 0, 64u << 20, &size);
        else if (strcmp(a, "--threads") == 0 && i + 1 < argc)
            ok = parse_uint(argv[++i], 1, 64, &threads);
        else if (strcmp(a, "--rounds") == 0 && i + 1 < argc)
            ok = parse_uint(argv[++i], 1, 1000, &rounds);
        else if (a[0] != '-' && !base)
            base = a;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "usage: create_floor DIR [--keys N] [--size BYTES] [--threads T] "
                            "[--rounds R]\n");
            return 2;
        }
    }
    if (!base) {
        fprintf(stderr, "usage: create_floor DIR [--keys N] [--size BYTES] [--threads T] "
                        "[--rounds R]\n");
        return 2;
    }
    uint8_t *value = malloc(size ? size : 1);
    double *ms = calloc((size_t)rounds * V_COUNT, sizeof *ms);
    if (!value || !ms) return 1;
    memset(value, 1, size); /* the e2e write case stores chunks of ones */
    for (unsigned r = 0; r < rounds; r++)
        for (int v = 0; v < V_COUNT; v++) /* alternating, so load bursts hit all alike */
            if ((ms[v * rounds + r] = run_round(base, v, keys, threads, value, size)) < 0) return 1;
    printf("create_floor: %u keys of %u bytes in one directory, %u threads, %u rounds (%s)\n", keys,
           size, threads, rounds, base);
    printf("%-20s %10s %10s %10s %10s\n", "variant", "median_ms", "min_ms", "max_ms", "us/key");
    for (int v = 0; v < V_COUNT; v++) {
        double *x = ms + v * rounds;
        qsort(x, rounds, sizeof *x, cmp_double);
        double med = rounds % 2 ? x[rounds / 2] : (x[rounds / 2 - 1] + x[rounds / 2]) / 2;
        printf("%-20s %10.3f %10.3f %10.3f %10.2f\n", variant_name[v], med, x[0], x[rounds - 1],
               med * 1000.0 / keys);
    }
    free(value);
    free(ms);
    return 0;
}
