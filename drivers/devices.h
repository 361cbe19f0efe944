// SPDX-License-Identifier: Apache-2.0
/*
 * devices — the daemon's scanners and printers: USB devices through libusb
 * (hotplug, allow list, config), serial scanners, repeat suppression, the
 * receipt printer.
 *
 * Wiring (daemon.c): devices_start() after the loop, bus and ctl exist;
 * devices_stop() before they go. It registers:
 *   - ctl commands "devices" (list), "devices-enable" ({"id"}: admits a
 *     scanner listed as "scanner found, not enabled", remembered in
 *     <data_dir>/devices-enabled.txt) and "print-test" (prints a test slip);
 *   - the bus status provider "devices" (shown by `matchbooth status`):
 *     {"usb": "ok" or why not, "scanners": N, "printers": N,
 *      "printer": {"id", "model", "state", "present", "ready", "printed",
 *      "failed", "queued"}, or {"id", "state": "not configured", "present":
 *      false, "ready": false} for a printer plugged in but in no list, or
 *      false,
 *      "repeats_ignored": N, "devices": [one object per device]};
 *   - a bus subscription to "print" events: data {"show", "greeting",
 *     "suppliers": [{"name", "url"}], "footer", "job"} is printed on the
 *     first ready printer;
 * and publishes "device" events {"id", "kind", "state"} when a device
 * arrives, changes state or leaves, and "print_job" {"job", "state":
 * "printed" or "failed", "reason"} when the slip of a print event with a
 * job ends (refused at once, printed, or lost with its printer). A printer
 * that answers status queries is "checking" from its arrival until the
 * first answer.
 *
 * Config: [devices] usb, allowlist, repeat_window_ms, slip_suppliers; and
 * one [device.NAME] section per named device (see board/matchbooth.conf).
 */
#ifndef MB_DEVICES_H
#define MB_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct source_host;
struct ctl;
struct devices;
struct cJSON;

/*
 * Starts every device source. host (copied) gives the loop, config, bus and
 * the emit callback; ctl may be NULL (no commands registered). Scans reach
 * host->emit in the loop thread, after repeat suppression. Returns NULL with
 * e for a bad allow list or [device.*] section; a machine without USB access
 * is not an error (the state says so).
 */
struct devices *devices_start(const struct source_host *host, struct ctl *ctl, struct err *e);

/* Stops and frees everything (NULL-safe). */
void devices_stop(struct devices *d);

/*
 * Admits device id, listed as "scanner found, not enabled", now and after
 * restarts (remembered in <data_dir>/devices-enabled.txt): the control
 * command "devices-enable" and the admin page's "Enable scanner" button.
 * Adds {"id", "driver", "state"} to reply. 0, or -1 with e: ERR_INVALID
 * (no id, not a scanner waiting to be enabled, no data directory),
 * ERR_NOTFOUND (no such device), ERR_BUSY (d NULL or without USB).
 */
int devices_enable(struct devices *d, const char *id, struct cJSON *reply, struct err *e);

/*
 * Repeat suppression on its own, for tests: returns 1 if (p, n) was already
 * seen within window_ms before now_ms (and refreshes it), else 0 and
 * remembers it.
 */
struct devices_repeat;
struct devices_repeat *devices_repeat_new(uint64_t window_ms);
int devices_repeat_check(struct devices_repeat *r, const uint8_t *p, size_t n, uint64_t now_ms);
void devices_repeat_free(struct devices_repeat *r);

#endif
