/* test_cli.c: zarrd-cli end to end against a real zarrd: every command, --help, exit codes
 * (0 ok, 1 server/IO error, 2 usage), cp of a directory to the server and back, and the
 * papercuts of issue 12 (implicit parent groups, cp of a missing source, ls of a missing
 * prefix, ls -l), and values larger than the CLI's memory use: get and put stream them. Commands
 * run through /bin/sh in the test server's temporary directory (the working directory). */
#include "client_test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void start(void)
{
    zt_fixture_start();
    cr_assert_eq(chdir(zt_srv()->dir), 0);
}

TestSuite(cli, .init = start, .fini = zt_fixture_stop);

static long last_max_rss_kib; /* the peak resident memory of the last cli() run */

/* Run `zarrd-cli URL <fmt...>` (stdout to ./out, stderr to ./err); its exit code. */
static int cli(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int cli(const char *fmt, ...)
{
    char args[2048], cmd[4096], url[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    ct_url(url, sizeof url, NULL);
    snprintf(cmd, sizeof cmd, "'%s' %s %s >out 2>err", ZC_CLI_PATH, url, args);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru; /* the shell's, with the peak of the zarrd-cli it waited for */
    cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
    last_max_rss_kib = ru.ru_maxrss;
    cr_assert(WIFEXITED(st), "zarrd-cli did not exit: %s", cmd);
    return WEXITSTATUS(st);
}

static char *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(name, "rb");
    cr_assert_not_null(f, "%s", name);
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (len) *len = n;
    return buf;
}

static void spit(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(name, "wb");
    cr_assert_not_null(f, "%s", name);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void expect_out(const char *want)
{
    size_t n;
    char *got = slurp("out", &n);
    cr_assert_eq(n, strlen(want), "stdout '%s', expected '%s'", got, want);
    cr_assert_eq(memcmp(got, want, n), 0, "stdout '%s', expected '%s'", got, want);
    free(got);
}

static void expect_err_has(const char *needle)
{
    char *e = slurp("err", NULL);
    cr_assert(strstr(e, needle), "stderr '%s' lacks '%s'", e, needle);
    free(e);
}

Test(cli, key_value_commands)
{
    spit("v", "hello world", 11);
    cr_assert_eq(cli("put a/b v"), 0);
    cr_assert_eq(cli("get a/b"), 0);
    expect_out("hello world");
    cr_assert_eq(cli("get a/b --range 6-"), 0);
    expect_out("world");
    cr_assert_eq(cli("get a/b --range 0-4"), 0);
    expect_out("hello");
    cr_assert_eq(cli("patch a/b 6 - < v"), 0);
    cr_assert_eq(cli("get a/b"), 0);
    expect_out("hello hello world");
    cr_assert_eq(cli("ls a"), 0);
    char *ls = slurp("out", NULL);
    cr_assert(strstr(ls, "17  b"), "ls: %s", ls);
    free(ls);
    cr_assert_eq(cli("ls -r"), 0);
    ls = slurp("out", NULL);
    cr_assert(strstr(ls, "a/b"), "ls -r: %s", ls);
    free(ls);
    cr_assert_eq(cli("rm a/b"), 0);
    cr_assert_eq(cli("get a/b"), 1);
    expect_err_has("404");
}

Test(cli, array_commands)
{
    cr_assert_eq(cli("create img --shape 6,5 --chunks 4,2 --shards 4,4 --dtype uint16 --codec "
                     "zstd --fill 3"),
                 0);
    cr_assert_eq(cli("info img"), 0);
    char *info = slurp("out", NULL);
    cr_assert(strstr(info, "uint16") && strstr(info, "6 x 5") && strstr(info, "sharding_indexed"),
              "info: %s", info);
    free(info);
    uint16_t block[2 * 3] = {1, 2, 3, 4, 5, 6};
    spit("block", block, sizeof block);
    cr_assert_eq(cli("write img --region 1:3,2:5 block"), 0);
    cr_assert_eq(cli("read img --region 0:3,1:5"), 0);
    size_t n;
    char *got = slurp("out", &n);
    uint16_t want[3 * 4] = {3, 3, 3, 3, 3, 1, 2, 3, 3, 4, 5, 6};
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(got, want, n), 0);
    free(got);
    cr_assert_eq(cli("read img --region 1:3:1,2:5:2"), 0);
    got = slurp("out", &n);
    uint16_t want2[4] = {1, 3, 4, 6};
    cr_assert_eq(n, sizeof want2);
    cr_assert_eq(memcmp(got, want2, n), 0);
    free(got);
    const char *group = "{\"zarr_format\": 3, \"node_type\": \"group\"}";
    spit("group.json", group, strlen(group));
    cr_assert_eq(cli("put grp/zarr.json group.json"), 0);
    cr_assert_eq(cli("info grp"), 0);
    char *ginfo = slurp("out", NULL);
    cr_assert(strstr(ginfo, "group:") && strstr(ginfo, "\"group\""), "info: %s", ginfo);
    free(ginfo);
    cr_assert_eq(cli("info nowhere"), 1);
    expect_err_has("404");
    cr_assert_eq(cli("write img --region 0:1,0:1 block"), 1); /* wrong input size */
    cr_assert_eq(cli("read img --region 0:9,0:1"), 2);        /* outside the shape */
}

Test(cli, cp_to_server_and_back)
{
    cr_assert_eq(system("mkdir -p local.zarr/c/0 && printf '{}' > local.zarr/zarr.json && "
                        "printf 'abc' > local.zarr/c/0/0 && printf 'defg' > local.zarr/c/0/1"),
                 0);
    cr_assert_eq(cli("cp local.zarr :remote/x.zarr"), 0);
    zt_expect_value("/remote/x.zarr/c/0/1", "defg", 4);
    zt_expect_value("/remote/x.zarr/zarr.json", "{}", 2);
    cr_assert_eq(cli("cp :remote/x.zarr back.zarr"), 0);
    cr_assert_eq(system("diff -r local.zarr back.zarr"), 0, "copies differ");
    char *err = slurp("err", NULL);
    cr_assert_eq(strlen(err), 0, "no progress bar when stderr is not a terminal: %s", err);
    free(err);
    cr_assert_eq(cli("cp a b"), 2);
}

Test(cli, help_and_usage_errors)
{
    cr_assert_eq(cli("get --help"), 0);
    char *out = slurp("out", NULL);
    cr_assert(strstr(out, "--range"), "%s", out);
    free(out);
    cr_assert_eq(cli("frobnicate"), 2);
    expect_err_has("unknown command");
    cr_assert_eq(cli("get"), 2);
    cr_assert_eq(cli("get k --bogus"), 2);
    cr_assert_eq(cli("create x --shape 4 --dtype uint8"), 2);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --help >/dev/null", ZC_CLI_PATH);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof cmd, "'%s' >/dev/null 2>&1", ZC_CLI_PATH);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
}

/* The papercuts of issue 12: create writes the parent groups zarr-python would (an existing
 * one untouched, an array in the way refused), cp of a missing source fails without creating
 * its destination, invalid create options and other usage errors exit 2, ls says a missing
 * prefix is missing (1), ls -l shows the modification time. */
Test(cli, create_writes_implicit_parent_groups)
{
    const char *kept = "{\"zarr_format\": 3, \"node_type\": \"group\", \"attributes\": {\"k\": 1}}";
    spit("kept.json", kept, strlen(kept));
    cr_assert_eq(cli("put lab/zarr.json kept.json"), 0);
    cr_assert_eq(cli("create lab/scans/day1/img --shape 4 --chunks 2 --dtype uint8"), 0);
    const char *const groups[] = {"zarr.json", "lab/scans/zarr.json", "lab/scans/day1/zarr.json"};
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++) {
        zt_response r;
        char target[128];
        snprintf(target, sizeof target, "/%s", groups[i]);
        zt_do("GET", target, NULL, NULL, 0, &r);
        cr_assert_eq(r.status, 200, "%s not written", groups[i]);
        cr_assert_not_null(memmem(r.body.data, r.body.len, "\"group\"", 7), "%s", groups[i]);
        zt_response_free(&r);
    }
    zt_expect_value("/lab/zarr.json", kept, strlen(kept)); /* an existing group stays as it was */
    /* An array cannot hold another node: 1, nothing written below it. */
    cr_assert_eq(cli("create lab/scans/day1/img/inner --shape 4 --chunks 2 --dtype uint8"), 1);
    expect_err_has("an array");
    cr_assert_eq(zt_status("GET", "/lab/scans/day1/img/inner/zarr.json", NULL, NULL, 0), 404);
}

Test(cli, cp_of_a_missing_source_fails_and_creates_nothing)
{
    cr_assert_eq(cli("cp :nothing/here copy.zarr"), 1);
    expect_err_has("404");
    cr_assert_neq(access("copy.zarr", F_OK), 0, "cp created its destination");
    cr_assert_eq(cli("cp no-such-dir :up"), 1);
    cr_assert_eq(zt_status("GET", "/up/", "Accept: application/json\r\n", NULL, 0), 404);
}

Test(cli, invalid_options_exit_2)
{
    static const char *const bad[] = {
        "create x --shape 10 --chunks 5 --dtype float99",
        "create x --shape 10 --chunks 4 --shards 6 --dtype uint8",
        "create x --shape 10 --chunks 4 --dtype uint8 --codec lz4",
        "create x --shape 10 --chunks 4 --dtype uint8 --fill abc",
        "create x --shape 10,10 --chunks 4 --dtype uint8",
        "create x --shape 10 --chunks 0 --dtype uint8",
        "get k --range x",
        "patch k x v",
        "ls a b",
        "ls --long",
        "cp :a :b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(cli("%s", bad[i]), 2, "zarrd-cli %s", bad[i]);
    cr_assert_eq(zt_status("GET", "/x/zarr.json", NULL, NULL, 0), 404, "a refused create wrote");
    cr_assert_eq(zt_status("GET", "/zarr.json", NULL, NULL, 0), 404, "a refused create wrote");
}

Test(cli, ls_missing_prefix_and_long_format)
{
    cr_assert_eq(cli("ls nothing"), 1);
    expect_err_has("no such prefix");
    spit("v", "12345", 5);
    cr_assert_eq(cli("put d/v v"), 0);
    zt_response r;
    zt_do("HEAD", "/d/v", NULL, NULL, 0, &r);
    struct tm tm = {0};
    cr_assert_not_null(strptime(zt_header(&r, "Last-Modified"), "%a, %d %b %Y %H:%M:%S GMT", &tm));
    zt_response_free(&r);
    char want[128], date[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    snprintf(want, sizeof want, "           5  %s  v\n", date);
    cr_assert_eq(setenv("TZ", "UTC", 1), 0); /* the CLI prints local time: make it UTC */
    cr_assert_eq(cli("ls d -l"), 0);
    expect_out(want);
    cr_assert_eq(cli("ls d"), 0);
    expect_out("           5  v\n");
}

Test(cli, server_down_exits_1)
{
    char url[128], cmd[2048];
    ct_url(url, sizeof url, NULL);
    cr_assert_eq(chdir("/"), 0); /* stopping removes the working directory */
    zt_fixture_stop();
    snprintf(cmd, sizeof cmd,
             "'%s' %s get k 2>&1 | grep -q 'cannot connect'; "
             "'%s' %s get k >/dev/null 2>&1; exit $?",
             ZC_CLI_PATH, url, ZC_CLI_PATH, url);
    int st = system(cmd);
    cr_assert_eq(WEXITSTATUS(st), 1);
}

/* `put KEY FROM`, then `get KEY` (into ./out), which must give back ./big: the put's peak
 * memory in KiB (last_max_rss_kib is then the get's). */
static long put_big(const char *key, const char *from)
{
    cr_assert_eq(cli("put %s %s", key, from), 0, "put %s %s", key, from);
    long kib = last_max_rss_kib;
    cr_assert_eq(cli("get %s", key), 0);
    cr_assert_eq(system("cmp -s big out"), 0, "put %s %s stored other bytes", key, from);
    return kib;
}

/* A value of 128 MiB goes up from a file or a pipe and comes back to the output through a
 * fraction of that in memory (the library sends a file from the page cache and a pipe as it
 * reads it, and passes what it receives on, 64 KiB at a time), byte for byte, with put and get
 * and with cp both ways. zarrd-cli read a whole file or pipe into memory before it sent it, and
 * took a whole value before it wrote it: a value larger than the memory failed. */
Test(cli, large_values_stream_through_little_memory)
{
    enum { BIG = 128 << 20, LIMIT_KIB = 64 << 10 };
    FILE *f = fopen("big", "wb");
    cr_assert_not_null(f);
    static uint32_t block[1 << 16];
    for (uint32_t i = 0; i < BIG / sizeof block; i++) {
        for (size_t j = 0; j < sizeof block / sizeof block[0]; j++)
            block[j] = i * 2654435761u + (uint32_t)j;
        cr_assert_eq(fwrite(block, sizeof block, 1, f), 1);
    }
    cr_assert_eq(fclose(f), 0);
    long put_kib = put_big("v/big", "big");
    long get_kib = last_max_rss_kib;
    cr_assert_lt(put_kib, LIMIT_KIB, "put of 128 MiB peaked at %ld KiB", put_kib);
    cr_assert_lt(get_kib, LIMIT_KIB, "get of 128 MiB peaked at %ld KiB", get_kib);
    /* cp both ways streams too; a download goes through a file beside the target, renamed */
    cr_assert_eq(cli("cp :v back"), 0);
    long down_kib = last_max_rss_kib;
    cr_assert_eq(system("cmp -s big back/big"), 0, "cp brought back other bytes");
    cr_assert_eq(system("test \"$(ls -A back)\" = big"), 0, "cp left more than the file");
    cr_assert_eq(cli("cp back :w"), 0);
    long up_kib = last_max_rss_kib;
    cr_assert_eq(cli("get w/big"), 0);
    cr_assert_eq(system("cmp -s big out"), 0, "cp sent other bytes");
    cr_assert_lt(down_kib, LIMIT_KIB, "cp of 128 MiB from the server peaked at %ld KiB", down_kib);
    cr_assert_lt(up_kib, LIMIT_KIB, "cp of 128 MiB to the server peaked at %ld KiB", up_kib);
    cr_assert_eq(system("rm -r back"), 0);
    /* stdin redirected from a file is sent as that file */
    long stdin_kib = put_big("v/stdin", "- <big");
    cr_assert_lt(stdin_kib, LIMIT_KIB, "put - of 128 MiB peaked at %ld KiB", stdin_kib);
    cr_assert_eq(cli("rm v/stdin"), 0);
    /* a pipe is sent as it is read (chunked transfer coding), through little memory too */
    cr_assert_eq(mkfifo("fifo", 0600), 0);
    cr_assert_eq(system("cat big >fifo &"), 0);
    long pipe_kib = put_big("v/piped", "- <fifo");
    cr_assert_lt(pipe_kib, LIMIT_KIB, "put - from a pipe of 128 MiB peaked at %ld KiB", pipe_kib);
    cr_assert_eq(unlink("fifo"), 0);
    char url[128], cmd[512];
    ct_url(url, sizeof url, NULL);
    snprintf(cmd, sizeof cmd, "printf piped | '%s' %s put v/piped -", ZC_CLI_PATH, url);
    cr_assert_eq(system(cmd), 0);
    zt_expect_value("/v/piped", "piped", 5);
    spit("small", "12345", 5);
    cr_assert_eq(cli("put v/small - <small"), 0);
    cr_assert_eq(cli("get v/small"), 0);
    expect_out("12345");
    /* an output that takes nothing (./out is where cli() sends it): the write's error, exit 1 */
    cr_assert_eq(unlink("out"), 0);
    cr_assert_eq(symlink("/dev/full", "out"), 0);
    cr_assert_eq(cli("get v/big"), 1);
    cr_assert_eq(unlink("out"), 0);
    expect_err_has("writing output: No space left on device");
    cr_assert_eq(unlink("big"), 0);
    cr_assert_eq(cli("rm v/big") | cli("rm w/big"), 0); /* the disk back */
}
