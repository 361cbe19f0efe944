// SPDX-License-Identifier: Apache-2.0
/*
 * dev_conf — the settings of one scanner or printer: from its allow-list
 * line, then overridden by a [device.NAME] section of the config. Both
 * sources go through dev_conf_set(), so a key means the same in each.
 */
#ifndef MB_DEV_CONF_H
#define MB_DEV_CONF_H

#include <stdbool.h>

#include "firmware/base/err.h"

/* How a printer draws QR codes. */
enum qr_mode { QR_NATIVE, QR_RASTER };

/* Scan terminators of a keyboard-wedge scanner (bit set). */
enum { SUFFIX_ENTER = 1, SUFFIX_TAB = 2 };

/*
 * Settings of one device, from its allow-list line, then overridden by a
 * [device.NAME] section of the config. Strings are copied (owned).
 */
struct dev_conf {
    char *name;      /* config section name ("front"), or NULL */
    char *model;     /* human name from the allow list, or NULL */
    char *driver;    /* "wedge", "hidpos", "escpos", "serial" */
    int layout;      /* enum wedge_layout */
    unsigned suffix; /* SUFFIX_* bits; 0 = the gap alone ends a scan */
    int gap_ms;      /* wedge/serial: silence that ends (or drops) a scan */
    enum qr_mode qr; /* printers */
    int dots;        /* printers: printable width in dots (raster) */
    int qr_module;   /* printers: QR module size in dots */
    bool status;     /* printers: answers DLE EOT status queries */
    int poll_ms;     /* printers: status query interval when idle (0: never) */
    char *path;      /* serial: /dev/ttyACM0 */
    int baud;        /* serial */
};

void dev_conf_free(struct dev_conf *c);
/* Deep copy; 0 or -1 on ENOMEM. */
int dev_conf_copy(struct dev_conf *dst, const struct dev_conf *src);
/* Defaults: layout us, suffix enter|tab, gap 100 ms, native QR, 512 dots. */
void dev_conf_defaults(struct dev_conf *c);

/*
 * Sets key to value ("layout" "de", "suffix" "enter,tab", "qr" "raster" …).
 * Returns 0, or -1 with e ("layout: expected us, de or fr, got 'xx'") for an
 * unknown key or a bad value.
 */
int dev_conf_set(struct dev_conf *c, const char *key, const char *value, struct err *e);

#endif
