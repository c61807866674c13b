/* cli_array.c: zarrd-cli's array commands: create, info, write, read. Array data on stdin and
 * stdout is raw C-order elements in little-endian byte order. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_DIMS 32

#define CLI_MAX_PARENTS 64

/* The groups create must write for ARRAY's parents (as zarr-python makes implicit groups): every
 * ancestor path, the URL's root included, whose zarr.json is missing, root first, into
 * missing[*n]. An ancestor that is an array: CLI_FAIL. */
static int parents_to_make(zc_client *c, const char *path, char missing[][1025], int *n)
{
    char parent[1025];
    size_t len = strlen(path);
    while (len && path[len - 1] == '/')
        len--;
    for (size_t end = 0; end < len && *n < CLI_MAX_PARENTS; end++) {
        if (end > 0 && path[end] != '/') continue; /* the root (end 0), then each '/' */
        if (end >= sizeof parent) break;
        snprintf(parent, sizeof parent, "%.*s", (int)end, path);
        zc_array *arr;
        int rc = zc_array_open(c, parent, &arr);
        if (rc == 0) {
            zc_array_close(arr);
            fprintf(stderr, "zarrd-cli: %s: an array; it cannot hold %s\n",
                    parent[0] ? parent : "/", path);
            return CLI_FAIL;
        }
        if (rc == ZC_ENOTFOUND)
            strcpy(missing[(*n)++], parent);
        else if (rc != ZC_EINVAL) /* EINVAL: a zarr.json that is no array (a group) */
            return cli_report(rc, parent[0] ? parent : "/");
    }
    return CLI_OK;
}

static int run_create(zc_client *c, const cli_args *a)
{
    uint64_t shape[CLI_MAX_DIMS], chunks[CLI_MAX_DIMS], shards[CLI_MAX_DIMS];
    int nd = 0, nc = 0, ns = 0;
    const char *sh = cli_opt(a, "--shape"), *ch = cli_opt(a, "--chunks");
    const char *sd = cli_opt(a, "--shards"), *dt = cli_opt(a, "--dtype");
    if (!sh || !ch || !dt) return cli_usage_error("create needs --shape, --chunks and --dtype");
    if (cli_u64_list(sh, shape, CLI_MAX_DIMS, &nd) < 0 ||
        cli_u64_list(ch, chunks, CLI_MAX_DIMS, &nc) < 0 || nc != nd ||
        (sd && (cli_u64_list(sd, shards, CLI_MAX_DIMS, &ns) < 0 || ns != nd)))
        return cli_usage_error("--shape, --chunks and --shards need the same number of "
                               "comma-separated extents");
    zc_array_spec s = {.ndim = nd,
                       .shape = shape,
                       .chunks = chunks,
                       .shards = sd ? shards : NULL,
                       .dtype = dt,
                       .codec = cli_opt(a, "--codec"),
                       .fill_json = cli_opt(a, "--fill")};
    char missing[CLI_MAX_PARENTS][1025];
    int nmissing = 0, st = parents_to_make(c, a->pos[0], missing, &nmissing);
    if (st != CLI_OK) return st;
    zc_array *arr;
    int rc = zc_array_create(c, a->pos[0], &s, &arr);
    if (rc == ZC_EINVAL || rc == ZC_EUNSUPPORTED) /* the options describe no valid array */
        return cli_usage_error("create %s: %s", a->pos[0], zc_errmsg());
    if (rc == 0) zc_array_close(arr);
    for (int i = 0; rc == 0 && i < nmissing; i++)
        if ((rc = zc_group_create(c, missing[i], NULL)) != 0)
            return cli_report(rc, missing[i][0] ? missing[i] : "/");
    return cli_report(rc, a->pos[0]);
}

static void print_dims(const char *label, int nd, const uint64_t *v)
{
    printf("%s", label);
    for (int d = 0; d < nd; d++)
        printf("%s%" PRIu64, d ? " x " : "", v[d]);
    printf("\n");
}

/* info of a group: its zarr.json as stored. CLI_FAIL when PATH holds no group. */
static int group_info(zc_client *c, const char *path)
{
    char key[2048];
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    snprintf(key, sizeof key, "%.*s%szarr.json", (int)(n < 1024 ? n : 1024), path, n ? "/" : "");
    void *doc;
    size_t len;
    if (zc_get(c, key, &doc, &len) < 0) return CLI_FAIL;
    int is_group = memmem(doc, len, "\"group\"", 7) != NULL;
    if (is_group) printf("group:  %s\n%.*s\n", path, (int)len, (const char *)doc);
    zc_free(doc);
    return is_group ? CLI_OK : CLI_FAIL;
}

static int run_info(zc_client *c, const cli_args *a)
{
    zc_array *arr;
    int rc = zc_array_open(c, a->pos[0], &arr);
    if (rc < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", zc_errmsg());
        if (rc == ZC_EINVAL && group_info(c, a->pos[0]) == CLI_OK)
            return cli_write_stdout(NULL, 0) < 0 ? CLI_FAIL : CLI_OK;
        fprintf(stderr, "zarrd-cli: %s: %s\n", a->pos[0], msg);
        return CLI_FAIL;
    }
    int nd = zc_array_ndim(arr);
    printf("array:  %s\ndtype:  %s (%zu bytes)\n", a->pos[0], zc_array_dtype(arr),
           zc_array_elem_size(arr));
    print_dims("shape:  ", nd, zc_array_shape(arr));
    print_dims("chunks: ", nd, zc_array_chunk_shape(arr));
    char *json;
    rc = zc_array_metadata(arr, &json);
    if (rc == 0) {
        printf("%s\n", json);
        zc_free(json);
    }
    zc_array_close(arr);
    return cli_write_stdout(NULL, 0) < 0 ? CLI_FAIL : cli_report(rc, a->pos[0]);
}

/* Open the array and parse --region; bytes of the region into *bytes. */
static int open_region(zc_client *c, const cli_args *a, zc_array **arr, uint64_t *start,
                       uint64_t *count, uint64_t *step, size_t *bytes)
{
    int rc = zc_array_open(c, a->pos[0], arr);
    if (rc < 0) return cli_report(rc, a->pos[0]);
    int nd = zc_array_ndim(*arr);
    if (cli_region(cli_opt(a, "--region"), nd, zc_array_shape(*arr), start, count, step) < 0) {
        zc_array_close(*arr);
        return CLI_USAGE;
    }
    size_t n = zc_array_elem_size(*arr);
    for (int d = 0; d < nd; d++) {
        if (count[d] && n > SIZE_MAX / count[d]) {
            zc_array_close(*arr);
            fprintf(stderr, "zarrd-cli: region too large\n");
            return CLI_FAIL;
        }
        n *= (size_t)count[d];
    }
    *bytes = n;
    return CLI_OK;
}

static int run_write(zc_client *c, const cli_args *a)
{
    zc_array *arr;
    uint64_t start[CLI_MAX_DIMS], count[CLI_MAX_DIMS], step[CLI_MAX_DIMS];
    size_t want, len;
    uint8_t *data;
    int st = open_region(c, a, &arr, start, count, step, &want);
    if (st != CLI_OK) return st;
    for (int d = 0; d < zc_array_ndim(arr); d++)
        if (step[d] != 1) {
            zc_array_close(arr);
            return cli_usage_error("write regions take no step");
        }
    if (cli_read_input(a->pos[1], &data, &len) < 0) {
        zc_array_close(arr);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (len != want) {
        fprintf(stderr, "zarrd-cli: %s has %zu bytes, the region needs %zu\n", a->pos[1], len,
                want);
        rc = CLI_FAIL;
    } else {
        rc = cli_report(zc_array_write(arr, start, count, data), a->pos[0]);
    }
    free(data);
    zc_array_close(arr);
    return rc;
}

static int run_read(zc_client *c, const cli_args *a)
{
    zc_array *arr;
    uint64_t start[CLI_MAX_DIMS], count[CLI_MAX_DIMS], step[CLI_MAX_DIMS];
    size_t bytes;
    int st = open_region(c, a, &arr, start, count, step, &bytes);
    if (st != CLI_OK) return st;
    uint8_t *buf = malloc(bytes ? bytes : 1);
    int rc = buf ? zc_array_read(arr, start, count, step, buf) : ZC_ENOMEM;
    st = cli_report(rc, a->pos[0]);
    if (st == CLI_OK && cli_write_stdout(buf, bytes) < 0) st = CLI_FAIL;
    free(buf);
    zc_array_close(arr);
    return st;
}

static const char *const no_names[] = {NULL};
static const char *const create_opts[] = {"--shape", "--chunks", "--shards", "--dtype",
                                          "--codec", "--fill",   NULL};
static const char *const region_opt[] = {"--region", NULL};

const cli_command cli_create = {
    "create",
    "ARRAY --shape N,.. --chunks N,.. [--shards N,..] --dtype T [--codec C] [--fill V]",
    "Create (or replace) the array ARRAY, and a group for each of its parents that has no\n"
    "zarr.json yet, the root included (as zarr-python does). Invalid options exit 2.\n"
    "  --shape N,..    extent of each dimension\n"
    "  --chunks N,..   chunk extents (the inner chunks when sharded)\n"
    "  --shards N,..   shard extents, multiples of the chunks (sharding_indexed)\n"
    "  --dtype T       bool, int8..int64, uint8..uint64, float16/32/64, complex64/128\n"
    "  --codec C       gzip, zstd or none (default none)\n"
    "  --fill V        fill value as JSON (default 0), e.g. 7, NaN, true\n",
    no_names,
    create_opts,
    1,
    1,
    run_create};
const cli_command cli_info = {
    "info",   "ARRAY",  "Print the array's data type, shape, chunk grid and zarr.json.\n",
    no_names, no_names, 1,
    1,        run_info};
const cli_command cli_write = {
    "write",
    "ARRAY [--region START:STOP,...] FILE|-",
    "Write raw C-order little-endian elements from FILE (- = stdin) into the region\n"
    "(default: the whole array). The input must have exactly the region's size.\n",
    no_names,
    region_opt,
    2,
    2,
    run_write};
const cli_command cli_read = {
    "read",
    "ARRAY [--region START:STOP[:STEP],...]",
    "Write the region's elements (default: the whole array) to stdout as raw C-order\n"
    "little-endian bytes. Empty START/STOP mean the array's bounds, e.g. ':,3:4'.\n",
    no_names,
    region_opt,
    1,
    1,
    run_read};
