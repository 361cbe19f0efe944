// SPDX-License-Identifier: Apache-2.0
/*
 * enrol — first boot: a device gets its identity and its show from a file
 * put on the SD card's boot partition (prepared on a laptop), applied by
 * `matchbooth enrol` from the root oneshot matchbooth-enrol.service before the
 * daemon starts.
 *
 * The enrolment file is a matchbooth.conf (same INI format, same schema, see
 * board/matchbooth.conf) that sets at least [kiosk] device_id and [kiosk] show
 * with its [show.ID] section; a show's `form` may name a file beside it (a
 * bare file name), which is installed beside the config. Applying it installs
 * it as the device's config (atomically, keeping the old file's mode and
 * group, else 0640 with the directory's group) and deletes it from the boot
 * partition, which is world-readable FAT and may hold sync credentials.
 *
 * A device without one runs the packaged demo show and is "not enrolled":
 * enrol_is_enrolled() is what `matchbooth status` and the UI show.
 */
#ifndef MB_ENROL_H
#define MB_ENROL_H

#include <stdbool.h>

#include "firmware/base/err.h"

struct config;

/* Where the file is looked for, in order, relative to the root directory:
 * Raspberry Pi OS (Debian 12) mounts the boot partition on /boot/firmware,
 * older images and other boards on /boot. NULL-terminated. */
extern const char *const enrol_boot_files[];

/*
 * The first of enrol_boot_files that exists under root ("" or NULL: "/"), as
 * a malloc'd path (the caller frees), or NULL when there is none.
 */
char *enrol_find(const char *root);

/*
 * Validates the enrolment file src and installs it as dest (the device's
 * config path); form files it names are copied from src's directory into
 * dest's. Nothing is changed unless the whole file is valid: the config must
 * load, name a device_id and a show whose form (if any) parses, and must not
 * turn on [kiosk] demo. With remove_src, src is deleted afterwards (a failure
 * to delete is reported in e but the enrolment stays applied: returns 1).
 * Returns 0, 1 (applied, src left behind) or -1 with e set.
 */
int enrol_apply(const char *src, const char *dest, bool remove_src, struct err *e);

/* A config is enrolled when it names this device ([kiosk] device_id) and
 * does not run in demo mode. NULL: false. */
bool enrol_is_enrolled(const struct config *cfg);

#endif
