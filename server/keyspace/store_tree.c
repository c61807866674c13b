/* store_tree.c: whole-collection remove, copy and move over the store interface (see
 * store_tree.h). Recursion follows the collection depth (at most ZD_MAX_KEY / 2 levels); each
 * level holds only its own listing and key. */
#include "store_tree.h"

#include "zd_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tree_fail(st_tree_fail *f, int rc, const char *key, bool collection)
{
    f->rc = rc;
    f->collection = collection;
    snprintf(f->key, sizeof f->key, "%s", key);
    return rc;
}

/* prefix + "/" + name (a listing entry, without a directory's '/') into out, as a key. */
static int tree_join(char *out, const char *prefix, const st_entry *e)
{
    size_t plen = strlen(prefix), nlen = strlen(e->name) - e->dir;
    size_t sep = plen ? 1 : 0;
    if (plen + sep + nlen > ZD_MAX_KEY) return ZD_EOVERFLOW;
    memcpy(out, prefix, plen);
    if (sep) out[plen] = '/';
    memcpy(out + plen + sep, e->name, nlen);
    out[plen + sep + nlen] = '\0';
    return 0;
}

/* The direct members of collection key, or an error recorded in fail. */
static int tree_list(st_store *s, const char *key, st_list *l, st_tree_fail *fail)
{
    *l = (st_list){0};
    int rc = s->list(s, key, false, l);
    if (rc) {
        st_list_free(l);
        return tree_fail(fail, rc, key, true);
    }
    st_list_sort(l);
    return 0;
}

int st_tree_remove(st_store *s, const char *key, st_tree_fail *fail)
{
    st_list l;
    int rc = tree_list(s, key, &l, fail);
    char *child = rc ? NULL : malloc(ZD_MAX_KEY + 1);
    if (!rc && !child) rc = tree_fail(fail, ZD_ENOMEM, key, true);
    for (size_t i = 0; i < l.n && !rc; i++) {
        const st_entry *e = &l.v[i];
        if ((rc = tree_join(child, key, e)) != 0) {
            tree_fail(fail, rc, key, true);
        } else if (e->dir) {
            rc = st_tree_remove(s, child, fail);
        } else {
            bool existed;
            if ((rc = s->remove(s, child, NULL, &existed)) != 0) tree_fail(fail, rc, child, false);
        }
    }
    free(child);
    st_list_free(&l);
    if (rc || !key[0]) return rc;
    /* Gone already when it was never made and its last member went (pruned). */
    rc = s->rmcol(s, key);
    if (rc == ZD_ENOTFOUND) return 0;
    return rc ? tree_fail(fail, rc, key, true) : 0;
}

/* Copy (move false) or move the members of src below dst, which exists. */
static int tree_members(st_store *s, const char *src, const char *dst, bool move,
                        st_tree_fail *fail)
{
    st_list l;
    int rc = tree_list(s, src, &l, fail);
    char *from = rc ? NULL : malloc(2 * (ZD_MAX_KEY + 1));
    char *to = from ? from + ZD_MAX_KEY + 1 : NULL;
    if (!rc && !from) rc = tree_fail(fail, ZD_ENOMEM, src, true);
    for (size_t i = 0; i < l.n && !rc; i++) {
        const st_entry *e = &l.v[i];
        if ((rc = tree_join(from, src, e)) != 0 || (rc = tree_join(to, dst, e)) != 0) {
            tree_fail(fail, rc, src, true);
        } else if (e->dir) {
            rc = move ? st_tree_move(s, from, to, fail) : st_tree_copy(s, from, to, true, fail);
        } else {
            st_result res;
            rc = move ? s->move(s, from, to, NULL, &res) : st_copy(s, from, to, NULL, &res);
            if (rc == ZD_ENOTFOUND) rc = 0; /* deleted while we walked: nothing to carry */
            if (rc) tree_fail(fail, rc, to, false);
        }
    }
    free(from);
    st_list_free(&l);
    return rc;
}

int st_tree_copy(st_store *s, const char *src, const char *dst, bool members, st_tree_fail *fail)
{
    int rc = s->mkcol(s, dst);
    if (rc) return tree_fail(fail, rc, dst, true);
    return members ? tree_members(s, src, dst, false, fail) : 0;
}

int st_tree_move(st_store *s, const char *src, const char *dst, st_tree_fail *fail)
{
    int rc = s->mkcol(s, dst);
    if (rc) return tree_fail(fail, rc, dst, true);
    if ((rc = tree_members(s, src, dst, true, fail)) != 0) return rc;
    rc = s->rmcol(s, src);
    if (rc == ZD_ENOTFOUND) return 0; /* pruned with its last value */
    return rc ? tree_fail(fail, rc, src, true) : 0;
}
