// SPDX-License-Identifier: Apache-2.0
/*
 * daemon — the wiring of `matchbooth run`.
 *
 * Everything runs in one thread around one poll loop (loop.c): the control
 * socket, the scan sources, the web UI and the sync worker each register
 * file descriptors and timers with it. The store is used only from this
 * thread. Subsystems are started by subsystems_start() and stopped by
 * subsystems_stop(); a SIGHUP reload stops them, swaps the config and starts
 * them again, so no subsystem ever sees a half-changed config.
 */
#include "firmware/app/daemon.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "drivers/camera.h"
#include "drivers/devices.h"
#include "drivers/fifo.h"
#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/card/card_service.h"
#include "firmware/cli/cli.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/config/enrol.h"
#include "firmware/export/export_notice.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/runtime/source.h"
#include "firmware/store/store.h"
#include "sync/sync.h"
#include "ui/catalog.h"
#include "ui/ui.h"

struct daemon {
    const char *config_path;
    const char *log_override;
    struct config *cfg;
    struct show show;
    struct store *store;
    struct loop *loop;
    struct bus *bus;
    struct ctl *ctl;
    struct capture *capture;
    struct export_notice *export_notice;
    struct fifo *fifo;
    struct card_service *card;
    struct camera *camera;
    struct devices *devices;
    struct ui *ui;
    struct sync *sync;
    int sync_sub; /* bus subscription: pulled catalog -> import */
    struct loop_timer *clock_timer;
    struct loop_timer *watchdog_timer;
    uint64_t watchdog_ms;
    int64_t started_ms;
    bool clock_trusted;
    int exit_code;
};

/* mkdir -p with mode for the created directories. */
static int mkdirs(const char *path, mode_t mode, struct err *e)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return err_set(e, ERR_INVALID, "path too long: %s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return err_set(e, ERR_IO, "mkdir %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "mkdir %s: %s", tmp, strerror(errno));
    return 0;
}

/* ---- scans from any source ---------------------------------------------- */

static void on_source_scan(void *ud, const struct source_scan *s)
{
    struct daemon *d = ud;
    struct capture_in in = {.source = s->source,
                            .device = s->device,
                            .symbology = s->symbology,
                            .payload = s->data,
                            .len = s->len};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(d->capture, &in, &res, &e) < 0)
        log_error("daemon", "scan from %s lost from the store: %s", s->device, e.msg);
    cJSON_Delete(res);
}

/* ---- control commands ------------------------------------------------------ */

/* The admin page's "Enable scanner" (ui_host.enable_device): the devices
 * subsystem that runs now (a reload replaces it). */
static int enable_device(void *ud, const char *id, cJSON *reply, struct err *e)
{
    struct daemon *d = ud;
    return devices_enable(d->devices, id, reply, e);
}

static int ctl_capture(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct daemon *d = ud;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(req, "payload");
    const cJSON *p64 = cJSON_GetObjectItemCaseSensitive(req, "payload_base64");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(req, "source");
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(req, "device");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(req, "symbology");
    struct buf bytes = {0};
    int source = LEAD_SRC_SCANNER;
    if (cJSON_IsString(src) && (source = lead_source_parse(src->valuestring)) < 0)
        return err_set(e, ERR_INVALID, "unknown source '%.32s' (scanner, card, manual, import)",
                       src->valuestring);
    if (cJSON_IsString(p64)) {
        if (buf_add_unbase64(&bytes, p64->valuestring, strlen(p64->valuestring)) < 0)
            return err_set(e, ERR_INVALID, "payload_base64 is not valid base64");
    } else if (cJSON_IsString(p)) {
        if (buf_adds(&bytes, p->valuestring) < 0)
            return err_set(e, ERR_INTERNAL, "out of memory");
    } else {
        return err_set(e, ERR_INVALID, "capture needs \"payload\" or \"payload_base64\"");
    }
    struct capture_in in = {.source = (enum lead_source)source,
                            .device = cJSON_IsString(dev) ? dev->valuestring : "cli",
                            .symbology = cJSON_IsString(sym) ? sym->valuestring : NULL,
                            .payload = (const uint8_t *)(bytes.data ? bytes.data : ""),
                            .len = bytes.len};
    cJSON *res = NULL;
    int rc = capture_scan(d->capture, &in, &res, e);
    buf_free(&bytes);
    if (rc < 0)
        return -1;
    cJSON_AddItemToObject(reply,
                          cJSON_IsTrue(cJSON_GetObjectItem(res, "unknown")) ? "scan" : "lead", res);
    return 0;
}

static int ctl_status(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct daemon *d = ud;
    struct clock_stamp now;
    clock_now(&now);
    cJSON_AddStringToObject(reply, "version", MB_VERSION);
    cJSON_AddNumberToObject(reply, "pid", getpid());
    cJSON_AddNumberToObject(reply, "uptime_s", (double)(now.mono_ms - d->started_ms) / 1000.0);
    cJSON_AddStringToObject(reply, "config", config_file(d->cfg));
    cJSON *show = cJSON_AddObjectToObject(reply, "show");
    cJSON_AddStringToObject(show, "id", d->show.id);
    cJSON_AddStringToObject(show, "name", d->show.name);
    cJSON_AddStringToObject(reply, "data_dir", config_str(d->cfg, "kiosk", "data_dir"));
    cJSON_AddBoolToObject(reply, "clock_trusted", now.trusted);
    cJSON_AddBoolToObject(reply, "enrolled", enrol_is_enrolled(d->cfg));
    cJSON_AddStringToObject(reply, "ui", config_str(d->cfg, "ui", "listen"));
    cJSON *stats = NULL;
    if (store_stats(d->store, &stats, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "store", stats);
    bus_status_fill(d->bus, reply);
    return 0;
}

static int ctl_note(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct daemon *d = ud;
    const cJSON *lead = cJSON_GetObjectItemCaseSensitive(req, "lead");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "operator");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(req, "note");
    const cJSON *rating = cJSON_GetObjectItemCaseSensitive(req, "rating");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(req, "tags");
    if (!cJSON_IsString(lead) || !cJSON_IsString(op))
        return err_set(e, ERR_INVALID, "note needs \"lead\" and \"operator\"");
    struct strv tv = {0};
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
    {
        if (cJSON_IsString(t))
            strv_push(&tv, t->valuestring);
    }
    int rc = store_note_set(d->store, lead->valuestring, op->valuestring,
                            cJSON_IsString(text) ? text->valuestring : NULL,
                            cJSON_IsNumber(rating) ? rating->valueint : 0,
                            cJSON_IsArray(tags) ? &tv : NULL, e);
    strv_free(&tv);
    cJSON *out = NULL;
    if (rc < 0 || store_lead_json(d->store, lead->valuestring, false, &out, e) < 0)
        return -1;
    bus_publish(d->bus, "lead_updated", out);
    cJSON_AddItemToObject(reply, "lead", out);
    return 0;
}

static int ctl_ping(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    cJSON_AddStringToObject(reply, "pong", MB_VERSION);
    return 0;
}

/* The kiosk UI shows a "not enrolled" banner from this (bus status member
 * "enrolment"); the device id is the config's or, unset, the host name. */
static void status_enrolment(cJSON *obj, void *ud)
{
    struct daemon *d = ud;
    const char *id = config_str(d->cfg, "kiosk", "device_id");
    char host[256] = "";
    if ((!id || !*id) && gethostname(host, sizeof host - 1) == 0)
        id = host;
    cJSON_AddBoolToObject(obj, "enrolled", enrol_is_enrolled(d->cfg));
    cJSON_AddStringToObject(obj, "device_id", id ? id : "");
    cJSON_AddBoolToObject(obj, "demo", config_bool(d->cfg, "kiosk", "demo"));
}

/* ---- subsystems -------------------------------------------------------------- */

/* The sync worker swapped in a freshly pulled catalog file: load it into the
 * store. The import is one transaction, so a catalog the importer refuses
 * leaves the old one in place. */
static void on_sync_event(const char *type, const cJSON *data, void *ud)
{
    struct daemon *d = ud;
    const char *pulled = cJSON_GetStringValue(cJSON_GetObjectItem(data, "pulled"));
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(data, "file"));
    if (strcmp(type, "sync") || !pulled || strcmp(pulled, "catalog") || !file)
        return;
    struct err e = {0};
    int n = 0;
    if (catalog_import_file(d->store, file, &n, &e) < 0)
        log_error("daemon", "pulled catalog refused, keeping the current one: %s", e.msg);
    else
        log_info("daemon", "catalog updated: %d suppliers", n);
}

static void on_camera_still(void *ud, const uint8_t *gray, int w, int h, int stride,
                            const char *device)
{
    struct daemon *d = ud;
    card_service_frame(d->card, gray, w, h, stride, device);
}

static int subsystems_start(struct daemon *d, struct err *e)
{
    struct source_host host = {d->loop, d->cfg, d->bus, on_source_scan, d};
    if (config_bool(d->cfg, "kiosk", "dev_fifo")) {
        char path[4096];
        snprintf(path, sizeof path, "%s/scan.fifo", config_str(d->cfg, "kiosk", "data_dir"));
        if (!(d->fifo = fifo_open(&host, path, true, e)))
            return -1;
    }
    if (!(d->devices = devices_start(&host, d->ctl, e)))
        return -1;
    const char *cam = config_str(d->cfg, "card", "camera");
    if (cam && *cam && card_service_ready(d->card)) {
        struct still_params sp;
        still_params_default(&sp);
        sp.sharp_min = (double)config_int(d->cfg, "card", "sharpness_min");
        sp.still_frames = (int)config_int(d->cfg, "card", "still_frames");
        /* A missing camera must not stop the scanners: log it and go on. */
        struct err ce = {0};
        d->camera = camera_open(&host, cam, &sp, on_camera_still, d, &ce);
        if (!d->camera)
            log_error("daemon", "card camera not started: %s", ce.msg);
    }
    struct ui_host uh = {d->loop,    d->cfg, &d->show, d->store,      d->bus,
                         d->capture, d->ctl, d->card,  enable_device, d};
    if (!(d->ui = ui_start(&uh, e)))
        return -1;
    struct sync_host sh = {d->loop, d->cfg, d->store, d->bus, d->ctl, &d->show};
    if (!(d->sync = sync_start(&sh, e)))
        return -1;
    if (!d->sync_sub && (d->sync_sub = bus_subscribe(d->bus, on_sync_event, d)) < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

static void subsystems_stop(struct daemon *d)
{
    sync_stop(d->sync);
    d->sync = NULL;
    camera_close(d->camera);
    d->camera = NULL;
    ui_stop(d->ui);
    d->ui = NULL;
    fifo_close(d->fifo);
    d->fifo = NULL;
    devices_stop(d->devices);
    d->devices = NULL;
}

/* Loads config and show; on success replaces d's. */
static int load_config(struct daemon *d, struct err *e)
{
    struct config *cfg = config_load(d->config_path, e);
    if (!cfg)
        return -1;
    struct show show;
    if (show_load(cfg, config_str(cfg, "kiosk", "show"), &show, e) < 0) {
        config_free(cfg);
        return -1;
    }
    if (d->cfg &&
        strcmp(config_str(cfg, "kiosk", "data_dir"), config_str(d->cfg, "kiosk", "data_dir")) != 0)
        log_warn("daemon", "[kiosk] data_dir changed: takes effect at the next restart");
    config_free(d->cfg);
    show_free(&d->show);
    d->cfg = cfg;
    d->show = show;
    const char *lvl = d->log_override ? d->log_override : config_str(cfg, "kiosk", "log_level");
    if (log_level_parse(lvl) >= 0)
        log_set_level((enum log_level)log_level_parse(lvl));
    return 0;
}

/* Tells the store about the show and the sinks of the current config. */
static int apply_config(struct daemon *d, struct err *e)
{
    struct strv secs = {0}, sinks = {0};
    config_sections(d->cfg, "sink.", &secs);
    for (size_t i = 0; i < secs.n; i++)
        strv_push(&sinks, secs.v[i] + strlen("sink."));
    int rc = store_set_sinks(d->store, &sinks);
    strv_free(&secs);
    strv_free(&sinks);
    if (rc < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    if (store_show_ensure(d->store, d->show.id, d->show.name, d->show.timezone, e) < 0)
        return -1;
    if (capture_set_show(d->capture, d->cfg, &d->show, e) < 0)
        return -1;
    card_service_configure(d->card, d->cfg, &d->show);
    return 0;
}

/* ---- signals and timers --------------------------------------------------------- */

static void on_stop(struct loop *l, int signo, void *ud)
{
    log_info("daemon", "signal %d: stopping", signo);
    sd_notify(0, "STOPPING=1");
    loop_stop(l);
}

static void on_reload(struct loop *l, int signo, void *ud)
{
    struct daemon *d = ud;
    struct err e = {0};
    sd_notify(0, "RELOADING=1");
    /* Build the new config before touching the running one. */
    struct config *old_cfg = d->cfg;
    struct show old_show = d->show;
    d->cfg = NULL;
    memset(&d->show, 0, sizeof d->show);
    if (load_config(d, &e) < 0) {
        log_error("daemon", "reload refused, keeping the running config: %s", e.msg);
        d->cfg = old_cfg;
        d->show = old_show;
        sd_notify(0, "READY=1");
        return;
    }
    subsystems_stop(d);
    if (apply_config(d, &e) < 0 || subsystems_start(d, &e) < 0) {
        log_error("daemon", "reload failed (%s): back to the running config", e.msg);
        subsystems_stop(d);
        config_free(d->cfg);
        show_free(&d->show);
        d->cfg = old_cfg;
        d->show = old_show;
        if (apply_config(d, &e) < 0 || subsystems_start(d, &e) < 0) {
            log_error("daemon", "cannot restart with the old config either: %s", e.msg);
            d->exit_code = 1;
            loop_stop(l);
        }
    } else {
        config_free(old_cfg);
        show_free(&old_show);
        log_info("daemon", "config reloaded: show %s", d->show.id);
    }
    sd_notify(0, "READY=1");
}

static void check_clock(struct daemon *d)
{
    struct clock_stamp now;
    clock_now(&now);
    if (now.trusted && !d->clock_trusted) {
        struct err e = {0};
        int n = store_correct_clock(d->store, &now, &e);
        if (n < 0)
            log_error("daemon", "correcting capture times: %s", e.msg);
        else
            log_info("daemon", "clock is synchronised: corrected %d capture times", n);
        if (n >= 0)
            d->clock_trusted = true;
    } else if (!now.trusted && d->clock_trusted) {
        log_warn("daemon", "clock lost synchronisation: new capture times are marked untrusted");
        d->clock_trusted = false;
    }
}

static void on_clock_timer(struct loop *l, void *ud)
{
    struct daemon *d = ud;
    check_clock(d);
    loop_timer_reset(d->clock_timer,
                     (uint64_t)config_int(d->cfg, "kiosk", "clock_check_interval") * 1000);
}

static void on_watchdog(struct loop *l, void *ud)
{
    struct daemon *d = ud;
    sd_notify(0, "WATCHDOG=1");
    loop_timer_reset(d->watchdog_timer, d->watchdog_ms);
}

/* ---- main ------------------------------------------------------------------------- */

static int daemon_run(struct daemon *d)
{
    struct err e = {0};
    int rc = 1;
    if (load_config(d, &e) < 0) {
        fprintf(stderr, "matchbooth run: %s\n", e.msg);
        return 1;
    }
    const char *data_dir = config_str(d->cfg, "kiosk", "data_dir");
    if (mkdirs(data_dir, 0750, &e) < 0) {
        fprintf(stderr, "matchbooth run: [kiosk] data_dir: %s\n", e.msg);
        goto out;
    }
    char *db = cli_store_path(d->cfg), *sock = cli_socket_path(d->cfg);
    if (db)
        d->store = store_open(db, &e);
    free(db);
    if (!d->store) {
        free(sock);
        fprintf(stderr, "matchbooth run: %s\n", e.msg);
        goto out;
    }
    d->loop = loop_new();
    d->bus = bus_new();
    d->capture = capture_new(d->cfg, &d->show, d->store, d->bus);
    if (!d->loop || !d->bus || !d->capture || !sock) {
        free(sock);
        fprintf(stderr, "matchbooth run: out of memory\n");
        goto out;
    }
    d->ctl = ctl_listen(d->loop, sock, &e);
    free(sock);
    if (!d->ctl) {
        fprintf(stderr, "matchbooth run: %s\n", e.msg);
        goto out;
    }
    struct card_service_host card_host = {d->bus, d->store, d->capture, d->ctl, d->loop};
    if (ctl_register(d->ctl, "capture", ctl_capture, d) < 0 ||
        ctl_register(d->ctl, "status", ctl_status, d) < 0 ||
        ctl_register(d->ctl, "note", ctl_note, d) < 0 ||
        ctl_register(d->ctl, "ping", ctl_ping, d) < 0 ||
        !(d->card = card_service_new(&card_host, &e)) ||
        !(d->export_notice = export_notice_new(d->ctl, d->bus)) ||
        loop_signal_add(d->loop, SIGTERM, on_stop, d) < 0 ||
        loop_signal_add(d->loop, SIGINT, on_stop, d) < 0 ||
        loop_signal_add(d->loop, SIGHUP, on_reload, d) < 0) {
        fprintf(stderr, "matchbooth run: cannot set up control commands or signals\n");
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    if (bus_status_add(d->bus, "enrolment", status_enrolment, d) < 0) {
        fprintf(stderr, "matchbooth run: out of memory\n");
        goto out;
    }
    if (apply_config(d, &e) < 0 || subsystems_start(d, &e) < 0) {
        fprintf(stderr, "matchbooth run: %s\n", e.msg);
        goto out;
    }
    struct clock_stamp now;
    clock_now(&now);
    d->started_ms = now.mono_ms;
    d->clock_trusted = false;
    check_clock(d); /* fixes stamps of this boot left by a previous run */
    d->clock_timer = loop_timer_add(
        d->loop, (uint64_t)config_int(d->cfg, "kiosk", "clock_check_interval") * 1000,
        on_clock_timer, d);
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        d->watchdog_ms = wd_usec / 2000; /* ping at half the interval */
        d->watchdog_timer = loop_timer_add(d->loop, d->watchdog_ms, on_watchdog, d);
    }
    log_info("daemon", "matchbooth %s running show %s (pid %d)", MB_VERSION, d->show.id,
             (int)getpid());
    if (!enrol_is_enrolled(d->cfg))
        log_warn("daemon", "this device is not enrolled (no [kiosk] device_id, or demo mode): "
                           "put matchbooth.conf on the boot partition to enrol it");
    sd_notify(0, "READY=1");
    sd_notifyf(0, "STATUS=show %s%s", d->show.id,
               enrol_is_enrolled(d->cfg) ? "" : " (not enrolled)");
    rc = loop_run(d->loop) < 0 ? 1 : d->exit_code;
    log_info("daemon", "stopped");
out:
    subsystems_stop(d);
    loop_timer_del(d->clock_timer);
    loop_timer_del(d->watchdog_timer);
    ctl_close(d->ctl);
    card_service_free(d->card);
    export_notice_free(d->export_notice);
    capture_free(d->capture);
    bus_free(d->bus);
    loop_free(d->loop);
    store_close(d->store);
    show_free(&d->show);
    config_free(d->cfg);
    return rc;
}

int daemon_main_cli(const struct cli_args *a)
{
    struct daemon d = {0};
    d.config_path = config_path(a->config);
    d.log_override = cli_opt(a, "log-level");
    if (d.log_override && log_level_parse(d.log_override) < 0)
        return cli_fail(a, "--log-level: expected debug, info, warn or error");
    return daemon_run(&d);
}
