/* io_pool.c: the I/O threads over libuv's thread pool (see io_pool.h). */
#include "io_pool.h"

#include <stdio.h>
#include <stdlib.h>

void iop_init(int threads)
{
    char n[16];
    snprintf(n, sizeof n, "%d", threads > 0 ? threads : IOP_DEFAULT_THREADS);
    setenv("UV_THREADPOOL_SIZE", n, 0); /* read by libuv when the pool starts */
}

int iop_queue(uv_loop_t *loop, uv_work_t *req, uv_work_cb work, uv_after_work_cb after)
{
    return uv_queue_work(loop, req, work, after);
}
