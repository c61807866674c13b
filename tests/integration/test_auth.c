/* test_auth.c: bearer tokens (--token-file, lines `TOKEN rw|ro [PREFIX]`): no or unknown token
 * → 401 (a token must match whole: a prefix, an extension or another case of a valid one is
 * unknown), a read-only token writing (shard endpoints included) or a token outside its
 * prefix (a root listing included) → 403 (JSON errors, nothing changed), allowed requests work
 * as usual, and no token, valid or not, reaches the server's log. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdio.h>
#include <string.h>

static void start_with_tokens(void)
{
    zt_fixture_start_tokens("# test tokens\n"
                            "writer-token rw\n"
                            "reader-token ro\n"
                            "arr-token rw arr\n",
                            (const char *[]){"--log-level", "debug", NULL});
}

TestSuite(auth, .init = start_with_tokens, .fini = zt_fixture_stop, .timeout = 60);

#define WRITER "Authorization: Bearer writer-token\r\n"
#define READER "Authorization: Bearer reader-token\r\n"
#define ARR    "Authorization: Bearer arr-token\r\n"

Test(auth, no_or_unknown_token_401)
{
    zt_expect_error_for("GET", "/k", NULL, NULL, 0, 401);
    zt_expect_error_for("PUT", "/k", NULL, "v", 1, 401);
    zt_expect_error_for("GET", "/k", "Authorization: Bearer wrong-token\r\n", NULL, 0, 401);
    zt_expect_error_for("GET", "/k", "Authorization: Basic d3JpdGVyLXRva2Vu\r\n", NULL, 0, 401);
    zt_expect_error_for("GET", "/", NULL, NULL, 0, 401);
    cr_assert_eq(zt_status("GET", "/k", WRITER, NULL, 0), 404, "a refused PUT stored a value");
}

/* Near misses of valid tokens, and what else the token file holds (a comment, a mode, a
 * prefix): each is an unknown token, and the PUT stores nothing. */
Test(auth, token_must_match_whole_401)
{
    static const char *const near[] = {
        "Authorization: Bearer writer\r\n",
        "Authorization: Bearer writer-tokenx\r\n",
        "Authorization: Bearer writer-token writer-token\r\n",
        "Authorization: Bearer WRITER-TOKEN\r\n",
        "Authorization: Bearer \r\n",
        "Authorization: Bearer\r\n",
        "Authorization: writer-token\r\n",
        "Authorization: Bearer rw\r\n",
        "Authorization: Bearer arr\r\n",
        "Authorization: Bearer #\r\n",
        "Authorization: Bearer # test tokens\r\n",
    };
    for (size_t i = 0; i < sizeof near / sizeof *near; i++) {
        zt_response r;
        zt_do("PUT", "/k", near[i], "v", 1, &r);
        cr_expect_eq(r.status, 401, "%.*s: status %d", (int)strlen(near[i]) - 2, near[i], r.status);
        zt_response_free(&r);
    }
    cr_assert_eq(zt_status("GET", "/k", WRITER, NULL, 0), 404, "a refused PUT stored a value");
}

/* GET target with token: 200 and exactly want. */
static void expect_body(const char *target, const char *token, const char *want)
{
    zt_response r;
    zt_do("GET", target, token, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
    cr_assert(r.body.len == strlen(want) && memcmp(r.body.data, want, r.body.len) == 0,
              "GET %s: body [%.*s], expected [%s]", target, (int)r.body.len,
              (const char *)r.body.data, want);
    zt_response_free(&r);
}

/* A read-write token's writes change the stored bytes exactly as asked, and every token may
 * read them. */
Test(auth, read_write_token_reads_and_writes)
{
    cr_assert_eq(zt_status("PUT", "/k", WRITER, "value", 5), 201);
    expect_body("/k", WRITER, "value");
    cr_assert_eq(zt_status("PATCH", "/k", WRITER "Content-Range: bytes 1-3/*\r\n", "ALU", 3), 204);
    expect_body("/k", WRITER, "vALUe");
    expect_body("/k", READER, "vALUe");
    cr_assert_eq(zt_status("PUT", "/k", WRITER, "new", 3), 204);
    expect_body("/k", WRITER, "new");
    cr_assert_eq(zt_status("DELETE", "/k", WRITER, NULL, 0), 204);
    zt_expect_error_for("GET", "/k", WRITER, NULL, 0, 404);
}

Test(auth, read_only_token_cannot_write_403)
{
    cr_assert_eq(zt_status("PUT", "/k", WRITER, "v", 1), 201);
    cr_assert_eq(zt_status("GET", "/k", READER, NULL, 0), 200);
    cr_assert_eq(zt_status("GET", "/", READER, NULL, 0), 200);
    zt_expect_error_for("PUT", "/k", READER, "w", 1, 403);
    zt_expect_error_for("PATCH", "/k", READER "Content-Range: bytes 0-0/*\r\n", "w", 1, 403);
    zt_expect_error_for("DELETE", "/k", READER, NULL, 0, 403);
    zt_response r;
    zt_do("GET", "/k", WRITER, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(r.body.len == 1 && r.body.data[0] == 'v', "a refused write changed the value");
    zt_response_free(&r);
}

/* Two Authorization fields are ambiguous (which token counts?): 400 whatever their order or
 * validity, and the request changes nothing. */
Test(auth, two_authorization_headers_400)
{
    zt_expect_error_for("PUT", "/k", WRITER READER, "v", 1, 400);
    zt_expect_error_for("PUT", "/k", READER WRITER, "v", 1, 400);
    zt_expect_error_for("PUT", "/k", WRITER WRITER, "v", 1, 400);
    zt_expect_error_for("GET", "/", "Authorization: Bearer nope\r\n" WRITER, NULL, 0, 400);
    zt_expect_error_for("GET", "/k", WRITER, NULL, 0, 404);
}

/* The shard endpoints write too: a read-only token is refused before the shard layout is
 * looked at, so the answer is 403 and not a layout error, and nothing is created. */
Test(auth, read_only_token_cannot_write_shards_403)
{
    const char *hdr = READER "Zarr-Shard: chunks=2; index=end; crc32c=1\r\n";
    zt_expect_error_for("PUT", "/arr/c/0?chunk=0", hdr, "x", 1, 403);
    zt_expect_error_for("DELETE", "/arr/c/0?chunk=0", hdr, NULL, 0, 403);
    zt_expect_error_for("POST", "/arr/c/0?batch", hdr, "x", 1, 403);
    cr_assert_eq(zt_status("GET", "/arr/c/0", WRITER, NULL, 0), 404,
                 "a refused shard write created the shard");
}

Test(auth, prefix_token_stays_inside_its_prefix)
{
    cr_assert_eq(zt_status("PUT", "/arr/zarr.json", ARR, "{}", 2), 201);
    cr_assert_eq(zt_status("GET", "/arr/zarr.json", ARR, NULL, 0), 200);
    cr_assert_eq(zt_status("PUT", "/arr/c/0", ARR, "x", 1), 201);
    zt_expect_error_for("PUT", "/other", ARR, "x", 1, 403);
    zt_expect_error_for("PUT", "/arrow", ARR, "x", 1, 403);
    zt_expect_error_for("GET", "/other", ARR, NULL, 0, 403);
    cr_assert_eq(zt_status("GET", "/other", WRITER, NULL, 0), 404,
                 "the refused PUT stored a value");
}

/* A listing is a read of its prefix: a prefix token lists inside it, never the root (which
 * would show every other key), and cannot write or delete outside it. */
Test(auth, prefix_token_lists_and_changes_only_its_prefix)
{
    cr_assert_eq(zt_status("PUT", "/arr/zarr.json", ARR, "{}", 2), 201);
    cr_assert_eq(zt_status("PUT", "/secret", WRITER, "s", 1), 201);
    cr_assert_eq(zt_status("GET", "/arr/", ARR, NULL, 0), 200);
    cr_assert_eq(zt_status("GET", "/arr/?recursive=1", ARR, NULL, 0), 200);
    zt_expect_error_for("GET", "/", ARR, NULL, 0, 403);
    zt_expect_error_for("GET", "/?recursive=1", ARR, NULL, 0, 403);
    zt_expect_error_for("GET", "/arrow/", ARR, NULL, 0, 403);
    zt_expect_error_for("PATCH", "/secret", ARR "Content-Range: bytes 0-0/*\r\n", "x", 1, 403);
    zt_expect_error_for("DELETE", "/secret", ARR, NULL, 0, 403);
    zt_response r;
    zt_do("GET", "/secret", WRITER, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(r.body.len == 1 && r.body.data[0] == 's', "a refused write changed the value");
    zt_response_free(&r);
}

/* Tokens are never logged, not even at --log-level debug (which logs every error answer):
 * neither a valid one nor a rejected one. */
Test(auth, tokens_never_reach_the_error_log)
{
    cr_assert_eq(zt_status("PUT", "/k", WRITER, "v", 1), 201);
    zt_expect_error_for("PUT", "/k", READER, "w", 1, 403);
    zt_expect_error_for("GET", "/other", ARR, NULL, 0, 403);
    zt_expect_error_for("GET", "/k", "Authorization: Bearer rejected-secret-51c\r\n", NULL, 0, 401);
    zt_expect_error_for("GET", "/k", "Authorization: Basic basic-secret-8e2\r\n", NULL, 0, 401);
    FILE *f = fopen(zt_srv()->errlog, "r");
    cr_assert_not_null(f, "cannot read %s", zt_srv()->errlog);
    static const char *const secrets[] = {"writer-token", "reader-token", "arr-token",
                                          "rejected-secret-51c", "basic-secret-8e2"};
    char line[4096];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
            cr_assert_null(strstr(line, secrets[i]), "a token is in the log: %s", line);
    }
    fclose(f);
    cr_assert_gt(lines, 0, "nothing logged at debug level: the check above saw nothing");
}
