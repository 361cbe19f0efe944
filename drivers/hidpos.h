// SPDX-License-Identifier: Apache-2.0
/*
 * hidpos — HID POS scanners (usage page 0x8C, "Bar Code Scanner"): the
 * decoded bytes arrive as sent, so binary payloads and non-ASCII text survive
 * intact, together with the symbology.
 *
 * Report format (Honeywell and Zebra "HID POS" mode, 64-byte input report):
 *   [0]      report id 0x02
 *   [1]      number of data bytes in this report (0..56)
 *   [2..4]   AIM symbology identifier (']', 'Q', '1' for QR)
 *   [5..60]  data
 *   [63]     bit 0: more reports of the same scan follow
 * Other report ids are ignored. The decoder is pure (no USB).
 */
#ifndef MB_HIDPOS_H
#define MB_HIDPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/buf.h"

#define HIDPOS_REPORT_LEN 64
#define HIDPOS_DATA_MAX   56

struct hidpos_dec {
    struct buf data;
    char aim[4];  /* "]Q1" */
    bool not_pos; /* the device's report descriptor says it is not HID POS */
};

void hidpos_dec_init(struct hidpos_dec *h);
void hidpos_dec_free(struct hidpos_dec *h);
void hidpos_dec_reset(struct hidpos_dec *h);

/*
 * Feeds one input report. Returns 1 when the scan is complete (data and aim
 * hold it; the caller resets), 0 when more reports are expected or the report
 * was not a scan, -1 on ENOMEM.
 */
int hidpos_dec_report(struct hidpos_dec *h, const uint8_t *r, size_t n);

/*
 * Whether a HID report descriptor declares usage page 0x8C (Bar Code
 * Scanner): a scanner left in keyboard mode does not, and its reports would
 * never be scans.
 */
bool hidpos_descriptor_is_pos(const uint8_t *p, size_t n);

/* The symbology name ("qr", "pdf417" …) of an AIM id, or NULL if unknown. */
const char *hidpos_symbology(const char *aim);

/*
 * Writes the reports a scanner sends for (sym, data, n) into out, for tests
 * and tools: ceil(n/56) reports of 64 bytes. Returns the report count or -1.
 */
int hidpos_encode(const char *aim, const uint8_t *data, size_t n, struct buf *out);

#endif
