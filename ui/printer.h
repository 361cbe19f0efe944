// SPDX-License-Identifier: Apache-2.0
/*
 * printer — the receipt printer as the "devices" status reports it
 * (drivers/devices.c): devices.printer is {"id", "state", "present",
 * "ready", …} for the printer slips go to, {"id", "state": "not
 * configured", "present": false} for one plugged in but in no list, or
 * false when there is none. The page shows the print button only when one
 * is present, and disables it (saying why: "checking" until its first
 * status answer, "paper out" …) when it is not ready, so a visitor learns
 * before tapping Print that it would not print.
 */
#ifndef MB_UI_PRINTER_H
#define MB_UI_PRINTER_H

#include <stdbool.h>

struct bus;
struct cJSON;

struct printer_info {
    bool present, ready;
    char id[64];    /* the printer's device id, "" if none */
    char state[64]; /* "ready", "checking", "paper out", "cover open", "error: …"; "" if none */
};

/* Reads the printer from bus's status (all false and "" without one). */
void printer_get(struct bus *bus, struct printer_info *p);

/* Adds "printer": {"present", "ready", "state"} to o. */
void printer_add(struct bus *bus, struct cJSON *o);

#endif
