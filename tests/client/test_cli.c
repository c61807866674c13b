/* test_cli.c: zarrd-cli end to end against a real zarrd: every command, --help, exit codes
 * (0 ok, 1 server/IO error, 2 usage) and cp of a directory to the server and back. Commands
 * run through /bin/sh in the test server's temporary directory (the working directory). */
#include "client_test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void start(void)
{
    zt_fixture_start();
    cr_assert_eq(chdir(zt_srv()->dir), 0);
}

TestSuite(cli, .init = start, .fini = zt_fixture_stop);

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
    int st = system(cmd);
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
