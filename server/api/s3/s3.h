/* s3.h: the S3-compatible front-end (server/S3.md): the second listener's protocol, over the
 * same key space as the native API (bucket = first path segment under the root, object key
 * = the rest). main.c opens the service (credentials, options), hands s3_frontend to the
 * S3 listener of every worker, and runs the sweep that reclaims abandoned multipart uploads
 * on its own loop. */
#ifndef ZS_S3_H
#define ZS_S3_H

#include "conn.h"
#include "options.h"
#include "store.h"

#include <stddef.h>
#include <uv.h>

typedef struct s3_service s3_service;

/* Load --s3-keys (if any) and keep what the front-end needs. On failure writes a reason to
 * err and returns a negative code. */
int s3_service_open(const opt_config *cfg, st_store *store, s3_service **out, char *err,
                    size_t errlen);
void s3_service_close(s3_service *svc);

/* Reclaim abandoned uploads now and then every so often on loop (until s3_sweep_stop). */
int s3_sweep_start(s3_service *svc, uv_loop_t *loop);
void s3_sweep_stop(s3_service *svc);

extern const cn_frontend s3_frontend;

#endif
