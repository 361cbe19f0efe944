// SPDX-License-Identifier: Apache-2.0
/*
 * cli — the command table and the shared option handling.
 *
 * Add a command by writing its run function in firmware/cmd_<name>.c and a
 * row in cli_commands below; help and option parsing come from the row.
 */
#include "firmware/cli/cli.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/err.h"
#include "firmware/cli/cmd.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/app/daemon.h"
#include "firmware/store/store.h"

static const struct cli_opt no_opts[] = {{NULL, NULL, NULL}};

static const struct cli_opt run_opts[] = {
    {"log-level", "LEVEL", "override [kiosk] log_level (debug, info, warn, error)"},
    {NULL, NULL, NULL}};

static const struct cli_opt capture_opts[] = {
    {"source", "SOURCE", "scanner (default), card, manual or import"},
    {"device", "NAME", "device name recorded with the scan (default: cli)"},
    {"symbology", "NAME", "symbology recorded with the scan (qr, pdf417, code128 …)"},
    {"base64", NULL, "PAYLOAD is base64 (binary-safe)"},
    {NULL, NULL, NULL}};

static const struct cli_opt json_opts[] = {{"json", NULL, "machine-readable JSON"},
                                           {NULL, NULL, NULL}};

static const struct cli_opt leads_opts[] = {
    {"show", "SHOW", "only leads of this show"},
    {"json", NULL, "one JSON object per line"},
    {"raw", NULL, "with --json: add the raw scans (base64)"},
    {NULL, NULL, NULL}};

static const struct cli_opt note_opts[] = {
    {"operator", "NAME", "who writes the note (required; one note per operator)"},
    {"text", "TEXT", "the note"},
    {"rating", "1-5", "a rating from 1 to 5"},
    {"tags", "A,B", "comma-separated tags"},
    {NULL, NULL, NULL}};

static const struct cli_opt card_opts[] = {
    {"dry-run", NULL, "read only and print the fields; no daemon, nothing stored"},
    {"json", NULL, "machine-readable JSON"},
    {"languages", "L,L", "with --dry-run: Tesseract languages (default: the show's)"},
    {"country", "CC", "with --dry-run: country for phone numbers (default: the show's)"},
    {"device", "NAME", "device name recorded with the scan (default: file:NAME)"},
    {"review", NULL,
     "hand the read to the kiosk's screen for the visitor to review, as the camera does "
     "(nothing stored until confirmed there)"},
    {NULL, NULL, NULL}};

static const struct cli_opt enrol_opts[] = {
    {"root", "DIR", "look for the boot-partition file under DIR instead of /"},
    {"keep", NULL, "leave the enrolment file where it is (default: delete it once applied)"},
    {NULL, NULL, NULL}};

static const struct cli_opt export_opts[] = {
    {"format", "FMT", "csv, xlsx, vcf or ndjson (with --usb: only this one)"},
    {"show", "SHOW", "the show to export (default: [kiosk] show)"},
    {"all-shows", NULL, "every show in the store"},
    {"since", "TIME", "leads first captured at or after TIME (ISO 8601; no offset = UTC)"},
    {"until", "TIME", "leads first captured before TIME"},
    {"out", "FILE|DIR", "write FILE, or a named file in DIR (atomically); default stdout"},
    {"usb", NULL, "write [export] usb_formats to the stick mounted at [export] usb_path"},
    {NULL, NULL, NULL}};

static const struct cli_opt import_opts[] = {
    {"queue", NULL, "queue the added leads for this kiosk's sinks ([sink.*]), as captures are"},
    {NULL, NULL, NULL}};

static const struct cli_opt decode_opts[] = {
    {"show", "SHOW", "decode with this show's profile (default: [kiosk] show)"},
    {NULL, NULL, NULL}};

static const struct cli_opt roster_opts[] = {
    {"show", "SHOW", "the show whose roster this is (required)"},
    {"map", "F=COL,…",
     "columns for fields, e.g. badge_id=Reg No,given_name=First (default: by header)"},
    {NULL, NULL, NULL}};

static const struct cli_opt pin_opts[] = {
    {"print", NULL, "print the [ui] admin_pin_hash line instead of storing the hash"},
    {NULL, NULL, NULL}};

static const struct cli_opt search_opts[] = {
    {"lang", "LANG", "language of the names printed (en, zh-Hant, zh-Hans, de, fr, es, hi)"},
    {NULL, NULL, NULL}};

static const struct cli_opt sync_retry_opts[] = {{"sink", "NAME", "only entries of this sink"},
                                                 {"lead", "LEAD-ID", "only entries of this lead"},
                                                 {NULL, NULL, NULL}};

static const struct cli_cmd cli_commands[] = {
    {"run", "", "start the daemon (event loop, scanners, UI, sync)", run_opts, 0, 0,
     daemon_main_cli},
    {"capture", "PAYLOAD|-",
     "inject a scan into the running daemon, exactly as a scanner would, and print the stored "
     "lead as JSON",
     capture_opts, 1, 1, cmd_core_capture},
    {"card", "FILE",
     "read a business-card image (PNG, JPEG): QR code first, else OCR; stored by the running "
     "daemon, or printed with --dry-run",
     card_opts, 1, 1, cmd_card_run},
    {"decode", "[FILE|-]",
     "decode a payload (a file, or stdin) with the show's profile and print its fields as JSON; "
     "works without a daemon and without a config",
     decode_opts, 0, 1, cmd_decode_run},
    {"roster import", "FILE.csv",
     "load an organizer's attendee list (CSV, any delimiter) as the show's roster, replacing "
     "the old one",
     roster_opts, 1, 1, cmd_decode_roster_import},
    {"status", "", "print the running daemon's state", json_opts, 0, 0, cmd_core_status},
    {"leads", "", "list the stored leads", leads_opts, 0, 0, cmd_core_leads},
    {"note", "LEAD-ID", "set an operator's note, rating and tags on a lead", note_opts, 1, 1,
     cmd_core_note},
    {"export", "",
     "write the leads as CSV, XLSX, vCard or NDJSON (one row per lead; progress on a terminal)",
     export_opts, 0, 0, cmd_export_run},
    {"import", "FILE…",
     "add the leads of NDJSON exports (from another kiosk) to the store, keeping their ids; "
     "known ids are skipped",
     import_opts, 1, -1, cmd_import_run},
    {"db check", "", "run SQLite's integrity and foreign-key checks on the lead store", no_opts, 0,
     0, cmd_core_db_check},
    {"db stats", "", "print counts from the lead store", json_opts, 0, 0, cmd_core_db_stats},
    {"config example", "", "print the example config: every key with its default and doc", no_opts,
     0, 0, cmd_core_config_example},
    {"config check", "", "load and validate the config, then print the show it runs", no_opts, 0, 0,
     cmd_core_config_check},
    {"enrol", "[FILE]",
     "first boot: install an enrolment file (default: matchbooth.conf on the boot partition) as "
     "the config",
     enrol_opts, 0, 1, cmd_enrol_run},
    {"ui pin", "",
     "set the admin PIN of the web UI: reads it from stdin and stores only a PBKDF2 hash", pin_opts,
     0, 0, cmd_ui_pin},
    {"catalog import", "FILE",
     "replace the supplier catalog with FILE (CSV or .json: id, names, categories, country, "
     "url, description)",
     no_opts, 1, 1, cmd_catalog_import},
    {"catalog search", "QUERY", "search the supplier catalog (any language) and list the hits",
     search_opts, 1, 1, cmd_catalog_search},
    {"devices", "", "list the scanners and printers the daemon sees, with their state", json_opts,
     0, 0, cmd_devices_list},
    {"devices enable", "DEVICE-ID",
     "admit a scanner listed as 'scanner found, not enabled' (remembered across restarts)",
     json_opts, 1, 1, cmd_devices_enable},
    {"print-test", "", "print a test slip on the receipt printer", no_opts, 0, 0,
     cmd_devices_print_test},
    {"sync status", "", "show each sink's queue, errors and rejected leads, and online state",
     json_opts, 0, 0, cmd_sync_status},
    {"sync retry", "", "queue rejected entries again (all, or of one sink or lead)",
     sync_retry_opts, 0, 0, cmd_sync_retry},
    {"sync now", "", "wake the sync worker: skip back-off waits, send partial batches", no_opts, 0,
     0, cmd_sync_now},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

static int words_of(const char *name)
{
    int n = 1;
    for (; *name; name++)
        n += *name == ' ';
    return n;
}

/* Does argv[0..] start with the words of name? */
static bool matches(const char *name, int argc, char **argv)
{
    int w = words_of(name);
    if (argc < w)
        return false;
    const char *p = name;
    for (int i = 0; i < w; i++) {
        size_t l = strcspn(p, " ");
        if (strlen(argv[i]) != l || strncmp(argv[i], p, l) != 0)
            return false;
        p += l + (p[l] == ' ');
    }
    return true;
}

static void print_cmd_help(FILE *out, const struct cli_cmd *c)
{
    fprintf(out, "usage: matchbooth %s [OPTIONS]%s%s\n\n%s\n\noptions:\n", c->name,
            *c->usage ? " " : "", c->usage, c->summary);
    for (const struct cli_opt *o = c->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-24s %s\n", left, o->help);
    }
    fprintf(out, "  %-24s %s\n", "--config FILE",
            "config file (default: $MATCHBOOTH_CONFIG, else " CONFIG_DEFAULT_PATH ")");
    fprintf(out, "  %-24s %s\n", "--help", "show this help");
}

static void print_help(FILE *out)
{
    fprintf(out,
            "matchbooth %s — lead-capture kiosk firmware\n\n"
            "usage: matchbooth COMMAND [OPTIONS] [ARGS]\n\ncommands:\n",
            MB_VERSION);
    for (const struct cli_cmd *c = cli_commands; c->name; c++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", c->name, *c->usage ? " " : "", c->usage);
        fprintf(out, "  %-28s %s\n", left, c->summary);
    }
    fprintf(out, "\nEvery command takes --config FILE and --help. `matchbooth COMMAND --help` "
                 "lists a command's options.\nmatchbooth --version prints the version.\n");
}

const char *cli_opt(const struct cli_args *a, const char *name)
{
    for (int i = 0; a->cmd->opts[i].name; i++)
        if (!strcmp(a->cmd->opts[i].name, name))
            return a->val[i];
    return NULL;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
    return cli_opt(a, name) != NULL;
}

int cli_fail(const struct cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "matchbooth %s: ", a->cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_fail_err(const struct cli_args *a, const struct err *e)
{
    if (e->code == ERR_OK)
        return cli_fail(a, "%s", e->msg);
    return cli_fail(a, "%s (%s)", e->msg, err_code_name(e->code));
}

struct config *cli_load_config(const struct cli_args *a)
{
    struct err e = {0};
    const char *path = config_path(a->config);
    struct config *c = config_load(path, &e);
    if (!c)
        cli_fail_err(a, &e);
    return c;
}

char *cli_store_path(const struct config *cfg)
{
    char *p = NULL;
    if (asprintf(&p, "%s/leads.db", config_str(cfg, "kiosk", "data_dir")) < 0)
        return NULL;
    return p;
}

char *cli_socket_path(const struct config *cfg)
{
    const char *s = config_str(cfg, "kiosk", "control_socket");
    char *p = NULL;
    if (s && *s)
        return strdup(s);
    if (asprintf(&p, "%s/control.sock", config_str(cfg, "kiosk", "data_dir")) < 0)
        return NULL;
    return p;
}

struct store *cli_open_store(const struct cli_args *a, const struct config *cfg, bool create)
{
    struct err e = {0};
    char *path = cli_store_path(cfg);
    struct store *s = NULL;
    if (!path)
        cli_fail(a, "out of memory");
    else if (!create && access(path, F_OK) != 0)
        cli_fail(a, "%s: no lead store here yet (start the daemon with `matchbooth run` first)",
                 path);
    else if (!(s = store_open(path, &e)))
        cli_fail_err(a, &e);
    free(path);
    return s;
}

cJSON *cli_call(const struct cli_args *a, const struct config *cfg, cJSON *req, int timeout_ms)
{
    struct err e = {0};
    cJSON *reply = NULL;
    char *sock = cli_socket_path(cfg);
    if (!sock || ctl_call(sock, req, &reply, timeout_ms, &e) < 0) {
        if (sock)
            cli_fail_err(a, &e);
        else
            cli_fail(a, "out of memory");
        free(sock);
        return NULL;
    }
    free(sock);
    if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
        const cJSON *msg = cJSON_GetObjectItem(reply, "error");
        cli_fail(a, "%s", cJSON_IsString(msg) ? msg->valuestring : "the daemon refused");
        cJSON_Delete(reply);
        return NULL;
    }
    cJSON_DeleteItemFromObject(reply, "ok");
    return reply;
}

void cli_print_json(const cJSON *obj, bool pretty)
{
    char *t = pretty ? cJSON_Print(obj) : cJSON_PrintUnformatted(obj);
    if (t) {
        fputs(t, stdout);
        fputc('\n', stdout);
    }
    free(t);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        print_help(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("matchbooth %s\n", MB_VERSION);
        return 0;
    }
    /* The longest matching command name wins ("db check" over "db"). */
    const struct cli_cmd *cmd = NULL;
    for (const struct cli_cmd *c = cli_commands; c->name; c++)
        if (matches(c->name, argc - 1, argv + 1) &&
            (!cmd || words_of(c->name) > words_of(cmd->name)))
            cmd = c;
    if (!cmd) {
        bool group = false;
        for (const struct cli_cmd *c = cli_commands; c->name; c++)
            if (!strncmp(c->name, argv[1], strlen(argv[1])) && c->name[strlen(argv[1])] == ' ') {
                if (!group)
                    fprintf(stderr, "matchbooth %s: which one?\n", argv[1]);
                group = true;
                fprintf(stderr, "  matchbooth %s %s\n", c->name, c->usage);
            }
        if (!group)
            fprintf(stderr, "matchbooth: unknown command '%s' (see matchbooth --help)\n", argv[1]);
        return 2;
    }

    struct cli_args a = {.cmd = cmd};
    struct option lo[CLI_MAX_OPTS + 3];
    int n = 0;
    for (; cmd->opts[n].name && n < CLI_MAX_OPTS; n++)
        lo[n] = (struct option){cmd->opts[n].name,
                                cmd->opts[n].arg ? required_argument : no_argument, NULL, 1000 + n};
    lo[n] = (struct option){"config", required_argument, NULL, 'c'};
    lo[n + 1] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 2] = (struct option){NULL, 0, NULL, 0};

    int skip = words_of(cmd->name);
    int sub_argc = argc - skip;
    char **sub_argv = argv + skip; /* sub_argv[0] is the last command word */
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(sub_argc, sub_argv, ":c:h", lo, NULL)) != -1) {
        if (ch == 'c') {
            a.config = optarg;
        } else if (ch == 'h') {
            print_cmd_help(stdout, cmd);
            return 0;
        } else if (ch >= 1000) {
            a.val[ch - 1000] = optarg ? optarg : "1";
        } else if (ch == ':') {
            fprintf(stderr, "matchbooth %s: option %s needs an argument\n", cmd->name,
                    sub_argv[optind - 1]);
            return 2;
        } else {
            fprintf(stderr, "matchbooth %s: unknown option %s (see matchbooth %s --help)\n",
                    cmd->name, sub_argv[optind - 1], cmd->name);
            return 2;
        }
    }
    a.argc = sub_argc - optind;
    a.argv = sub_argv + optind;
    if (a.argc < cmd->min_args || (cmd->max_args >= 0 && a.argc > cmd->max_args)) {
        fprintf(stderr, "usage: matchbooth %s [OPTIONS]%s%s\n", cmd->name, *cmd->usage ? " " : "",
                cmd->usage);
        return 2;
    }
    return cmd->run(&a);
}
