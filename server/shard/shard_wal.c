/* shard_wal.c: the shard engine's redo journal (see shard_wal.h).
 *
 * Record: "ZDWL" | body length u64 | body | crc32c(body) u32, all little endian. Body: type u8
 * (1 write, 2 delete, 3 barrier) | key length u16 | key | file inode u64 | file birth time
 * ns u64 | for writes: new file size u64 | count u32 | count x (offset u64 | length u64 |
 * bytes). Replay stops at the first record that is incomplete or fails its crc: that record
 * was never acknowledged. A record is replayed only onto the file it was written for (same
 * inode and birth time): a file deleted or replaced since (compaction, a plain PUT) is not
 * patched with its predecessor's bytes.
 *
 * Group commit (ks_group.h, the server's one design): appends go to the end of a lane under
 * its mutex; a thread that needs its record on disk (batch and always) takes a ticket of the
 * lane's group and waits for an fdatasync of the lane that began after it: it finds one in
 * flight and waits for the next, or leads it; every record appended meanwhile shares it. No
 * gathering delay: under load the groups grow by themselves. The wait blocks, so changes run on
 * the HTTP layer's I/O threads.
 *
 * Under --fsync none a lane file is mapped and small records are copied into the mapping: a
 * store into a shared mapping is in the page cache at once, like a write, which is all a crash
 * of the process needs, and costs no system call (a 1-byte shard patch spent 2 us of its 43 us
 * round trip in the journal's pwrite). Only small ones: the first store into a page of the
 * mapping faults, and here that cost 12.5 us per 4 KiB page against 3.6 us for a pwrite of
 * it, so records above WAL_MAP_RECORD_MAX (many per page below it) are written. The file is
 * grown WAL_STEP at a time with its blocks allocated (so no store can fault for want of space)
 * and zeros beyond the records (where replay stops); the pages of past steps are given back,
 * so a lane holds at most two steps of memory. A record that does not fit (past WAL_MAP_MAX,
 * or when growing fails) is written too. */
#include "shard_wal.h"

#include "ks_group.h"
#include "zd_checked.h"
#include "zd_crc32c.h"
#include "zd_hash.h"
#include "zd_key.h"
#include "zd_le.h"
#include "zd_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAL_PATH           SH_PRIVATE_DIR "/shard.wal.%d"      /* one file per lane */
#define WAL_NEXT           SH_PRIVATE_DIR "/shard.wal.%d.next" /* a lane's next file (rotate) */
#define WAL_LANES          4
#define WAL_MAGIC          0x4C57445Au /* "ZDWL" */
#define WAL_HEAD           12u         /* magic + body length */
#define WAL_STEP           (1u << 20)  /* a mapped lane file grows by this much at a time */
#define WAL_MAP_MAX        ((uint64_t)256 << 20) /* bytes of a lane file that are mapped */
#define WAL_MAP_RECORD_MAX 512u /* larger records are written, not copied into the mapping */

enum { REC_WRITE = 1, REC_DELETE = 2, REC_BARRIER = 3 };

/* One journal file. A key's records always go to the same lane (by hash), so they stay in
 * order; different lanes append (and fsync) in parallel: one file would serialise every
 * change of every shard on its inode lock. */
typedef struct lane_file {
    int fd;
    uint8_t *map; /* --fsync none: its first WAL_MAP_MAX bytes mapped; else NULL */
} lane_file;

typedef struct wal_lane {
    lane_file f;
    pthread_mutex_t mu; /* guards everything below but the group */
    ks_group *group;    /* group commit: fdatasync of f.fd */
    uint64_t end;       /* bytes appended */
    uint64_t grown;     /* [0, grown) of a mapped file exists and is allocated */
    uint64_t released;  /* mapped pages below this were given back */
    uint64_t *keys;     /* open-addressing set of key hashes logged since the last checkpoint */
    size_t nkeys, keys_cap;
} wal_lane;

struct sh_wal {
    ks_root *ks;
    ks_fsync_mode mode;
    uint64_t checkpoint_bytes;
    pthread_rwlock_t gate;     /* shared: log + apply in progress; exclusive: checkpoint */
    bool unopened;             /* nothing to replay at startup: no journal files open yet */
    pthread_mutex_t open_mu;   /* serialises opening them later */
    pthread_mutex_t rotate_mu; /* one rotation at a time (rotate) */
    pthread_t closer;          /* closes the files of the last rotation ... */
    bool closer_running;       /* ... until joined */
    wal_lane lanes[WAL_LANES];
};

/* Never 0: a key set slot of 0 is empty. */
static uint64_t key_hash(const char *key)
{
    uint64_t h = zd_hash_str(key);
    return h ? h : 1;
}

static wal_lane *lane_of(sh_wal *w, uint64_t h)
{
    return &w->lanes[(h >> 32) % WAL_LANES];
}

/* ---- the key set (caller holds the lane's mu) ---- */

static int keyset_add(wal_lane *w, uint64_t h)
{
    if ((w->nkeys + 1) * 2 > w->keys_cap) {
        size_t cap = w->keys_cap ? w->keys_cap * 2 : 1024;
        uint64_t *keys = calloc(cap, sizeof *keys);
        if (!keys) return ZD_ENOMEM;
        for (size_t i = 0; i < w->keys_cap; i++) {
            if (!w->keys[i]) continue;
            size_t j = w->keys[i] & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = w->keys[i];
        }
        free(w->keys);
        w->keys = keys;
        w->keys_cap = cap;
    }
    size_t j = h & (w->keys_cap - 1);
    while (w->keys[j] && w->keys[j] != h)
        j = (j + 1) & (w->keys_cap - 1);
    if (!w->keys[j]) {
        w->keys[j] = h;
        w->nkeys++;
    }
    return 0;
}

static bool keyset_has(const wal_lane *w, uint64_t h)
{
    if (!w->keys_cap) return false;
    for (size_t j = h & (w->keys_cap - 1); w->keys[j]; j = (j + 1) & (w->keys_cap - 1))
        if (w->keys[j] == h) return true;
    return false;
}

bool sh_wal_mentions(sh_wal *w, const char *key)
{
    uint64_t h = key_hash(key);
    wal_lane *l = lane_of(w, h);
    pthread_mutex_lock(&l->mu);
    bool has = keyset_has(l, h);
    pthread_mutex_unlock(&l->mu);
    return has;
}

/* ---- appending and group commit ---- */

/* The lane's group sync: everything appended before it began reaches the disk. */
static int lane_sync(void *ctx)
{
    return ks_fsync(((wal_lane *)ctx)->f.fd, true);
}

/* Open (create: creating it and its directory) lane file `path`, mapped under --fsync none
 * (unmapped if the mapping fails: its records are then written). 0 or a ZD_E* code. */
static int open_lane_file(sh_wal *w, const char *path, bool create, lane_file *f)
{
    int rc = ks_private_open(w->ks, path, create, &f->fd);
    if (rc) return rc;
    f->map = w->mode == KS_FSYNC_NONE ? ks_map(f->fd, WAL_MAP_MAX) : NULL;
    return 0;
}

static void close_lane_file(lane_file f)
{
    ks_unmap(f.map, WAL_MAP_MAX);
    if (f.fd >= 0) close(f.fd);
}

/* Open (creating them and their directory) every lane file. 0 or a ZD_E* code. */
static int open_lanes(sh_wal *w)
{
    for (int i = 0; i < WAL_LANES; i++) {
        char path[64];
        snprintf(path, sizeof path, WAL_PATH, i);
        int rc = w->lanes[i].f.fd < 0 ? open_lane_file(w, path, true, &w->lanes[i].f) : 0;
        if (rc) return rc;
    }
    return 0;
}

/* A journal with nothing to replay at startup opens (creates) its files with the first change:
 * a store that only serves reads gets no private directory, and a read-only store serves
 * reads (and changes once it is writable again). */
static int ensure_writable(sh_wal *w, zd_error *err)
{
    if (!__atomic_load_n(&w->unopened, __ATOMIC_ACQUIRE)) return 0;
    pthread_mutex_lock(&w->open_mu);
    int rc = w->unopened ? open_lanes(w) : 0;
    if (rc == 0) __atomic_store_n(&w->unopened, false, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&w->open_mu);
    return rc ? zd_error_set(err, rc == ZD_ENOSPC ? rc : ZD_EIO,
                             "cannot open the shard journal: %s", strerror(errno))
              : 0;
}

/* Grow mapped lane l's file to hold [0, stop) and more, and give back the pages of the steps
 * before the one `end` is in; when it cannot grow, records are written (lane_put). */
static void lane_grow(wal_lane *l, uint64_t stop)
{
    uint64_t to = stop + (WAL_STEP - 1);
    to -= to % WAL_STEP;
    if (to > WAL_MAP_MAX) to = WAL_MAP_MAX;
    int rc = ks_extend(l->f.fd, l->grown, to);
    if (rc == ZD_ENOSPC) return; /* for now: the write will say so, or find room */
    if (rc) {                    /* the file system cannot: write records from now on */
        ks_unmap(l->f.map, WAL_MAP_MAX);
        l->f.map = NULL;
        return;
    }
    l->grown = to;
    uint64_t past = l->end - l->end % WAL_STEP;
    if (past > l->released) {
        ks_map_release(l->f.map + l->released, (size_t)(past - l->released));
        l->released = past;
    }
}

/* Put a record at the end of lane l (mu held): a small one into the mapping if the file has
 * room there, else by a write. */
static int lane_put(wal_lane *l, const uint8_t *data, size_t len, zd_error *err)
{
    uint64_t stop = l->end + len;
    bool small = len <= WAL_MAP_RECORD_MAX;
    if (small && l->f.map && stop > l->grown && stop <= WAL_MAP_MAX) lane_grow(l, stop);
    if (small && l->f.map && stop <= l->grown) {
        memcpy(l->f.map + l->end, data, len);
        return 0;
    }
    return sh_io_pwrite_all(l->f.fd, data, len, l->end, err);
}

/* Append one framed record whose body is body[0..len) and wait for it per the mode. */
static int wal_append(sh_wal *wal, const char *key, zd_buf *rec, zd_error *err)
{
    uint64_t body_len = rec->len - WAL_HEAD;
    zd_le_put(rec->data, WAL_MAGIC, 4);
    zd_le_put(rec->data + 4, body_len, 8);
    uint8_t crc[4];
    zd_le_put(crc, zd_crc32c(0, rec->data + WAL_HEAD, body_len), 4);
    int rc = zd_buf_append(rec, crc, 4);
    if (rc) return zd_error_set(err, rc, "no memory for a journal record");
    if ((rc = ensure_writable(wal, err)) != 0) return rc;
    uint64_t h = key_hash(key);
    wal_lane *w = lane_of(wal, h);
    pthread_mutex_lock(&w->mu);
    rc = keyset_add(w, h);
    if (rc == 0) rc = lane_put(w, rec->data, rec->len, err);
    if (rc) {
        /* Whatever part was written lies beyond `end` and is overwritten by the next record;
         * replay stops there because its crc cannot match. */
        pthread_mutex_unlock(&w->mu);
        return rc == ZD_ENOMEM ? zd_error_set(err, rc, "no memory for the journal") : rc;
    }
    w->end += rec->len;
    pthread_mutex_unlock(&w->mu);
    if (wal->mode == KS_FSYNC_NONE) return 0;
    rc = ks_group_wait(w->group, ks_group_ticket(w->group));
    return rc ? zd_error_set(err, rc, "journal fsync failed: %s", strerror(errno)) : 0;
}

static int record_start(zd_buf *rec, int type, const char *key, const ks_id *id)
{
    size_t klen = strlen(key);
    uint8_t head[WAL_HEAD + 3] = {0}, word[16] = {0};
    head[WAL_HEAD] = (uint8_t)type;
    zd_le_put(head + WAL_HEAD + 1, klen, 2);
    if (id) {
        zd_le_put(word, id->ino, 8);
        zd_le_put(word + 8, id->birth_ns, 8);
    }
    int rc = zd_buf_append(rec, head, sizeof head);
    if (rc == 0) rc = zd_buf_append(rec, key, klen);
    return rc ? rc : zd_buf_append(rec, word, 16);
}

int sh_wal_log_write(sh_wal *w, const char *key, const ks_id *id, uint64_t new_size,
                     const sh_write *writes, size_t n, zd_error *err)
{
    zd_buf rec = {0};
    uint8_t word[16];
    int rc = record_start(&rec, REC_WRITE, key, id);
    zd_le_put(word, new_size, 8);
    zd_le_put(word + 8, n, 4);
    if (rc == 0) rc = zd_buf_append(&rec, word, 12);
    for (size_t i = 0; i < n && rc == 0; i++) {
        zd_le_put(word, writes[i].offset, 8);
        zd_le_put(word + 8, writes[i].len, 8);
        rc = zd_buf_append(&rec, word, 16);
        if (rc == 0) rc = zd_buf_append(&rec, writes[i].data, writes[i].len);
    }
    rc = rc ? zd_error_set(err, rc, "no memory for a journal record")
            : wal_append(w, key, &rec, err);
    zd_buf_free(&rec);
    return rc;
}

static int log_simple(sh_wal *w, int type, const char *key, const ks_id *id, zd_error *err)
{
    zd_buf rec = {0};
    int rc = record_start(&rec, type, key, id);
    rc = rc ? zd_error_set(err, rc, "no memory for a journal record")
            : wal_append(w, key, &rec, err);
    zd_buf_free(&rec);
    return rc;
}

int sh_wal_log_delete(sh_wal *w, const char *key, const ks_id *id, zd_error *err)
{
    return log_simple(w, REC_DELETE, key, id, err);
}

int sh_wal_log_barrier(sh_wal *w, const char *key, zd_error *err)
{
    return log_simple(w, REC_BARRIER, key, NULL, err);
}

/* ---- checkpoint ---- */

void sh_wal_enter(sh_wal *w)
{
    pthread_rwlock_rdlock(&w->gate);
}

void sh_wal_leave(sh_wal *w)
{
    pthread_rwlock_unlock(&w->gate);
}

ks_fsync_mode sh_wal_mode(const sh_wal *w)
{
    return w->mode;
}

/* Start lane l over, empty, in file f (its own, emptied, or the one replacing it); returns
 * the file it had. */
static lane_file lane_restart(wal_lane *l, lane_file f)
{
    pthread_mutex_lock(&l->mu);
    lane_file had = l->f;
    l->f = f;
    l->end = l->grown = l->released = 0;
    if (l->keys) memset(l->keys, 0, l->keys_cap * sizeof *l->keys);
    l->nkeys = 0;
    pthread_mutex_unlock(&l->mu);
    return had;
}

/* Flush what the log covers, then empty it. Caller holds the gate exclusively. */
static int checkpoint(sh_wal *w, zd_error *err)
{
    if (__atomic_load_n(&w->unopened, __ATOMIC_ACQUIRE)) return 0; /* nothing was logged */
    if (w->mode != KS_FSYNC_NONE && ks_syncfs(w->ks) != 0)
        return zd_error_set(err, ZD_EIO, "syncfs failed: %s", strerror(errno));
    for (int i = 0; i < WAL_LANES; i++) {
        wal_lane *l = &w->lanes[i];
        if (ks_truncate(l->f.fd, 0) != 0)
            return zd_error_set(err, ZD_EIO, "journal truncate failed: %s", strerror(errno));
        int rc = w->mode != KS_FSYNC_NONE ? sh_io_sync(l->f.fd, true, err) : 0;
        if (rc) return rc;
        lane_restart(l, l->f);
    }
    return 0;
}

/* Bytes in all lanes (read without the lanes' locks: a hint). */
static uint64_t wal_bytes(sh_wal *w)
{
    uint64_t n = 0;
    for (int i = 0; i < WAL_LANES; i++)
        n += __atomic_load_n(&w->lanes[i].end, __ATOMIC_RELAXED);
    return n;
}

bool sh_wal_checkpoint_due(sh_wal *w)
{
    return wal_bytes(w) >= w->checkpoint_bytes;
}

static void *close_lanes(void *arg)
{
    lane_file *files = arg;
    for (int i = 0; i < WAL_LANES; i++)
        close_lane_file(files[i]);
    free(files);
    return NULL;
}

/* Close the replaced lane files (owned) on a thread of their own; with rotate_mu held. If the
 * previous closer is still at work (rotations seconds apart make that rare), here. */
static void close_later(sh_wal *w, lane_file *files)
{
    if (w->closer_running && pthread_tryjoin_np(w->closer, NULL) != 0) {
        close_lanes(files);
        return;
    }
    w->closer_running = pthread_create(&w->closer, NULL, close_lanes, files) == 0;
    if (!w->closer_running) close_lanes(files);
}

/* Empty a lane's next file, which is new or left empty by a rotation that stopped early, so
 * usually is empty already: then it is not truncated, because on ext4 truncating a file to
 * size 0 marks it to be written back when it is closed (auto_da_alloc). The closer thread
 * would then write up to 64 MiB of journal to the disk right before deleting it, on the
 * same cores as the event loops. 0 or a ZD_E* code. */
static int make_empty(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return ZD_EIO;
    return st.st_size > 0 ? ks_truncate(fd, 0) : 0;
}

/* The checkpoint under --fsync none: nothing to sync (a record's bytes are in the page cache
 * once applied, which is what a crash of the process keeps), so the lanes are emptied by
 * replacing each with an empty file, renamed over it while the gate is held (no change is then
 * between its journal record and its last write). A lane's name so always holds either its
 * whole old log, every record of which is applied (replaying it again redoes the same bytes),
 * or the new one. Truncating the old files instead held every writer -- event loops included
 * -- for the time the kernel takes to drop up to 64 MiB of page cache (milliseconds: the
 * open-loop p99 of tests/bench/load_levels.sh); the old files are freed after the gate is
 * released, on a thread of their own. A rotation already under way is not waited for. */
static int rotate(sh_wal *w, zd_error *err)
{
    if (pthread_mutex_trylock(&w->rotate_mu) != 0) return 0;
    lane_file fresh[WAL_LANES];
    int rc = 0, made = 0;
    char path[64], next[64];
    for (; made < WAL_LANES && rc == 0; made++) {
        snprintf(next, sizeof next, WAL_NEXT, made);
        rc = open_lane_file(w, next, true, &fresh[made]);
        if (rc == 0 && (rc = make_empty(fresh[made].fd)) != 0) close_lane_file(fresh[made]);
    }
    if (rc) made--; /* the one that failed holds no descriptor */
    lane_file *old = rc ? NULL : malloc(sizeof(lane_file) * WAL_LANES);
    if (!old && rc == 0) rc = ZD_ENOMEM;
    int swapped = 0;
    if (rc == 0) {
        pthread_rwlock_wrlock(&w->gate);
        bool due = wal_bytes(w) >= w->checkpoint_bytes;
        for (; due && swapped < WAL_LANES; swapped++) {
            snprintf(path, sizeof path, WAL_PATH, swapped);
            snprintf(next, sizeof next, WAL_NEXT, swapped);
            if ((rc = ks_private_rename(w->ks, next, path)) != 0) break;
            old[swapped] = lane_restart(&w->lanes[swapped], fresh[swapped]);
        }
        pthread_rwlock_unlock(&w->gate);
    }
    for (int i = swapped; i < made; i++)
        close_lane_file(fresh[i]);
    if (old) {
        for (int i = swapped; i < WAL_LANES; i++)
            old[i] = (lane_file){.fd = -1};
        close_later(w, old);
    }
    pthread_mutex_unlock(&w->rotate_mu);
    return rc ? zd_error_set(err, rc == ZD_ENOSPC ? rc : ZD_EIO, "journal checkpoint failed: %s",
                             strerror(errno))
              : 0;
}

int sh_wal_checkpoint_if_due(sh_wal *w, zd_error *err)
{
    if (wal_bytes(w) < w->checkpoint_bytes) return 0;
    if (w->mode == KS_FSYNC_NONE && !__atomic_load_n(&w->unopened, __ATOMIC_ACQUIRE))
        return rotate(w, err);
    pthread_rwlock_wrlock(&w->gate);
    int rc = wal_bytes(w) >= w->checkpoint_bytes ? checkpoint(w, err) : 0;
    pthread_rwlock_unlock(&w->gate);
    return rc;
}

/* ---- replay ---- */

typedef struct wal_rec {
    int type;
    const char *key; /* not NUL-terminated */
    size_t klen;
    ks_id id;            /* of the shard file the record was written for */
    const uint8_t *rest; /* after the key */
    size_t rest_len;
} wal_rec;

typedef struct barrier {
    const char *key;
    size_t klen;
    size_t seq;
} barrier;

/* Parse the record at log[*pos]; false at the end of the valid records. */
static bool next_record(const uint8_t *log, size_t len, size_t *pos, wal_rec *r)
{
    size_t p = *pos;
    if (len - p < WAL_HEAD || zd_le_get(log + p, 4) != WAL_MAGIC) return false;
    uint64_t body_len = zd_le_get(log + p + 4, 8);
    if (body_len < 3 || body_len > len - p - WAL_HEAD || len - p - WAL_HEAD - body_len < 4)
        return false;
    const uint8_t *body = log + p + WAL_HEAD;
    if (zd_crc32c(0, body, body_len) != (uint32_t)zd_le_get(body + body_len, 4)) return false;
    r->type = body[0];
    r->klen = zd_le_get(body + 1, 2);
    if (r->klen + 16 > body_len - 3) return false;
    r->key = (const char *)body + 3;
    r->id.ino = zd_le_get(body + 3 + r->klen, 8);
    r->id.birth_ns = zd_le_get(body + 3 + r->klen + 8, 8);
    r->rest = body + 3 + r->klen + 16;
    r->rest_len = body_len - 3 - r->klen - 16;
    *pos = p + WAL_HEAD + body_len + 4;
    return true;
}

static int cmp_barrier(const void *pa, const void *pb)
{
    const barrier *a = pa, *b = pb;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    if (a->klen != b->klen) return a->klen < b->klen ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The sequence number of key's last barrier, or 0 (sequence numbers start at 1). */
static size_t last_barrier(const barrier *bs, size_t n, const char *key, size_t klen)
{
    size_t found = 0;
    size_t lo = 0, hi = n;
    barrier probe = {key, klen, SIZE_MAX};
    while (lo < hi) { /* first element > probe, i.e. past key's last barrier */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_barrier(&bs[mid], &probe) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && bs[lo - 1].klen == klen && memcmp(bs[lo - 1].key, key, klen) == 0)
        found = bs[lo - 1].seq;
    return found;
}

/* The file at key if it is still the file a record was written for (same identity); -1 when
 * it is gone or was replaced since (the record then belongs to history), or when the key can
 * no longer be changed in place (it crosses a symbolic link now, or the file has other hard
 * links): the key space never writes outside the root, not even for a replay. */
static int open_same_file(ks_root *ks, const char *key, const ks_id *want)
{
    int fd = sh_io_open(ks, key, NULL);
    ks_id id;
    if (fd >= 0 && (ks_id_of_fd(fd, &id) != 0 || !ks_id_equal(&id, want))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static int replay_write(int fd, const char *key, const wal_rec *r, zd_error *err)
{
    if (r->rest_len < 12) return zd_error_set(err, ZD_ECORRUPT, "journal record too short");
    uint64_t new_size = zd_le_get(r->rest, 8);
    uint64_t n = zd_le_get(r->rest + 8, 4);
    int rc = 0;
    size_t p = 12;
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        if (r->rest_len - p < 16) {
            rc = zd_error_set(err, ZD_ECORRUPT, "journal record truncated");
            break;
        }
        uint64_t off = zd_le_get(r->rest + p, 8), wlen = zd_le_get(r->rest + p + 8, 8);
        p += 16;
        uint64_t wend;
        if (wlen > r->rest_len - p || !zd_add_u64(off, wlen, &wend) || wend > new_size) {
            rc = zd_error_set(err, ZD_ECORRUPT, "journal write out of bounds");
            break;
        }
        rc = sh_io_pwrite_all(fd, r->rest + p, wlen, off, err);
        p += wlen;
    }
    if (rc == 0 && (rc = ks_truncate(fd, new_size)) != 0)
        rc = zd_error_set(err, rc, "resize of %s failed: %s", key, strerror(errno));
    /* A new mtime, so the value's ETag (inode, size, mtime) differs from every one given out
     * before the crash: the bytes may differ from what the file's old mtime stood for. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (rc == 0) ks_set_mtime(fd, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
    return rc;
}

static int replay_one(ks_root *ks, const wal_rec *r, zd_error *err)
{
    char key[ZD_MAX_KEY + 1];
    if (r->klen == 0 || r->klen > ZD_MAX_KEY || zd_key_validate(r->key, r->klen, NULL) != 0)
        return zd_error_set(err, ZD_ECORRUPT, "journal record with an invalid key");
    memcpy(key, r->key, r->klen);
    key[r->klen] = '\0';
    int fd = open_same_file(ks, key, &r->id);
    if (fd < 0) return 0;
    int rc = 0;
    if (r->type == REC_WRITE)
        rc = replay_write(fd, key, r, err);
    else if (r->type == REC_DELETE)
        rc = sh_io_remove(ks, key, false, err);
    close(fd);
    return rc;
}

static int replay(sh_wal *w, const uint8_t *log, size_t len, zd_error *err)
{
    size_t pos = 0, nrec = 0, nbar = 0;
    wal_rec r;
    while (next_record(log, len, &pos, &r)) {
        nrec++;
        nbar += r.type == REC_BARRIER;
    }
    barrier *bs = malloc((nbar ? nbar : 1) * sizeof *bs);
    if (!bs) return zd_error_set(err, ZD_ENOMEM, "no memory to replay the journal");
    pos = 0;
    nbar = 0;
    for (size_t seq = 1; next_record(log, len, &pos, &r); seq++)
        if (r.type == REC_BARRIER) bs[nbar++] = (barrier){r.key, r.klen, seq};
    qsort(bs, nbar, sizeof *bs, cmp_barrier);
    int rc = 0;
    pos = 0;
    for (size_t seq = 1; rc == 0 && next_record(log, len, &pos, &r); seq++)
        if (r.type != REC_BARRIER && seq > last_barrier(bs, nbar, r.key, r.klen))
            rc = replay_one(w->ks, &r, err);
    free(bs);
    return rc;
}

static void wal_free(sh_wal *w);

static int read_log(int fd, zd_buf *out, zd_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return zd_error_set(err, ZD_EIO, "cannot stat the journal: %s", strerror(errno));
    if (st.st_size == 0) return 0;
    if (zd_buf_reserve(out, (size_t)st.st_size))
        return zd_error_set(err, ZD_ENOMEM, "no memory to read the journal");
    int rc = sh_io_pread_all(fd, out->data, (size_t)st.st_size, 0, err);
    if (rc == 0) out->len = (size_t)st.st_size;
    return rc;
}

/* Whether any lane file exists and begins with a record (nothing is created to find out; a
 * mapped lane is zeros past its records). */
static bool journal_has_records(ks_root *ks)
{
    for (int i = 0; i < WAL_LANES; i++) {
        char path[64];
        uint8_t magic[4];
        int fd;
        snprintf(path, sizeof path, WAL_PATH, i);
        if (ks_private_open(ks, path, false, &fd) != 0) continue;
        bool has = ks_pread_all(fd, magic, 4, 0) == 0 && zd_le_get(magic, 4) == WAL_MAGIC;
        close(fd);
        if (has) return true;
    }
    return false;
}

/* Close and open again the lane files the startup checkpoint emptied: truncated to size 0,
 * ext4 would write each back when it is closed (make_empty), which for a lane is after up to
 * 64 MiB of records, just before the file is deleted by a rotation. Closing them empty now
 * costs nothing. */
static int reopen_lanes(sh_wal *w, zd_error *err)
{
    for (int i = 0; i < WAL_LANES; i++) {
        close_lane_file(lane_restart(&w->lanes[i], (lane_file){.fd = -1}));
        char path[64];
        snprintf(path, sizeof path, WAL_PATH, i);
        lane_file f;
        int rc = open_lane_file(w, path, false, &f);
        if (rc)
            return zd_error_set(err, rc == ZD_ENOSPC ? rc : ZD_EIO,
                                "cannot open the shard journal: %s", strerror(errno));
        lane_restart(&w->lanes[i], f);
    }
    return 0;
}

int sh_wal_open(sh_wal **out, ks_root *ks, ks_fsync_mode mode, uint64_t checkpoint_bytes,
                zd_error *err)
{
    sh_wal *w = calloc(1, sizeof *w);
    if (!w) return zd_error_set(err, ZD_ENOMEM, "no memory for the journal");
    w->ks = ks;
    w->mode = mode;
    w->checkpoint_bytes = checkpoint_bytes;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&w->gate, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&w->open_mu, NULL);
    pthread_mutex_init(&w->rotate_mu, NULL);
    for (int i = 0; i < WAL_LANES; i++) {
        pthread_mutex_init(&w->lanes[i].mu, NULL);
        w->lanes[i].f.fd = -1;
        if (ks_group_new(&w->lanes[i].group, lane_sync, &w->lanes[i]) != 0) {
            wal_free(w);
            return zd_error_set(err, ZD_ENOMEM, "no memory for the journal");
        }
    }
    if (!journal_has_records(ks)) {
        w->unopened = true; /* see ensure_writable */
        *out = w;
        return 0;
    }
    int rc = open_lanes(w);
    if (rc)
        rc = zd_error_set(err, ZD_EIO, "cannot open the shard journal in %s: %s", SH_PRIVATE_DIR,
                          strerror(errno));
    /* Lanes are independent (a key's records are all in one lane): replay one after another. */
    for (int i = 0; i < WAL_LANES && rc == 0; i++) {
        zd_buf log = {0};
        rc = read_log(w->lanes[i].f.fd, &log, err);
        if (rc == 0 && log.len) rc = replay(w, log.data, log.len, err);
        zd_buf_free(&log);
    }
    if (rc == 0) {
        /* The replayed files must be durable before the log that recreates them is gone. */
        if (ks_syncfs(ks) != 0)
            rc = zd_error_set(err, ZD_EIO, "syncfs failed: %s", strerror(errno));
        else
            rc = checkpoint(w, err);
    }
    if (rc == 0) rc = reopen_lanes(w, err);
    if (rc) {
        wal_free(w); /* the log stays as it is for the next start */
        return rc;
    }
    *out = w;
    return 0;
}

void sh_wal_close(sh_wal *w)
{
    if (!w) return;
    pthread_rwlock_wrlock(&w->gate);
    checkpoint(w, NULL);
    pthread_rwlock_unlock(&w->gate);
    wal_free(w);
}

static void wal_free(sh_wal *w)
{
    for (int i = 0; i < WAL_LANES; i++) {
        wal_lane *l = &w->lanes[i];
        close_lane_file(l->f);
        pthread_mutex_destroy(&l->mu);
        ks_group_free(l->group);
        free(l->keys);
    }
    if (w->closer_running) pthread_join(w->closer, NULL);
    pthread_rwlock_destroy(&w->gate);
    pthread_mutex_destroy(&w->open_mu);
    pthread_mutex_destroy(&w->rotate_mu);
    free(w);
}
