/*
 * cmd_core — the foundation's commands: capture, status, leads, note, db
 * check, db stats, config example, config check. Each returns the process
 * exit status (0 ok, 1 failure, 2 usage).
 */
#ifndef MB_CMD_CORE_H
#define MB_CMD_CORE_H

struct cli_args;

int cmd_core_capture(const struct cli_args *a);
int cmd_core_status(const struct cli_args *a);
int cmd_core_leads(const struct cli_args *a);
int cmd_core_note(const struct cli_args *a);
int cmd_core_db_check(const struct cli_args *a);
int cmd_core_db_stats(const struct cli_args *a);
int cmd_core_config_example(const struct cli_args *a);
int cmd_core_config_check(const struct cli_args *a);

#endif
