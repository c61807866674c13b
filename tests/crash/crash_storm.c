/* crash_storm.c: kill -9 of a real zarrd in the middle of a storm of every kind of write
 * (storm.h), over and over, each kill followed by a restart on the same root (cycling --fsync
 * none, batch, always), and a check of everything the clients were told.
 *
 * A round lets the storm reach a random number of acknowledged writes (progress, not time, so a
 * slow machine still tests something), kills the server at a random moment after that,
 * restarts it and verifies:
 *   - every key and every inner chunk holds exactly its acknowledged state or its in-flight one
 *     (an acknowledged write is never lost; an unacknowledged one is all or nothing: a torn
 *     value, a half-applied PATCH or batch is a violation);
 *   - every shard file passes the checker with every inner chunk an intact payload;
 *   - no temporary file is left anywhere under the root (the restart reclaims them).
 * kill -9 keeps the page cache, so all three fsync modes must pass all of it (power loss is
 * powercut.c). Every round prints its counts; the last line sums them. Exit 0 when nothing was
 * violated, 1 otherwise, 2 for bad arguments.
 * Usage: crash_storm [--rounds N] [--seed S] [--writers W]   (defaults 20, 1, 6)
 * The suite runs 20 rounds; tests/crash/long_crash.sh runs 120. */
#include "storm.h"
#include "zt_tmpdir.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static zt_server server;
static char root[512];

/* Temporary files anywhere under dir: names starting ".zarrd-tmp", and anything inside a
 * staging directory ".zarrd-staging". */
static long count_leftovers(const char *dir, bool in_staging)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    long n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st)) continue;
        bool staging = in_staging || strcmp(de->d_name, ".zarrd-staging") == 0;
        if (S_ISDIR(st.st_mode))
            n += count_leftovers(path, staging);
        else
            n += in_staging || strncmp(de->d_name, ".zarrd-tmp", 10) == 0;
    }
    closedir(d);
    return n;
}

static int start_server(const char *fsync)
{
    const char *args[] = {"--root", root, "--fsync", fsync, "--threads", "2", NULL};
    zt_server_opts opts = {.store = "fs", .extra_args = args};
    return zt_server_start(&server, &opts);
}

static double secs(uint64_t a, uint64_t b)
{
    return (double)(b - a) / 1e9;
}

static void kind_counts(const long *n, char *out, size_t cap)
{
    out[0] = '\0';
    for (int k = 0; k < K_KINDS; k++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s %ld", k ? ", " : "",
                 storm_kind_names[k], n[k]);
}

static int usage(void)
{
    fprintf(stderr, "usage: crash_storm [--rounds N] [--seed S] [--writers W (1..%d)]\n",
            STORM_MAX_WRITERS);
    return 2;
}

int main(int argc, char **argv)
{
    int rounds = 20;
    storm_opts so = {.writers = 6, .seed = 1, .big_size = 2u << 20};
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
            so.seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--writers"))
            so.writers = atoi(argv[++i]);
        else
            return usage();
    }
    if (rounds < 1 || so.writers < 1 || so.writers > STORM_MAX_WRITERS) return usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[400];
    if (zt_tmpdir_create(dir, sizeof dir)) return 1;
    snprintf(root, sizeof root, "%s/root", dir);
    storm *st = storm_new(&so);
    unsigned seed = so.seed;
    static const char *const modes[] = {"none", "batch", "always"};
    long before[K_KINDS] = {0}, now[K_KINDS], applied = 0, dropped = 0, violations = 0,
         leftovers = 0;
    int failed_rounds = 0;
    for (int round = 1; round <= rounds; round++) {
        const char *mode = modes[(round - 1) % 3];
        uint64_t t0 = storm_now();
        if (start_server(mode)) {
            printf("round %d: zarrd did not start (see its stderr above)\n", round);
            return 1;
        }
        /* the kill comes after a random amount of progress, not of time, so a slow machine
         * still tests something; then a random moment within the next few milliseconds */
        long target = 40 + rand_r(&seed) % 240;
        storm_start(st, &server);
        while (storm_acked(st) < target)
            nanosleep(&(struct timespec){0, 1000000L}, NULL);
        nanosleep(&(struct timespec){0, (long)(rand_r(&seed) % 5000) * 1000L}, NULL);
        zt_server_signal(&server, SIGKILL);
        int wstatus = 0;
        zt_server_wait(&server, 10000, &wstatus);
        storm_stop(st);
        storm_tally tl = {0};
        for (const char *f; (f = storm_take_failure(st)) != NULL; tl.violations++)
            printf("VIOLATION (round %d): %s\n", round, f);
        zt_server_stop(&server, NULL); /* reaped already; removes the server's own temp dir */
        uint64_t t1 = storm_now();
        if (start_server(modes[round % 3])) {
            printf("round %d: zarrd did not restart on the crashed root\n", round);
            return 1;
        }
        char label[32];
        snprintf(label, sizeof label, "round %d", round);
        storm_check(st, &server, root, SV_LIVE, 0, true, label, &tl);
        if (zt_server_stop(&server, NULL)) {
            printf("VIOLATION (round %d): the restarted zarrd did not stop cleanly\n", round);
            tl.violations++;
        }
        long left = count_leftovers(root, false);
        if (left) {
            printf("VIOLATION (round %d): %ld temporary files left under the root\n", round, left);
            tl.violations++;
        }
        uint64_t t2 = storm_now();
        storm_counts(st, now);
        long delta[K_KINDS], sum = 0;
        for (int k = 0; k < K_KINDS; k++) {
            delta[k] = now[k] - before[k];
            sum += delta[k];
            before[k] = now[k];
        }
        char counts[256];
        kind_counts(delta, counts, sizeof counts);
        printf("round %d (--fsync %s): %ld acknowledged writes (%s); in flight at the kill: %ld "
               "applied, %ld not; violations %ld; temp files left %ld (storm %.1f s, restart and "
               "check %.1f s)\n",
               round, mode, sum, counts, tl.applied, tl.dropped, tl.violations, left, secs(t0, t1),
               secs(t1, t2));
        applied += tl.applied;
        dropped += tl.dropped;
        violations += tl.violations;
        leftovers += left;
        failed_rounds += tl.violations > 0;
    }
    long sum = 0;
    char counts[256];
    for (int k = 0; k < K_KINDS; k++)
        sum += now[k];
    kind_counts(now, counts, sizeof counts);
    printf("crash_storm: %d kill -9 rounds, %ld acknowledged writes (%s), %ld lost or torn "
           "(violations), in flight at the kills: %ld applied whole, %ld not at all; temp files "
           "left after restarts: %ld; rounds with violations: %d\n",
           rounds, sum, counts, violations, applied, dropped, leftovers, failed_rounds);
    storm_free(st);
    if (!violations) zt_tmpdir_remove(dir);
    return violations ? 1 : 0;
}
