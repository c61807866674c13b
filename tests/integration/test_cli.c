/* test_cli.c: zarrd's command-line contract: --help and --version exit 0 with text on stdout;
 * unknown flags, missing or bad values exit 2 with a message on stderr; SIGTERM and SIGINT on a
 * running server exit 0; every --fsync mode and several --threads counts serve requests. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(const char *const *args, zd_buf *out, zd_buf *err)
{
    int wstatus = 0;
    cr_assert_eq(zt_zarrd_run(args, &wstatus, out, err), 0, "zarrd did not run to completion");
    cr_assert(WIFEXITED(wstatus), "zarrd was killed by a signal (wait status %d)", wstatus);
    return WEXITSTATUS(wstatus);
}

static void expect_contains(const zd_buf *b, const char *needle, const char *what)
{
    cr_assert(b->len > 0 && memmem(b->data, b->len, needle, strlen(needle)) != NULL,
              "%s does not mention \"%s\": %.*s", what, needle, (int)b->len, (const char *)b->data);
}

Test(cli, help_exits_0_and_names_the_flags)
{
    zd_buf out = {0}, err = {0};
    const char *args[] = {"--help", NULL};
    cr_assert_eq(run(args, &out, &err), 0);
    expect_contains(&out, "--listen", "--help output");
    expect_contains(&out, "--store", "--help output");
    expect_contains(&out, "--max-body", "--help output");
    zd_buf_free(&out);
    zd_buf_free(&err);
}

Test(cli, version_exits_0_and_prints_the_version)
{
    zd_buf out = {0}, err = {0};
    const char *args[] = {"--version", NULL};
    cr_assert_eq(run(args, &out, &err), 0);
    expect_contains(&out, ZARRD_VERSION, "--version output");
    zd_buf_free(&out);
    zd_buf_free(&err);
}

static void expect_usage_error(const char *const *args)
{
    zd_buf out = {0}, err = {0};
    int code = run(args, &out, &err);
    cr_assert_eq(code, 2, "zarrd %s %s: exit %d, expected 2", args[0], args[1] ? args[1] : "",
                 code);
    cr_assert(err.len > 0, "zarrd %s: no message on stderr", args[0]);
    zd_buf_free(&out);
    zd_buf_free(&err);
}

Test(cli, unknown_flag_exits_2)
{
    expect_usage_error((const char *[]){"--no-such-flag", NULL});
    expect_usage_error((const char *[]){"positional", NULL});
}

Test(cli, missing_value_exits_2)
{
    expect_usage_error((const char *[]){"--root", NULL});
    expect_usage_error((const char *[]){"--listen", NULL});
}

Test(cli, bad_values_exit_2)
{
    expect_usage_error((const char *[]){"--store", "tape", NULL});
    expect_usage_error((const char *[]){"--fsync", "sometimes", NULL});
    expect_usage_error((const char *[]){"--listen", "no-port-here", NULL});
    expect_usage_error((const char *[]){"--listen", "127.0.0.1:65536", NULL});
    expect_usage_error((const char *[]){"--max-body", "lots", NULL});
    expect_usage_error((const char *[]){"--max-body", "-1", NULL});
    expect_usage_error((const char *[]){"--threads", "0", NULL});
    expect_usage_error((const char *[]){"--threads", "many", NULL});
}

static void stop_with(int sig)
{
    zt_server s;
    cr_assert_eq(zt_server_start(&s, NULL), 0);
    cr_assert(s.port > 0);
    cr_assert_eq(zt_server_signal(&s, sig), 0);
    int wstatus = 0;
    cr_assert_eq(zt_server_wait(&s, 20000, &wstatus), 0);
    cr_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
              "signal %d: wait status %d, expected exit 0", sig, wstatus);
    cr_assert_eq(zt_server_stop(&s, NULL), 0); /* removes the directory */
}

Test(cli, sigterm_exits_0)
{
    stop_with(SIGTERM);
}

Test(cli, sigint_exits_0)
{
    stop_with(SIGINT);
}

Test(cli, both_stores_start_on_an_ephemeral_port)
{
    const char *stores[] = {"fs", "memory"};
    for (int i = 0; i < 2; i++) {
        zt_server s;
        zt_server_opts opts = {.store = stores[i]};
        cr_assert_eq(zt_server_start(&s, &opts), 0, "store %s", stores[i]);
        cr_assert_str_eq(s.host, "127.0.0.1");
        cr_assert(s.port > 0 && s.port < 65536);
        cr_assert_eq(zt_server_stop(&s, NULL), 0, "store %s", stores[i]);
    }
}

/* Start with extra args, PUT + PATCH + GET one key, stop cleanly. */
static void serve_with(const char *const *args)
{
    zt_server s;
    zt_server_opts opts = {.extra_args = args};
    cr_assert_eq(zt_server_start(&s, &opts), 0, "zarrd %s %s did not start", args[0], args[1]);
    zt_response r;
    cr_assert_eq(zt_request(&s, "PUT", "/a/k", NULL, "hello", 5, &r), 0);
    cr_assert_eq(r.status, 201, "%s %s: PUT %d", args[0], args[1], r.status);
    zt_response_free(&r);
    cr_assert_eq(zt_request(&s, "PATCH", "/a/k", "Content-Range: bytes 5-6/*\r\n", "!!", 2, &r), 0);
    cr_assert_eq(r.status, 204, "%s %s: PATCH %d", args[0], args[1], r.status);
    zt_response_free(&r);
    cr_assert_eq(zt_request(&s, "GET", "/a/k", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert(r.body.len == 7 && memcmp(r.body.data, "hello!!", 7) == 0, "%s %s: wrong value",
              args[0], args[1]);
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&s, NULL), 0, "%s %s: unclean stop", args[0], args[1]);
}

Test(cli, every_fsync_mode_serves_requests)
{
    serve_with((const char *[]){"--fsync", "none", NULL});
    serve_with((const char *[]){"--fsync", "batch", NULL});
    serve_with((const char *[]){"--fsync", "always", NULL});
}

Test(cli, thread_counts_serve_requests)
{
    serve_with((const char *[]){"--threads", "1", NULL});
    serve_with((const char *[]){"--threads", "4", NULL});
    serve_with((const char *[]){"--log-level", "debug", NULL});
}

Test(cli, root_that_is_a_file_exits_1_with_the_reason)
{
    char path[256];
    cr_assert_eq(zt_tmp_path(path, sizeof path, "zarrd-test-rootfile.XXXXXX"), 0);
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    zd_buf out = {0}, err = {0};
    const char *args[] = {"--root", path, "--listen", "127.0.0.1:0", NULL};
    int code = run(args, &out, &err);
    unlink(path);
    cr_assert_eq(code, 1, "exit status %d", code);
    expect_contains(&err, "Not a directory", "stderr");
    zd_buf_free(&out);
    zd_buf_free(&err);
}
