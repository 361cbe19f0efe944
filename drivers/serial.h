// SPDX-License-Identifier: Apache-2.0
/*
 * serial — scanners on a serial line (USB CDC-ACM, /dev/ttyACM*), read
 * through termios in raw mode from the daemon's loop.
 *
 * A scan ends at CR or LF (suffix "enter"), at TAB ("tab"), or after gap_ms
 * of silence (always: with a terminator configured the fragment is dropped,
 * without one it is the scan). A line that goes away (unplugged: EOF, EIO,
 * HUP) is closed and reopened every second until it is back.
 */
#ifndef MB_SERIAL_H
#define MB_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/dev_conf.h"
#include "firmware/base/err.h"

struct loop;
struct cJSON;
struct serial;

struct serial_host {
    struct loop *loop;
    void (*scan)(void *ud, struct serial *s, const uint8_t *p, size_t n);
    void (*changed)(void *ud, struct serial *s);
    void *ud;
};

/*
 * Starts reading conf->path at conf->baud (conf is copied). A missing device
 * is not an error (it is retried); NULL with e only for a bad configuration
 * or ENOMEM.
 */
struct serial *serial_new(const struct serial_host *host, const struct dev_conf *conf,
                          struct err *e);
void serial_free(struct serial *s); /* NULL-safe */

/* "serial:/dev/ttyACM0" */
const char *serial_id(const struct serial *s);
const char *serial_state(const struct serial *s);
/* Adds id, path, kind, driver, state, counters to obj. */
void serial_status(const struct serial *s, struct cJSON *obj);

#endif
