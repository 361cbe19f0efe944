/*
 * cmd_devices — `matchbooth devices` (the scanners and printers the running
 * daemon sees) and `matchbooth print-test` (a test slip on the printer). Both
 * ask the daemon over the control socket. Each returns the exit status.
 */
#ifndef MB_CMD_DEVICES_H
#define MB_CMD_DEVICES_H

struct cli_args;

int cmd_devices_list(const struct cli_args *a);
int cmd_devices_print_test(const struct cli_args *a);

#endif
