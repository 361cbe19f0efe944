// SPDX-License-Identifier: Apache-2.0
/*
 * test_usb — the USB and serial drivers end to end, through the real libusb
 * code path against umockdev-emulated devices (tests/usb/emu.c), with the
 * daemon's own loop, bus and config: keyboard-wedge scans in US and German
 * layouts, held keys and Caps Lock, a HID POS scan with non-ASCII UTF-8 and
 * binary bytes, kernel-driver detach, a device not in the allow list left
 * alone, hotplug arrival and removal in the middle of a scan, a stall and
 * recovery, repeat suppression, the exact bytes of printed slips (compared
 * with the files in tests/usb/expected, hexdump diff on failure), paper out, and a
 * serial scanner on a pseudo-terminal.
 *
 * Must run under umockdev's preload (tests/usb/usb.t does that). Every slip
 * the printers received is written to $MB_OUT (default tests/out/usb; usb.t
 * and usb-asan.t each give their own, as they run in parallel), with hexdumps
 * when it differs. This test never writes the expected files:
 * tests/usb/update-expected.sh (make usb-expected) does, after checking the
 * new bytes with tests/usb/slip.t.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/devices.h"
#include "firmware/runtime/bus.h"
#include "firmware/config/config.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/runtime/source.h"
#include "tests/tap.h"
#include "tests/usb/emu.h"

struct got {
    char *device, *symbology;
    GBytes *data;
};

static GPtrArray *scans;
static struct loop *lp;
static struct bus *bus;
static int device_events;

static void on_emit(void *ud, const struct source_scan *s)
{
    struct got *g = g_new0(struct got, 1);
    g->device = g_strdup(s->device);
    g->symbology = g_strdup(s->symbology);
    g->data = g_bytes_new(s->data, s->len);
    g_ptr_array_add(scans, g);
}

static void got_free(gpointer p)
{
    struct got *g = p;
    g_free(g->device);
    g_free(g->symbology);
    g_bytes_unref(g->data);
    g_free(g);
}

static void on_bus(const char *type, const cJSON *data, void *ud)
{
    if (!strcmp(type, "device"))
        device_events++;
}

/* --- running the loop until something happened --------------------------- */

struct waiter {
    bool (*cond)(void *);
    void *ud;
    uint64_t deadline;
    struct loop_timer *t;
    bool met;
};

static void tick(struct loop *l, void *ud)
{
    struct waiter *w = ud;
    if ((w->cond && w->cond(w->ud)) || loop_now_ms() >= w->deadline) {
        w->met = w->cond ? w->cond(w->ud) : true;
        loop_stop(l);
        return;
    }
    loop_timer_reset(w->t, 2);
}

static bool run_until(bool (*cond)(void *), void *ud, unsigned timeout_ms)
{
    struct waiter w = {cond, ud, loop_now_ms() + timeout_ms, NULL, false};
    w.t = loop_timer_add(lp, 0, tick, &w);
    loop_run(lp);
    loop_timer_del(w.t);
    return w.met;
}

/* How long a wait for something that must happen may take: generous, as
 * it costs nothing when things are fast and a loaded machine (or ASan) is
 * slow. Fixed run_for() times are only where a gap itself is the input. */
#define WAIT_MS 10000

static void run_for(unsigned ms)
{
    run_until(NULL, NULL, ms);
}

static guint want_scans;
static bool enough_scans(void *ud)
{
    return scans->len >= want_scans;
}

static bool wait_scans(guint n, unsigned timeout_ms)
{
    want_scans = n;
    return run_until(enough_scans, NULL, timeout_ms);
}

/* The status member of the device vid:pid (a copy, caller frees), or NULL. */
static cJSON *dev_status(const char *vid, const char *pid)
{
    cJSON *st = cJSON_CreateObject();
    bus_status_fill(bus, st);
    const cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "devices"), "devices");
    const cJSON *it;
    cJSON *found = NULL;
    cJSON_ArrayForEach(it, list)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(it, "vid"));
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(it, "pid"));
        if (v && p && !strcmp(v, vid) && !strcmp(p, pid))
            found = cJSON_Duplicate(it, 1);
    }
    cJSON_Delete(st);
    return found;
}

struct state_want {
    const char *vid, *pid, *state;
};

static bool state_is(void *ud)
{
    struct state_want *w = ud;
    cJSON *d = dev_status(w->vid, w->pid);
    const char *s = d ? cJSON_GetStringValue(cJSON_GetObjectItem(d, "state")) : NULL;
    bool r = s && !strcmp(s, w->state);
    cJSON_Delete(d);
    return r;
}

static bool wait_state(const char *vid, const char *pid, const char *state, unsigned ms)
{
    struct state_want w = {vid, pid, state};
    return run_until(state_is, &w, ms);
}

static double dev_num(const char *vid, const char *pid, const char *key)
{
    cJSON *d = dev_status(vid, pid);
    double v = d ? cJSON_GetNumberValue(cJSON_GetObjectItem(d, key)) : -1;
    cJSON_Delete(d);
    return v;
}

static bool no_pending(void *ud)
{
    return emu_pending(ud) == 0;
}

/* --- comparing bytes ------------------------------------------------------- */

static void hexdump(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        fprintf(f, "%06zx ", i);
        for (size_t j = i; j < i + 16; j++)
            j < n ? fprintf(f, " %02x", p[j]) : fprintf(f, "   ");
        fprintf(f, "  |");
        for (size_t j = i; j < i + 16 && j < n; j++)
            fputc(p[j] >= 0x20 && p[j] < 0x7f ? p[j] : '.', f);
        fprintf(f, "|\n");
    }
}

/* This run's own output directory ($MB_OUT), made if needed. */
static const char *out_dir(void)
{
    const char *d = getenv("MB_OUT");
    if (!d || !*d)
        d = "tests/out/usb";
    g_mkdir_with_parents(d, 0755);
    return d;
}

/* Compares got with the committed expected file; prints a hexdump diff.
 * The bytes received are kept in out_dir() either way. */
static bool same_as_file(const uint8_t *got, size_t n, const char *name)
{
    char path[256], out[512], hexa[512], hexb[512];
    snprintf(path, sizeof(path), "tests/usb/expected/%s", name);
    snprintf(out, sizeof(out), "%s/%s", out_dir(), name);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(got, 1, n, f) != n)
        diag("cannot write %s", out);
    if (f)
        fclose(f);
    gchar *want = NULL;
    gsize wn = 0;
    if (!g_file_get_contents(path, &want, &wn, NULL)) {
        diag("cannot read %s", path);
        return false;
    }
    bool same = wn == n && memcmp(want, got, n) == 0;
    if (!same) {
        snprintf(hexa, sizeof(hexa), "%s/%s.expected.hex", out_dir(), name);
        snprintf(hexb, sizeof(hexb), "%s/%s.got.hex", out_dir(), name);
        FILE *a = fopen(hexa, "w"), *b = fopen(hexb, "w");
        if (a && b) {
            hexdump(a, (const uint8_t *)want, wn);
            hexdump(b, got, n);
        }
        if (a)
            fclose(a);
        if (b)
            fclose(b);
        diag("%s: got %zu bytes (%s), expected %zu; diff of the hexdumps:", name, n, out,
             (size_t)wn);
        char cmd[1100];
        snprintf(cmd, sizeof(cmd), "diff -u %s %s | head -40 | sed 's/^/# /'", hexa, hexb);
        if (system(cmd) < 0)
            diag("(diff failed)");
    }
    g_free(want);
    return same;
}

static bool scan_is(guint i, const char *want, const char *name)
{
    if (i >= scans->len) {
        ok(false, "%s (no scan %u)", name, i);
        return false;
    }
    struct got *g = scans->pdata[i];
    gsize n;
    const char *p = g_bytes_get_data(g->data, &n);
    char *s = g_strndup(p, n);
    bool r = is_str(s, want, name);
    g_free(s);
    return r;
}

/* --- key sequences ------------------------------------------------------- */

/* Shift+h e l l o Shift+2 y z Shift+z (-/ß) Shift+(/ -) Enter: the same key
 * positions mean different text in US and German layouts. */
static void type_layout_probe(struct emu *e)
{
    emu_key(e, 0x02, 0x0b);
    emu_key(e, 0, 0x08);
    emu_key(e, 0, 0x0f);
    emu_key(e, 0, 0x0f);
    emu_key(e, 0, 0x12);
    emu_key(e, 0x20, 0x1f); /* right shift */
    emu_key(e, 0, 0x1c);
    emu_key(e, 0, 0x1d);
    emu_key(e, 0x02, 0x1d);
    emu_key(e, 0, 0x2d);
    emu_key(e, 0x02, 0x38);
    emu_key(e, 0, 0x28);
}

static void type_word(struct emu *e, const char *s, bool enter)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z')
            emu_key(e, 0, (uint8_t)(0x04 + *s - 'a'));
        else if (*s >= 'A' && *s <= 'Z')
            emu_key(e, 0x02, (uint8_t)(0x04 + *s - 'A'));
        else if (*s >= '1' && *s <= '9')
            emu_key(e, 0, (uint8_t)(0x1e + *s - '1'));
        else if (*s == '0')
            emu_key(e, 0, 0x27);
        else if (*s == '-')
            emu_key(e, 0, 0x2d);
    }
    if (enter)
        emu_key(e, 0, 0x28);
}

static void queue_hidpos(struct emu *e, const char *aim, const uint8_t *p, size_t n)
{
    size_t off = 0;
    do {
        uint8_t r[64] = {0};
        size_t len = n - off > 56 ? 56 : n - off;
        r[0] = 0x02;
        r[1] = (uint8_t)len;
        memcpy(r + 2, aim, 3);
        memcpy(r + 5, p + off, len);
        off += len;
        if (off < n)
            r[63] = 1;
        emu_queue(e, r, sizeof(r));
    } while (off < n);
}

static const char *const slip_json =
    "{\"show\": \"Hong Kong Electronics Fair\", \"greeting\": \"Danke, Zo\\u00eb M\\u00fcller!\","
    " \"suppliers\": ["
    "{\"name\": \"M\\u00fcller Sensorik GmbH\", \"url\": \"https://example.com/s/mueller\"},"
    "{\"name\": \"\\u674e\\u6c0f\\u8cbf\\u6613 Lee Trading\", \"url\": "
    "\"https://example.com/s/lee\"},"
    "{\"name\": \"Evil\\u001b@ Corp\", \"url\": \"https://example.com/s/evil\"},"
    "{\"name\": \"No URL Ltd\"},"
    "{\"name\": \"Fifth\", \"url\": \"https://example.com/s/5\"},"
    "{\"name\": \"Sixth (over the limit)\", \"url\": \"https://example.com/s/6\"}],"
    " \"footer\": \"matchbooth \\u2022 thank you\"}";

/* Decodes every GS v 0 image of a slip with zbarimg (a real QR reader). */
static void check_raster_qr(const uint8_t *p, size_t n)
{
    static const char *const want[] = {"https://example.com/s/mueller", "https://example.com/s/lee",
                                       "https://example.com/s/evil", "https://example.com/s/5"};
    size_t img = 0;
    for (size_t i = 0; i + 8 <= n && img < 4; i++) {
        if (memcmp(p + i, "\x1dv0\x00", 4) != 0)
            continue;
        size_t bpr = p[i + 4] | (size_t)p[i + 5] << 8, h = p[i + 6] | (size_t)p[i + 7] << 8;
        if (i + 8 + bpr * h > n)
            break;
        char path[512], cmd[700], got[256] = "";
        snprintf(path, sizeof(path), "%s/slip-qr-%zu.pbm", out_dir(), img);
        FILE *f = fopen(path, "wb");
        if (!f)
            break;
        fprintf(f, "P4\n%zu %zu\n", bpr * 8, h);
        fwrite(p + i + 8, 1, bpr * h, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "zbarimg --nodbus -q --raw %s 2>/dev/null", path);
        FILE *z = popen(cmd, "r");
        if (z) {
            if (!fgets(got, sizeof(got), z))
                got[0] = 0;
            pclose(z);
        }
        got[strcspn(got, "\n")] = 0;
        is_str(got, want[img], "raster QR decodes with zbarimg to the supplier's URL");
        i += 8 + bpr * h - 1;
        img++;
    }
    is_int((long long)img, 4, "four raster QR codes (one supplier has no URL)");
}

static bool printed(void *ud)
{
    const char **vp = ud;
    return dev_num(vp[0], vp[1], "printed") >= 1;
}

static bool halt_cleared(void *ud)
{
    return emu_count(ud, "clear_halt") >= 1;
}

/* No slip queued or printing on the printer vid:pid (ud: {vid, pid}). */
static bool queue_empty(void *ud)
{
    const char **vp = ud;
    return dev_num(vp[0], vp[1], "queued") == 0;
}

/* Waits until the status number key of vid:pid reaches at least want. */
struct num_wait {
    const char *vid, *pid, *key;
    double want;
};
static bool num_reached(void *ud)
{
    const struct num_wait *w = ud;
    return dev_num(w->vid, w->pid, w->key) >= w->want;
}
static bool wait_num(const char *vid, const char *pid, const char *key, double want,
                     unsigned timeout_ms)
{
    struct num_wait w = {vid, pid, key, want};
    return run_until(num_reached, &w, timeout_ms);
}

int main(void)
{
    char tmpl[] = "/tmp/mb-usb-XXXXXX";
    char *dir = mkdtemp(tmpl);
    int master = -1, slave = -1;
    char ptyname[128];
    log_set_level(getenv("MB_DEBUG") ? LOG_DEBUG : LOG_WARN);
    if (!dir || openpty(&master, &slave, ptyname, NULL, NULL) < 0) {
        printf("Bail out! temp dir or pty: %s\n", strerror(errno));
        return 1;
    }
    close(slave);
    fcntl(master, F_SETFL, O_NONBLOCK);

    char conf[512];
    snprintf(conf, sizeof(conf), "%s/test.conf", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\n\n"
            "[devices]\nallowlist = board/allowlist.txt\nrepeat_window_ms = 400\n\n"
            "[device.german]\nusb = 1eab:1d03\nlayout = de\nmodel = Newland set to German\n\n"
            "[device.frontprinter]\nusb = 04b8:0e15\npoll_ms = 0\n\n"
            "[device.ser]\ndriver = serial\npath = %s\nbaud = 115200\nsuffix = enter\n",
            dir, ptyname);
    fclose(f);
    struct err e = {0};
    struct config *cfg = config_load(conf, &e);
    if (!cfg) {
        printf("Bail out! %s\n", e.msg);
        return 1;
    }

    UMockdevTestbed *tb = umockdev_testbed_new();
    /* Present before the daemon starts: found by enumeration. */
    struct emu *us = emu_new(tb, EMU_KEYBOARD, 0x0c2e, 0x0b87, 1);
    struct emu *kbd = emu_new(tb, EMU_KEYBOARD, 0x046d, 0xc31c, 2);
    emu_plug(us);
    emu_plug(kbd);

    scans = g_ptr_array_new_with_free_func(got_free);
    lp = loop_new();
    bus = bus_new();
    bus_subscribe(bus, on_bus, NULL);
    struct source_host host = {lp, cfg, bus, on_emit, NULL};
    struct devices *dv = devices_start(&host, NULL, &e);
    if (!dv) {
        printf("Bail out! devices_start: %s\n", e.msg);
        return 1;
    }

    /* 1. US wedge found by enumeration, kernel driver detached. */
    ok(wait_state("0c2e", "0b87", "ready", WAIT_MS), "wedge scanner present at start is claimed");
    ok(emu_count(us, "detach") == 1 && !emu_kernel_bound(us),
       "the bound usbhid driver was detached before claiming");
    ok(emu_count(us, "claim") == 1, "interface claimed once");
    cJSON *st = dev_status("0c2e", "0b87");
    ok(cJSON_IsTrue(cJSON_GetObjectItem(st, "kernel_driver_detached")),
       "status says the kernel driver was detached");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(st, "layout")), "us", "layout us");
    cJSON_Delete(st);

    /* 2. Not in the allow list: never opened. */
    cJSON *kd = dev_status("046d", "c31c");
    is_str(kd ? cJSON_GetStringValue(cJSON_GetObjectItem(kd, "state")) : "(absent)", "ignored",
           "kiosk keyboard (not in the allow list) listed as ignored");
    cJSON_Delete(kd);
    is_int(emu_count(kbd, "ioctl"), 0, "no ioctl ever reached the kiosk keyboard");
    ok(emu_kernel_bound(kbd), "the kiosk keyboard keeps its kernel driver");

    /* 3. US layout scan with Shift. */
    guint base = scans->len;
    type_layout_probe(us);
    ok(wait_scans(base + 1, WAIT_MS), "US scan arrives");
    scan_is(base, "Hello@yzZ-?", "US layout text (Shift, y/z)");
    if (scans->len > base)
        ok(!strncmp(((struct got *)scans->pdata[base])->device, "usb:0c2e:0b87@1-1", 17),
           "scan names its device (%s)", ((struct got *)scans->pdata[base])->device);

    /* 4. Held keys, repeated reports, rollover, Caps Lock. */
    base = scans->len;
    static const uint8_t a_down[8] = {0, 0, 0x04}, ab_down[8] = {0, 0, 0x04, 0x05}, up[8] = {0};
    emu_queue(us, a_down, 8);
    emu_queue(us, a_down, 8); /* repeated report: key held */
    emu_queue(us, a_down, 8);
    emu_queue(us, ab_down, 8); /* b pressed while a held */
    emu_queue(us, ab_down, 8);
    emu_queue(us, up, 8);
    emu_queue(us, a_down, 8); /* pressed again after release */
    emu_queue(us, up, 8);
    emu_key(us, 0, 0x39); /* Caps Lock on */
    emu_key(us, 0, 0x14); /* q -> Q */
    emu_key(us, 0, 0x1e); /* 1 stays 1 */
    emu_key(us, 2, 0x14); /* Shift+q with Caps -> q */
    emu_key(us, 0, 0x39); /* Caps Lock off */
    emu_key(us, 0, 0x14); /* q */
    emu_key(us, 0, 0x28);
    ok(wait_scans(base + 1, WAIT_MS), "held-key scan arrives");
    scan_is(base, "abaQ1qq", "held keys and repeated reports never double; Caps Lock on letters");

    /* 5. German layout: a device named in the config, plugged while running. */
    struct emu *de = emu_new(tb, EMU_KEYBOARD, 0x1eab, 0x1d03, 3);
    int ev0 = device_events;
    emu_plug(de);
    ok(wait_state("1eab", "1d03", "ready", WAIT_MS), "hotplug: German wedge scanner claimed");
    ok(device_events > ev0, "a \"device\" bus event was published on arrival");
    st = dev_status("1eab", "1d03");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(st, "layout")), "de", "layout de from config");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(st, "name")), "german", "named device");
    cJSON_Delete(st);
    base = scans->len;
    type_layout_probe(de);
    ok(wait_scans(base + 1, WAIT_MS), "German scan arrives");
    scan_is(base, "Hello\"zyY\xc3\x9f_", "German layout: same keys, QWERTZ text (z/y, \", ß, _)");

    /* 6. HID POS: non-ASCII UTF-8 and binary bytes, several reports. */
    struct emu *pos = emu_new(tb, EMU_HIDPOS, 0x0c2e, 0x0b61, 4);
    emu_plug(pos);
    ok(wait_state("0c2e", "0b61", "ready", WAIT_MS), "HID POS scanner claimed");
    static const uint8_t payload[] =
        "MECARD:N:M\xc3\xbcller,Zo\xc3\xab;ORG:\xe6\x9d\x8e\xe6\xb0\x8f\xe8\xb2\xbf\xe6\x98\x93;"
        "NOTE:\x00\x01\xff\xfe binary;EMAIL:zoe@example.com;;";
    base = scans->len;
    queue_hidpos(pos, "]Q1", payload, sizeof(payload) - 1);
    ok(wait_scans(base + 1, WAIT_MS), "HID POS scan arrives");
    if (scans->len > base) {
        struct got *g = scans->pdata[base];
        gsize n;
        const uint8_t *p = g_bytes_get_data(g->data, &n);
        ok(n == sizeof(payload) - 1 && !memcmp(p, payload, n),
           "HID POS bytes exactly as sent (%zu bytes over %d reports, NUL and 0xff kept)",
           (size_t)n, (int)((sizeof(payload) - 1 + 55) / 56));
        is_str(g->symbology, "qr", "symbology from the AIM id ]Q1");
    }

    /* 6b. A scanner listed as HID POS but left in keyboard mode: its report
     * descriptor has no usage page 0x8C, so it is flagged, not read. */
    struct emu *kbmode = emu_new(tb, EMU_HIDPOS, 0x05e0, 0x1300, 6);
    static const uint8_t kbd_desc[] = {0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0xc0};
    emu_set_report_descriptor(kbmode, kbd_desc, sizeof(kbd_desc));
    emu_plug(kbmode);
    ok(wait_state("05e0", "1300", "error: not in HID POS mode (no usage page 0x8C)", WAIT_MS),
       "HID POS scanner in keyboard mode: clear state from its report descriptor");
    emu_unplug(kbmode);
    ok(wait_state("05e0", "1300", "removed", WAIT_MS), "and removed");
    emu_remove(kbmode);

    /* 7. Repeat suppression (window 400 ms in this config). */
    base = scans->len;
    static const uint8_t code[] = "BADGE-0042";
    queue_hidpos(pos, "]C0", code, sizeof(code) - 1);
    queue_hidpos(pos, "]C0", code, sizeof(code) - 1);
    run_until(no_pending, pos, WAIT_MS);
    run_for(500); /* the window passes */
    queue_hidpos(pos, "]C0", code, sizeof(code) - 1);
    ok(wait_scans(base + 2, WAIT_MS), "the same code after the window is a new scan");
    /* Reports are handled in order: with the third read in, a second copy
     * of the first pair would have arrived before it. */
    run_until(no_pending, pos, WAIT_MS);
    is_int((long long)scans->len - base, 2, "the same code twice within the window is stored once");

    /* 8. Hotplug removal in the middle of a scan, then replug. */
    struct emu *hp = emu_new(tb, EMU_KEYBOARD, 0x0c2e, 0x0901, 5);
    emu_plug(hp);
    ok(wait_state("0c2e", "0901", "ready", WAIT_MS), "hotplug: second wedge scanner claimed");
    base = scans->len;
    type_word(hp, "abc", false);
    run_until(no_pending, hp, WAIT_MS);
    emu_unplug(hp);
    ok(wait_state("0c2e", "0901", "removed", WAIT_MS), "unplugged mid-scan: state removed");
    ok(wait_num("0c2e", "0901", "dropped", 1, WAIT_MS) && dev_num("0c2e", "0901", "dropped") == 1,
       "the broken-off scan is counted as dropped");
    is_int((long long)scans->len - base, 0, "and is not emitted");
    emu_remove(hp);
    run_for(50);
    emu_plug(hp);
    ok(wait_state("0c2e", "0901", "ready", WAIT_MS), "replugged: claimed again without a restart");
    type_word(hp, "xyz", true);
    ok(wait_scans(base + 1, WAIT_MS), "scan after replug arrives");
    scan_is(base, "xyz", "scan after replug is whole and not glued to the fragment");

    /* 9. A scanner that goes silent mid-scan, then stalls, then recovers. */
    base = scans->len;
    type_word(us, "ab", false);
    run_until(no_pending, us, WAIT_MS);
    /* The 100 ms gap is the driver's timer: wait for its effect, not for
     * a time (a loaded machine only makes this slower). */
    ok(wait_num("0c2e", "0b87", "dropped", 1, WAIT_MS) && dev_num("0c2e", "0b87", "dropped") == 1,
       "silence after a fragment: dropped after the gap");
    emu_queue_stall(us);
    run_until(no_pending, us, WAIT_MS);
    ok(run_until(halt_cleared, us, WAIT_MS), "endpoint halt cleared after the stall");
    is_int((long long)dev_num("0c2e", "0b87", "stalls"), 1, "stall counted");
    type_word(us, "ok1", true);
    ok(wait_scans(base + 1, WAIT_MS), "scan after the stall arrives");
    scan_is(base, "ok1", "recovered: next scan complete, fragment not glued on");
    ok(wait_state("0c2e", "0b87", "ready", WAIT_MS), "state back to ready");

    /* 10. Printer with native QR and status: exact bytes of a slip. */
    struct emu *np = emu_new(tb, EMU_PRINTER, 0x04b8, 0x0e15, 7);
    emu_plug(np);
    ok(wait_state("04b8", "0e15", "ready", WAIT_MS), "ESC/POS printer (native QR) ready");
    cJSON *all = cJSON_CreateObject();
    bus_status_fill(bus, all);
    const cJSON *pm = cJSON_GetObjectItem(cJSON_GetObjectItem(all, "devices"), "printer");
    ok(cJSON_IsTrue(cJSON_GetObjectItem(pm, "present")) &&
           cJSON_IsTrue(cJSON_GetObjectItem(pm, "ready")),
       "status member devices.printer: present and ready (what the UI asks)");
    cJSON_Delete(all);
    cJSON *slip = cJSON_Parse(slip_json);
    bus_publish(bus, "print", slip);
    const char *np_id[2] = {"04b8", "0e15"};
    ok(run_until(printed, np_id, WAIT_MS), "slip printed (native QR)");
    size_t n;
    uint8_t *out = emu_take_out(np, &n);
    ok(same_as_file(out, n, "slip_native.bin"),
       "printer received exactly the expected bytes (native QR)");
    ok(!memmem(out, n, "\x1b@ Corp", 7), "an ESC smuggled in a supplier name is not sent");
    ok(!memmem(out, n, "Sixth", 5), "suppliers beyond slip_suppliers (5) are left out");
    g_free(out);

    /* 11. Paper out: clear state, slip refused at once, nothing sent. */
    emu_set_printer_status(np, true, 0x32, 0x72);
    bus_publish(bus, "print", slip);
    ok(wait_state("04b8", "0e15", "paper out", WAIT_MS), "paper out is the printer's state");
    out = emu_take_out(np, &n);
    bus_publish(bus, "print", slip);
    run_for(100);
    g_free(out);
    out = emu_take_out(np, &n);
    ok(n <= 6, "no slip sent while the paper is out (%zu bytes: status query only)", n);
    g_free(out);
    emu_set_printer_status(np, true, 0x12, 0x12);
    bus_publish(bus, "print", slip); /* refused, but asks again */
    ok(wait_state("04b8", "0e15", "ready", WAIT_MS), "paper back: ready again");
    /* What comes out once the paper is back: the slip accepted before the
     * driver knew the paper was out (held, by design), then the next one;
     * never the two refused while the state said paper out. */
    bus_publish(bus, "print", slip);
    ok(run_until(queue_empty, np_id, WAIT_MS), "the held slip and the next one are printed");
    out = emu_take_out(np, &n);
    size_t titles = 0;
    for (const uint8_t *q = out; q && (q = memmem(q, n - (size_t)(q - out), "Hong Kong", 9)); q++)
        titles++;
    is_int((long long)titles, 2, "the slips refused while the paper was out never come out");
    g_free(out);
    emu_unplug(np);
    ok(wait_state("04b8", "0e15", "removed", WAIT_MS), "printer unplugged: removed");
    emu_remove(np);

    /* 12. A printer without native QR or status: raster image. */
    struct emu *rp = emu_new(tb, EMU_PRINTER, 0x0416, 0x5011, 8);
    emu_set_printer_status(rp, false, 0, 0);
    emu_plug(rp);
    ok(wait_state("0416", "5011", "ready", WAIT_MS), "ESC/POS printer (raster QR) ready");
    bus_publish(bus, "print", slip);
    const char *rp_id[2] = {"0416", "5011"};
    ok(run_until(printed, rp_id, WAIT_MS), "slip printed (raster QR)");
    out = emu_take_out(rp, &n);
    ok(same_as_file(out, n, "slip_raster.bin"),
       "printer received exactly the expected bytes (raster QR)");
    check_raster_qr(out, n);
    g_free(out);
    cJSON_Delete(slip);

    /* 13. Serial scanner on a pseudo-terminal. */
    base = scans->len;
    static const char line1[] = "SER-123\r\n";
    ok(write(master, line1, sizeof(line1) - 1) == (ssize_t)sizeof(line1) - 1, "wrote to the pty");
    ok(wait_scans(base + 1, WAIT_MS), "serial scan arrives");
    scan_is(base, "SER-123", "serial scan text, CR LF stripped");
    if (scans->len > base)
        ok(g_str_has_prefix(((struct got *)scans->pdata[base])->device, "serial:/dev/pts/"),
           "serial scan names its line");
    static const char frag[] = "PARTI";
    if (write(master, frag, sizeof(frag) - 1) < 0)
        diag("write: %s", strerror(errno));
    run_for(300);
    static const char line2[] = "OK-2\r";
    if (write(master, line2, sizeof(line2) - 1) < 0)
        diag("write: %s", strerror(errno));
    ok(wait_scans(base + 2, WAIT_MS), "second serial scan arrives");
    scan_is(base + 1, "OK-2", "serial fragment dropped after the gap, next scan whole");

    devices_stop(dv);
    ok(emu_kernel_bound(kbd) && emu_count(kbd, "ioctl") == 0,
       "kiosk keyboard still untouched at shutdown");
    ok(emu_kernel_bound(us), "usbhid given back to the wedge scanner at shutdown");
    emu_free(us);
    emu_free(kbd);
    emu_free(de);
    emu_free(pos);
    emu_free(kbmode);
    emu_free(hp);
    emu_free(np);
    emu_free(rp);
    g_object_unref(tb);
    bus_free(bus);
    loop_free(lp);
    config_free(cfg);
    g_ptr_array_free(scans, TRUE);
    close(master);
    unlink(conf);
    rmdir(dir);
    return done_testing();
}
