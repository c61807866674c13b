/* main.c: zarrd-cli, the command line over libzarrd-client:
 *   zarrd-cli URL COMMAND [ARGS...]
 * Dispatches to the commands in cli_raw.c, cli_array.c and cli_cp.c. Exit codes: 0 success,
 * 1 server or I/O error, 2 usage error. The bearer token comes from $ZARRD_TOKEN. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command *const commands[] = {
    &cli_get,    &cli_put,  &cli_patch, &cli_rm,   &cli_ls,
    &cli_create, &cli_info, &cli_write, &cli_read, &cli_cp,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: zarrd-cli URL COMMAND [ARGS...]\n"
               "       zarrd-cli [URL] COMMAND --help\n\n"
               "URL is the server's base URL, http://HOST:PORT[/PREFIX]. Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-7s %s\n", commands[i]->name, commands[i]->synopsis);
    fprintf(f, "\nEnvironment: ZARRD_TOKEN   bearer token for servers run with --token-file\n"
               "Exit codes:  0 success, 1 server or I/O error, 2 usage error\n");
}

static void command_help(const cli_command *cmd)
{
    printf("usage: zarrd-cli URL %s %s\n\n%s", cmd->name, cmd->synopsis, cmd->help);
}

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

static int listed(const char *const *names, const char *s)
{
    for (; *names; names++)
        if (strcmp(*names, s) == 0) return 1;
    return 0;
}

static int parse(const cli_command *cmd, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (listed(cmd->flags, s) || listed(cmd->options, s)) {
            if (a->nopt == (int)(sizeof a->opt_name / sizeof a->opt_name[0]))
                return cli_usage_error("too many options");
            int takes = listed(cmd->options, s);
            if (takes && i + 1 >= argc) return cli_usage_error("%s needs a value", s);
            a->opt_name[a->nopt] = s;
            a->opt_val[a->nopt++] = takes ? argv[++i] : NULL;
        } else if (s[0] == '-' && s[1] != '\0') {
            return cli_usage_error("%s: unknown option '%s'", cmd->name, s);
        } else {
            if (a->npos == cmd->max_pos)
                return cli_usage_error("%s: too many arguments", cmd->name);
            a->pos[a->npos++] = s;
        }
    }
    if (a->npos < cmd->min_pos)
        return cli_usage_error("%s: missing arguments: %s", cmd->name, cmd->synopsis);
    return CLI_OK;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("zarrd-cli %s\n", ZARRD_VERSION);
        return CLI_OK;
    }
    /* "zarrd-cli COMMAND --help" without a URL. */
    const cli_command *cmd = find(argv[1]);
    if (cmd && wants_help(argc - 2, argv + 2)) {
        command_help(cmd);
        return CLI_OK;
    }
    if (argc < 3) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!(cmd = find(argv[2]))) return cli_usage_error("unknown command '%s'", argv[2]);
    if (wants_help(argc - 3, argv + 3)) {
        command_help(cmd);
        return CLI_OK;
    }
    cli_args a;
    int st = parse(cmd, argc - 3, argv + 3, &a);
    if (st != CLI_OK) return st;
    zc_options o;
    zc_options_init(&o);
    o.token = getenv("ZARRD_TOKEN");
    zc_client *c;
    int rc = zc_client_open(argv[1], &o, &c);
    if (rc < 0) {
        fprintf(stderr, "zarrd-cli: %s\n", zc_errmsg());
        return CLI_USAGE;
    }
    st = cmd->run(c, &a);
    zc_client_close(c);
    return st;
}
