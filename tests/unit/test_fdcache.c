/* test_fdcache.c: the fs store's descriptor cache (server/keyspace/fdcache.h) keeps the hot
 * keys of an array (a second pass over these 1,000 chunk keys finds every one of them; with
 * one slot per hash 94 of them had evicted each other; of 1,000 random keys about 4 find their
 * set of 4 full), and a change of a key drops its entry before the change is made. */
#include <criterion/criterion.h>

#include "fdcache.h"
#include "keylock.h"
#include "zd_error.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static kl_table *keys;
static fc_cache *cache;

/* The cache holds at most a quarter of the descriptor limit: raise it as far as allowed. */
static void setup(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    cr_assert_eq(kl_table_new(&keys), 0);
    cr_assert_eq(fc_new(keys, &cache), 0);
}

static void teardown(void)
{
    fc_free(cache);
    kl_table_free(keys);
}

TestSuite(fdcache, .init = setup, .fini = teardown);

/* Insert key with a fresh descriptor of /dev/null; the caller's reference is dropped. */
static void insert(const char *key)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    fc_entry *e = fc_insert(cache, key, strlen(key), fd, &st);
    cr_assert_not_null(e, "no room for %s", key);
    cr_assert_eq(fc_fd(e), fd);
    fc_release(e);
}

static bool cached(const char *key)
{
    fc_entry *e = fc_lookup(cache, key, strlen(key));
    if (e) fc_release(e);
    return e != NULL;
}

Test(fdcache, a_thousand_hot_keys_all_stay)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    int n = 1000;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < 1000 + 16) n = (int)rl.rlim_cur / 4 - 16;
    cr_assert_gt(n, 100, "descriptor limit %llu too low", (unsigned long long)rl.rlim_cur);
    char key[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "arr/c/%d/%d", i / 32, i % 32);
        insert(key);
    }
    int missing = 0;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "arr/c/%d/%d", i / 32, i % 32);
        missing += !cached(key);
    }
    cr_assert_eq(missing, 0, "%d of %d keys no longer cached", missing, n);
}

Test(fdcache, a_change_drops_the_entry_first)
{
    insert("a/b");
    insert("a/c");
    cr_assert(cached("a/b"));
    zd_error err = {0};
    cr_assert_eq(kl_change_begin(keys, "a/b", NULL, &err), 0, "%s", err.msg);
    cr_assert_not(cached("a/b"), "a key being changed is still served from the cache");
    kl_change_end(keys, "a/b", NULL);
    cr_assert_not(cached("a/b"));
    cr_assert(cached("a/c"), "a change of a/b dropped a/c");
}
