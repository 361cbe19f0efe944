/*
 * cmd_export — `matchbooth export` (files for marketers, USB stick) and
 * `matchbooth import` (NDJSON from another kiosk). Exit status 0 ok,
 * 1 failure, 2 usage.
 */
#ifndef MB_CMD_EXPORT_H
#define MB_CMD_EXPORT_H

struct cli_args;

int cmd_export_run(const struct cli_args *a);

#endif
