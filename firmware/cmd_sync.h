/*
 * cmd_sync — `matchbooth sync status|retry|now`: the sync worker's control
 * commands, through the daemon's control socket.
 */
#ifndef MB_CMD_SYNC_H
#define MB_CMD_SYNC_H

struct cli_args;

int cmd_sync_status(const struct cli_args *a);
int cmd_sync_retry(const struct cli_args *a);
int cmd_sync_now(const struct cli_args *a);

#endif
