// SPDX-License-Identifier: Apache-2.0
/*
 * cli — the command line: one table of commands (cli.c), each with its
 * options, summary and help, and a small option parser over getopt_long so
 * that options may stand anywhere after the command's words.
 *
 * Every command takes --config FILE (else $MATCHBOOTH_CONFIG, else
 * /etc/matchbooth/matchbooth.conf) and --help.
 */
#ifndef MB_CLI_H
#define MB_CLI_H

#include <stdbool.h>

struct config;
struct cJSON;
struct store;
struct err;

#define CLI_MAX_OPTS 16

struct cli_opt {
    const char *name; /* long name, without "--" */
    const char *arg;  /* placeholder for its argument ("FILE"), or NULL: a flag */
    const char *help;
};

struct cli_args {
    const struct cli_cmd *cmd;
    const char *config;            /* --config, or NULL */
    const char *val[CLI_MAX_OPTS]; /* per cmd->opts index: the value, "1" for flags, or NULL */
    int argc;                      /* positional arguments after the command words */
    char **argv;
};

struct cli_cmd {
    const char *name;  /* "db check": words separated by one space */
    const char *usage; /* positional part, e.g. "[PAYLOAD|-]" */
    const char *summary;
    const struct cli_opt *opts;           /* terminated by {NULL} */
    int min_args, max_args;               /* positional count bounds (-1: no max) */
    int (*run)(const struct cli_args *a); /* returns the exit status */
};

/* Entry point: dispatches argv to a command. Returns the exit status. */
int cli_main(int argc, char **argv);

/* The value of option name (NULL if not given). */
const char *cli_opt(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);

/*
 * Loads the config the way every command does (--config, env, default).
 * Prints the error and returns NULL on failure.
 */
struct config *cli_load_config(const struct cli_args *a);

/* Prints "matchbooth CMD: msg" to stderr; returns 1. */
int cli_fail(const struct cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints e as "matchbooth CMD: MESSAGE (KIND)" to stderr, KIND being
 * err_code_name(e->code) ("disk full", "not found" …; left out for ERR_OK);
 * returns 1. e must not be NULL.
 */
int cli_fail_err(const struct cli_args *a, const struct err *e);

/*
 * Opens (creating and migrating when create) the lead store named by cfg.
 * Without create, a missing store is an error that says to start the daemon
 * first. Prints the error and returns NULL on failure; close with
 * store_close().
 */
struct store *cli_open_store(const struct cli_args *a, const struct config *cfg, bool create);

/* Path of the lead store / control socket under a config (malloc'd). */
char *cli_store_path(const struct config *cfg);
char *cli_socket_path(const struct config *cfg);

/*
 * Sends req to the daemon and returns its reply (the caller's) when "ok" is
 * true; otherwise prints the error and returns NULL.
 */
struct cJSON *cli_call(const struct cli_args *a, const struct config *cfg, struct cJSON *req,
                       int timeout_ms);

/* Prints obj as one line of JSON (or pretty when pretty) to stdout. */
void cli_print_json(const struct cJSON *obj, bool pretty);

#endif
