/* hd_status.h: the native API's one table from the server's error space (ZD_E*, zd_error.h)
 * to an HTTP status and its short reason (the JSON error body's "error" member). Every native
 * handler and the shard endpoints answer a code through it, so a code means one status
 * everywhere (server/API.md, "Errors"); the S3 and WebDAV front-ends keep their own tables in
 * their protocols' terms. */
#ifndef HD_STATUS_H
#define HD_STATUS_H

typedef struct hd_status {
    int status;
    const char *reason;
} hd_status;

/* The status for rc (a negative ZD_E* code); anything unknown is 500 "storage error". */
hd_status hd_status_of(int rc);

#endif
