/* ks_scratch.h: a key-space root (server/keyspace/ks_root.h) in a fresh temporary directory,
 * for the unit tests of the key-space layer, and its removal at the end. Include after
 * <criterion/criterion.h>. */
#ifndef KS_SCRATCH_H
#define KS_SCRATCH_H

#include "ks_root.h"
#include "zd_error.h"
#include "zt_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct ks_scratch {
    char dir[96]; /* $TMPDIR/zarrd-NAME-XXXXXX */
    ks_root *ks;
} ks_scratch;

/* Open a root with options o in a new directory $TMPDIR/zarrd-NAME-XXXXXX. */
static inline void ks_scratch_open(ks_scratch *s, const char *name, const ks_opts *o)
{
    char leaf[64];
    snprintf(leaf, sizeof leaf, "zarrd-%.16s-XXXXXX", name);
    cr_assert_eq(zt_tmp_path(s->dir, sizeof s->dir, leaf), 0);
    cr_assert_not_null(mkdtemp(s->dir));
    zd_error err = {0};
    cr_assert_eq(ks_root_open(s->dir, o, &s->ks, &err), 0, "%s", err.msg);
}

/* Close the root and remove its directory. */
static inline void ks_scratch_close(ks_scratch *s)
{
    ks_root_close(s->ks);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
