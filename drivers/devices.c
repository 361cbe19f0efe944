// SPDX-License-Identifier: Apache-2.0
/*
 * devices — daemon entry points for scanners and printers (see devices.h):
 * matches USB devices against the allow list and [device.*] sections, runs
 * the serial scanners, drops repeated codes, prints slips, and reports all of
 * it on the control socket and the bus.
 */
#include "drivers/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "drivers/allowlist.h"
#include "drivers/driver.h"
#include "drivers/escpos.h"
#include "drivers/serial.h"
#include "drivers/slip.h"
#include "drivers/usb.h"
#include "firmware/base/afile.h"
#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/runtime/source.h"
#include "firmware/base/strv.h"

#define TAG          "devices"
#define REPEAT_SLOTS 32
/* Scanners staff enabled from `matchbooth devices` or the admin page, in
 * the allow list's format, in the data directory (the config and the
 * shipped list are read-only). */
#define ENABLED_FILE "devices-enabled.txt"

/* --- repeat suppression ------------------------------------------------- */

struct repeat_slot {
    uint64_t hash;
    size_t len;
    uint64_t seen_ms;
};

struct devices_repeat {
    uint64_t window_ms;
    struct repeat_slot slot[REPEAT_SLOTS];
};

struct devices_repeat *devices_repeat_new(uint64_t window_ms)
{
    struct devices_repeat *r = calloc(1, sizeof(*r));
    if (r)
        r->window_ms = window_ms;
    return r;
}

void devices_repeat_free(struct devices_repeat *r)
{
    free(r);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int devices_repeat_check(struct devices_repeat *r, const uint8_t *p, size_t n, uint64_t now_ms)
{
    if (r->window_ms == 0)
        return 0;
    uint64_t h = fnv1a(p, n);
    struct repeat_slot *oldest = &r->slot[0];
    for (size_t i = 0; i < REPEAT_SLOTS; i++) {
        struct repeat_slot *s = &r->slot[i];
        if (s->seen_ms && s->hash == h && s->len == n && now_ms - s->seen_ms < r->window_ms) {
            /* Measured from the last sighting, so a badge held under a
             * scanner in continuous mode is stored once, not every 2 s. */
            s->seen_ms = now_ms;
            return 1;
        }
        if (s->seen_ms < oldest->seen_ms)
            oldest = s;
    }
    oldest->hash = h;
    oldest->len = n;
    oldest->seen_ms = now_ms ? now_ms : 1;
    return 0;
}

/* --- the subsystem ------------------------------------------------------ */

struct named {
    char *section; /* "device.front" */
    uint16_t vid, pid;
    bool has_usb;
    struct dev_conf conf;
};

struct devices {
    struct source_host host;
    struct ctl *ctl;
    struct allowlist al;
    struct allowlist enabled; /* ENABLED_FILE */
    char enabled_path[4096];
    struct named *named;
    size_t nnamed;
    struct usb *usb;
    char usb_error[512];
    char allowlist_error[512];
    struct serial **serials;
    size_t nserials;
    struct devices_repeat *repeat;
    uint64_t suppressed;
    int slip_suppliers;
    int sub;
    bool status_added;
    /* "device" events are published from a timer, never from inside a bus
     * or libusb callback. */
    struct loop_timer *publish;
    cJSON *pending_events;
};

/* Keys of a [device.NAME] section handed to dev_conf_set, in schema order. */
static const char *const device_keys[] = {"driver", "model",   "layout", "suffix",
                                          "gap_ms", "qr",      "dots",   "module",
                                          "status", "poll_ms", "path",   "baud"};

static void on_publish(struct loop *l, void *ud)
{
    struct devices *d = ud;
    cJSON *events = d->pending_events;
    d->pending_events = NULL;
    if (!events)
        return;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
        if (d->host.bus && type)
            bus_publish(d->host.bus, type, cJSON_GetObjectItemCaseSensitive(ev, "data"));
    }
    cJSON_Delete(events);
}

/* Queues bus event type with data (taken) for the publish timer. */
static void queue_bus(struct devices *d, const char *type, cJSON *data)
{
    if (!d->pending_events)
        d->pending_events = cJSON_CreateArray();
    cJSON *ev = cJSON_CreateObject();
    if (!d->pending_events || !ev || !data) {
        cJSON_Delete(ev);
        cJSON_Delete(data);
        return;
    }
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddItemToObject(ev, "data", data);
    cJSON_AddItemToArray(d->pending_events, ev);
    loop_timer_reset(d->publish, 0);
}

static void queue_event(struct devices *d, const char *id, const char *kind, const char *state)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "id", id);
    cJSON_AddStringToObject(ev, "kind", kind);
    cJSON_AddStringToObject(ev, "state", state);
    queue_bus(d, "device", ev);
}

/* "print_job" {"job", "state": "printed" or "failed", "reason"}: what became
 * of a slip of the print log (the UI records it and tells the page). */
static void queue_print_job(struct devices *d, int64_t job, bool ok, const char *why)
{
    if (job <= 0)
        return; /* a test slip: nobody asked for it */
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddNumberToObject(ev, "job", (double)job);
    cJSON_AddStringToObject(ev, "state", ok ? "printed" : "failed");
    cJSON_AddStringToObject(ev, "reason", why ? why : "");
    queue_bus(d, "print_job", ev);
}

static void emit(struct devices *d, const char *device, const char *symbology, const uint8_t *p,
                 size_t n)
{
    if (n == 0)
        return;
    if (devices_repeat_check(d->repeat, p, n, loop_now_ms())) {
        d->suppressed++;
        log_info(TAG, "%s: repeated code ignored (%zu bytes)", device, n);
        return;
    }
    struct source_scan scan = {
        .source = LEAD_SRC_SCANNER, .device = device, .symbology = symbology, .data = p, .len = n};
    if (d->host.emit)
        d->host.emit(d->host.ud, &scan);
}

static int usb_match(void *ud, uint16_t vid, uint16_t pid, struct dev_conf *out)
{
    struct devices *d = ud;
    const struct named *nm = NULL;
    for (size_t i = 0; i < d->nnamed; i++)
        if (d->named[i].has_usb && d->named[i].vid == vid && d->named[i].pid == pid)
            nm = &d->named[i];
    const struct allow_entry *ae = allowlist_find(&d->al, vid, pid);
    if (!ae)
        ae = allowlist_find(&d->enabled, vid, pid);
    if (!nm && !ae)
        return 0;
    dev_conf_free(out);
    /* The config's section is built on top of the allow-list line already
     * (see load_named), so it wins when both exist. */
    if (dev_conf_copy(out, nm ? &nm->conf : &ae->conf) < 0)
        return 0;
    return 1;
}

static void usb_scan(void *ud, struct usb_dev *dev, const char *sym, const uint8_t *p, size_t n)
{
    emit(ud, usb_dev_id(dev), sym, p, n);
}

static void usb_changed(void *ud, struct usb_dev *dev)
{
    const struct driver *drv = usb_dev_driver(dev);
    queue_event(ud, usb_dev_id(dev),
                !drv                          ? "unknown"
                : drv->kind == DRIVER_PRINTER ? "printer"
                                              : "scanner",
                usb_dev_state(dev));
}

static void usb_printed(void *ud, struct usb_dev *dev, int64_t job, bool ok, const char *why)
{
    queue_print_job(ud, job, ok, why);
}

static void serial_scan(void *ud, struct serial *s, const uint8_t *p, size_t n)
{
    emit(ud, serial_id(s), NULL, p, n);
}

static void serial_changed(void *ud, struct serial *s)
{
    queue_event(ud, serial_id(s), "scanner", serial_state(s));
}

static void list_usb(struct usb_dev *dev, void *ud)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    usb_dev_status(dev, o);
    cJSON_AddItemToArray(ud, o);
}

static cJSON *device_list(struct devices *d)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    if (d->usb)
        usb_each(d->usb, list_usb, arr);
    for (size_t i = 0; i < d->nserials; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            continue;
        serial_status(d->serials[i], o);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Whether device record o (of the devices list) presents a printer. */
static bool presents_printer(const cJSON *o)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "presents"))
    {
        if (cJSON_IsString(it) && !strcmp(it->valuestring, "printer"))
            return true;
    }
    return false;
}

/*
 * The printer slips go to, as "printer": {"id", "model", "state", "present",
 * "ready", "printed", "failed", "queued"} (the UI asks "present" before
 * offering one, "ready" before letting a visitor tap it). Without one, a
 * printer plugged in but in no list is {"id", "state": "not configured",
 * "present": false, "ready": false}, so staff learn why nothing prints;
 * else false.
 */
static void printer_fill(struct devices *d, cJSON *obj, const cJSON *list)
{
    struct usb_dev *p = d->usb ? usb_printer(d->usb) : NULL;
    const cJSON *it, *rec = NULL, *idle = NULL;
    cJSON_ArrayForEach(it, list)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "state"));
        if (p && id && !strcmp(id, usb_dev_id(p)))
            rec = it;
        if (!idle && st && !strcmp(st, "ignored") && presents_printer(it))
            idle = it;
    }
    if (!p && !idle) {
        cJSON_AddBoolToObject(obj, "printer", false);
        return;
    }
    cJSON *po = cJSON_AddObjectToObject(obj, "printer");
    if (!p) {
        cJSON_AddItemToObject(po, "id", cJSON_Duplicate(cJSON_GetObjectItem(idle, "id"), 1));
        cJSON_AddStringToObject(po, "state", "not configured");
        cJSON_AddBoolToObject(po, "present", false);
        cJSON_AddBoolToObject(po, "ready", false);
        return;
    }
    cJSON_AddStringToObject(po, "id", usb_dev_id(p));
    if (usb_dev_conf(p)->model)
        cJSON_AddStringToObject(po, "model", usb_dev_conf(p)->model);
    cJSON_AddStringToObject(po, "state", usb_dev_state(p));
    cJSON_AddBoolToObject(po, "present", true);
    cJSON_AddBoolToObject(po, "ready", strcmp(usb_dev_state(p), "ready") == 0);
    static const char *const counts[] = {"printed", "failed", "queued"};
    for (size_t i = 0; i < 3; i++)
        cJSON_AddNumberToObject(
            po, counts[i],
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, counts[i])) > 0
                ? cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, counts[i]))
                : 0);
}

static void status_fill(cJSON *obj, void *ud)
{
    struct devices *d = ud;
    int scanners = 0, printers = 0;
    cJSON *list = device_list(d);
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(it, "state");
        /* A scanner found but not enabled is not one the kiosk can use. */
        bool up = cJSON_IsString(state) && strcmp(state->valuestring, "ignored") &&
                  strcmp(state->valuestring, "removed") && strcmp(state->valuestring, "absent") &&
                  !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "enabled"));
        if (up && cJSON_IsString(kind) && !strcmp(kind->valuestring, "scanner"))
            scanners++;
        if (up && cJSON_IsString(kind) && !strcmp(kind->valuestring, "printer"))
            printers++;
    }
    cJSON_AddStringToObject(obj, "usb", d->usb ? "ok" : d->usb_error);
    if (d->allowlist_error[0])
        cJSON_AddStringToObject(obj, "allowlist", d->allowlist_error);
    cJSON_AddNumberToObject(obj, "scanners", scanners);
    cJSON_AddNumberToObject(obj, "printers", printers);
    printer_fill(d, obj, list);
    cJSON_AddNumberToObject(obj, "repeats_ignored", (double)d->suppressed);
    if (list)
        cJSON_AddItemToObject(obj, "devices", list);
}

/* The running instance, for the control commands: ctl has no way to take a
 * command back, so after a SIGHUP reload the old registration is still
 * listed, and its handler must not reach a freed instance. */
static struct devices *active;

static int ctl_devices(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct devices *d = active;
    if (!d)
        return err_set(e, ERR_BUSY, "devices are not running");
    cJSON *list = device_list(d);
    if (!list)
        return err_set(e, ERR_INTERNAL, "out of memory");
    cJSON_AddItemToObject(reply, "devices", list);
    cJSON_AddStringToObject(reply, "usb", d->usb ? "ok" : d->usb_error);
    return 0;
}

/* Writes the enabled list with vid:pid added (atomically: a power cut
 * leaves the old list or the new one). */
static int save_enabled(struct devices *d, uint16_t vid, uint16_t pid, const char *drv,
                        struct err *e)
{
    struct buf b = {0};
    int rc = -1;
    if (buf_adds(&b, "# Scanners enabled by staff (matchbooth devices enable); allow-list "
                     "format.\n") < 0)
        goto nomem;
    for (size_t i = 0; i < d->enabled.n; i++) {
        const struct allow_entry *ae = &d->enabled.v[i];
        if (buf_printf(&b, "%04x:%04x %s\n", ae->vid, ae->pid, ae->conf.driver) < 0)
            goto nomem;
    }
    if (buf_printf(&b, "%04x:%04x %s\n", vid, pid, drv) < 0)
        goto nomem;
    struct afile f;
    if (afile_open(&f, d->enabled_path, NULL, 0600, e) < 0)
        goto out;
    if (afile_write(&f, b.data, b.len, e) < 0 || afile_commit(&f, e) < 0) {
        afile_abort(&f);
        goto out;
    }
    /* The new line is the last of the file: parse just it into the list. */
    char line[64];
    snprintf(line, sizeof(line), "%04x:%04x %s\n", vid, pid, drv);
    rc = allowlist_parse(&d->enabled, line, d->enabled_path, e);
    goto out;
nomem:
    err_set(e, ERR_INTERNAL, "out of memory");
out:
    buf_free(&b);
    return rc;
}

int devices_enable(struct devices *d, const char *id, cJSON *reply, struct err *e)
{
    if (!d || !d->usb)
        return err_set(e, ERR_BUSY, "USB devices are not running");
    if (!id)
        return err_set(e, ERR_INVALID, "devices-enable: \"id\" (a device id) is required");
    struct usb_dev *dev = usb_find(d->usb, id);
    if (!dev)
        return err_set(e, ERR_NOTFOUND, "devices-enable: no device %.60s", id);
    const char *drv = usb_dev_proposed(dev);
    if (!drv)
        return err_set(e, ERR_INVALID,
                       "devices-enable: %.60s is not a scanner waiting to be enabled", id);
    if (!d->enabled_path[0])
        return err_set(e, ERR_INVALID, "devices-enable: no data directory to remember it in");
    uint16_t vid, pid;
    usb_dev_vidpid(dev, &vid, &pid);
    if (save_enabled(d, vid, pid, drv, e) < 0)
        return err_wrap(e, "devices-enable");
    log_info(TAG, "%s: enabled by staff (%s)", id, drv);
    usb_reconsider(d->usb, id);
    dev = usb_find(d->usb, id);
    cJSON_AddStringToObject(reply, "id", id);
    cJSON_AddStringToObject(reply, "driver", drv);
    cJSON_AddStringToObject(reply, "state", dev ? usb_dev_state(dev) : "removed");
    return 0;
}

/* {"cmd": "devices-enable", "id": "usb:…"}: admits a scanner that was
 * found but not enabled, now and after restarts. */
static int ctl_enable(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return devices_enable(active, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "id")),
                          reply, e);
}

static int print_slip(struct devices *d, const struct slip *s, cJSON *reply, struct err *e)
{
    struct usb_dev *p = d->usb ? usb_printer(d->usb) : NULL;
    if (!p)
        return err_set(e, ERR_NOTFOUND, "no printer attached");
    if (escpos_print(p, s, d->slip_suppliers, e) < 0)
        return -1;
    if (reply) {
        cJSON_AddStringToObject(reply, "printer", usb_dev_id(p));
        cJSON_AddBoolToObject(reply, "queued", true);
    }
    return 0;
}

static int ctl_print_test(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct devices *d = active;
    if (!d)
        return err_set(e, ERR_BUSY, "devices are not running");
    struct slip_supplier sup = {"matchbooth", "https://example.com/matchbooth/print-test"};
    struct slip s = {.show = "matchbooth",
                     .greeting = "Printer test",
                     .footer = "If you can scan the code above, the printer works.",
                     .suppliers = &sup,
                     .n = 1};
    return print_slip(d, &s, reply, e);
}

static void on_bus(const char *type, const cJSON *data, void *ud)
{
    struct devices *d = ud;
    if (strcmp(type, "print") != 0)
        return;
    struct slip s;
    struct err e = {0};
    if (slip_from_json(data, &s, &e) < 0 || print_slip(d, &s, NULL, &e) < 0) {
        log_warn(TAG, "print: %s", e.msg);
        queue_print_job(d, s.job, false, e.msg);
    }
    slip_free(&s);
}

static int parse_vidpid(const char *s, uint16_t *vid, uint16_t *pid)
{
    unsigned v, p;
    char tail;
    if (sscanf(s, "%4x:%4x%c", &v, &p, &tail) != 2)
        return -1;
    *vid = (uint16_t)v;
    *pid = (uint16_t)p;
    return 0;
}

static int load_named(struct devices *d, const struct config *cfg, struct err *e)
{
    struct strv secs = {0};
    int rc = -1;
    if (config_sections(cfg, "device.", &secs) < 0) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (secs.n) {
        d->named = calloc(secs.n, sizeof(*d->named));
        if (!d->named) {
            err_set(e, ERR_INTERNAL, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < secs.n; i++) {
        const char *sec = secs.v[i];
        struct named *nm = &d->named[d->nnamed];
        dev_conf_defaults(&nm->conf);
        nm->section = strdup(sec);
        d->nnamed++;
        if (!nm->section || !(nm->conf.name = strdup(sec + strlen("device.")))) {
            err_set(e, ERR_INTERNAL, "out of memory");
            goto out;
        }
        const char *usb = config_isset(cfg, sec, "usb") ? config_str(cfg, sec, "usb") : NULL;
        if (usb && *usb) {
            if (parse_vidpid(usb, &nm->vid, &nm->pid) < 0) {
                err_set(e, ERR_INVALID, "[%s] usb: expected VID:PID in hex, got '%s'", sec, usb);
                goto out;
            }
            nm->has_usb = true;
            /* Start from the allow list's line for the model, if any. */
            const struct allow_entry *ae = allowlist_find(&d->al, nm->vid, nm->pid);
            if (ae) {
                char *name = nm->conf.name;
                nm->conf.name = NULL;
                dev_conf_free(&nm->conf);
                if (dev_conf_copy(&nm->conf, &ae->conf) < 0) {
                    free(name);
                    err_set(e, ERR_INTERNAL, "out of memory");
                    goto out;
                }
                free(nm->conf.name);
                nm->conf.name = name;
            }
        }
        for (size_t k = 0; k < sizeof(device_keys) / sizeof(device_keys[0]); k++) {
            if (!config_isset(cfg, sec, device_keys[k]))
                continue;
            const char *v = config_str(cfg, sec, device_keys[k]);
            if (v && dev_conf_set(&nm->conf, device_keys[k], v, e) < 0) {
                err_wrap(e, "[%s]", sec);
                goto out;
            }
        }
        bool serial = nm->conf.driver && strcmp(nm->conf.driver, "serial") == 0;
        if (serial && !nm->conf.path) {
            err_set(e, ERR_INVALID, "[%s] driver serial needs a path", sec);
            goto out;
        }
        if (!serial && !nm->has_usb) {
            err_set(e, ERR_INVALID, "[%s] needs usb = VID:PID, or driver = serial and a path", sec);
            goto out;
        }
        if (!serial && nm->conf.driver && !driver_find(nm->conf.driver)) {
            err_set(e, ERR_INVALID,
                    "[%s] driver: unknown driver '%s' (wedge, hidpos, acm, escpos, serial)", sec,
                    nm->conf.driver);
            goto out;
        }
    }
    rc = 0;
out:
    strv_free(&secs);
    return rc;
}

struct devices *devices_start(const struct source_host *host, struct ctl *ctl, struct err *e)
{
    struct devices *d = calloc(1, sizeof(*d));
    if (!d) {
        err_set(e, ERR_INTERNAL, "devices: out of memory");
        return NULL;
    }
    d->host = *host;
    d->ctl = ctl;
    d->sub = -1;
    const struct config *cfg = host->cfg;
    d->repeat = devices_repeat_new((uint64_t)config_int(cfg, "devices", "repeat_window_ms"));
    d->slip_suppliers = (int)config_int(cfg, "devices", "slip_suppliers");
    d->publish = loop_timer_add(host->loop, 3600u * 1000, on_publish, d);
    if (!d->repeat || !d->publish) {
        err_set(e, ERR_INTERNAL, "devices: out of memory");
        goto fail;
    }
    const char *al = config_str(cfg, "devices", "allowlist");
    if (al && *al && allowlist_load(&d->al, al, e) < 0) {
        /* The shipped default may be absent (a build tree, a test): then
         * only [device.NAME] sections admit devices. A file the config names
         * must be there. */
        if (config_isset(cfg, "devices", "allowlist") || access(al, F_OK) == 0) {
            err_wrap(e, "devices");
            goto fail;
        }
        log_warn(TAG, "%s; only [device.NAME] sections admit USB devices", e->msg);
        snprintf(d->allowlist_error, sizeof(d->allowlist_error), "%s", e->msg);
        err_clear(e);
    }
    const char *dir = config_str(cfg, "kiosk", "data_dir");
    if (dir && *dir) {
        snprintf(d->enabled_path, sizeof(d->enabled_path), "%s/%s", dir, ENABLED_FILE);
        struct err le = {0};
        if (access(d->enabled_path, F_OK) == 0 &&
            allowlist_load(&d->enabled, d->enabled_path, &le) < 0)
            log_warn(TAG, "%s (scanners enabled by staff are not admitted)", le.msg);
    }
    if (load_named(d, cfg, e) < 0) {
        err_wrap(e, "devices");
        goto fail;
    }
    for (size_t i = 0; i < d->nnamed; i++) {
        struct named *nm = &d->named[i];
        if (!nm->conf.driver || strcmp(nm->conf.driver, "serial") != 0)
            continue;
        struct serial_host sh = {host->loop, serial_scan, serial_changed, d};
        struct serial **v = realloc(d->serials, (d->nserials + 1) * sizeof(*v));
        if (!v) {
            err_set(e, ERR_INTERNAL, "devices: out of memory");
            goto fail;
        }
        d->serials = v;
        d->serials[d->nserials] = serial_new(&sh, &nm->conf, e);
        if (!d->serials[d->nserials]) {
            err_wrap(e, "devices: [%s]", nm->section);
            goto fail;
        }
        d->nserials++;
    }
    if (config_bool(cfg, "devices", "usb")) {
        struct usb_host uh = {host->loop, usb_match, usb_scan, usb_changed, d, usb_printed};
        struct err ue = {0};
        d->usb = usb_new(&uh, &ue);
        if (!d->usb) {
            /* A kiosk without USB access still captures by hand and camera. */
            snprintf(d->usb_error, sizeof(d->usb_error), "%s", ue.msg);
            log_warn(TAG, "%s", ue.msg);
        }
    } else {
        snprintf(d->usb_error, sizeof(d->usb_error), "disabled");
    }
    if (host->bus) {
        d->sub = bus_subscribe(host->bus, on_bus, d);
        if (bus_status_add(host->bus, "devices", status_fill, d) == 0)
            d->status_added = true;
    }
    if (ctl && (ctl_register(ctl, "devices", ctl_devices, NULL) < 0 ||
                ctl_register(ctl, "devices-enable", ctl_enable, NULL) < 0 ||
                ctl_register(ctl, "print-test", ctl_print_test, NULL) < 0)) {
        err_set(e, ERR_INTERNAL, "devices: out of memory");
        goto fail;
    }
    active = d;
    return d;
fail:
    devices_stop(d);
    return NULL;
}

void devices_stop(struct devices *d)
{
    if (!d)
        return;
    if (active == d)
        active = NULL;
    if (d->host.bus && d->sub > 0)
        bus_unsubscribe(d->host.bus, d->sub);
    if (d->host.bus && d->status_added)
        bus_status_remove(d->host.bus, "devices");
    usb_free(d->usb);
    for (size_t i = 0; i < d->nserials; i++)
        serial_free(d->serials[i]);
    free(d->serials);
    for (size_t i = 0; i < d->nnamed; i++) {
        free(d->named[i].section);
        dev_conf_free(&d->named[i].conf);
    }
    free(d->named);
    allowlist_free(&d->al);
    allowlist_free(&d->enabled);
    devices_repeat_free(d->repeat);
    loop_timer_del(d->publish);
    cJSON_Delete(d->pending_events);
    free(d);
}
