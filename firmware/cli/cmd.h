// SPDX-License-Identifier: Apache-2.0
/*
 * cmd — the command functions of the CLI, one cmd_<file>.c per group of
 * commands. cli.c lists them in its one table (name, options, help); each
 * function gets the parsed arguments and returns the process exit status:
 * 0 ok, 1 failure, 2 usage. None keeps a pointer to its arguments.
 */
#ifndef MB_CMD_H
#define MB_CMD_H

struct cli_args;

/*
 * cmd_card — `matchbooth card FILE.png|jpg`: feeds a business-card image
 * through the card pipeline. With a daemon running, the card is read and
 * stored by it (control command "card"); with --dry-run nothing is stored
 * and no daemon is needed: the recognised fields are printed.
 */
int cmd_card_run(const struct cli_args *a);

/*
 * cmd_catalog — `matchbooth catalog import FILE` (CSV or JSON) and
 * `matchbooth catalog search QUERY`, on the lead store's supplier catalog.
 */
int cmd_catalog_import(const struct cli_args *a);
int cmd_catalog_search(const struct cli_args *a);

/*
 * cmd_core — the foundation's commands: capture, status, leads, note, db
 * check, db stats, config example, config check. Each returns the process
 * exit status (0 ok, 1 failure, 2 usage).
 */
int cmd_core_capture(const struct cli_args *a);
int cmd_core_status(const struct cli_args *a);
int cmd_core_leads(const struct cli_args *a);
int cmd_core_note(const struct cli_args *a);
int cmd_core_db_check(const struct cli_args *a);
int cmd_core_db_stats(const struct cli_args *a);
int cmd_core_config_example(const struct cli_args *a);
int cmd_core_config_check(const struct cli_args *a);

/*
 * cmd_decode — `matchbooth decode` (a payload's fields as JSON, offline) and
 * `matchbooth roster import` (an organizer's CSV into the store).
 */
/* matchbooth decode [--show S] [FILE|-]: exit 0 for every payload it could
 * read (unknown ones included), 1 when the input or the config cannot be
 * read. */
int cmd_decode_run(const struct cli_args *a);
/* matchbooth roster import --show S [--map …] FILE.csv */
int cmd_decode_roster_import(const struct cli_args *a);

/*
 * cmd_devices — `matchbooth devices` (the scanners and printers the running
 * daemon sees) and `matchbooth print-test` (a test slip on the printer). Both
 * ask the daemon over the control socket. Each returns the exit status.
 */
int cmd_devices_list(const struct cli_args *a);
int cmd_devices_print_test(const struct cli_args *a);
/* `matchbooth devices enable ID`: the "devices-enable" control command. */
int cmd_devices_enable(const struct cli_args *a);

/*
 * cmd_enrol — `matchbooth enrol [FILE]`: applies a first-boot enrolment file
 * (see enrol.h); run as root by matchbooth-enrol.service.
 */
/* Returns the exit status: 0 applied or nothing to do, 1 failure. */
int cmd_enrol_run(const struct cli_args *a);

/*
 * cmd_export — `matchbooth export` (files for marketers, USB stick) and
 * `matchbooth import` (NDJSON from another kiosk). Exit status 0 ok,
 * 1 failure, 2 usage.
 */
int cmd_export_run(const struct cli_args *a);

/*
 * cmd_import — `matchbooth import FILE…`: NDJSON leads (from
 * `matchbooth export --format ndjson`) into this kiosk's store, keeping
 * their ids; importing a file twice adds nothing. Exit status 0 ok,
 * 1 failure, 2 usage.
 */
int cmd_import_run(const struct cli_args *a);

/*
 * cmd_sync — `matchbooth sync status|retry|now`: the sync worker's control
 * commands, through the daemon's control socket.
 */
int cmd_sync_status(const struct cli_args *a);
int cmd_sync_retry(const struct cli_args *a);
int cmd_sync_now(const struct cli_args *a);

/*
 * cmd_ui — `matchbooth ui pin`: sets the admin PIN of the kiosk's web UI
 * (kept hashed in the lead store, or printed for [ui] admin_pin_hash).
 */
int cmd_ui_pin(const struct cli_args *a);

#endif
