/* test_confinement.c (fs store): the root is a boundary nothing crosses (server/keyspace/
 * ks_root.h). Symbolic links planted in the root -- to a directory outside, to a file outside,
 * to a valid shard outside, a symlinked zarr.json, a link to the root's parent, a dangling
 * link, a link deeper in the tree -- are tried against every endpoint: GET, HEAD, PUT, PATCH
 * in its three forms, DELETE, listings (also recursive), ?chunk= GET / PUT / DELETE, ?batch
 * and the zarr.json layout lookup. Each answers 400 with a JSON error, and the directory
 * outside is exactly as it was (a tree hash over names, modes, sizes, mtimes and bytes), the
 * links too. A hard-linked value: in-place writes (raw PATCH, shard changes) answer 409 and
 * the other link's file keeps its bytes; replacing writes (PUT, multi-range PATCH) leave it
 * alone too. Each refused request has a control in a real directory that succeeds, so a
 * refusal is the link's doing. meson runs this once with openat2 and once with the O_NOFOLLOW
 * walk (ZARRD_RESOLVE=walk), which the server's log must confirm. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(confinement, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 120);

#define SECRET "SECRET-BYTES-OUTSIDE"
#define LAYOUT "Zarr-Shard: chunks=4\r\n"
/* A one-dimensional batch putting "x" at inner chunk 0. */
static const char batch[] = "ZSB1\x01P\x00\x01x";

static char outside[PATH_MAX]; /* beside the root, in the server's temporary directory */

static void path_in(char *out, size_t cap, const char *base, const char *rel)
{
    cr_assert((size_t)snprintf(out, cap, "%s/%s", base, rel) < cap);
}

static void write_at(const char *base, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX + 64];
    path_in(path, sizeof path, base, rel);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void mkdir_at(const char *base, const char *rel)
{
    char path[PATH_MAX + 64];
    path_in(path, sizeof path, base, rel);
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

static void link_in_root(const char *rel, const char *target)
{
    char path[PATH_MAX + 64];
    path_in(path, sizeof path, zt_srv()->root, rel);
    cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
}

/* The links planted in the root and where they point. */
static struct {
    const char *name;
    char target[PATH_MAX + 64];
} links[8];
static int nlinks;

static void plant(const char *rel, const char *target_rel, bool absolute)
{
    cr_assert_lt(nlinks, 8);
    links[nlinks].name = rel;
    if (absolute)
        path_in(links[nlinks].target, sizeof links[nlinks].target, outside, target_rel);
    else
        snprintf(links[nlinks].target, sizeof links[nlinks].target, "%s", target_rel);
    link_in_root(rel, links[nlinks].target);
    nlinks++;
}

/* outside/: secret, sub/secret2, zarr.json (a sharded array), shard (a valid shard of
 * chunks=4 made by the server itself). The root: the links, arr/ with a symlinked zarr.json,
 * ctl/ with a real one (the control), deep/a/ with a link, real/ (controls). */
static void setup(void)
{
    path_in(outside, sizeof outside, zt_srv()->dir, "outside");
    cr_assert_eq(mkdir(outside, 0755), 0);
    write_at(outside, "secret", SECRET, strlen(SECRET));
    mkdir_at(outside, "sub");
    write_at(outside, "sub/secret2", SECRET, strlen(SECRET));
    write_at(outside, "zarr.json", zt_sharded_zarr_json, strlen(zt_sharded_zarr_json));
    cr_assert_eq(zt_status("PUT", "/made?chunk=1", LAYOUT, SECRET, strlen(SECRET)), 204);
    char from[PATH_MAX + 64], to[PATH_MAX + 64];
    path_in(from, sizeof from, zt_srv()->root, "made");
    path_in(to, sizeof to, outside, "shard");
    cr_assert_eq(rename(from, to), 0);

    nlinks = 0;
    plant("dlink", "", true);       /* a directory outside */
    plant("flink", "secret", true); /* a file outside */
    plant("slink", "shard", true);  /* a valid shard outside */
    plant("dang", "nothing", true); /* dangling */
    plant("up", "..", false);       /* the root's parent */
    mkdir_at(zt_srv()->root, "arr");
    plant("arr/zarr.json", "zarr.json", true); /* a symlinked zarr.json */
    mkdir_at(zt_srv()->root, "deep");
    mkdir_at(zt_srv()->root, "deep/a");
    plant("deep/a/link", "", true); /* deeper in the tree */
    mkdir_at(zt_srv()->root, "ctl");
    write_at(zt_srv()->root, "ctl/zarr.json", zt_sharded_zarr_json, strlen(zt_sharded_zarr_json));
    mkdir_at(zt_srv()->root, "real");
    write_at(zt_srv()->root, "real/v", "0123", 4);
}

static uint64_t outside_hash(void)
{
    uint64_t h;
    cr_assert_eq(zt_tree_hash(outside, &h), 0);
    return h;
}

/* Every link is still there, still a link to the same target. */
static void expect_links_intact(void)
{
    for (int i = 0; i < nlinks; i++) {
        char path[PATH_MAX + 64], target[PATH_MAX + 64];
        path_in(path, sizeof path, zt_srv()->root, links[i].name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        cr_assert_gt(n, 0, "link %s is gone or no longer a link", links[i].name);
        target[n] = '\0';
        cr_assert_str_eq(target, links[i].target, "link %s was changed", links[i].name);
    }
}

static void expect_400(const char *method, const char *target, const char *headers,
                       const void *body, size_t len)
{
    zt_response r;
    zt_do(method, target, headers, body, len, &r);
    zt_expect_error(&r, 400);
    cr_assert_null(memmem(r.body.data, r.body.len, SECRET, strlen(SECRET)),
                   "%s %s answered with bytes from outside", method, target);
    zt_response_free(&r);
}

static const char multipart_ct[] = "Content-Type: multipart/byteranges; boundary=B\r\n";
static const char multipart[] = "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nzz\r\n"
                                "--B\r\nContent-Range: bytes 2-2/*\r\n\r\ny\r\n--B--\r\n";
static const char message_ct[] = "Content-Type: message/byterange\r\n";
static const char message[] = "Content-Range: bytes 0-1/*\r\n\r\nzz";

/* Every endpoint on target: 400. */
static void expect_every_endpoint_refused(const char *target)
{
    char t[1200];
    expect_400("GET", target, NULL, NULL, 0);
    expect_400("GET", target, "Range: bytes=0-3\r\n", NULL, 0);
    cr_assert_eq(zt_status("HEAD", target, NULL, NULL, 0), 400, "HEAD %s", target);
    expect_400("PUT", target, NULL, "new!", 4);
    expect_400("PATCH", target, "Content-Range: bytes 0-3/*\r\n", "evil", 4);
    expect_400("PATCH", target, message_ct, message, sizeof message - 1);
    expect_400("PATCH", target, multipart_ct, multipart, sizeof multipart - 1);
    expect_400("DELETE", target, NULL, NULL, 0);
    snprintf(t, sizeof t, "%s?chunk=0", target);
    expect_400("GET", t, LAYOUT, NULL, 0);
    expect_400("PUT", t, LAYOUT, "evil", 4);
    expect_400("DELETE", t, LAYOUT, NULL, 0);
    snprintf(t, sizeof t, "%s?chunk=1", target); /* the outside shard's only chunk */
    expect_400("DELETE", t, LAYOUT, NULL, 0);
    snprintf(t, sizeof t, "%s?batch", target);
    expect_400("POST", t, LAYOUT, batch, sizeof batch - 1);
    snprintf(t, sizeof t, "%s/", target);
    expect_400("GET", t, "Accept: application/json\r\n", NULL, 0);
    snprintf(t, sizeof t, "%s/?recursive=1", target);
    expect_400("GET", t, "Accept: application/json\r\n", NULL, 0);
}

static const char *const refused[] = {"/dlink/secret",
                                      "/dlink/new",
                                      "/dlink/sub/secret2",
                                      "/dlink/new/deep/key",
                                      "/flink",
                                      "/slink",
                                      "/dang",
                                      "/up/outside/secret",
                                      "/up/outside/x",
                                      "/arr/zarr.json",
                                      "/deep/a/link/secret",
                                      "/deep/a/link/new",
                                      "/dlink",
                                      "/deep/a/link/sub/x"};

/* The same requests in a real directory succeed: the refusals above are the links' doing. */
static void controls(void)
{
    cr_assert_eq(zt_status("PATCH", "/real/v", "Content-Range: bytes 0-3/*\r\n", "abcd", 4), 204);
    cr_assert_eq(zt_status("PATCH", "/real/v", message_ct, message, sizeof message - 1), 204);
    cr_assert_eq(zt_status("PATCH", "/real/v", multipart_ct, multipart, sizeof multipart - 1), 204);
    zt_expect_value("/real/v", "zzyd", 4);
    cr_assert_eq(zt_status("PUT", "/real/new/deep/key", NULL, "new!", 4), 201);
    cr_assert_eq(zt_status("PUT", "/real/s?chunk=0", LAYOUT, "abcd", 4), 204);
    cr_assert_eq(zt_status("GET", "/real/s?chunk=0", LAYOUT, NULL, 0), 200);
    cr_assert_eq(zt_status("POST", "/real/s?batch", LAYOUT, batch, sizeof batch - 1), 204);
    cr_assert_eq(zt_status("DELETE", "/real/s?chunk=0", LAYOUT, NULL, 0), 204);
    cr_assert_eq(zt_status("GET", "/real/?recursive=1", NULL, NULL, 0), 200);
    /* the real zarr.json gives a layout: a 2-byte inner chunk is placed */
    cr_assert_eq(zt_status("PUT", "/ctl/c/0?chunk=1", NULL, "ab", 2), 204);
    cr_assert_eq(zt_status("GET", "/ctl/c/0?chunk=1", NULL, NULL, 0), 200);
}

/* The server says which resolver it uses; under ZARRD_RESOLVE=walk it must be the walk. */
static void expect_resolver(void)
{
    const char *want = getenv("ZARRD_RESOLVE") ? "O_NOFOLLOW walk" : "by openat2";
    FILE *f = fopen(zt_srv()->errlog, "r");
    cr_assert_not_null(f);
    char line[1024];
    bool seen = false;
    while (!seen && fgets(line, sizeof line, f))
        seen = strstr(line, want) != NULL;
    fclose(f);
    cr_assert(seen, "the server's log does not say keys are resolved %s", want);
}

Test(confinement, every_endpoint_refuses_every_link)
{
    if (!zt_store_is_fs()) cr_skip_test("symbolic links exist only in the fs store");
    setup();
    expect_resolver();
    uint64_t before = outside_hash();
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        expect_every_endpoint_refused(refused[i]);
    /* The layout lookup never reads the symlinked zarr.json: no layout, 400, nothing made. */
    expect_400("PUT", "/arr/c/0?chunk=1", NULL, "ab", 2);
    expect_400("GET", "/arr/c/0?chunk=1", NULL, NULL, 0);
    expect_400("POST", "/arr/c/0?batch", NULL, batch, sizeof batch - 1);
    char path[PATH_MAX + 64];
    struct stat st;
    path_in(path, sizeof path, zt_srv()->root, "arr/c");
    cr_assert_neq(lstat(path, &st), 0, "a request made arr/c through the symlinked zarr.json");
    /* Listings above the links do not descend into them. */
    zt_response r;
    zt_do("GET", "/?recursive=1", "Accept: application/json\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(memmem(r.body.data, r.body.len, "secret", 6), "a listing shows outside names");
    cr_assert_null(memmem(r.body.data, r.body.len, "shard", 5), "a listing shows outside names");
    zt_response_free(&r);
    controls();
    cr_assert_eq(outside_hash(), before, "the directory outside the root changed");
    expect_links_intact();
}

/* root/hl is a shard (made by the server); its file also has a name outside the root. */
static void hard_linked_shard(const char *key, char *other, size_t cap)
{
    char target[64];
    snprintf(target, sizeof target, "/%s?chunk=0", key);
    cr_assert_eq(zt_status("PUT", target, LAYOUT, "abcd", 4), 204);
    char path[PATH_MAX + 64];
    path_in(path, sizeof path, zt_srv()->root, key);
    path_in(other, cap, outside, key);
    cr_assert_eq(link(path, other), 0);
}

static void expect_409(const char *method, const char *target, const char *headers,
                       const void *body, size_t len)
{
    zt_response r;
    zt_do(method, target, headers, body, len, &r);
    zt_expect_error(&r, 409);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "hard link", 9),
                       "%s %s: 409 for another reason: %.*s", method, target, (int)r.body.len,
                       (const char *)r.body.data);
    zt_response_free(&r);
}

Test(confinement, in_place_writes_refuse_a_hard_linked_file)
{
    if (!zt_store_is_fs()) cr_skip_test("hard links exist only in the fs store");
    path_in(outside, sizeof outside, zt_srv()->dir, "outside");
    cr_assert_eq(mkdir(outside, 0755), 0);
    char other[PATH_MAX + 64];
    hard_linked_shard("hl", other, sizeof other);
    zt_response before;
    zt_do("GET", "/hl", NULL, NULL, 0, &before);
    cr_assert_eq(before.status, 200);
    uint64_t h = outside_hash();
    expect_409("PATCH", "/hl", "Content-Range: bytes 0-3/*\r\n", "evil", 4);
    expect_409("PUT", "/hl?chunk=1", LAYOUT, "evil", 4);
    expect_409("PUT", "/hl?chunk=0", LAYOUT, "abcd", 4); /* even the same-size fast path */
    expect_409("DELETE", "/hl?chunk=0", LAYOUT, NULL, 0);
    expect_409("POST", "/hl?batch", LAYOUT, batch, sizeof batch - 1);
    cr_assert_eq(outside_hash(), h, "an in-place write reached the other link");
    /* reading is harmless: the value is served as it is */
    zt_expect_value("/hl", before.body.data, before.body.len);
    /* replacing writes make a new file: the other link keeps the old one */
    cr_assert_eq(zt_status("PATCH", "/hl", multipart_ct, multipart, sizeof multipart - 1), 204);
    cr_assert_eq(outside_hash(), h, "a multi-range PATCH changed the other link");
    cr_assert_eq(zt_status("PATCH", "/hl", "Content-Range: bytes 0-3/*\r\n", "good", 4), 204,
                 "after the replacement the value has one link and is patched in place");
    hard_linked_shard("hl2", other, sizeof other);
    h = outside_hash();
    cr_assert_eq(zt_status("PUT", "/hl2", NULL, "replaced", 8), 204);
    zt_expect_value("/hl2", "replaced", 8);
    cr_assert_eq(outside_hash(), h, "a PUT changed the other link");
    zt_response_free(&before);
}
