/* zarrd/client.h: the public C API of libzarrd-client, the client of the zarrd Zarr v3 storage
 * service.
 *
 * A zc_client is an opaque handle on one server base URL (`http://host:port[/prefix]`). It owns
 * keep-alive HTTP/1.1 connections and a pool of worker threads that run the codec pipeline.
 * Every function is thread-safe: any number of threads may share one client.
 *
 * Errors: every fallible function returns 0 or a negative ZC_E* code. zc_errmsg() returns the
 * message of the last failing call made by the calling thread; for server errors it carries the
 * HTTP status and the server's JSON "error"/"detail". Memory the library returns (zc_get
 * buffers, listings) is released with zc_free / zc_entries_free.
 *
 * Retries: GET, HEAD, PUT and DELETE are retried with exponential backoff when the connection
 * fails, times out, or the server answers 502/503/504; PATCH and POST never are (they are not
 * idempotent), except when the request provably never reached the server (it could not be
 * sent completely). */
#ifndef ZARRD_CLIENT_H
#define ZARRD_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. The first ten equal common/zd_error.h's ZD_E* codes. */
enum {
    ZC_OK = 0,
    ZC_ENOMEM = -1,       /* allocation failed */
    ZC_EINVAL = -2,       /* invalid argument or request (HTTP 400) */
    ZC_ERANGE = -3,       /* out of range; range not satisfiable (HTTP 416) */
    ZC_ECORRUPT = -4,     /* stored data fails validation (checksum, framing, metadata) */
    ZC_EUNSUPPORTED = -5, /* valid but not supported (HTTP 415, unknown codec...) */
    ZC_EOVERFLOW = -6,    /* a size is too large (HTTP 413) */
    ZC_EIO = -7,          /* connection lost, malformed response, local file error */
    ZC_ENOTFOUND = -8,    /* no such key (HTTP 404) */
    ZC_ECONFLICT = -9,    /* request contradicts stored state (HTTP 409, 412) */
    ZC_ECONNECT = -20,    /* cannot connect to the server (refused, unreachable, DNS) */
    ZC_ETIMEDOUT = -21,   /* connect or I/O timeout */
    ZC_EDENIED = -22,     /* authentication or authorisation refused (HTTP 401, 403) */
    ZC_ESERVER = -23,     /* the server failed (HTTP 5xx) */
    ZC_EHTTP = -24,       /* any other unexpected HTTP status */
};

/* Short fixed description of a code, e.g. "cannot connect". */
const char *zc_strerror(int code);

/* The message of the last failing zc_* call made by this thread ("" if none). */
const char *zc_errmsg(void);

/* The HTTP status of the last response this thread's zc_* calls received (e.g. 404 after a
 * zc_get that returned ZC_ENOTFOUND, 503 after ZC_ESERVER), or 0 if the last request got no
 * response (could not connect, timed out, connection lost) or none was made. For array reads
 * and writes, whose requests run on the client's workers: the status of the first failing
 * request, else of a request of the last items done. A call refused before any request (an
 * invalid key, say) leaves it as it was. */
int zc_last_status(void);

/* How partial writes of sharded arrays reach the server (see client/README.md). */
typedef enum zc_shard_write_mode {
    ZC_SHARD_WRITE_SERVER = 0, /* encoded inner chunks to the shard endpoints (default) */
    ZC_SHARD_WRITE_RANGE = 1,  /* client-side sharding, fixed-size slots, byte-range PATCH */
    ZC_SHARD_WRITE_WHOLE = 2,  /* read the shard, merge, PUT the whole shard */
} zc_shard_write_mode;

typedef struct zc_options {
    int max_workers;        /* pipeline threads; 0 = number of online cores */
    int connect_timeout_ms; /* 0 = 5000 */
    int io_timeout_ms;      /* per send/receive wait; 0 = 60000 */
    int retries;            /* extra attempts for idempotent requests; -1 = none, 0 = 3 */
    const char *token;      /* bearer token sent as Authorization, or NULL */
    int write_empty_chunks; /* nonzero: store chunks equal to the fill value too */
    zc_shard_write_mode shard_write_mode;
} zc_options;

/* Set every option to its default. */
void zc_options_init(zc_options *opts);

typedef struct zc_client zc_client;

/* Open a client for `url` (http://host[:port][/prefix]); opts may be NULL for the defaults.
 * No connection is made yet: a server that is down shows up on the first request. */
int zc_client_open(const char *url, const zc_options *opts, zc_client **out);

/* Stop the workers, close the connections, free the client. NULL is a no-op. */
void zc_client_close(zc_client *c);

/* Free memory returned by zc_get / zc_get_range. */
void zc_free(void *p);

/* ---- Raw key/value operations. Keys are '/'-separated, relative to the URL's prefix. ---- */

#define ZC_TO_END UINT64_MAX

/* Whole value into a new buffer (*data, *len; free with zc_free). ZC_ENOTFOUND if absent. */
int zc_get(zc_client *c, const char *key, void **data, size_t *len);

/* The whole value, passed to sink(arg, piece, n) piece by piece as it arrives instead of held
 * in memory: a value of any size (zarrd-cli get writes to its output this way). sink returns 0
 * to go on; anything else stops the transfer (ZC_EIO). *len (may be NULL) gets the bytes passed
 * on. Once a piece has been passed on the request is not retried, so after a failure midway
 * the sink has seen a part of the value. ZC_ENOTFOUND if absent. */
typedef int (*zc_sink)(void *arg, const void *data, size_t len);
int zc_get_stream(zc_client *c, const char *key, zc_sink sink, void *arg, uint64_t *len);

/* Bytes [offset, offset + length) (length ZC_TO_END: to the end); a range that ends past the
 * value is clipped; ZC_ERANGE if offset is at or past the end. */
int zc_get_range(zc_client *c, const char *key, uint64_t offset, uint64_t length, void **data,
                 size_t *len);

/* Size of a value without fetching it. ZC_ENOTFOUND if absent. */
int zc_head(zc_client *c, const char *key, uint64_t *size);

/* Atomically create or replace a value. */
int zc_put(zc_client *c, const char *key, const void *data, size_t len);

/* zc_put of the regular file open at fd: its bytes from offset 0 to its size at the call, sent
 * from the page cache (sendfile) rather than from memory, so a file of any size (one of at most
 * 64 KiB is read and sent with the request's head). ZC_EINVAL if fd is not a regular file;
 * ZC_EIO if it shrinks during the transfer (not retried). */
int zc_put_file(zc_client *c, const char *key, int fd);

/* zc_put of a value whose length is not known ahead (a pipe, a socket, a generator), taken from
 * source(arg, buf, cap) piece by piece and sent as it comes (HTTP chunked transfer coding), so
 * through constant memory. source puts up to cap bytes into buf and returns how many; it
 * returns 0 at the end of the value, and -1 to stop the transfer (ZC_EIO). The value is stored
 * only once all of it has arrived: a transfer that stops or fails midway leaves the key as it
 * was. Once source has been called the request is not retried. *len (may be NULL) gets the
 * bytes taken from source. ZC_EINVAL if source is NULL. */
typedef ssize_t (*zc_source)(void *arg, void *buf, size_t cap);
int zc_put_stream(zc_client *c, const char *key, zc_source source, void *arg, uint64_t *len);

/* Write `len` bytes at `offset` of an existing value (offset <= its size; may extend it). */
int zc_patch(zc_client *c, const char *key, uint64_t offset, const void *data, size_t len);

/* Delete a value; deleting an absent key succeeds. */
int zc_delete(zc_client *c, const char *key);

typedef struct zc_entry {
    char *name;    /* relative to the listed prefix; directories end in '/' */
    uint64_t size; /* bytes; 0 for directories */
    int is_dir;
    int64_t mtime; /* last modification, seconds since the epoch; 0 when unknown */
} zc_entry;

/* List the keys under `prefix` ("" = everything); recursive: every key below, else one level.
 * *entries is an array of *n entries, freed with zc_entries_free. ZC_ENOTFOUND when the
 * prefix names no collection (nothing is stored below it). */
int zc_list(zc_client *c, const char *prefix, int recursive, zc_entry **entries, size_t *n);
void zc_entries_free(zc_entry *entries, size_t n);

/* ---- Arrays and groups (Zarr v3). Paths are keys of the node ("" = the root). ---- */

typedef struct zc_array zc_array;

/* A simple array description for zc_array_create. */
typedef struct zc_array_spec {
    int ndim;               /* 1..32 */
    const uint64_t *shape;  /* ndim extents */
    const uint64_t *chunks; /* ndim chunk extents (inner chunks when sharded) */
    const uint64_t *shards; /* ndim shard extents (multiples of chunks), or NULL */
    const char *dtype;      /* Zarr v3 name: "uint8", "float32", ... */
    const char *codec;      /* "none" (or NULL), "gzip", "zstd" */
    int level;              /* compression level (gzip 1..9, zstd); 0 = the codec's default */
    const char *fill_json;  /* fill_value as JSON text ("0", "NaN", "true"), NULL = zero */
} zc_array_spec;

/* Create (or replace) an array at `path` by writing its zarr.json. */
int zc_array_create(zc_client *c, const char *path, const zc_array_spec *spec, zc_array **out);

/* The same from a complete zarr.json document (validated before it is written). */
int zc_array_create_json(zc_client *c, const char *path, const char *zarr_json, zc_array **out);

/* Open an existing array (reads and validates its zarr.json). */
int zc_array_open(zc_client *c, const char *path, zc_array **out);

/* Free the handle (the array is untouched). NULL is a no-op. */
void zc_array_close(zc_array *a);

/* Write a group's zarr.json; attributes_json is a JSON object or NULL. */
int zc_group_create(zc_client *c, const char *path, const char *attributes_json);

/* Shape of the array: zc_array_ndim() values. */
int zc_array_ndim(const zc_array *a);
const uint64_t *zc_array_shape(const zc_array *a);
/* Extents of the chunk grid's chunks (the shards for a sharded array). */
const uint64_t *zc_array_chunk_shape(const zc_array *a);
/* Element size in bytes and Zarr v3 data type name. */
size_t zc_array_elem_size(const zc_array *a);
const char *zc_array_dtype(const zc_array *a);
/* The array's zarr.json as text (free with zc_free). */
int zc_array_metadata(const zc_array *a, char **json);

/* Write the C-order block `buf` of `shape` elements at `start` (elements in native
 * little-endian byte order). Chunks the block covers are replaced; partially covered chunks
 * are read, merged and re-encoded. Unless write_empty_chunks is set, chunks left equal to the
 * fill value are deleted instead of stored. */
int zc_array_write(zc_array *a, const uint64_t *start, const uint64_t *shape, const void *buf);

/* Read into the C-order block `buf` of `shape` elements the elements start + i * step (step
 * NULL = all 1). Missing chunks read as the fill value. */
int zc_array_read(zc_array *a, const uint64_t *start, const uint64_t *shape, const uint64_t *step,
                  void *buf);

#ifdef __cplusplus
}
#endif

#endif
