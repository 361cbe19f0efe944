// SPDX-License-Identifier: Apache-2.0
/*
 * test_drivers — the pure parts of the USB drivers, without USB: wedge
 * keyboard layouts (US, German, French, AltGr, Caps Lock, rollover), the HID
 * POS report decoder, the allow-list parser, per-device settings, slip text
 * sanitising and ESC/POS status answers, repeat suppression.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/allowlist.h"
#include "drivers/dev_conf.h"
#include "drivers/devices.h"
#include "drivers/driver.h"
#include "drivers/escpos.h"
#include "drivers/hidpos.h"
#include "drivers/slip.h"
#include "drivers/wedge.h"
#include "firmware/base/buf.h"
#include "tests/tap.h"

/* Feeds press+release of each (mods, usage) pair; returns the decoder's
 * result for the last report. */
static int feed(struct wedge_dec *w, const uint8_t (*keys)[2], size_t n)
{
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t down[8] = {keys[i][0], 0, keys[i][1]}, up[8] = {0};
        r = wedge_dec_report(w, down, 8);
        if (r)
            return r;
        r = wedge_dec_report(w, up, 8);
    }
    return r;
}

static void layouts(void)
{
    /* q w e r t y 1 2 Shift+1 AltGr+q AltGr+e ; (0x33) Enter */
    static const uint8_t keys[][2] = {{0, 0x14},    {0, 0x1a}, {0, 0x08}, {0, 0x15}, {0, 0x17},
                                      {0, 0x1c},    {0, 0x1e}, {0, 0x1f}, {2, 0x1e}, {0x40, 0x14},
                                      {0x40, 0x08}, {0, 0x33}, {0, 0x28}};
    struct {
        const char *name, *want;
    } cases[] = {
        {"us", "qwerty12!;"},
        {"de", "qwertz12!@\xe2\x82\xac\xc3\xb6"},
        {"fr", "azerty&\xc3\xa9"
               "1\xe2\x82\xacm"},
    };
    for (size_t i = 0; i < 3; i++) {
        struct wedge_dec w;
        wedge_dec_init(&w, wedge_layout_parse(cases[i].name), SUFFIX_ENTER);
        int r = feed(&w, keys, sizeof(keys) / sizeof(keys[0]));
        is_int(r, 1, "Enter ends the scan");
        buf_addc(&w.text, 0);
        is_str(w.text.data, cases[i].want, cases[i].name);
        wedge_dec_free(&w);
    }
    is_int(wedge_layout_parse("QWERTZ"), WEDGE_DE, "qwertz is de");
    is_int(wedge_layout_parse("dvorak"), -1, "unknown layout");
}

static void wedge_edges(void)
{
    struct wedge_dec w;
    wedge_dec_init(&w, WEDGE_US, SUFFIX_TAB);
    uint8_t with_id[9] = {1, 0, 0, 0x04}; /* report id 1, 'a' */
    wedge_dec_report(&w, with_id, 9);
    uint8_t rollover[8] = {0, 0, 1, 1, 1, 1, 1, 1};
    wedge_dec_report(&w, rollover, 8); /* no information, no characters */
    uint8_t up[8] = {0};
    wedge_dec_report(&w, up, 8);
    uint8_t enter[8] = {0, 0, 0x28};
    wedge_dec_report(&w, enter, 8); /* Enter is text when only Tab ends scans */
    wedge_dec_report(&w, up, 8);
    uint8_t ctrl_bracket[8] = {0x01, 0, 0x30}; /* Ctrl+] = GS (GS1 separator) */
    wedge_dec_report(&w, ctrl_bracket, 8);
    wedge_dec_report(&w, up, 8);
    uint8_t kp[8] = {0, 0, 0x59, 0x62}; /* keypad 1 and 0 in one report */
    wedge_dec_report(&w, kp, 8);
    wedge_dec_report(&w, up, 8);
    uint8_t tab[8] = {0, 0, 0x2b};
    is_int(wedge_dec_report(&w, tab, 8), 1, "Tab ends the scan");
    buf_addc(&w.text, 0);
    is_str(w.text.data,
           "a\n\x1d"
           "10",
           "report id, rollover error, Enter as text, GS, keypad");
    wedge_dec_reset(&w);
    is_int((int)w.text.len, 0, "reset empties the text");
    uint8_t short_r[2] = {0, 0};
    is_int(wedge_dec_report(&w, short_r, 2), 0, "a short report is ignored");
    wedge_dec_free(&w);
}

static void hidpos(void)
{
    struct hidpos_dec h;
    hidpos_dec_init(&h);
    uint8_t data[150];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    struct buf reps = {0};
    int n = hidpos_encode("]L2", data, sizeof(data), &reps);
    is_int(n, 3, "150 bytes take three reports");
    int r = 0;
    uint8_t other[64] = {0x05, 10};
    is_int(hidpos_dec_report(&h, other, 64), 0, "other report ids are ignored");
    for (int i = 0; i < n; i++)
        r = hidpos_dec_report(&h, (const uint8_t *)reps.data + 64 * i, 64);
    is_int(r, 1, "complete after the last report");
    ok(h.data.len == sizeof(data) && !memcmp(h.data.data, data, sizeof(data)), "bytes as sent");
    is_str(hidpos_symbology(h.aim), "pdf417", "]L is PDF417");
    ok(hidpos_symbology("]X0") == NULL, "unknown AIM id");
    hidpos_dec_reset(&h);
    uint8_t lying[64] = {0x02, 200, ']', 'Q', '1', 'x'}; /* length larger than the report */
    is_int(hidpos_dec_report(&h, lying, 64), 1, "an over-long length is clamped");
    is_int((int)h.data.len, HIDPOS_DATA_MAX, "to the 56 data bytes of a report");
    buf_free(&reps);
    hidpos_dec_free(&h);
    static const uint8_t pos_desc[] = {0x06, 0x8c, 0x00, 0x09, 0x02, 0xa1, 0x01, 0xc0};
    static const uint8_t pos_short[] = {0x05, 0x8c, 0x09, 0x02};
    static const uint8_t kbd_desc[] = {0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0xc0};
    static const uint8_t tricky[] = {0x09, 0x8c, 0x26, 0x8c, 0x00, 0xfe, 0x02, 0x00, 0x05, 0x8c};
    ok(hidpos_descriptor_is_pos(pos_desc, sizeof(pos_desc)), "usage page 0x8C (2-byte item)");
    ok(hidpos_descriptor_is_pos(pos_short, sizeof(pos_short)), "usage page 0x8C (1-byte item)");
    ok(!hidpos_descriptor_is_pos(kbd_desc, sizeof(kbd_desc)), "a keyboard's descriptor is not");
    ok(!hidpos_descriptor_is_pos(tricky, sizeof(tricky)),
       "0x8C as a usage, a logical max or inside a long item does not count");
    ok(!hidpos_descriptor_is_pos(pos_desc, 2), "a truncated item does not count");
}

static void allowlist(void)
{
    struct allowlist al = {0};
    struct err e = {0};
    const char *text = "# comment\n"
                       "\n"
                       "0c2e:*     wedge  layout=de suffix=none gap_ms=80 model=\"Any Honeywell\"\n"
                       "0C2E:0B61  hidpos # exact beats vendor-wide\r\n"
                       "0416:5011  escpos qr=raster dots=384 module=4 status=no\n";
    is_int(allowlist_parse(&al, text, "t.txt", &e), 0, "allow list parses");
    is_int((int)al.n, 3, "three entries");
    const struct allow_entry *a = allowlist_find(&al, 0x0c2e, 0x0b61);
    is_str(a ? a->conf.driver : "", "hidpos", "exact VID:PID wins");
    a = allowlist_find(&al, 0x0c2e, 0x1234);
    is_str(a ? a->conf.driver : "", "wedge", "vendor-wide entry");
    ok(a && a->conf.layout == WEDGE_DE && a->conf.suffix == 0 && a->conf.gap_ms == 80,
       "layout, suffix none, gap");
    is_str(a ? a->conf.model : "", "Any Honeywell", "quoted model");
    a = allowlist_find(&al, 0x0416, 0x5011);
    ok(a && a->conf.qr == QR_RASTER && a->conf.dots == 384 && !a->conf.status, "printer keys");
    ok(allowlist_find(&al, 0x046d, 0xc31c) == NULL, "an unlisted keyboard is not found");
    allowlist_free(&al);

    struct {
        const char *line, *msg;
    } bad[] = {
        {"zzzz:0001 wedge\n", "t.txt:1: expected VID:PID"},
        {"0001:0002 mouse\n", "t.txt:1: 0001:0002: unknown driver 'mouse'"},
        {"\n0001:0002 wedge layout=xx\n", "t.txt:2: layout: expected us, de or fr"},
        {"0001:0002 wedge colour=red\n", "t.txt:1: unknown key 'colour'"},
        {"0001:0002 wedge model=\"open\n", "t.txt:1: unterminated quote"},
        {"0001:0002 escpos dots=5\n", "t.txt:1: dots: expected a number from 96"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct allowlist b = {0};
        err_clear(&e);
        is_int(allowlist_parse(&b, bad[i].line, "t.txt", &e), -1, "bad line refused");
        ok(strstr(e.msg, bad[i].msg) != NULL, "message: %s", e.msg);
        allowlist_free(&b);
    }
    struct allowlist real = {0};
    is_int(allowlist_load(&real, "board/allowlist.txt", &e), 0, "board/allowlist.txt parses");
    ok(real.n >= 10, "and lists scanners and printers (%zu)", real.n);
    allowlist_free(&real);
}

static void slip_text(void)
{
    struct buf b = {0};
    slip_text_cp1252(&b, "Zo\xc3\xab \xe2\x82\xac \x1b@\x07 \xe6\x9d\x8e \xc3(x \xf0\x9f\x98\x80!",
                     200);
    buf_addc(&b, 0);
    is_str(b.data, "Zo\xeb \x80 @ ? ?(x ?!", "UTF-8 to cp1252, controls dropped, rest '?'");
    buf_free(&b);
    is_str(escpos_status_text(0x12, 0x12), "ready", "ready");
    is_str(escpos_status_text(0x12, 0x72), "paper out", "paper sensor: end");
    is_str(escpos_status_text(0x16, 0x12), "cover open", "cover open");
    is_str(escpos_status_text(0x32, 0x12), "paper out", "stopped for paper end");
    is_str(escpos_status_text(0xff, 0x12), "error: bad status answer", "garbage");

    struct slip s = {.show = "X"};
    struct slip_supplier sup = {"n", NULL};
    char longurl[1100];
    memset(longurl, 'a', sizeof(longurl) - 1);
    longurl[sizeof(longurl) - 1] = 0;
    sup.url = longurl;
    s.suppliers = &sup;
    s.n = 1;
    struct slip_opts o = {QR_NATIVE, 384, 6, 5};
    struct err e = {0};
    is_int(slip_escpos(&s, &o, &b, &e), -1, "a URL too long for a slip is refused");
    buf_free(&b);
    sup.url = "https://example.com/a-rather-long-path/that/needs/a/bigger/qr/version/1234567890";
    o.qr = QR_RASTER;
    o.dots = 40;
    o.qr_module = 8;
    is_int(slip_escpos(&s, &o, &b, &e), -1, "a QR wider than the paper is refused");
    buf_free(&b);
    o.dots = 384;
    is_int(slip_escpos(&s, &o, &b, &e), 0, "scaled down to fit 384 dots");
    buf_free(&b);
}

static void conf_and_repeat(void)
{
    struct dev_conf c;
    struct err e = {0};
    dev_conf_defaults(&c);
    is_int(dev_conf_set(&c, "suffix", "tab, enter", &e), 0, "suffix list");
    is_int((int)c.suffix, SUFFIX_ENTER | SUFFIX_TAB, "both bits");
    is_int(dev_conf_set(&c, "suffix", "space", &e), -1, "bad suffix");
    is_int(dev_conf_set(&c, "gap_ms", "12x", &e), -1, "bad number");
    is_int(dev_conf_set(&c, "status", "maybe", &e), -1, "bad bool");
    dev_conf_free(&c);

    struct devices_repeat *r = devices_repeat_new(2000);
    const uint8_t a[] = "CODE-A", b[] = "CODE-B";
    is_int(devices_repeat_check(r, a, 6, 1000), 0, "first reading passes");
    is_int(devices_repeat_check(r, b, 6, 1100), 0, "another code passes");
    is_int(devices_repeat_check(r, a, 6, 2500), 1, "same code 1.5 s later is ignored");
    is_int(devices_repeat_check(r, a, 6, 4000), 1, "held under the scanner: still ignored");
    is_int(devices_repeat_check(r, a, 6, 6100), 0, "after 2 s of quiet it counts again");
    is_int(devices_repeat_check(r, a, 5, 6200), 0, "a prefix is a different code");
    devices_repeat_free(r);
    r = devices_repeat_new(0);
    is_int(devices_repeat_check(r, a, 6, 1), 0, "window 0");
    is_int(devices_repeat_check(r, a, 6, 2), 0, "never suppresses");
    devices_repeat_free(r);
    ok(driver_find("wedge") && driver_find("hidpos") && driver_find("escpos") && !driver_find("x"),
       "driver table lookups");
    ok(driver_match(0x04b8, 0x0202) == driver_find("escpos"), "id table: Epson printer");
    ok(driver_match(0x0c2e, 0x0b61) == driver_find("hidpos"), "id table: exact before vendor");
    ok(driver_match(0x0c2e, 0x1111) == driver_find("wedge"), "id table: vendor-wide");
}

int main(void)
{
    layouts();
    wedge_edges();
    hidpos();
    allowlist();
    slip_text();
    conf_and_repeat();
    return done_testing();
}
