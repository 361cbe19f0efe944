// SPDX-License-Identifier: Apache-2.0
/*
 * capture — the one path every scan takes, whatever its source: decode with
 * the current show's profile, store durably, then tell the rest of the
 * daemon (bus event "lead" or "unknown_scan").
 *
 * The control socket's `capture` command, the scanners, the FIFO, the UI's
 * manual entry and the card reader all call capture_scan(), so a scan is
 * acknowledged only after its commit, wherever it came from.
 */
#ifndef MB_CAPTURE_H
#define MB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/lead.h"

struct cJSON;
struct config;
struct store;
struct bus;
struct show;

struct capture;

struct capture_in {
    enum lead_source source;
    const char *device;    /* may be NULL */
    const char *symbology; /* may be NULL */
    const uint8_t *payload;
    size_t len;
    /* Fields already known (manual entry, OCR review); NULL: decode payload. */
    const struct lead_fields *fields;
};

/* Borrows every argument; they must outlive the capture. NULL on ENOMEM.
 * Call capture_set_show() before the first scan to apply the config. */
struct capture *capture_new(const struct config *cfg, const struct show *show, struct store *st,
                            struct bus *bus);
void capture_free(struct capture *c);

/*
 * Points the pipeline at another config/show (after SIGHUP) and compiles
 * [kiosk] staff_badges. Returns 0, or -1 with e naming the key when the
 * pattern is not a valid POSIX extended regular expression (the pipeline
 * then keeps its previous pattern).
 */
int capture_set_show(struct capture *c, const struct config *cfg, const struct show *show,
                     struct err *e);

/*
 * Decodes, stores and publishes one scan. On success *result (the caller's)
 * is the stored lead as JSON plus "created" and "scan_id", or for an unknown
 * payload {"unknown": true, "scan_id", "format": "unknown", "raw_base64"}.
 * A payload matching [kiosk] staff_badges is a staff member's badge, not a
 * visitor's: nothing is stored, bus event "staff_badge" {"operator",
 * "device"} is published, and *result is {"staff": true, "operator": …}.
 * Returns -1 with e when the scan could not be stored (disk full …): the
 * caller must then not say "thank you".
 */
int capture_scan(struct capture *c, const struct capture_in *in, struct cJSON **result,
                 struct err *e);

#endif
