/* test_shard_engine.c: the shard engine on real files: placement (in place, first fit,
 * append), deletes, atomic batches, refusals that leave the shard untouched, compaction,
 * plain-write invalidation, parallel writers of one shard, and kill -9 of a writer process at
 * random moments followed by journal replay. The checker runs after every scenario and a
 * model of the expected chunks is compared with what the engine returns. */
#include <criterion/criterion.h>

#include "shard_check_file.h"
#include "shard_bytes.h"
#include "shard_engine.h"
#include "shard_stats.h"
#include "zt_tmpdir.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char root[96]; /* $TMPDIR/zd-shard-XXXXXX */

static void make_root(void)
{
    cr_assert_eq(zt_tmp_path(root, sizeof root, "zd-shard-XXXXXX"), 0);
    cr_assert_not_null(mkdtemp(root));
}

static void remove_root(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(shard_engine, .init = make_root, .fini = remove_root);

static zd_shard_layout layout3(bool end, bool crc)
{
    zd_shard_layout l;
    uint64_t chunks[3] = {4, 4, 2};
    cr_assert_eq(zd_shard_layout_init(&l, 3, chunks, end, crc, false, NULL), 0);
    return l;
}

/* The key space and key locks the engine under test works on (one of each at a time). */
static ks_root *test_ks;
static kl_table *test_keys;

static int try_open_engine(sh_engine **e, const sh_engine_opts *opts, zd_error *err)
{
    ks_opts ko = {.fsync = opts ? opts->fsync : KS_FSYNC_NONE};
    int rc = ks_root_open(root, &ko, &test_ks, err);
    if (rc == 0 && (rc = kl_table_new(&test_keys)) != 0) ks_root_close(test_ks);
    if (rc == 0 && (rc = sh_engine_open(e, test_ks, test_keys, opts, err)) != 0) {
        kl_table_free(test_keys);
        ks_root_close(test_ks);
    }
    return rc;
}

static sh_engine *open_engine(sh_engine_opts *opts)
{
    sh_engine *e;
    zd_error err = {0};
    cr_assert_eq(try_open_engine(&e, opts, &err), 0, "%s", err.msg);
    return e;
}

static void close_engine(sh_engine *e)
{
    sh_engine_close(e);
    kl_table_free(test_keys);
    ks_root_close(test_ks);
    test_keys = NULL;
    test_ks = NULL;
}

static void path_of(const char *key, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", root, key);
}

static uint64_t file_size(const char *key)
{
    char p[256];
    struct stat st;
    path_of(key, p, sizeof p);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static bool file_exists(const char *key)
{
    char p[256];
    path_of(key, p, sizeof p);
    return access(p, F_OK) == 0;
}

static void check_shard(const char *key, const zd_shard_layout *l, sh_check_report *rep)
{
    char p[256];
    zd_error err = {0};
    path_of(key, p, sizeof p);
    cr_assert_eq(sh_check_file(p, l, NULL, NULL, rep, &err), 0, "%s: %s", key, err.msg);
}

/* Model: expected content of each chunk of a 32-chunk shard (len 0 = empty). */
typedef struct model {
    uint8_t data[32][300];
    size_t len[32];
} model;

static void coords_of(uint64_t pos, uint64_t c[3])
{
    c[0] = pos / 8;
    c[1] = pos / 2 % 4;
    c[2] = pos % 2;
}

/* Whether chunk pos of key reads as model m says; if not, why (into why[cap]). */
static bool chunk_as_model(sh_engine *e, const char *key, const zd_shard_layout *l, const model *m,
                           uint64_t pos, zd_buf *b, char *why, size_t cap)
{
    uint64_t c[3];
    coords_of(pos, c);
    zd_error err = {0};
    int rc = sh_engine_get(e, key, l, c, b, &err);
    if (m->len[pos] == 0 && rc != ZD_ENOTFOUND)
        snprintf(why, cap, "chunk %llu should be empty (%d)", (unsigned long long)pos, rc);
    else if (m->len[pos] != 0 && rc != 0)
        snprintf(why, cap, "chunk %llu: %.200s", (unsigned long long)pos, err.msg);
    else if (m->len[pos] != 0 && (b->len != m->len[pos] || memcmp(b->data, m->data[pos], b->len)))
        snprintf(why, cap, "chunk %llu: %zu bytes other than the %zu expected",
                 (unsigned long long)pos, b->len, m->len[pos]);
    else
        return true;
    return false;
}

/* Whether every chunk of key reads as m says; the first difference in why[cap]. */
static bool reads_as_model(sh_engine *e, const char *key, const zd_shard_layout *l, const model *m,
                           char *why, size_t cap)
{
    zd_buf b = {0};
    bool same = true;
    for (uint64_t pos = 0; pos < 32 && same; pos++)
        same = chunk_as_model(e, key, l, m, pos, &b, why, cap);
    zd_buf_free(&b);
    return same;
}

static void expect_model(sh_engine *e, const char *key, const zd_shard_layout *l, const model *m)
{
    char why[256];
    cr_assert(reads_as_model(e, key, l, m, why, sizeof why), "%s: %s", key, why);
}

static void model_put(sh_engine *e, const char *key, const zd_shard_layout *l, model *m,
                      uint64_t pos, size_t len, uint8_t fill)
{
    uint64_t c[3];
    coords_of(pos, c);
    memset(m->data[pos], fill, len);
    m->len[pos] = len;
    zd_error err = {0};
    cr_assert_eq(sh_engine_put(e, key, l, c, m->data[pos], len, &err), 0, "%s", err.msg);
}

Test(shard_engine, put_get_and_in_place_overwrite)
{
    for (int variant = 0; variant < 4; variant++) {
        zd_shard_layout l = layout3(variant & 1, variant & 2);
        sh_engine *e = open_engine(NULL);
        model m = {0};
        char key[32];
        snprintf(key, sizeof key, "arr/c/%d/0/0", variant);
        model_put(e, key, &l, &m, 5, 100, 'a');
        model_put(e, key, &l, &m, 31, 50, 'b');
        expect_model(e, key, &l, &m);
        uint64_t size = file_size(key);
        if (!(variant & 1))
            cr_assert_eq(size, 150 + zd_shard_index_size(&l)); /* index at start: packed */
        else
            cr_assert_geq(size, 150 + zd_shard_index_size(&l));
        model_put(e, key, &l, &m, 5, 100, 'c'); /* same size: in place */
        cr_assert_eq(file_size(key), size);
        expect_model(e, key, &l, &m);
        sh_check_report rep;
        check_shard(key, &l, &rep);
        cr_assert_eq(rep.live_chunks, 2);
        cr_assert_eq(rep.live_bytes, 150);
        close_engine(e);
        /* a fresh engine reads the same shard from disk */
        e = open_engine(NULL);
        expect_model(e, key, &l, &m);
        close_engine(e);
    }
}

Test(shard_engine, first_fit_reuses_gaps_and_appends_otherwise)
{
    zd_shard_layout l = layout3(false, true); /* index at start: no growth slack */
    sh_engine *e = open_engine(NULL);
    model m = {0};
    const char *key = "s";
    size_t isz = zd_shard_index_size(&l);
    model_put(e, key, &l, &m, 0, 100, 1);
    model_put(e, key, &l, &m, 1, 100, 2);
    model_put(e, key, &l, &m, 2, 100, 3);
    cr_assert_eq(file_size(key), isz + 300);
    uint64_t c1[3];
    coords_of(1, c1);
    cr_assert_eq(sh_engine_delete(e, key, &l, c1, NULL), 0);
    m.len[1] = 0;
    model_put(e, key, &l, &m, 3, 60, 4); /* fits the 100-byte gap */
    cr_assert_eq(file_size(key), isz + 300);
    model_put(e, key, &l, &m, 4, 41, 5); /* 40 left in the gap: append */
    cr_assert_eq(file_size(key), isz + 341);
    model_put(e, key, &l, &m, 0, 120, 6); /* grows: old slot freed, appended */
    cr_assert_eq(file_size(key), isz + 461);
    expect_model(e, key, &l, &m);
    check_shard(key, &l, NULL);
    close_engine(e);
}

Test(shard_engine, deleting_last_chunk_removes_shard)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    uint64_t c[3] = {1, 2, 1};
    cr_assert_eq(sh_engine_put(e, "a/b/c", &l, c, "xyz", 3, NULL), 0);
    cr_assert(file_exists("a/b/c"));
    cr_assert_eq(sh_engine_delete(e, "a/b/c", &l, c, NULL), 0);
    cr_assert_not(file_exists("a/b/c"));
    zd_buf b = {0};
    cr_assert_eq(sh_engine_get(e, "a/b/c", &l, c, &b, NULL), ZD_ENOTFOUND);
    cr_assert_eq(sh_engine_delete(e, "a/b/c", &l, c, NULL), 0); /* idempotent */
    cr_assert_eq(sh_engine_put(e, "a/b/c", &l, c, "q", 1, NULL), 0);
    cr_assert_eq(sh_engine_get(e, "a/b/c", &l, c, &b, NULL), 0);
    cr_assert_eq(b.len, 1);
    zd_buf_free(&b);
    close_engine(e);
}

/* The whole content of the file at path into out. */
static void slurp(const char *path, zd_buf *out)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    uint8_t buf[4096];
    size_t n;
    zd_buf_reset(out);
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        cr_assert_eq(zd_buf_append(out, buf, n), 0);
    fclose(fp);
}

static void read_file(const char *key, zd_buf *out)
{
    char p[256];
    path_of(key, p, sizeof p);
    slurp(p, out);
}

/* Replace the shard file of key by content (temporary file + rename), as a plain PUT does. */
static void replace_file(const char *key, const zd_buf *content)
{
    char p[256], tmp[300];
    path_of(key, p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *fp = fopen(tmp, "wb");
    cr_assert_not_null(fp, "%s", tmp);
    cr_assert_eq(fwrite(content->data, 1, content->len, fp), content->len);
    cr_assert_eq(fclose(fp), 0);
    cr_assert_eq(rename(tmp, p), 0);
}

Test(shard_engine, batch_is_atomic_and_refusals_change_nothing)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    model_put(e, "s", &l, &m, 7, 30, 9);
    zd_buf before = {0}, after = {0};
    read_file("s", &before);

    sh_op ops[3] = {
        {.kind = SH_OP_PUT, .coords = {0, 0, 0}, .data = (const uint8_t *)"aa", .len = 2},
        {.kind = SH_OP_DELETE, .coords = {0, 3, 1}},
        {.kind = SH_OP_PUT, .coords = {0, 4, 0}, .data = (const uint8_t *)"b", .len = 1}};
    zd_error err = {0};
    cr_assert_eq(sh_engine_apply(e, "s", &l, ops, 3, &err), ZD_ERANGE);
    cr_assert_neq(err.msg[0], '\0');
    ops[2].coords[1] = 1;
    ops[2].len = 0;
    cr_assert_eq(sh_engine_apply(e, "s", &l, ops, 3, NULL), ZD_EINVAL);
    read_file("s", &after);
    cr_assert_eq(after.len, before.len);
    cr_assert_eq(memcmp(after.data, before.data, before.len), 0);

    /* the same shard read with a layout of another index size: conflict, untouched */
    zd_shard_layout other;
    uint64_t chunks[2] = {4, 4};
    cr_assert_eq(zd_shard_layout_init(&other, 2, chunks, true, true, false, NULL), 0);
    uint64_t c2[2] = {0, 0};
    cr_assert_eq(sh_engine_put(e, "s", &other, c2, "x", 1, &err), ZD_ECONFLICT);
    /* same index size, crc32c expected but absent: conflict */
    zd_shard_layout nocrc = layout3(true, false);
    uint64_t c3[3] = {0, 0, 0};
    cr_assert_eq(sh_engine_put(e, "s", &nocrc, c3, "x", 1, &err), ZD_ECONFLICT);
    read_file("s", &after);
    cr_assert_eq(after.len, before.len);
    cr_assert_eq(memcmp(after.data, before.data, before.len), 0);

    /* a valid batch applies entirely */
    ops[1].coords[1] = 3;
    ops[2].len = 1;
    cr_assert_eq(sh_engine_apply(e, "s", &l, ops, 3, &err), 0, "%s", err.msg);
    m.len[0] = 2;
    memcpy(m.data[0], "aa", 2);
    m.len[2] = 1;
    m.data[2][0] = 'b';
    m.len[7] = 0; /* (0,3,1) */
    expect_model(e, "s", &l, &m);
    check_shard("s", &l, NULL);
    zd_buf_free(&before);
    zd_buf_free(&after);
    close_engine(e);
}

Test(shard_engine, corrupt_index_is_a_conflict)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    uint64_t c[3] = {0, 0, 0};
    cr_assert_eq(sh_engine_put(e, "s", &l, c, "hello", 5, NULL), 0);
    close_engine(e);
    char p[256];
    path_of("s", p, sizeof p);
    int fd = open(p, O_RDWR);
    cr_assert_eq(pwrite(fd, "\x7f", 1, (off_t)file_size("s") - 1), 1); /* crc byte */
    close(fd);
    e = open_engine(NULL);
    zd_buf b = {0};
    cr_assert_eq(sh_engine_get(e, "s", &l, c, &b, NULL), ZD_ECONFLICT);
    cr_assert_eq(sh_engine_put(e, "s", &l, c, "x", 1, NULL), ZD_ECONFLICT);
    zd_buf_free(&b);
    close_engine(e);
}

Test(shard_engine, compaction_keeps_chunks_and_drops_dead_bytes)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine_opts opts = {.compact_min_dead = 1000, .compact_percent = 50};
    sh_engine *e = open_engine(&opts);
    model m = {0};
    for (int round = 0; round < 20; round++)
        for (uint64_t pos = 0; pos < 32; pos += 3)
            model_put(e, "s", &l, &m, pos, (size_t)(50 + (round * 37 + pos * 11) % 250),
                      (uint8_t)(round + pos));
    expect_model(e, "s", &l, &m);
    sh_check_report rep;
    check_shard("s", &l, &rep);
    /* never more than half dead past the threshold */
    uint64_t dead = rep.size - rep.live_bytes - zd_shard_index_size(&l);
    cr_assert(dead <= 1000 || dead <= rep.size / 2 + 100, "size %llu dead %llu",
              (unsigned long long)rep.size, (unsigned long long)dead);
    close_engine(e);
    e = open_engine(NULL);
    expect_model(e, "s", &l, &m);
    close_engine(e);
}

Test(shard_engine, compaction_happens_past_the_threshold)
{
    zd_shard_layout l = layout3(false, true);
    sh_engine_opts opts = {.compact_min_dead = 1000, .compact_percent = 50};
    sh_engine *e = open_engine(&opts);
    model m = {0};
    size_t isz = zd_shard_index_size(&l);
    for (uint64_t pos = 0; pos < 10; pos++)
        model_put(e, "s", &l, &m, pos, 200, (uint8_t)pos);
    cr_assert_eq(file_size("s"), isz + 2000);
    for (uint64_t pos = 0; pos < 9; pos++) {
        uint64_t c[3];
        coords_of(pos, c);
        cr_assert_eq(sh_engine_delete(e, "s", &l, c, NULL), 0);
        m.len[pos] = 0;
    }
    /* the 7th delete left 1400 dead bytes of 2516: compacted to 600 live, then 2 more
     * deletes left 400 dead bytes, under the threshold */
    cr_assert_eq(file_size("s"), isz + 600);
    expect_model(e, "s", &l, &m);
    check_shard("s", &l, NULL);
    close_engine(e);
    e = open_engine(NULL);
    expect_model(e, "s", &l, &m);
    close_engine(e);
}

Test(shard_engine, plain_write_invalidates_cache)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    model_put(e, "s", &l, &m, 3, 10, 'a');
    zd_buf old = {0};
    read_file("s", &old);
    model_put(e, "s", &l, &m, 3, 20, 'b');
    /* replace the shard by its older content, as a plain PUT would */
    zd_error err = {0};
    cr_assert_eq(kl_change_begin(test_keys, "s", NULL, &err), 0, "%s", err.msg);
    replace_file("s", &old);
    kl_change_end(test_keys, "s", NULL);
    m.len[3] = 10;
    memset(m.data[3], 'a', 10);
    expect_model(e, "s", &l, &m);
    close_engine(e);
    /* the journal barrier keeps replay from re-applying the older patch */
    e = open_engine(NULL);
    expect_model(e, "s", &l, &m);
    close_engine(e);
    zd_buf_free(&old);
}

Test(shard_engine, reserved_and_invalid_keys_are_refused)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    uint64_t c[3] = {0, 0, 0};
    cr_assert_eq(sh_engine_put(e, ".zarrd-shards/shard.wal", &l, c, "x", 1, NULL), ZD_EINVAL);
    cr_assert_eq(sh_engine_put(e, "a/../b", &l, c, "x", 1, NULL), ZD_EINVAL);
    cr_assert_eq(sh_engine_put(e, "", &l, c, "x", 1, NULL), ZD_EINVAL);
    close_engine(e);
}

typedef struct writer_arg {
    sh_engine *e;
    const zd_shard_layout *l;
    int id; /* writes chunks id, id + 8, id + 16, id + 24 */
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    uint8_t buf[200];
    for (int round = 0; round < 50; round++) {
        for (uint64_t pos = (uint64_t)a->id; pos < 32; pos += 8) {
            uint64_t c[3];
            coords_of(pos, c);
            size_t len = 1 + (size_t)(round * 13 + pos) % 199;
            memset(buf, (int)(pos * 7 + (uint64_t)round), len);
            if (sh_engine_put(a->e, "conc", a->l, c, buf, len, NULL) != 0) return (void *)1;
        }
    }
    return NULL;
}

Test(shard_engine, parallel_writers_lose_nothing)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine_opts opts = {.compact_min_dead = 2000, .fsync = KS_FSYNC_BATCH};
    sh_engine *e = open_engine(&opts);
    pthread_t t[8];
    writer_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (writer_arg){e, &l, i};
        pthread_create(&t[i], NULL, writer, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        void *res;
        pthread_join(t[i], &res);
        cr_assert_null(res);
    }
    model m = {0};
    for (uint64_t pos = 0; pos < 32; pos++) {
        m.len[pos] = 1 + (size_t)(49 * 13 + pos) % 199;
        memset(m.data[pos], (int)(pos * 7 + 49), m.len[pos]);
    }
    expect_model(e, "conc", &l, &m);
    check_shard("conc", &l, NULL);
    close_engine(e);
}

/* Child: patch forever, reporting each acknowledged (pos, round) on the pipe. */
static void crash_child(int wfd, int seed)
{
    zd_shard_layout l = layout3(seed & 1, true);
    /* a small journal: checkpoints (lane files replaced, shard_wal.c rotate) every few writes,
     * so kill -9 lands in and around them too */
    sh_engine_opts opts = {.compact_min_dead = 500, .wal_checkpoint_bytes = 4096};
    sh_engine *e;
    if (try_open_engine(&e, &opts, NULL) != 0) _exit(3);
    uint8_t buf[300];
    for (uint32_t round = 1;; round++) {
        uint64_t pos = (uint64_t)(round * 7 + (uint32_t)seed) % 32;
        uint64_t c[3];
        coords_of(pos, c);
        size_t len = 4 + (round * 31) % 280;
        memset(buf, (int)round, len);
        memcpy(buf, &round, 4);
        if (sh_engine_put(e, "crash", &l, c, buf, len, NULL) != 0) _exit(4);
        uint32_t msg[2] = {(uint32_t)pos, round};
        if (write(wfd, msg, sizeof msg) != sizeof msg) _exit(5);
    }
}

Test(shard_engine, kill_9_at_random_moments_loses_no_acknowledged_write)
{
    uint32_t last_round[32] = {0};
    unsigned long acknowledged = 0;
    srand(1234);
    for (int run = 0; run < 24; run++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            crash_child(fds[1], run);
        }
        close(fds[1]);
        /* Let it acknowledge 1..64 writes (however slow the machine), then kill it at a random
         * moment within the next 5 ms. */
        uint32_t msg[2];
        for (int want = 1 + rand() % 64; want > 0 && read(fds[0], msg, sizeof msg) == sizeof msg;
             want--) {
            last_round[msg[0]] = msg[1];
            acknowledged++;
        }
        struct timespec ts = {0, (long)(rand() % 5000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        cr_assert(WIFSIGNALED(status), "child exited with %d", WEXITSTATUS(status));
        while (read(fds[0], msg, sizeof msg) == sizeof msg) {
            last_round[msg[0]] = msg[1];
            acknowledged++;
        }
        close(fds[0]);

        zd_shard_layout l = layout3(run & 1, true);
        sh_engine *e = open_engine(NULL);
        if (file_exists("crash")) check_shard("crash", &l, NULL);
        zd_buf b = {0};
        for (uint64_t pos = 0; pos < 32; pos++) {
            if (!last_round[pos]) continue;
            uint64_t c[3];
            coords_of(pos, c);
            cr_assert_eq(sh_engine_get(e, "crash", &l, c, &b, NULL), 0);
            uint32_t round;
            memcpy(&round, b.data, 4);
            /* the acknowledged write or a later one (written, not yet acknowledged) */
            cr_assert(round >= last_round[pos], "chunk %llu: round %u < acknowledged %u",
                      (unsigned long long)pos, round, last_round[pos]);
        }
        zd_buf_free(&b);
        close_engine(e);
        /* next run flips the index location: start from scratch */
        unlink(strcat(strcpy((char[256]){0}, root), "/crash"));
        memset(last_round, 0, sizeof last_round);
    }
    cr_assert_gt(acknowledged, 100, "the writers got too little done to test anything");
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    if (len) fwrite(data, 1, len, fp); /* an empty lane: no data pointer at all */
    fclose(fp);
}

static void copy_file(const char *from, const char *to)
{
    zd_buf b = {0};
    slurp(from, &b);
    write_file(to, b.data, b.len);
    zd_buf_free(&b);
}

/* Copy the journal files shard.wal.N from directory `from` to `to` (created); with drop_tail,
 * each ends drop_tail bytes before the end of its records (a lane file grows ahead of its
 * records, zeros past them: shard_wal.c). A lane the engine has not created yet (it creates
 * the journal with the first journaled change) is absent in `to` too. */
static void copy_journal(const char *from, const char *to, long drop_tail)
{
    mkdir(to, 0755);
    for (int i = 0; i < 4; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/shard.wal.%d", from, i);
        snprintf(b, sizeof b, "%s/shard.wal.%d", to, i);
        if (access(a, F_OK) != 0) {
            unlink(b);
            continue;
        }
        zd_buf log = {0};
        slurp(a, &log);
        size_t keep = log.len;
        if (drop_tail) {
            while (keep > 0 && log.data[keep - 1] == 0) /* a crc ending in 0 is cut further */
                keep--;
            keep = keep > (size_t)drop_tail ? keep - (size_t)drop_tail : 0;
        }
        write_file(b, log.data, keep);
        zd_buf_free(&log);
    }
}

Test(shard_engine, replay_redoes_journaled_changes_and_ignores_a_torn_tail)
{
    zd_shard_layout l = layout3(true, true);
    char wal[256], saved[300];
    snprintf(wal, sizeof wal, "%s/.zarrd-shards", root);
    snprintf(saved, sizeof saved, "%s/saved", root);
    for (int torn = 0; torn < 2; torn++) {
        sh_engine *e = open_engine(NULL);
        uint64_t c0[3] = {0, 0, 0}, c1[3] = {3, 3, 1};
        char p[256], shard_before[300];
        path_of("r", p, sizeof p);
        snprintf(shard_before, sizeof shard_before, "%s.before", p);
        cr_assert_eq(sh_engine_put(e, "r", &l, c0, "first", 5, NULL), 0); /* a new shard */
        copy_file(p, shard_before);
        cr_assert_eq(sh_engine_put(e, "r", &l, c1, "second", 6, NULL), 0); /* journaled */
        copy_journal(wal, saved, 0); /* the journal as a crash would leave it */
        close_engine(e);
        /* the same shard file lost the second change (as if never applied); the journal has
         * it */
        copy_file(shard_before, p);
        copy_journal(saved, wal, torn ? 3 : 0);
        e = open_engine(NULL);
        zd_buf b = {0};
        zd_error err = {0};
        cr_assert_eq(sh_engine_get(e, "r", &l, c0, &b, &err), 0, "torn %d: %s", torn, err.msg);
        cr_assert_eq(memcmp(b.data, "first", 5), 0);
        int rc = sh_engine_get(e, "r", &l, c1, &b, NULL);
        if (torn) {
            cr_assert_eq(rc, ZD_ENOTFOUND); /* the torn record was never acknowledged */
        } else {
            cr_assert_eq(rc, 0);
            cr_assert_eq(memcmp(b.data, "second", 6), 0);
        }
        check_shard("r", &l, NULL);
        for (int i = 0; i < 4; i++) {
            char lane[64];
            snprintf(lane, sizeof lane, ".zarrd-shards/shard.wal.%d", i);
            cr_assert_eq(file_size(lane), 0); /* emptied after replay */
        }
        zd_buf_free(&b);
        close_engine(e);
        unlink(p);
    }
}

/* Under --fsync none a lane file is mapped, small records are copied into it, large ones
 * written, and it grows a step (1 MiB) at a time, the pages of past steps given back
 * (shard_wal.c): 3 MiB of records of both kinds, replayed from the saved files onto the shard
 * as it was before them, give back every chunk. */
Test(shard_engine, a_journal_of_several_steps_replays_whole)
{
    zd_shard_layout l = layout3(true, true);
    char wal[256], saved[300], p[256], before[300];
    snprintf(wal, sizeof wal, "%s/.zarrd-shards", root);
    snprintf(saved, sizeof saved, "%s/saved", root);
    path_of("s", p, sizeof p);
    snprintf(before, sizeof before, "%s.before", p);
    static model m;
    memset(&m, 0, sizeof m);
    sh_engine *e = open_engine(NULL);
    model_put(e, "s", &l, &m, 0, 5, 'a'); /* a new shard: no record */
    copy_file(p, before);
    static uint8_t big[100 << 10];
    uint64_t big_at[3];
    coords_of(31, big_at);
    zd_error err = {0};
    for (int i = 0; i < 9000; i++) { /* records of 360 bytes, and of 100 KiB now and then */
        model_put(e, "s", &l, &m, 1 + (uint64_t)i % 30, 300, (uint8_t)(i / 30));
        if (i % 500 == 0) {
            memset(big, i / 500, sizeof big);
            cr_assert_eq(sh_engine_put(e, "s", &l, big_at, big, sizeof big, &err), 0, "%s",
                         err.msg);
        }
    }
    copy_journal(wal, saved, 0);
    close_engine(e);
    copy_file(before, p);
    copy_journal(saved, wal, 0);
    e = open_engine(NULL);
    zd_buf b = {0};
    for (uint64_t pos = 0; pos < 31; pos++) {
        uint64_t c[3];
        coords_of(pos, c);
        cr_assert_eq(sh_engine_get(e, "s", &l, c, &b, &err), 0, "chunk %llu: %s",
                     (unsigned long long)pos, err.msg);
        cr_assert(b.len == m.len[pos] && memcmp(b.data, m.data[pos], b.len) == 0,
                  "chunk %llu differs", (unsigned long long)pos);
    }
    cr_assert_eq(sh_engine_get(e, "s", &l, big_at, &b, &err), 0, "%s", err.msg);
    cr_assert(b.len == sizeof big && memcmp(b.data, big, b.len) == 0, "the large chunk differs");
    zd_buf_free(&b);
    check_shard("s", &l, NULL);
    close_engine(e);
}

/* Bytes this process dirtied and then dropped unwritten (a deleted or truncated file's pages). */
static long long cancelled_write_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char name[64];
    long long v, found = -1;
    while (f && fscanf(f, "%63s %lld", name, &v) == 2)
        if (strcmp(name, "cancelled_write_bytes:") == 0) found = v;
    if (f) fclose(f);
    return found;
}

/* Writes 4000-byte chunks into shard "r" until rotations dropped at least `want` bytes of
 * journal unwritten (waiting up to 3 s for the closer thread); returns what was dropped. */
static long long write_until_dropped(sh_engine *e, int puts, long long want)
{
    zd_shard_layout l = layout3(true, true);
    long long before = cancelled_write_bytes(), dropped = 0;
    static uint8_t v[4000];
    zd_error err = {0};
    for (int i = 0; i < puts; i++) {
        uint64_t c[3];
        coords_of(1 + (uint64_t)i % 30, c);
        memset(v, i, sizeof v);
        cr_assert_eq(sh_engine_put(e, "r", &l, c, v, sizeof v, &err), 0, "%s", err.msg);
    }
    for (int wait = 0; wait < 300 && dropped < want; wait++) {
        dropped = cancelled_write_bytes() - before;
        if (dropped < want) usleep(10000);
    }
    return dropped;
}

/* Another process's sync of the whole file system (the suite runs tests side by side, some
 * with --fsync batch, which syncs it) writes the journal's pages before they are dropped, so
 * a measurement is taken up to this many times; without the fix every one fails. */
#define DROP_ATTEMPTS 3

static bool on_ext4_with_io_counters(void)
{
    struct statfs fs;
    return statfs(root, &fs) == 0 && fs.f_type == 0xEF53 && cancelled_write_bytes() >= 0;
}

/* A rotated journal is deleted with its pages unwritten. On ext4 a file once truncated to size
 * 0 is written back when it is closed (auto_da_alloc): emptying each new lane file that way
 * made every rotation write up to 64 MiB of journal to the disk just before deleting it. */
Test(shard_engine, a_rotated_journal_is_dropped_unwritten)
{
    if (!on_ext4_with_io_counters()) cr_skip_test("needs ext4 and /proc/self/io");
    sh_engine_opts opts = {.wal_checkpoint_bytes = 1u << 20};
    long long dropped = 0;
    for (int attempt = 0; attempt < DROP_ATTEMPTS && dropped < (3 << 20); attempt++) {
        sh_engine *e = open_engine(&opts);
        /* 8 MB of records, a rotation every 1 MiB; the first lane files were never
         * truncated, so only later ones tell (about 1 MiB each) */
        dropped = write_until_dropped(e, 2000, 3 << 20);
        close_engine(e);
    }
    cr_assert_geq(dropped, 3 << 20, "only %lld bytes of rotated journal were dropped unwritten",
                  dropped);
}

/* So are the lane files the replay at startup emptied (by truncation): they are closed and
 * opened again before use. */
Test(shard_engine, the_first_rotation_after_a_replay_drops_unwritten)
{
    if (!on_ext4_with_io_counters()) cr_skip_test("needs ext4 and /proc/self/io");
    zd_shard_layout l = layout3(true, true);
    char wal[256], saved[300];
    snprintf(wal, sizeof wal, "%s/.zarrd-shards", root);
    snprintf(saved, sizeof saved, "%s/saved", root);
    sh_engine_opts opts = {.wal_checkpoint_bytes = 1u << 20};
    long long dropped = 0;
    for (int attempt = 0; attempt < DROP_ATTEMPTS && dropped < (512 << 10); attempt++) {
        sh_engine *e = open_engine(&opts);
        uint64_t c0[3] = {0, 0, 0}, c1[3] = {3, 3, 1};
        cr_assert_eq(sh_engine_put(e, "r", &l, c0, "first", 5, NULL), 0);
        cr_assert_eq(sh_engine_put(e, "r", &l, c1, "second", 6, NULL), 0); /* journaled */
        copy_journal(wal, saved, 0); /* as a crash would leave it */
        close_engine(e);
        copy_journal(saved, wal, 0);
        e = open_engine(&opts);                           /* replays, empties the lanes */
        dropped = write_until_dropped(e, 300, 512 << 10); /* 1.2 MB: one rotation */
        close_engine(e);
    }
    cr_assert_geq(dropped, 512 << 10, "only %lld bytes of rotated journal were dropped unwritten",
                  dropped);
}

/* A change checks the file at once: after a replacement or a deletion behind the engine's back
 * it patches the new file (or creates one), never the stale index or the unnamed old file. */
Test(shard_engine, a_change_after_an_edit_behind_the_engines_back_uses_the_new_file)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    model_put(e, "s", &l, &m, 3, 10, 'a');
    zd_buf old = {0};
    read_file("s", &old);
    model_put(e, "s", &l, &m, 3, 20, 'b');
    model_put(e, "s", &l, &m, 4, 20, 'c');
    expect_model(e, "s", &l, &m); /* cached, and checked less than a second ago */
    /* a plain PUT that did not bracket itself with write_begin/end */
    replace_file("s", &old);
    m.len[3] = 10;
    memset(m.data[3], 'a', 10);
    m.len[4] = 0;
    model_put(e, "s", &l, &m, 5, 7, 'd'); /* patches the new file, not a stale index */
    expect_model(e, "s", &l, &m);
    check_shard("s", &l, NULL);
    /* deleted behind its back */
    char p[256];
    path_of("s", p, sizeof p);
    cr_assert_eq(unlink(p), 0);
    memset(&m, 0, sizeof m);
    model_put(e, "s", &l, &m, 1, 9, 'e');
    expect_model(e, "s", &l, &m);
    check_shard("s", &l, NULL);
    close_engine(e);
    zd_buf_free(&old);
}

/* Reads take a file checked less than FC_VALID_MS ago as it is (one fstat fewer per GET), so
 * a replacement or deletion behind the engine's back shows within that bound, as a plain GET's
 * does (fdcache.h); allow 5 s before calling it stuck. */
static void reads_become(sh_engine *e, const char *key, const zd_shard_layout *l, const model *m,
                         const char *what)
{
    char why[256];
    struct timespec t0, now, pause = {0, 50 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!reads_as_model(e, key, l, m, why, sizeof why)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        cr_assert_lt(now.tv_sec - t0.tv_sec, 5, "%s still unseen after 5 s: %s", what, why);
        nanosleep(&pause, NULL);
    }
}

Test(shard_engine, reads_see_an_edit_behind_the_engines_back_within_the_bound)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0}, before;
    model_put(e, "s", &l, &m, 3, 10, 'a');
    before = m;
    zd_buf old = {0};
    read_file("s", &old);
    model_put(e, "s", &l, &m, 3, 20, 'b');
    model_put(e, "s", &l, &m, 4, 20, 'c');
    expect_model(e, "s", &l, &m);
    replace_file("s", &old);
    reads_become(e, "s", &l, &before, "a replacement");
    char p[256];
    path_of("s", p, sizeof p);
    cr_assert_eq(unlink(p), 0);
    memset(&m, 0, sizeof m);
    reads_become(e, "s", &l, &m, "a deletion");
    close_engine(e);
    zd_buf_free(&old);
}

Test(shard_engine, eviction_keeps_every_shard_correct)
{
    zd_shard_layout l = layout3(true, true);
    /* room for two shards, or a single index of 32 entries: evictions on every switch */
    sh_engine_opts opts = {.max_open_shards = 2, .max_cached_index_bytes = 32 * 16};
    sh_engine *e = open_engine(&opts);
    static model m[5];
    memset(m, 0, sizeof m);
    for (int round = 0; round < 6; round++)
        for (int s = 0; s < 5; s++) {
            char key[16];
            snprintf(key, sizeof key, "e%d", s);
            model_put(e, key, &l, &m[s], (uint64_t)(round * 5 + s) % 32,
                      (size_t)(10 + round * 3 + s), (uint8_t)(round * 16 + s));
        }
    for (int s = 0; s < 5; s++) {
        char key[16];
        snprintf(key, sizeof key, "e%d", s);
        expect_model(e, key, &l, &m[s]);
        check_shard(key, &l, NULL);
    }
    close_engine(e);
}

Test(shard_engine, replay_leaves_a_replaced_or_deleted_file_alone)
{
    zd_shard_layout l = layout3(true, true);
    char wal[256], saved[300], p[256];
    snprintf(wal, sizeof wal, "%s/.zarrd-shards", root);
    snprintf(saved, sizeof saved, "%s/saved", root);
    path_of("r", p, sizeof p);
    for (int deleted = 0; deleted < 2; deleted++) {
        sh_engine *e = open_engine(NULL);
        uint64_t c0[3] = {0, 0, 0};
        cr_assert_eq(sh_engine_put(e, "r", &l, c0, "journaled", 9, NULL), 0);
        copy_journal(wal, saved, 0);
        close_engine(e);
        /* a plain PUT (or DELETE) replaced the shard without the engine knowing, then a crash */
        cr_assert_eq(unlink(p), 0);
        if (!deleted) {
            FILE *fp = fopen(p, "wb");
            fputs("a plain value", fp);
            fclose(fp);
        }
        copy_journal(saved, wal, 0);
        e = open_engine(NULL);
        close_engine(e);
        if (deleted) {
            cr_assert_not(file_exists("r"));
        } else {
            zd_buf b = {0};
            read_file("r", &b);
            cr_assert_eq(b.len, 13);
            cr_assert_eq(memcmp(b.data, "a plain value", 13), 0);
            zd_buf_free(&b);
            unlink(p);
        }
    }
}

/* Random puts (sizes from 1 byte to 300), deletes and batches against the model, with the
 * checker and a full comparison every 50 operations and a fresh engine every 500; both index
 * locations, with and without crc32c, compaction thresholds low enough to run often. */
Test(shard_engine, random_operations_match_the_model)
{
    for (int variant = 0; variant < 4; variant++) {
        zd_shard_layout l = layout3(variant & 1, variant & 2);
        sh_engine_opts opts = {.compact_min_dead = 2000, .compact_percent = 30};
        sh_engine *e = open_engine(&opts);
        static model m;
        memset(&m, 0, sizeof m);
        char key[32];
        snprintf(key, sizeof key, "rand/%d", variant);
        unsigned seed = 99u + (unsigned)variant;
        for (int step = 1; step <= 2000; step++) {
            int kind = rand_r(&seed) % 10;
            uint64_t pos = (uint64_t)rand_r(&seed) % 32, c[3];
            coords_of(pos, c);
            if (kind < 6) {
                model_put(e, key, &l, &m, pos, 1 + (size_t)rand_r(&seed) % 300,
                          (uint8_t)rand_r(&seed));
            } else if (kind < 8) {
                cr_assert_eq(sh_engine_delete(e, key, &l, c, NULL), 0);
                m.len[pos] = 0;
            } else {
                sh_op ops[4];
                static uint8_t payload[4][300];
                for (int i = 0; i < 4; i++) {
                    uint64_t p = (uint64_t)rand_r(&seed) % 32;
                    memset(&ops[i], 0, sizeof ops[i]);
                    coords_of(p, ops[i].coords);
                    ops[i].kind = rand_r(&seed) % 3 ? SH_OP_PUT : SH_OP_DELETE;
                    ops[i].len = 1 + (size_t)rand_r(&seed) % 300;
                    memset(payload[i], rand_r(&seed), ops[i].len);
                    ops[i].data = payload[i];
                }
                cr_assert_eq(sh_engine_apply(e, key, &l, ops, 4, NULL), 0);
                for (int i = 0; i < 4; i++) {
                    uint64_t p;
                    zd_shard_chunk_index(&l, ops[i].coords, &p);
                    m.len[p] = ops[i].kind == SH_OP_PUT ? ops[i].len : 0;
                    if (m.len[p]) memcpy(m.data[p], ops[i].data, ops[i].len);
                }
            }
            if (step % 50 == 0) {
                expect_model(e, key, &l, &m);
                if (file_exists(key)) check_shard(key, &l, NULL);
            }
            if (step % 500 == 0) {
                close_engine(e);
                e = open_engine(&opts);
            }
        }
        close_engine(e);
    }
}

/* One put of len bytes of fill at pos through sh_engine_apply_now (the event loop's try). */
static int put_now(sh_engine *e, const char *key, const zd_shard_layout *l, uint64_t pos,
                   size_t len, uint8_t fill)
{
    sh_op op = {.kind = SH_OP_PUT, .len = len};
    static uint8_t buf[300];
    memset(buf, fill, len);
    op.data = buf;
    coords_of(pos, op.coords);
    return sh_engine_apply_now(e, key, l, &op, 1, NULL);
}

Test(shard_engine, apply_now_takes_small_writes_and_declines_the_rest)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine_opts opts = {
        .compact_min_dead = 600, .compact_percent = 10, .wal_checkpoint_bytes = 1u << 20};
    sh_engine *e = open_engine(&opts);
    model m = {0};
    /* a new shard needs a new file: declined, nothing made */
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'a'), ZD_EWOULDBLOCK);
    cr_assert(!file_exists("s"), "a declined change made the shard");
    model_put(e, "s", &l, &m, 1, 10, 'a'); /* on an I/O thread: creates it */
    /* the first change in place on this stripe moves the shard first (sendfile pages): declined */
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'b'), ZD_EWOULDBLOCK);
    expect_model(e, "s", &l, &m);
    model_put(e, "s", &l, &m, 1, 10, 'b'); /* moves, then patches in place */
    /* now small writes into the page cache: taken, in place or in a gap */
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'c'), 0);
    memset(m.data[1], 'c', 10);
    cr_assert_eq(put_now(e, "s", &l, 2, 20, 'd'), 0);
    memset(m.data[2], 'd', 20);
    m.len[2] = 20;
    expect_model(e, "s", &l, &m);
    /* dead bytes past the threshold (deletes in a shard with the index first): the change that
     * made them is taken, the next is declined, and a change on an I/O thread compacts */
    zd_shard_layout lt = layout3(false, true);
    model mt = {0};
    for (uint64_t pos = 0; pos < 10; pos++)
        model_put(e, "t", &lt, &mt, pos, 200, (uint8_t)pos);
    int rc = 0;
    uint64_t deleted = 0;
    for (; deleted < 9 && rc == 0; deleted++) {
        sh_op op = {.kind = SH_OP_DELETE};
        coords_of(deleted, op.coords);
        rc = sh_engine_apply_now(e, "t", &lt, &op, 1, NULL);
        if (rc == 0) mt.len[deleted] = 0;
    }
    cr_assert_eq(rc, ZD_EWOULDBLOCK, "compaction never became due");
    cr_assert_eq(file_size("t"), zd_shard_index_size(&lt) + 2000, "compacted on the loop");
    expect_model(e, "t", &lt, &mt);
    model_put(e, "t", &lt, &mt, 9, 5, 'z'); /* on an I/O thread: the change and the compaction */
    cr_assert_lt(file_size("t"), zd_shard_index_size(&lt) + 2000, "not compacted");
    expect_model(e, "t", &lt, &mt);
    check_shard("t", &lt, NULL);
    close_engine(e);
    /* a journal due for a checkpoint: declined, and the change on an I/O thread checkpoints */
    sh_engine_opts small = {.wal_checkpoint_bytes = 100};
    e = open_engine(&small);
    model_put(e, "s", &l, &m, 1, 10, 'c'); /* in place (this engine's first: a move) */
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'c'), 0, "the journal was due at once");
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'c'), ZD_EWOULDBLOCK);
    model_put(e, "s", &l, &m, 1, 10, 'c');
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'c'), 0, "no checkpoint on the I/O thread");
    expect_model(e, "s", &l, &m);
    close_engine(e);
    /* a journal sync is never made on the loop */
    sh_engine_opts batch = {.fsync = KS_FSYNC_BATCH};
    e = open_engine(&batch);
    cr_assert_eq(put_now(e, "s", &l, 1, 10, 'q'), ZD_EWOULDBLOCK);
    expect_model(e, "s", &l, &m);
    close_engine(e);
}

/* Small inner chunks are kept in memory after their first read (shard_bytes.h): a second read
 * costs no pread, a chunk over SH_BYTES_CHUNK_MAX is read from the file every time, and the
 * memory is given back when the engine lets its shards go. */
Test(shard_engine, small_inner_chunks_are_read_from_memory_after_the_first_read)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    model_put(e, "s", &l, &m, 3, 100, 'a');
    size_t big_len = SH_BYTES_CHUNK_MAX + 1;
    uint8_t *big = malloc(big_len);
    memset(big, 'B', big_len);
    uint64_t c[3];
    coords_of(7, c);
    zd_error err = {0};
    cr_assert_eq(sh_engine_put(e, "s", &l, c, big, big_len, &err), 0, "%s", err.msg);
    zd_buf b = {0};
    char why[256];
    uint64_t file0 = sh_stat_get(SH_STAT_READS_FILE), kept0 = sh_stat_get(SH_STAT_READS_KEPT);
    cr_assert(chunk_as_model(e, "s", &l, &m, 3, &b, why, sizeof why), "%s", why);
    cr_assert_eq(sh_stat_get(SH_STAT_READS_FILE) - file0, 1, "the first read is a pread");
    cr_assert_gt(sh_bytes_held(), 100);
    for (int i = 0; i < 3; i++)
        cr_assert(chunk_as_model(e, "s", &l, &m, 3, &b, why, sizeof why), "%s", why);
    cr_assert_eq(sh_stat_get(SH_STAT_READS_FILE) - file0, 1, "a kept chunk was read again");
    cr_assert_eq(sh_stat_get(SH_STAT_READS_KEPT) - kept0, 3);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(sh_engine_get(e, "s", &l, c, &b, &err), 0, "%s", err.msg);
        cr_assert(b.len == big_len && memcmp(b.data, big, big_len) == 0);
    }
    cr_assert_eq(sh_stat_get(SH_STAT_READS_FILE) - file0, 3, "a large chunk is never kept");
    close_engine(e);
    cr_assert_eq(sh_bytes_held(), 0, "%llu bytes still held", (unsigned long long)sh_bytes_held());
    zd_buf_free(&b);
    free(big);
}

/* A change forgets the kept chunks of its shard before it is made: every read after a put
 * (in place, moved, deleted, or in a batch) returns the new bytes. */
Test(shard_engine, a_change_replaces_kept_chunks)
{
    zd_shard_layout l = layout3(false, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    for (uint64_t pos = 0; pos < 32; pos++)
        model_put(e, "s", &l, &m, pos, 1 + pos * 9, (uint8_t)pos);
    expect_model(e, "s", &l, &m); /* every chunk kept */
    uint64_t kept0 = sh_stat_get(SH_STAT_READS_KEPT);
    expect_model(e, "s", &l, &m);
    cr_assert_eq(sh_stat_get(SH_STAT_READS_KEPT) - kept0, 32);
    for (int round = 0; round < 20; round++) {
        uint64_t pos = (uint64_t)round * 7 % 32;
        model_put(e, "s", &l, &m, pos, m.len[pos], (uint8_t)('a' + round)); /* in place */
        expect_model(e, "s", &l, &m);
        model_put(e, "s", &l, &m, pos, m.len[pos] + 3, (uint8_t)('A' + round)); /* moved */
        expect_model(e, "s", &l, &m);
    }
    uint64_t c[3];
    coords_of(9, c);
    zd_error err = {0};
    cr_assert_eq(sh_engine_delete(e, "s", &l, c, &err), 0, "%s", err.msg);
    m.len[9] = 0;
    expect_model(e, "s", &l, &m);
    sh_op ops[2] = {{.kind = SH_OP_PUT, .data = (const uint8_t *)"xyz", .len = 3},
                    {.kind = SH_OP_DELETE}};
    coords_of(10, ops[0].coords);
    coords_of(11, ops[1].coords);
    cr_assert_eq(sh_engine_apply(e, "s", &l, ops, 2, &err), 0, "%s", err.msg);
    memcpy(m.data[10], "xyz", 3);
    m.len[10] = 3;
    m.len[11] = 0;
    expect_model(e, "s", &l, &m);
    check_shard("s", &l, NULL);
    close_engine(e);
}

/* Readers of kept chunks while a writer patches them: each read is one whole version, and no
 * reader sees a version older than one it saw before. */
typedef struct version_reader_arg {
    sh_engine *e;
    const zd_shard_layout *l;
    _Atomic bool *done;
    char why[128];
} version_reader_arg;

static size_t version_len(unsigned v)
{
    return 1 + v % 150; /* so a version's length tells it from the previous one's */
}

static void *version_reader(void *p)
{
    version_reader_arg *a = p;
    zd_buf b = {0};
    uint64_t c[3];
    coords_of(6, c);
    unsigned last = 0;
    while (!atomic_load(a->done) && !a->why[0]) {
        if (sh_engine_get(a->e, "s", a->l, c, &b, NULL) != 0) {
            snprintf(a->why, sizeof a->why, "a read failed");
            break;
        }
        unsigned v = b.data[0];
        bool whole = b.len == version_len(v);
        for (size_t i = 0; whole && i < b.len; i++)
            whole = b.data[i] == v;
        if (!whole)
            snprintf(a->why, sizeof a->why, "a torn read: %zu bytes of version %u", b.len, v);
        else if (v < last)
            snprintf(a->why, sizeof a->why, "version %u read after version %u", v, last);
        last = v;
    }
    zd_buf_free(&b);
    return NULL;
}

Test(shard_engine, reads_of_kept_chunks_during_patches_see_whole_current_versions)
{
    zd_shard_layout l = layout3(true, true);
    sh_engine *e = open_engine(NULL);
    model m = {0};
    model_put(e, "s", &l, &m, 6, version_len(0), 0);
    _Atomic bool done = false;
    pthread_t t[3];
    version_reader_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (version_reader_arg){.e = e, .l = &l, .done = &done};
        pthread_create(&t[i], NULL, version_reader, &args[i]);
    }
    char why[256];
    zd_buf b = {0};
    for (unsigned v = 1; v < 256; v++) {
        model_put(e, "s", &l, &m, 6, version_len(v), (uint8_t)v);
        cr_assert(chunk_as_model(e, "s", &l, &m, 6, &b, why, sizeof why), "version %u: %s", v, why);
    }
    zd_buf_free(&b);
    atomic_store(&done, true);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(args[i].why[0], 0, "reader %d: %s", i, args[i].why);
    }
    close_engine(e);
}

/* One read of several inner chunks returns at most SH_READ_MAX bytes past its first chunk,
 * which is always read whole (a `?chunk=` GET of a large inner chunk works as it did). */
Test(shard_engine, a_read_of_several_chunks_is_bounded_past_its_first)
{
    zd_error err = {0};
    uint64_t total = 0;
    cr_assert_eq(sh_read_count(&total, 2 * SH_READ_MAX, &err), 0, "the first chunk, whatever size");
    cr_assert_eq(sh_read_count(&total, 1, &err), ZD_EOVERFLOW);
    total = 0;
    cr_assert_eq(sh_read_count(&total, SH_READ_MAX - 1, &err), 0);
    cr_assert_eq(sh_read_count(&total, 1, &err), 0, "exactly SH_READ_MAX in all");
    cr_assert_eq(total, SH_READ_MAX);
    cr_assert_eq(sh_read_count(&total, 1, &err), ZD_EOVERFLOW);
    cr_assert_eq(total, SH_READ_MAX, "a refused chunk is not counted");
    cr_assert_eq(sh_read_count(&(uint64_t){1}, UINT64_MAX, &err), ZD_EOVERFLOW, "no wrap-around");
}
