// SPDX-License-Identifier: Apache-2.0
/*
 * source — what every scan source (USB scanners, the serial scanner, the
 * development FIFO, the card camera) hands to the daemon: one complete scan.
 *
 * Sources live in drivers/ and only know this header: the daemon gives each
 * one a struct source_host and receives scans through host->emit, in the
 * loop thread.
 */
#ifndef MB_SOURCE_H
#define MB_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/lead.h"

struct loop;
struct config;
struct bus;

struct source_scan {
    enum lead_source source; /* LEAD_SRC_SCANNER for scanners */
    const char *device;      /* "usb:0c2e:0b61@1-1.2", "fifo", … (never NULL) */
    const char *symbology;   /* "qr", "pdf417", "code128" … or NULL if unknown */
    const uint8_t *data;     /* the bytes exactly as read */
    size_t len;
};

struct source_host {
    struct loop *loop;
    const struct config *cfg;
    struct bus *bus;
    /* Called once per complete scan; the scan is only borrowed. */
    void (*emit)(void *ud, const struct source_scan *scan);
    void *ud;
};

#endif
