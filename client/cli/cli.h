/* cli.h: what the zarrd-cli command files share: the command table entry, exit codes, argument
 * helpers (options, number lists, regions), whole-file input and the error report. zarrd-cli
 * uses only the public zarrd/client.h. */
#ifndef CLI_H
#define CLI_H

#include "zarrd/client.h"

#include <stddef.h>
#include <stdint.h>

/* Exit codes (documented in client/README.md and `zarrd-cli --help`). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Parsed command line after the URL and the command name: positional arguments and --options
 * (each "--name value", or a flag listed as taking no value). */
typedef struct cli_args {
    const char *pos[8];
    int npos;
    const char *opt_name[16];
    const char *opt_val[16]; /* NULL for flags */
    int nopt;
} cli_args;

typedef struct cli_command {
    const char *name;
    const char *synopsis;       /* arguments, for the usage line */
    const char *help;           /* what it does, options */
    const char *const *flags;   /* options without a value, NULL-terminated */
    const char *const *options; /* options with a value, NULL-terminated */
    int min_pos, max_pos;
    int (*run)(zc_client *c, const cli_args *a);
} cli_command;

/* The commands, defined in cli_raw.c, cli_array.c and cli_cp.c. */
extern const cli_command cli_get, cli_put, cli_patch, cli_rm, cli_ls;
extern const cli_command cli_create, cli_info, cli_write, cli_read;
extern const cli_command cli_cp;

/* The value of --name (NULL if absent); cli_flag: whether a flag was given. */
const char *cli_opt(const cli_args *a, const char *name);
int cli_flag(const cli_args *a, const char *name);

/* Print "zarrd-cli: <what>: <zc_errmsg()>" and return CLI_FAIL (rc < 0) or CLI_OK. */
int cli_report(int rc, const char *what);

/* Print a usage error and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse an unsigned decimal; 0 or -1. */
int cli_u64(const char *s, uint64_t *out);

/* Parse "A,B,C" into at most max values; count into *n. 0 or -1. */
int cli_u64_list(const char *s, uint64_t *out, int max, int *n);

/* Parse a region "START:STOP[:STEP],..." for an array of ndim dims and shape. Omitted START or
 * STOP mean 0 and the extent. 0 or -1 (message printed). */
int cli_region(const char *s, int ndim, const uint64_t *shape, uint64_t *start, uint64_t *count,
               uint64_t *step);

/* Read a whole file ("-" = stdin) into a new buffer. 0 or -1 (message printed). */
int cli_read_input(const char *path, uint8_t **data, size_t *len);

/* Store the file at path ("-" = stdin) as key's value, of any size: a regular file (stdin too,
 * when it is one, unread) is sent from the page cache (zc_put_file); a pipe or a device is sent
 * as it is read (zc_put_stream). *bytes (may be NULL) gets the size. CLI_OK or CLI_FAIL
 * (message printed). */
int cli_put_path(zc_client *c, const char *key, const char *path, uint64_t *bytes);

/* Write key's value to fd as it arrives (zc_get_stream, 64 KiB at a time), so of any size.
 * *bytes (may be NULL) gets how many were written. CLI_OK or CLI_FAIL (message printed: the
 * server's, or "writing <out_name>: <why>"). After a failure fd may hold a part of the value. */
int cli_get_to_fd(zc_client *c, const char *key, int fd, const char *out_name, uint64_t *bytes);

/* Write all bytes to stdout. 0 or -1. */
int cli_write_stdout(const void *data, size_t len);

#endif
