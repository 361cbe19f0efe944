// SPDX-License-Identifier: Apache-2.0
/*
 * ui — the embedded web server (libmicrohttpd) that serves the kiosk and
 * admin pages from the binary, inside the daemon's event loop.
 */
#ifndef MB_UI_H
#define MB_UI_H

#include "firmware/base/err.h"

struct loop;
struct config;
struct show;
struct store;
struct bus;
struct capture;
struct ctl;
struct card_service;
struct cJSON;

struct ui_host {
    struct loop *loop;
    const struct config *cfg;
    const struct show *show;
    struct store *store;
    struct bus *bus;
    struct capture *capture;
    struct ctl *ctl;
    struct card_service *card; /* may be NULL: no business-card review */
    /* The admin page's "Enable scanner" (drivers/devices.h devices_enable,
     * wired by the daemon: ui/ never calls drivers/): admits device id,
     * adds {"id", "driver", "state"} to reply; 0, or -1 with e. NULL: no
     * devices to enable (the route answers 503). */
    int (*enable_device)(void *ud, const char *id, struct cJSON *reply, struct err *e);
    void *devices_ud;
};

struct ui;

/*
 * Starts listening on [ui] listen. Refuses a non-loopback address unless
 * [ui] allow_remote is true. The host is copied; its pointers are borrowed
 * until ui_stop(). Returns NULL with e on failure (port taken …).
 */
struct ui *ui_start(const struct ui_host *host, struct err *e);
void ui_stop(struct ui *u); /* NULL-safe */

#endif
