/* cli_raw.c: zarrd-cli's key/value commands: get, put, patch, rm, ls. */
#include "cli.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int run_get(zc_client *c, const cli_args *a)
{
    const char *range = cli_opt(a, "--range");
    if (!range) return cli_get_to_fd(c, a->pos[0], STDOUT_FILENO, "output", NULL);
    uint64_t first, last = 0;
    char buf[64];
    const char *dash = strchr(range, '-');
    size_t n = dash ? (size_t)(dash - range) : 0;
    if (!dash || n == 0 || n >= sizeof buf)
        return cli_usage_error("bad --range '%s' (want A-B or A-)", range);
    memcpy(buf, range, n);
    buf[n] = '\0';
    if (cli_u64(buf, &first) < 0 || (dash[1] && (cli_u64(dash + 1, &last) < 0 || last < first)))
        return cli_usage_error("bad --range '%s' (want A-B or A-)", range);
    void *data = NULL;
    size_t len = 0;
    int rc = zc_get_range(c, a->pos[0], first, dash[1] ? last - first + 1 : ZC_TO_END, &data, &len);
    if (rc < 0) return cli_report(rc, a->pos[0]);
    rc = cli_write_stdout(data, len);
    zc_free(data);
    return rc < 0 ? CLI_FAIL : CLI_OK;
}

static int run_put(zc_client *c, const cli_args *a)
{
    return cli_put_path(c, a->pos[0], a->pos[1], NULL);
}

static int run_patch(zc_client *c, const cli_args *a)
{
    uint64_t off;
    if (cli_u64(a->pos[1], &off) < 0) return cli_usage_error("bad OFFSET '%s'", a->pos[1]);
    uint8_t *data;
    size_t len;
    if (cli_read_input(a->pos[2], &data, &len) < 0) return CLI_FAIL;
    int rc = len ? zc_patch(c, a->pos[0], off, data, len) : 0;
    free(data);
    return cli_report(rc, a->pos[0]);
}

static int run_rm(zc_client *c, const cli_args *a)
{
    return cli_report(zc_delete(c, a->pos[0]), a->pos[0]);
}

/* A listing time as ls -l shows it, in local time ("2026-01-31 14:05"), or "-". */
static void ls_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, cap, "%16s", "-");
}

static int run_ls(zc_client *c, const cli_args *a)
{
    zc_entry *e;
    size_t n;
    const char *prefix = a->npos ? a->pos[0] : "";
    int rc = zc_list(c, prefix, cli_flag(a, "-r"), &e, &n);
    if (rc == ZC_ENOTFOUND) {
        fprintf(stderr, "zarrd-cli: %s: no such prefix (nothing is stored below it)\n", prefix);
        return CLI_FAIL;
    }
    if (rc < 0) return cli_report(rc, prefix[0] ? prefix : "/");
    bool detail = cli_flag(a, "-l");
    for (size_t i = 0; i < n; i++) {
        char size[24], when[32] = "";
        snprintf(size, sizeof size, e[i].is_dir ? "-" : "%" PRIu64, e[i].size);
        if (detail) ls_time(e[i].mtime, when, sizeof when);
        printf("%12s  %s%s%s\n", size, when, detail ? "  " : "", e[i].name);
    }
    zc_entries_free(e, n);
    return cli_write_stdout(NULL, 0) < 0 ? CLI_FAIL : CLI_OK;
}

static const char *const no_names[] = {NULL};
static const char *const range_opt[] = {"--range", NULL};
static const char *const ls_flags[] = {"-r", "-l", NULL};

const cli_command cli_get = {"get",
                             "KEY [--range A-B]",
                             "Write the value of KEY to stdout (streamed: any size).\n"
                             "  --range A-B   only bytes A..B (inclusive); A- to the end\n",
                             no_names,
                             range_opt,
                             1,
                             1,
                             run_get};
const cli_command cli_put = {
    "put",
    "KEY FILE|-",
    "Store FILE (- = stdin) as the value of KEY (atomic replace). Any size: a regular\n"
    "file, stdin too when redirected from one, is sent from the page cache; a pipe is sent\n"
    "as it is read (chunked), and stored only if it arrives whole.\n",
    no_names,
    no_names,
    2,
    2,
    run_put};
const cli_command cli_patch = {"patch",
                               "KEY OFFSET FILE|-",
                               "Write FILE (- = stdin) into KEY at byte OFFSET (at most the "
                               "current size;\nmay extend the value).\n",
                               no_names,
                               no_names,
                               3,
                               3,
                               run_patch};
const cli_command cli_rm = {
    "rm", "KEY", "Delete KEY (succeeds if it does not exist).\n", no_names, no_names, 1, 1, run_rm};
const cli_command cli_ls = {"ls",
                            "[PREFIX] [-r] [-l]",
                            "List the keys under PREFIX (default: everything): size and name,\n"
                            "directories end in '/'. A PREFIX with nothing below it: exit 1.\n"
                            "  -r   every key below PREFIX instead of one level\n"
                            "  -l   also the last modification (local time)\n",
                            ls_flags,
                            no_names,
                            0,
                            1,
                            run_ls};
