/* dav_copymove.c: COPY and MOVE (RFC 4918 9.8, 9.9) to the Destination header's key.
 *
 * Checks, in order: Destination (400 missing or malformed, 502 another server, 403 no write
 * access), Overwrite (T|F), Depth (MOVE: infinity; COPY: 0 or infinity), the root on either
 * side or overlapping source and destination (403), the source (404), the destination's
 * parent collection (409 when missing), an existing destination with Overwrite F (412).
 *
 * A value is copied as one atomic replace of the destination (st_copy: a new value, new ETag
 * and mtime) or moved by one rename under both keys' locks (store move: bytes, mtime and
 * ETag kept); with Overwrite F the "destination absent" check is made atomically with it. A
 * collection is copied (Depth 0: the collection alone) or moved member by member
 * (store_tree.h); an existing destination that is a collection, or any destination of a
 * collection, is deleted first (Overwrite T, RFC 4918 9.8.4). 201 the destination is new, 204
 * it was replaced; 207 naming the member a collection operation failed at. */
#include "dav_internal.h"

#include "store_tree.h"

#include <stdlib.h>
#include <string.h>

/* Whether key b lies below key a (segment-wise). */
static bool cm_below(const zd_key *a, const zd_key *b)
{
    return b->len > a->len && (a->len == 0 || b->key[a->len] == '/') &&
           memcmp(a->key, b->key, a->len) == 0;
}

static int cm_absent(const st_precond *pc, const st_stat *cur)
{
    (void)pc;
    return cur ? ZD_EPRECOND : 0;
}

static const st_precond cm_must_be_absent = {.check = cm_absent};

/* The request's checks up to the store; 0, or -1 with the answer built. */
static int cm_check(cn_conn *c, bool move, const zd_key *dst, bool *overwrite, int *depth)
{
    const zd_key *k = &c->req.key;
    if (dav_overwrite(c, overwrite)) {
        dav_error(c, 400, NULL, "bad Overwrite", "Overwrite must be T or F");
        return -1;
    }
    *depth = dav_depth(c, DAV_INFINITY);
    if (*depth == -2 || *depth == 1 || (move && *depth != DAV_INFINITY)) {
        dav_error(c, 400, NULL, "bad Depth", "%s takes Depth %s", move ? "MOVE" : "COPY",
                  move ? "infinity" : "0 or infinity");
        return -1;
    }
    if (k->len == 0 || dst->len == 0) {
        dav_error(c, 403, NULL, "forbidden", "the root collection cannot be %s",
                  k->len ? "a destination"
                  : move ? "moved"
                         : "copied");
        return -1;
    }
    if ((k->len == dst->len && memcmp(k->key, dst->key, k->len) == 0) || cm_below(k, dst) ||
        cm_below(dst, k)) {
        dav_error(c, 403, NULL, "forbidden",
                  "the source and the destination are the same or one contains the other");
        return -1;
    }
    return 0;
}

/* The request's checks from its headers alone (on the loop): 0, or -1 with the answer built. */
static int cm_begin(cn_conn *c, bool move)
{
    zd_key dst;
    bool overwrite;
    int depth;
    if (dav_destination(c, &dst) || cm_check(c, move, &dst, &overwrite, &depth)) return -1;
    hd_offload(c, true); /* a value copy or a collection walk */
    return 0;
}

/* The work step: the source, its conditions, the destination's parent and Overwrite, then the
 * change; the outcome goes to dav_answer. */
static void copymove(cn_conn *c, bool move)
{
    dav_outcome *o = dav_outcome_of(c);
    if (!o) return;
    zd_key dst;
    bool overwrite;
    int depth;
    /* Checked by cm_begin: the same headers give the same answers, none of them an error. */
    if (dav_destination(c, &dst) || cm_check(c, move, &dst, &overwrite, &depth)) return;
    const zd_key *k = &c->req.key;
    const char *what = move ? "MOVE" : "COPY";
    st_store *s = hd_store(c);
    st_stat st, dst_st, parent_st;
    bool col, dst_col, parent_col;
    int rc = s->lookup(s, k->key, &st, &col);
    if (rc == 0 && k->is_prefix && !col) rc = ZD_ENOTFOUND;
    if (rc == 0 && hd_cond_eval(c, col ? NULL : &st)) rc = ZD_EPRECOND;
    if (rc) {
        dav_store_failed(o, rc, what);
        return;
    }
    const char *slash = strrchr(dst.key, '/');
    char parent[ZD_MAX_KEY + 1] = "";
    if (slash) memcpy(parent, dst.key, (size_t)(slash - dst.key));
    if (slash) parent[slash - dst.key] = '\0';
    if (s->lookup(s, parent, &parent_st, &parent_col) != 0 || !parent_col) {
        dav_refuse(o, 409, NULL, "no parent collection",
                   "the destination's parent collection does not exist");
        return;
    }
    rc = s->lookup(s, dst.key, &dst_st, &dst_col);
    bool existed = rc == 0;
    if (rc && rc != ZD_ENOTFOUND) {
        dav_store_failed(o, rc, what);
        return;
    }
    /* Value onto value: Overwrite F is checked by the store, atomically with the change. */
    if (existed && !overwrite && (col || dst_col)) {
        dav_refuse(o, 412, NULL, "precondition failed",
                   "the destination exists and Overwrite is F");
        return;
    }
    st_tree_fail *fail = dav_outcome_fail(o);
    if (!fail) {
        dav_store_failed(o, ZD_ENOMEM, what);
        return;
    }
    rc = 0;
    if (existed && (col || dst_col)) {
        bool gone;
        rc = dst_col ? st_tree_remove(s, dst.key, fail) : s->remove(s, dst.key, NULL, &gone);
        o->walked = rc && dst_col;
    }
    st_result res;
    if (!rc && col) {
        rc = move ? st_tree_move(s, k->key, dst.key, fail)
                  : st_tree_copy(s, k->key, dst.key, depth == DAV_INFINITY, fail);
        o->walked = rc != 0;
    } else if (!rc) {
        const st_precond *pc = overwrite ? NULL : &cm_must_be_absent;
        rc = move ? s->move(s, k->key, dst.key, pc, &res) : st_copy(s, k->key, dst.key, pc, &res);
        if (rc == 0) existed = existed || !res.created; /* replaced, or deleted first */
    }
    if (rc == 0)
        o->status = existed ? 204 : 201;
    else if (rc == ZD_EPRECOND && !o->walked)
        dav_refuse(o, 412, NULL, "precondition failed",
                   "the destination exists and Overwrite is F");
    else if (!o->walked)
        dav_store_failed(o, rc, what);
}

static void copy_begin(cn_conn *c)
{
    cm_begin(c, false);
}

static void move_begin(cn_conn *c)
{
    cm_begin(c, true);
}

static void copy_work(cn_conn *c)
{
    copymove(c, false);
}

static void move_work(cn_conn *c)
{
    copymove(c, true);
}

const hd_handler hd_dav_copy = {.begin = copy_begin, .work = copy_work, .finish = dav_answer};
const hd_handler hd_dav_move = {.begin = move_begin, .work = move_work, .finish = dav_answer};
