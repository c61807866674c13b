/* test_ks_temp.c: how new files are born and published (server/keyspace/ks_root.h, staging).
 * Where O_TMPFILE works, a temp file has no name until published: the staging directory
 * stays empty while it is written, a new key is one link, and a key that holds a value is
 * replaced by a rename (atomic), whether the caller said so or the link found it, linked by
 * descriptor or (KS_TMPFILE_PROC, an unprivileged process's way) through /proc/self/fd. With
 * KS_TMPFILE_OFF every temp file is named in staging (the path of file systems without
 * O_TMPFILE). Each case checks the bytes at the key, its one link, and what staging holds. */
#include <criterion/criterion.h>

#include "ks_scratch.h"
#include "zd_error.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ks_scratch scratch;
static const char *root = scratch.dir;
static ks_root *ks;

static void open_root(ks_tmpfile_mode mode)
{
    ks_scratch_open(&scratch, "ks-temp", &(ks_opts){.fsync = KS_FSYNC_NONE, .tmpfile = mode});
    ks = scratch.ks;
}

static void close_root(void)
{
    ks_scratch_close(&scratch);
}

/* How many names the staging directory holds. */
static int staged_names(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/" KS_STAGING_DIR, root);
    DIR *d = opendir(path);
    cr_assert_not_null(d, "no staging directory");
    int n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void expect_value(const char *key, const char *want)
{
    char path[256], got[64] = {0};
    snprintf(path, sizeof path, "%s/%s", root, key);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s is missing", key);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    ssize_t n = read(fd, got, sizeof got - 1);
    close(fd);
    cr_assert_eq(n, (ssize_t)strlen(want), "%s: %zd bytes", key, n);
    cr_assert_str_eq(got, want);
    cr_assert_eq(st.st_nlink, 1, "%s has %lu links", key, (unsigned long)st.st_nlink);
}

/* Write value into a new temp file and publish it at key; staged: names in staging while the
 * temp file is open. */
static void put(const char *key, const char *value, bool replacing, int staged)
{
    ks_temp t;
    cr_assert_eq(ks_temp_create(ks, &t), 0);
    cr_assert_eq(pwrite(t.fd, value, strlen(value), 0), (ssize_t)strlen(value));
    cr_assert_eq(staged_names(), staged, "staging holds %d names while writing", staged_names());
    ks_entry e;
    cr_assert_eq(ks_entry_open(ks, key, true, &e), 0);
    cr_assert_eq(ks_publish(ks, &e, &t, replacing), 0);
    ks_entry_close(&e);
    ks_temp_discard(ks, &t);
    cr_assert_eq(staged_names(), 0, "staging keeps %d names after publishing", staged_names());
    expect_value(key, value);
}

Test(ks_temp, a_new_key_is_born_without_a_name_in_staging)
{
    open_root(KS_TMPFILE_AUTO);
    put("a/b/c", "first", false, 0);
    put("d", "second", false, 0);
    close_root();
}

Test(ks_temp, a_value_is_replaced_whether_or_not_the_caller_knew)
{
    open_root(KS_TMPFILE_AUTO);
    put("k", "old", false, 0);
    put("k", "told", true, 0);      /* the caller says a value is there */
    put("k", "not told", false, 0); /* the link finds it */
    close_root();
}

Test(ks_temp, a_directory_in_the_way_is_refused_and_nothing_is_left)
{
    open_root(KS_TMPFILE_AUTO);
    put("dir/x", "v", false, 0);
    ks_temp t;
    cr_assert_eq(ks_temp_create(ks, &t), 0);
    ks_entry e;
    cr_assert_eq(ks_entry_open(ks, "dir", true, &e), 0);
    cr_assert_eq(ks_publish(ks, &e, &t, false), ZD_EISDIR);
    ks_entry_close(&e);
    ks_temp_discard(ks, &t);
    cr_assert_eq(staged_names(), 0);
    expect_value("dir/x", "v");
    close_root();
}

Test(ks_temp, a_discarded_temp_file_leaves_nothing)
{
    open_root(KS_TMPFILE_AUTO);
    ks_temp t;
    cr_assert_eq(ks_temp_create(ks, &t), 0);
    cr_assert_eq(pwrite(t.fd, "x", 1, 0), 1);
    ks_temp_discard(ks, &t);
    cr_assert_eq(staged_names(), 0);
    close_root();
}

/* A new key, then two replacements (told, then found), under mode; staged: see put. */
static void new_then_replaced(ks_tmpfile_mode mode, int staged)
{
    open_root(mode);
    put("a/b/c", "first", false, staged);
    put("a/b/c", "second", true, staged);
    put("a/b/c", "third", false, staged);
    close_root();
}

Test(ks_temp, without_tmpfile_every_temp_file_is_named_in_staging)
{
    new_then_replaced(KS_TMPFILE_OFF, 1);
}

Test(ks_temp, linked_through_proc_as_an_unprivileged_process_does)
{
    new_then_replaced(KS_TMPFILE_PROC, 0);
}
