/*
 * cmd_import — `matchbooth import FILE…`: NDJSON leads (from
 * `matchbooth export --format ndjson`) into this kiosk's store, keeping
 * their ids; importing a file twice adds nothing. Exit status 0 ok,
 * 1 failure, 2 usage.
 */
#ifndef MB_CMD_IMPORT_H
#define MB_CMD_IMPORT_H

struct cli_args;

int cmd_import_run(const struct cli_args *a);

#endif
