/* test_large.c: a large value streamed through the server. The PUT body comes from a generator
 * and the GET body is checked as it arrives, so the test holds only small buffers. The server
 * must stream too: with the fs store its peak resident memory (VmHWM) may grow by at most
 * 64 MiB (it grows by ~0); the memory store must hold the value once, so it may grow by 1.5x
 * the value plus 64 MiB: a second whole-body copy (staging buffer, copy on GET) is 2x and
 * fails, while the one copy plus the ASan leg's shadow memory (1/8 of it, 576 MiB for 512 MiB,
 * which an allowance of exactly size + 64 MiB met only at its limit) has real headroom.
 * The size is 512 MiB (not the 2 GiB of the issue) so the test takes a few seconds in both the
 * normal and the ASan leg; ZT_LARGE_MIB overrides it for a manual run at full size. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MIB 512
#define SLACK_KB    (64L * 1024)
#define PIECE       (256 * 1024)

static void start_large(void)
{
    zt_small_asan_quarantine(); /* keeps the bound meaningful in the sanitizer leg too */
    zt_fixture_start_args((const char *[]){"--max-body", "17179869184", NULL});
}

TestSuite(large, .init = start_large, .fini = zt_fixture_stop, .timeout = 170);

static uint64_t value_size(void)
{
    const char *e = getenv("ZT_LARGE_MIB");
    long mib = e ? strtol(e, NULL, 10) : DEFAULT_MIB;
    return (uint64_t)(mib > 0 ? mib : DEFAULT_MIB) << 20;
}

/* The generator: 8-byte words from a mix of their offset, so any misplaced piece shows. */
static void generate(uint64_t offset, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull;
        x ^= x >> 29;
        memcpy(out + i, &x, 8);
    }
}

static long hwm_kb(void)
{
    long kb = zt_proc_status_kb(zt_srv()->pid, "VmHWM");
    cr_assert(kb > 0, "cannot read the server's VmHWM");
    return kb;
}

static void check_memory(long start_kb, uint64_t size, const char *when)
{
    long grown = hwm_kb() - start_kb;
    long allowed = SLACK_KB + (zt_store_is_fs() ? 0 : (long)(size >> 10) * 3 / 2);
    cr_log_info("%s %llu MiB, store %s: server VmHWM grew by %ld MiB", when,
                (unsigned long long)(size >> 20), zt_srv()->store, grown >> 10);
    cr_assert(grown <= allowed, "%s: server VmHWM grew by %ld MiB (allowed %ld MiB, store %s)",
              when, grown >> 10, allowed >> 10, zt_srv()->store);
}

static void put_streamed(uint64_t size)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: %llu\r\n\r\n",
                          (unsigned long long)size),
                 0);
    uint8_t *piece = malloc(PIECE);
    for (uint64_t off = 0; off < size; off += PIECE) {
        size_t n = size - off < PIECE ? (size_t)(size - off) : PIECE;
        generate(off, piece, n);
        cr_assert_eq(zt_send(&c, piece, n), 0, "send failed at offset %llu",
                     (unsigned long long)off);
    }
    free(piece);
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    cr_assert_eq(r.status, 201);
    zt_response_free(&r);
    zt_conn_close(&c);
}

static void get_checked(uint64_t size)
{
    zt_conn c;
    zt_response r;
    zt_open_get_head(&c, "/big", &r);
    uint64_t cl;
    cr_assert(zt_content_length(&r, &cl) && cl == size, "Content-Length must be %llu",
              (unsigned long long)size);
    uint8_t *got = malloc(PIECE), *want = malloc(PIECE + 16);
    uint64_t off = 0;
    while (off < size) {
        size_t cap = size - off < PIECE ? (size_t)(size - off) : PIECE;
        ssize_t n = zt_recv(&c, got, cap);
        cr_assert(n > 0, "body ended at %llu of %llu bytes", (unsigned long long)off,
                  (unsigned long long)size);
        /* the generator works in whole words: regenerate around the received span */
        uint64_t base = off & ~(uint64_t)7;
        size_t skip = (size_t)(off - base);
        size_t span = (skip + (size_t)n + 7) & ~(size_t)7;
        generate(base, want, span);
        cr_assert_eq(memcmp(got, want + skip, (size_t)n), 0, "wrong bytes near offset %llu",
                     (unsigned long long)off);
        off += (uint64_t)n;
    }
    free(got);
    free(want);
    zt_response_free(&r);
    zt_conn_close(&c);
}

Test(large, streamed_put_and_get_in_bounded_memory)
{
    uint64_t size = value_size();
    long start = hwm_kb();
    put_streamed(size);
    check_memory(start, size, "after PUT");
    get_checked(size);
    check_memory(start, size, "after GET");
    cr_assert_eq(zt_status("DELETE", "/big", NULL, NULL, 0), 204);
}
