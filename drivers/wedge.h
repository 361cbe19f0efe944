// SPDX-License-Identifier: Apache-2.0
/*
 * wedge — keyboard-wedge scanners: HID boot-keyboard reports turned back
 * into the text the scanner meant, for the keyboard layout the scanner is set
 * to (it "types" key positions, so a German-configured scanner sends the US
 * "y" key for "z").
 *
 * The decoder is pure (no USB): the driver in wedge.c feeds it reports and
 * ends scans on the terminator or the inter-key gap.
 */
#ifndef MB_WEDGE_H
#define MB_WEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/buf.h"

enum wedge_layout { WEDGE_US, WEDGE_DE, WEDGE_FR };

/* "us", "de", "fr" (also "en", "qwerty", "qwertz", "azerty"); -1 if unknown. */
int wedge_layout_parse(const char *name);
const char *wedge_layout_name(int layout);

struct wedge_dec {
    int layout;
    unsigned suffix; /* SUFFIX_* bits that end a scan */
    bool caps;       /* Caps Lock state, toggled by the scanner's own key */
    uint8_t prev[6]; /* keys down in the previous report */
    struct buf text; /* UTF-8 of the scan so far */
};

/* Starts a decoder (text empty). */
void wedge_dec_init(struct wedge_dec *w, int layout, unsigned suffix);
void wedge_dec_free(struct wedge_dec *w);

/*
 * Feeds one boot-keyboard report (8 bytes: modifiers, reserved, 6 keys; a
 * 9-byte report with a leading report id is accepted). Only keys newly down
 * since the previous report produce characters, so held keys and repeated
 * reports never double a character. Returns 1 when a terminator key ended
 * the scan (text holds it, without the terminator; the caller resets text),
 * 0 otherwise, -1 on ENOMEM.
 */
int wedge_dec_report(struct wedge_dec *w, const uint8_t *r, size_t n);

/* Forgets keys down and the partial text (after a gap or an unplug). */
void wedge_dec_reset(struct wedge_dec *w);

#endif
