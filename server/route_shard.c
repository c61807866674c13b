/* route_shard.c: the hook for the shard endpoints (`?chunk=C` on GET/PUT/DELETE, `?batch` on
 * POST; see DESIGN.md). The router sends every such request here. The shard engine
 * (server/shard_*.c) replaces this file's body; until then the answer is 501. */
#include "handlers.h"

static void shard_begin(cn_conn *c)
{
    rs_error(c, 501, "not implemented", "shard endpoints (?chunk=, ?batch) are not available yet");
}

const hd_handler hd_shard = {.begin = shard_begin};
