/* test_ks_turn.c: the parent directory an event-loop worker keeps for one loop turn
 * (server/keyspace/ks_turn.c). A thread that ends turns gets the same descriptor for the
 * entries of one directory within a turn, never across a turn's end, never after a directory
 * was removed (a prune) or found gone, and never for another directory while an entry holds
 * it; a thread that never ends a turn (an I/O thread) always resolves afresh. */
#include <criterion/criterion.h>

#include "ks_scratch.h"
#include "zd_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static ks_scratch scratch;
static ks_root *ks;

static void setup(void)
{
    ks_scratch_open(&scratch, "ks-turn", &(ks_opts){.fsync = KS_FSYNC_NONE});
    ks = scratch.ks;
}

static void teardown(void)
{
    ks_scratch_close(&scratch);
}

TestSuite(ks_turn, .init = setup, .fini = teardown);

static void open_entry(const char *key, ks_entry *e)
{
    cr_assert_eq(ks_entry_open(ks, key, true, e), 0, "cannot open the entry of %s", key);
}

/* In a turn (this thread ends one first): the directory descriptor key's entry had, the
 * entry closed again. */
static int dirfd_in_turn(const char *key)
{
    ks_turn_end();
    ks_entry e;
    open_entry(key, &e);
    int fd = e.dirfd;
    ks_entry_close(&e);
    return fd;
}

static bool is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

Test(ks_turn, a_thread_that_ends_no_turn_resolves_every_time)
{
    ks_entry a, b;
    open_entry("arr/c/0", &a);
    open_entry("arr/c/1", &b);
    cr_assert_neq(a.dirfd, b.dirfd, "an I/O thread was lent a kept directory");
    ks_entry_close(&a);
    ks_entry_close(&b);
}

Test(ks_turn, one_directory_is_resolved_once_a_turn)
{
    ks_entry a, b;
    int fd = dirfd_in_turn("arr/c/0");
    cr_assert(is_open(fd), "the kept directory was closed with its entry");
    open_entry("arr/c/1", &b);
    cr_assert_eq(b.dirfd, fd, "the second key of the directory resolved it again");
    ks_entry_close(&b);
    ks_turn_end();
    cr_assert_not(is_open(fd), "the kept directory outlived the turn");
    open_entry("arr/c/2", &a);
    ks_entry_close(&a);
}

Test(ks_turn, a_removed_directory_is_never_lent_again)
{
    ks_entry b;
    int fd = dirfd_in_turn("c/0");
    ks_prune(ks, "c/0"); /* c is empty: removed (through the root, nothing else kept) */
    open_entry("c/1", &b);
    cr_assert_neq(b.dirfd, fd, "a removed directory was lent");
    cr_assert_eq(mkdirat(b.dirfd, "probe", 0755), 0, "the entry's directory is not usable");
    ks_entry_close(&b);
}

Test(ks_turn, another_directory_while_one_is_held_is_owned)
{
    ks_turn_end();
    ks_entry a, b, c;
    open_entry("one/k", &a);
    open_entry("two/k", &b);
    cr_assert_neq(a.dirfd, b.dirfd);
    int bfd = b.dirfd;
    ks_entry_close(&b);
    cr_assert_not(is_open(bfd), "an entry's own directory stayed open");
    open_entry("one/j", &c);
    cr_assert_eq(c.dirfd, a.dirfd, "the held directory was not lent again");
    ks_entry_close(&c);
    cr_assert(is_open(a.dirfd), "closing one entry closed the directory another holds");
    ks_entry_close(&a);
}
