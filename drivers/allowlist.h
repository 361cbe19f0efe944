// SPDX-License-Identifier: Apache-2.0
/*
 * allowlist — the USB scanners and printers matchbooth may claim
 * (board/allowlist.txt; its format is documented at the top of that file).
 * A device that is neither in the list nor named in the config is never
 * opened: the kiosk's own keyboard is a HID keyboard too.
 */
#ifndef MB_ALLOWLIST_H
#define MB_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dev_conf.h"
#include "firmware/base/err.h"

struct allow_entry {
    uint16_t vid, pid; /* pid DRIVER_ANY_PID: the whole vendor */
    struct dev_conf conf;
};

struct allowlist {
    struct allow_entry *v;
    size_t n;
};

/*
 * Appends the entries of path to al. Returns 0, or -1 with e naming
 * "path:line" and the problem; al keeps the entries read before the error.
 */
int allowlist_load(struct allowlist *al, const char *path, struct err *e);

/* Parses text (the file's contents) the same way; name is for messages. */
int allowlist_parse(struct allowlist *al, const char *text, const char *name, struct err *e);

/* The entry for vid:pid (an exact product before a vendor-wide one), or NULL. */
const struct allow_entry *allowlist_find(const struct allowlist *al, uint16_t vid, uint16_t pid);

void allowlist_free(struct allowlist *al);

#endif
