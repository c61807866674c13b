/* test_shard_big_reads.c: the bound on a `GET /shard?chunks=` answer (server/SHARDS.md: 1 GiB
 * past its first inner chunk) against a real zarrd on the fs store. The shard is a sparse file
 * of more than 1 GiB placed in the server's root, as a client-side sharder could have written
 * it: asking for its large inner chunks together is a JSON 400 that reads none of them (the
 * server's read bytes and peak memory stay where they were), a HEAD of them is the same 400
 * and a HEAD of a large one within the bound has its length without reading it, and small
 * inner chunks of the same shard are still answered. */
#include <criterion/criterion.h>

#include "shard_http_client.h"
#include "zd_shard_index.h"
#include "zt_fixture.h"
#include "zt_proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

TestSuite(shard_big_reads, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 120);

#define BIG ((uint64_t)600 << 20) /* two of these are past the bound, one is not */

/* Inner chunks (0,0) "a", (0,1) and (0,2) BIG bytes of zeros each (not stored: a hole), (0,3)
 * "b"; the rest empty. Layout SHC_LAYOUT_16X8. */
static void place_sparse_shard(const char *key)
{
    zd_shard_layout l;
    zd_error err = {0};
    cr_assert_eq(zd_shard_layout_init(&l, 2, (uint64_t[]){16, 8}, true, true, false, &err), 0);
    zd_shard_entry e[SHC_CHUNKS_16X8];
    for (size_t i = 0; i < SHC_CHUNKS_16X8; i++)
        e[i] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
    e[0] = (zd_shard_entry){0, 1};
    e[1] = (zd_shard_entry){1, BIG};
    e[2] = (zd_shard_entry){1 + BIG, BIG};
    e[3] = (zd_shard_entry){1 + 2 * BIG, 1};
    uint8_t index[16 * SHC_CHUNKS_16X8 + 4];
    cr_assert_eq(zd_shard_index_size(&l), sizeof index);
    zd_shard_index_encode(&l, e, index);

    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", zt_srv()->root, key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    cr_assert_geq(fd, 0, "creating %s", path);
    off_t end = (off_t)(2 + 2 * BIG);
    cr_assert_eq(pwrite(fd, "a", 1, 0), 1);
    cr_assert_eq(pwrite(fd, "b", 1, end - 1), 1);
    cr_assert_eq(pwrite(fd, index, sizeof index, end), (ssize_t)sizeof index);
    cr_assert_eq(close(fd), 0);
}

static void get_chunks(zt_conn *c, const char *key, const char *query, zt_response *r)
{
    zt_response_free(r);
    cr_assert_eq(shc_request(c, "GET", key, query, SHC_LAYOUT_16X8, NULL, 0, r), 0);
}

static void head_chunks(zt_conn *c, const char *key, const char *query, zt_response *r)
{
    zt_response_free(r);
    cr_assert_eq(shc_request(c, "HEAD", key, query, SHC_LAYOUT_16X8, NULL, 0, r), 0);
}

Test(shard_big_reads, an_answer_past_the_bound_is_400_and_reads_nothing)
{
    place_sparse_shard("big");
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_response r = {0};
    get_chunks(&c, "big", "chunks=0,0;0,3", &r); /* the shard is usable: two small chunks */
    cr_assert_eq(r.status, 200, "GET big?chunks=0,0;0,3: %d", r.status);
    cr_assert_eq(r.body.len, 2 + 2 * 16);
    cr_assert_eq(memcmp(r.body.data, "ab", 2), 0, "the two small chunks");

    pid_t pid = zt_srv()->pid;
    long long read_before = zt_proc_io(pid, "rchar");
    long peak_before = zt_proc_status_kb(pid, "VmHWM");
    cr_assert(read_before >= 0 && peak_before > 0);
    static const char *const past[] = {
        "chunks=0,1;0,2",     /* 1.2 GiB */
        "chunks=0,0;0,1;0,2", /* the first chunk small, the next two past the bound */
        "chunks=0,1;0,0;0,2",
    };
    for (size_t i = 0; i < sizeof past / sizeof *past; i++) {
        get_chunks(&c, "big", past[i], &r);
        zt_expect_error(&r, 400);
        cr_assert(memmem(r.body.data, r.body.len, "ask for fewer", 13), "GET big?%s: %.*s", past[i],
                  (int)r.body.len, (const char *)r.body.data);
        zt_conn_close(&c); /* an error answer may close the connection */
        cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    }
    head_chunks(&c, "big", "chunks=0,1;0,2", &r); /* the GET's status; a HEAD has no body */
    cr_assert_eq(r.status, 400, "HEAD big?chunks=0,1;0,2: %d", r.status);
    zt_conn_close(&c);
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    head_chunks(&c, "big", "chunks=0,1;0,0", &r); /* 600 MiB and 1 byte: the length, nothing read */
    uint64_t len = 0;
    cr_assert_eq(r.status, 200, "HEAD big?chunks=0,1;0,0: %d", r.status);
    cr_assert(zt_content_length(&r, &len));
    cr_assert_eq(len, BIG + 1 + 2 * 16, "Content-Length %llu", (unsigned long long)len);
    long long read = zt_proc_io(pid, "rchar") - read_before;
    long grown = zt_proc_status_kb(pid, "VmHWM") - peak_before;
    cr_assert_lt(read, 16ll << 20, "refused requests and a HEAD read %lld bytes", read);
    cr_assert_lt(grown, 64 * 1024, "refused requests raised the peak by %ld KiB", grown);

    get_chunks(&c, "big", "chunks=0,3;0,0", &r); /* and the shard is still answered */
    cr_assert_eq(r.status, 200);
    cr_assert_eq(memcmp(r.body.data, "ba", 2), 0, "the two small chunks, in the order asked");
    zt_response_free(&r);
    zt_conn_close(&c);
}
