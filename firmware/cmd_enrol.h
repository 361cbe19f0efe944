/*
 * cmd_enrol — `matchbooth enrol [FILE]`: applies a first-boot enrolment file
 * (see enrol.h); run as root by matchbooth-enrol.service.
 */
#ifndef MB_CMD_ENROL_H
#define MB_CMD_ENROL_H

struct cli_args;

/* Returns the exit status: 0 applied or nothing to do, 1 failure. */
int cmd_enrol_run(const struct cli_args *a);

#endif
