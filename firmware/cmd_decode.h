/*
 * cmd_decode — `matchbooth decode` (a payload's fields as JSON, offline) and
 * `matchbooth roster import` (an organizer's CSV into the store).
 */
#ifndef MB_CMD_DECODE_H
#define MB_CMD_DECODE_H

struct cli_args;

/* matchbooth decode [--show S] [FILE|-]: exit 0 for every payload it could
 * read (unknown ones included), 1 when the input or the config cannot be
 * read. */
int cmd_decode_run(const struct cli_args *a);

/* matchbooth roster import --show S [--map …] FILE.csv */
int cmd_decode_roster_import(const struct cli_args *a);

#endif
