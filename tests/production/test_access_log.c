/* test_access_log.c: zarrd's --access-log as an operator reads it. One line per request, in
 * request order, each in the documented format (Common Log Format plus bytes received and
 * microseconds) with the right request line, status and byte counts; a request that does not
 * parse is logged with "-"; lines written by many connections at once never interleave; and a
 * bearer token is never written to the log. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN       "tok-3f9a7c1e5d"
#define AUTH        "Authorization: Bearer " TOKEN "\r\n"
#define WRITERS     8
#define PER_WRITER  50
#define MAX_LINES   1024
#define LINE_FORMAT "^([^ ]+) - - \\[[^]]+\\] \"([^\"]*)\" ([0-9]{3}) ([0-9]+) ([0-9]+) ([0-9]+)$"

static char dir[PATH_MAX];
static char log_path[PATH_MAX + 16];

static void start_with_access_log(void)
{
    char tokens[PATH_MAX + 16];
    cr_assert_eq(zt_tmpdir_create(dir, sizeof dir), 0);
    snprintf(log_path, sizeof log_path, "%s/access.log", dir);
    snprintf(tokens, sizeof tokens, "%s/tokens", dir);
    FILE *f = fopen(tokens, "w");
    cr_assert_not_null(f);
    fputs(TOKEN " rw\n", f);
    fclose(f);
    zt_fixture_start_args((const char *[]){"--access-log", log_path, "--token-file", tokens, NULL});
}

static void stop_and_clean(void)
{
    zt_fixture_stop();
    zt_tmpdir_remove(dir);
}

TestSuite(access_log, .init = start_with_access_log, .fini = stop_and_clean, .timeout = 60);

typedef struct log_line {
    char peer[64];
    char request[256];
    int status;
    unsigned long sent, received, usec;
} log_line;

/* Read the log; every line must match the format. Returns the number of lines. */
static size_t read_log(log_line *lines, size_t max)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, LINE_FORMAT, REG_EXTENDED), 0);
    FILE *f = fopen(log_path, "r");
    size_t n = 0;
    char buf[4096];
    while (f && fgets(buf, sizeof buf, f)) {
        size_t len = strlen(buf);
        cr_assert(len > 0 && buf[len - 1] == '\n', "unterminated log line: %s", buf);
        buf[len - 1] = '\0';
        regmatch_t m[7];
        cr_assert_eq(regexec(&re, buf, 7, m, 0), 0, "log line not in the format: %s", buf);
        cr_assert_lt(n, max);
        log_line *l = &lines[n++];
        snprintf(l->peer, sizeof l->peer, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), buf + m[1].rm_so);
        snprintf(l->request, sizeof l->request, "%.*s", (int)(m[2].rm_eo - m[2].rm_so),
                 buf + m[2].rm_so);
        l->status = atoi(buf + m[3].rm_so);
        l->sent = strtoul(buf + m[4].rm_so, NULL, 10);
        l->received = strtoul(buf + m[5].rm_so, NULL, 10);
        l->usec = strtoul(buf + m[6].rm_so, NULL, 10);
    }
    if (f) fclose(f);
    regfree(&re);
    return n;
}

/* Poll until the log has at least want lines (a line is written when its response is
 * finished, which may be a moment after the client has read it). */
static size_t wait_for_lines(log_line *lines, size_t want)
{
    size_t n = read_log(lines, MAX_LINES);
    for (int i = 0; i < 250 && n < want; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        n = read_log(lines, MAX_LINES);
    }
    return n;
}

static void expect_line(const log_line *l, const char *request, int status)
{
    cr_assert_str_eq(l->request, request);
    cr_assert_eq(l->status, status, "%s logged with %d, expected %d", request, l->status, status);
    cr_assert_str_eq(l->peer, "127.0.0.1");
}

Test(access_log, one_line_per_request_in_the_documented_format)
{
    static log_line lines[MAX_LINES];
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    const char *requests[][2] = {{"PUT", "/a/b"},
                                 {"GET", "/a/b"},
                                 {"GET", "/missing"},
                                 {"HEAD", "/a/b"},
                                 {"DELETE", "/a/b"}};
    const int statuses[] = {201, 200, 404, 200, 204};
    for (size_t i = 0; i < 5; i++) {
        bool put = strcmp(requests[i][0], "PUT") == 0;
        cr_assert_eq(zt_send_request(&c, requests[i][0], requests[i][1], AUTH, put ? "12345" : NULL,
                                     put ? 5 : 0),
                     0);
        cr_assert_eq(zt_read_response(&c, &r, strcmp(requests[i][0], "HEAD") == 0), 0);
        cr_assert_eq(r.status, statuses[i]);
        zt_response_free(&r);
    }
    cr_assert_eq(zt_send_request(&c, "GET", "/a/b", NULL, NULL, 0), 0); /* no token: 401 */
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    cr_assert_eq(r.status, 401);
    zt_response_free(&r);
    zt_conn_close(&c);

    size_t n = wait_for_lines(lines, 6);
    cr_assert_eq(n, 6, "%zu log lines for 6 requests", n);
    char want[128];
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "%s %s HTTP/1.1", requests[i][0], requests[i][1]);
        expect_line(&lines[i], want, statuses[i]);
    }
    expect_line(&lines[5], "GET /a/b HTTP/1.1", 401);
    cr_assert_geq(lines[0].received, 5 + strlen(AUTH), "PUT received %lu bytes", lines[0].received);
    cr_assert_geq(lines[1].sent, 5, "GET sent %lu bytes", lines[1].sent);
    cr_assert_gt(lines[2].sent, 0);
}

Test(access_log, unparsable_request_is_logged_with_a_dash)
{
    static log_line lines[MAX_LINES];
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "GARBAGE\r\n\r\n"), 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    cr_assert_eq(r.status, 400);
    zt_response_free(&r);
    zt_conn_close(&c);
    cr_assert_eq(wait_for_lines(lines, 1), 1);
    expect_line(&lines[0], "-", 400);
}

typedef struct writer {
    int id;
    int failures;
} writer;

static void *write_many(void *arg)
{
    writer *w = arg;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv())) {
        w->failures = PER_WRITER;
        return NULL;
    }
    char key[64];
    for (int i = 0; i < PER_WRITER; i++) {
        zt_response r;
        snprintf(key, sizeof key, "/w%d/key-%d", w->id, i);
        if (zt_send_request(&c, "PUT", key, AUTH, "v", 1) || zt_read_response(&c, &r, false)) {
            w->failures++;
            continue;
        }
        w->failures += r.status != 201;
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return NULL;
}

Test(access_log, concurrent_requests_never_interleave_lines_and_tokens_stay_out)
{
    static log_line lines[MAX_LINES];
    pthread_t t[WRITERS];
    writer w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){.id = i};
        cr_assert_eq(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].failures, 0, "writer %d: %d requests failed", i, w[i].failures);
    }
    size_t n = wait_for_lines(lines, WRITERS * PER_WRITER); /* asserts the format of each */
    cr_assert_eq(n, WRITERS * PER_WRITER, "%zu lines for %d requests", n, WRITERS * PER_WRITER);
    int seen[WRITERS][PER_WRITER] = {{0}};
    for (size_t i = 0; i < n; i++) {
        int id, k;
        cr_assert_eq(sscanf(lines[i].request, "PUT /w%d/key-%d HTTP/1.1", &id, &k), 2,
                     "line %zu: %s", i, lines[i].request);
        cr_assert(id >= 0 && id < WRITERS && k >= 0 && k < PER_WRITER);
        seen[id][k]++;
    }
    for (int i = 0; i < WRITERS; i++)
        for (int k = 0; k < PER_WRITER; k++)
            cr_assert_eq(seen[i][k], 1, "PUT /w%d/key-%d logged %d times", i, k, seen[i][k]);

    FILE *f = fopen(log_path, "r");
    cr_assert_not_null(f);
    char buf[4096];
    while (fgets(buf, sizeof buf, f))
        cr_assert_null(strstr(buf, TOKEN), "the bearer token is in the access log: %s", buf);
    fclose(f);
}
