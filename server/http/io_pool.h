/* io_pool.h: the I/O threads. Work that can block -- fsync, a group commit's wait, syncfs,
 * whole-value copies, shard changes with their journal waits and compactions -- runs here, never
 * on an event loop, so one slow disk operation does not stall every connection of that loop.
 * The pool is libuv's thread pool (uv_queue_work: bounded, shared by every loop, completion
 * delivered back on the loop that queued the work), sized once at start-up by iop_init.
 *
 * What runs here: under --fsync batch|always every change of the fs store (it waits for a
 * sync); under --fsync none the heavy ones: bodies over 64 KiB (writing a large body into the
 * page cache can be throttled for writeback: a 1 MiB-PUT writer on the loop took GET p99 from
 * 2.6 ms to 0.97 s, tests/bench/RESULTS-http.md), multi-range PATCH copies, and shard changes
 * the engine cannot make with small writes (a copy, a new file, a compaction, a checkpoint:
 * the loop tries and the engine answers ZD_EWOULDBLOCK with nothing changed). What stays on the
 * loops: reads from the page cache (GET, HEAD, listings, stat), small writes under none (the
 * hop to a thread and back costs 25-100 us, measured), the memory store. A handler marks a
 * request with cn_request.offload; conn.c then runs the handler's work step here (see
 * handlers.h). */
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
