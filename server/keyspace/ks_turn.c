/* ks_turn.c: the directory an event-loop worker resolved last in its loop turn, kept for the
 * next key of the same directory in the same turn (ks_internal.h, "the turn's directory").
 *
 * A worker writing the chunks of an array resolves the same parent directory for each of
 * them: an openat2 and a close per key, a fifth of a new key's system calls. The last parent
 * a thread resolved is kept, per thread, and lent to the next ks_entry_open of a key in that
 * directory, until the turn ends (ks_turn_end closes it) or zarrd removes (or finds gone) any
 * directory (ks->dirs_epoch). So an entry sees what a fresh resolution would see, except a
 * directory moved behind zarrd's back during the turn (a fresh resolution misses such a move
 * too, made between resolving and using it; a turn ends after every round of polling, a
 * millisecond or less). Threads that never end a turn (the I/O threads) keep nothing. While
 * an entry holds the kept descriptor another parent is not kept (it is owned by its entry as
 * usual). */
#include "ks_internal.h"

#include "zd_limits.h"

#include <string.h>
#include <unistd.h>

typedef struct turn_dir {
    const ks_root *ks;
    uint64_t epoch; /* ks->dirs_epoch before it was resolved */
    uint64_t turn;  /* the turn it was resolved in */
    int fd;         /* -1: none */
    int users;      /* entries holding fd */
    size_t len;
    char path[ZD_MAX_KEY + 1];
} turn_dir;

static _Thread_local turn_dir kept = {.fd = -1};
static _Thread_local uint64_t turn; /* 0 until the thread's first ks_turn_end */

static void drop_unused(void)
{
    if (kept.fd >= 0 && kept.users == 0) {
        close(kept.fd);
        kept.fd = -1;
    }
}

void ks_turn_end(void)
{
    turn++;
    drop_unused();
}

uint64_t ks_dirs_epoch(const ks_root *ks)
{
    return atomic_load_explicit(&ks->dirs_epoch, memory_order_acquire);
}

void ks_dirs_changed(ks_root *ks)
{
    atomic_fetch_add_explicit(&ks->dirs_epoch, 1, memory_order_acq_rel);
}

int ks_turn_dir(const ks_root *ks, const char *path, size_t len)
{
    if (kept.fd < 0 || turn == 0 || kept.turn != turn || kept.ks != ks || kept.len != len ||
        memcmp(kept.path, path, len) != 0 || kept.epoch != ks_dirs_epoch(ks))
        return -1;
    kept.users++;
    return kept.fd;
}

bool ks_turn_keep(const ks_root *ks, const char *path, size_t len, int fd, uint64_t epoch)
{
    if (turn == 0 || len > ZD_MAX_KEY || (kept.fd >= 0 && kept.users > 0)) return false;
    drop_unused();
    kept = (turn_dir){.ks = ks, .epoch = epoch, .turn = turn, .fd = fd, .users = 1, .len = len};
    memcpy(kept.path, path, len);
    return true;
}

void ks_turn_release(int fd)
{
    if (fd != kept.fd || kept.users == 0) return;
    if (--kept.users == 0 && kept.turn != turn) drop_unused();
}
