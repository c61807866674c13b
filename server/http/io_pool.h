/* io_pool.h: the I/O threads. Work that can block -- fsync, a group commit's wait, syncfs,
 * whole-value copies, shard changes with their journal waits and compactions -- runs here, never
 * on an event loop, so one slow disk operation does not stall every connection of that loop.
 * The pool is libuv's thread pool (uv_queue_work: bounded, shared by every loop, completion
 * delivered back on the loop that queued the work), sized once at start-up by iop_init.
 *
 * What stays on the loops: reads from the page cache (GET, HEAD, listings, stat), the pwrites
 * of request bodies too large to hold in memory (over 8 MiB) into their staging files, and
 * every request of the memory store but multi-range PATCH copies. Every change of the fs
 * store runs here, whatever --fsync says: even a rename or an unlink can wait seconds for the
 * file system's journal or for writeback when the disk is busy (seen in the test suite under
 * load: two servers' loops stalled over 10 s at once), and the hop to a thread costs tens of
 * microseconds (tests/bench/RESULTS-http.md, "I/O threads"). A handler marks a request with
 * cn_request.offload; conn.c then runs the handler's work step here (see handlers.h). */
#ifndef IO_POOL_H
#define IO_POOL_H

#include <uv.h>

#define IOP_DEFAULT_THREADS 16

/* Size the pool (before any work is queued; UV_THREADPOOL_SIZE in the environment wins, so an
 * operator can still set it). */
void iop_init(int threads);

/* Run work(req) on an I/O thread, then after(req, status) on loop. 0 or a libuv error. */
int iop_queue(uv_loop_t *loop, uv_work_t *req, uv_work_cb work, uv_after_work_cb after);

#endif
