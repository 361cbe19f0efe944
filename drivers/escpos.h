// SPDX-License-Identifier: Apache-2.0
/*
 * escpos — the ESC/POS receipt printer driver (USB printer class, bulk OUT,
 * optional bulk IN for DLE EOT status answers).
 *
 * Printing never makes the caller wait: a slip is rendered, queued (a few
 * at most) and sent when the printer is free; whether paper is out or the
 * cover is open is known from status queries sent on attach, before each
 * slip and every poll_ms while idle, and shows as the device state.
 */
#ifndef MB_ESCPOS_H
#define MB_ESCPOS_H

#include <stdint.h>

#include "drivers/slip.h"
#include "firmware/base/err.h"

struct usb_dev;

#define ESCPOS_QUEUE_MAX 4

/*
 * Renders s for the printer d (its QR mode and width) and queues it.
 * Returns 0 when queued; -1 with e when d is not a ready printer (state
 * named: "paper out", "cover open"), the queue is full (ERR_BUSY) or the
 * slip cannot be rendered.
 */
int escpos_print(struct usb_dev *d, const struct slip *s, int max_suppliers, struct err *e);

/* Decodes the answers to DLE EOT 2 (offline cause) and DLE EOT 4 (paper
 * sensor) into a state: "ready", "paper out", "cover open", "error". */
const char *escpos_status_text(uint8_t offline_cause, uint8_t paper);

#endif
