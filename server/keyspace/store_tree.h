/* store_tree.h: whole collections over any store, built on the store interface (store.h):
 * removing one with everything below it, copying and moving one. They walk the collection
 * level by level (one listing per collection, never the whole tree in memory at once) and
 * change one value at a time through remove / st_copy / move, so each value is replaced
 * atomically under its own lock while the walk goes on: readers never see a half-copied value,
 * but may see a collection half copied, moved or deleted (RFC 4918 allows it; a failure stops
 * the walk and names the member). Made collections below are made again at the destination.
 * Values written into a collection while it is walked may or may not be included. */
#ifndef ZS_STORE_TREE_H
#define ZS_STORE_TREE_H

#include "store.h"
#include "zd_limits.h"

/* The member a walk stopped at, and why. */
typedef struct st_tree_fail {
    int rc;                   /* the store's code */
    bool collection;          /* key names a collection */
    char key[ZD_MAX_KEY + 1]; /* the member */
} st_tree_fail;

/* Remove the collection key ("" = everything below the root, which stays) and everything
 * below it. 0, or the first failure in *fail. */
int st_tree_remove(st_store *s, const char *key, st_tree_fail *fail);

/* Copy the collection src to dst (which must not exist; its parent must): dst is made, then
 * with `members` every value and collection below src is copied below dst. */
int st_tree_copy(st_store *s, const char *src, const char *dst, bool members, st_tree_fail *fail);

/* Move the collection src to dst (which must not exist; its parent must): dst is made, every
 * value below src is moved (keeping its bytes, mtime and ETag), then src's collections are
 * removed, deepest first. */
int st_tree_move(st_store *s, const char *src, const char *dst, st_tree_fail *fail);

#endif
