// SPDX-License-Identifier: Apache-2.0
/*
 * export_notice — how a finished export reaches the kiosk's screen: the CLI
 * (`matchbooth export --usb`, run by systemd when a stick is plugged in)
 * tells the running daemon over the control socket ("export_done"), and the
 * daemon publishes a bus event "export" (the UI's event stream shows it:
 * "N leads written to the USB stick; you can remove it") and keeps the last
 * one as the "export" member of `matchbooth status --json`.
 *
 * Only counts, file names and the directory travel: no personal data.
 */
#ifndef MB_EXPORT_NOTICE_H
#define MB_EXPORT_NOTICE_H

#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/strv.h"

struct ctl;
struct bus;
struct export_notice;

/*
 * Daemon side: registers the "export_done" command on c and the "export"
 * status member on b. Returns NULL on ENOMEM. Free after ctl_close() and
 * before bus_free().
 */
struct export_notice *export_notice_new(struct ctl *c, struct bus *b);
void export_notice_free(struct export_notice *n); /* NULL-safe */

/*
 * CLI side: tells the daemon at socket_path that files (names) holding
 * leads were written to dir for target ("usb", "file"). Returns 0, or -1
 * with e (typically: the daemon is not running).
 */
int export_notice_send(const char *socket_path, const char *target, const char *dir,
                       const struct strv *files, int64_t leads, struct err *e);

#endif
