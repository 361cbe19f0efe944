// SPDX-License-Identifier: Apache-2.0
/*
 * wedge — keyboard-wedge scanner driver: the HID boot-keyboard decoder (key
 * usages to text per layout) and the USB driver around it (claim the
 * interface so scans never reach the kiosk UI, end scans on Enter/Tab or an
 * inter-key gap).
 */
#include "drivers/wedge.h"

#include <libusb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "drivers/driver.h"
#include "drivers/usb.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define KEYS 0x68 /* usages 0x00..0x67 cover every printing key */

/* A key's characters: plain, with Shift, with AltGr (0: none). */
struct keydef {
    uint16_t plain, shift, altgr;
};

struct keyover {
    uint8_t usage;
    struct keydef k;
};

/* Differences of each layout from US, by key position (HID usage). */
static const struct keyover de_over[] = {
    {0x1c, {'z', 'Z', 0}},      {0x1d, {'y', 'Y', 0}},     {0x14, {'q', 'Q', '@'}},
    {0x08, {'e', 'E', 0x20ac}}, {0x10, {'m', 'M', 0xb5}},  {0x1e, {'1', '!', 0}},
    {0x1f, {'2', '"', 0xb2}},   {0x20, {'3', 0xa7, 0xb3}}, {0x21, {'4', '$', 0}},
    {0x22, {'5', '%', 0}},      {0x23, {'6', '&', 0}},     {0x24, {'7', '/', '{'}},
    {0x25, {'8', '(', '['}},    {0x26, {'9', ')', ']'}},   {0x27, {'0', '=', '}'}},
    {0x2d, {0xdf, '?', '\\'}},  {0x2e, {0xb4, '`', 0}},    {0x2f, {0xfc, 0xdc, 0}},
    {0x30, {'+', '*', '~'}},    {0x31, {'#', '\'', 0}},    {0x32, {'#', '\'', 0}},
    {0x33, {0xf6, 0xd6, 0}},    {0x34, {0xe4, 0xc4, 0}},   {0x35, {'^', 0xb0, 0}},
    {0x36, {',', ';', 0}},      {0x37, {'.', ':', 0}},     {0x38, {'-', '_', 0}},
    {0x64, {'<', '>', '|'}},
};

static const struct keyover fr_over[] = {
    {0x04, {'q', 'Q', 0}},      {0x14, {'a', 'A', 0}},    {0x1a, {'z', 'Z', 0}},
    {0x1d, {'w', 'W', 0}},      {0x33, {'m', 'M', 0}},    {0x10, {',', '?', 0}},
    {0x08, {'e', 'E', 0x20ac}}, {0x1e, {'&', '1', 0}},    {0x1f, {0xe9, '2', '~'}},
    {0x20, {'"', '3', '#'}},    {0x21, {'\'', '4', '{'}}, {0x22, {'(', '5', '['}},
    {0x23, {'-', '6', '|'}},    {0x24, {0xe8, '7', '`'}}, {0x25, {'_', '8', '\\'}},
    {0x26, {0xe7, '9', '^'}},   {0x27, {0xe0, '0', '@'}}, {0x2d, {')', 0xb0, ']'}},
    {0x2e, {'=', '+', '}'}},    {0x2f, {'^', 0xa8, 0}},   {0x30, {'$', 0xa3, 0xa4}},
    {0x31, {'*', 0xb5, 0}},     {0x32, {'*', 0xb5, 0}},   {0x34, {0xf9, '%', 0}},
    {0x35, {0xb2, 0xb2, 0}},    {0x36, {';', '.', 0}},    {0x37, {':', '/', 0}},
    {0x38, {'!', 0xa7, 0}},     {0x64, {'<', '>', 0}},
};

static struct keydef tables[3][KEYS];
static bool tables_ready;

static void set_key(struct keydef *t, uint8_t usage, uint16_t plain, uint16_t shift)
{
    t[usage].plain = plain;
    t[usage].shift = shift;
    t[usage].altgr = 0;
}

static void build_us(struct keydef *t)
{
    static const char digits_shift[] = "!@#$%^&*()";
    static const char punct[][3] = {
        {0x2c, ' ', ' '},  {0x2d, '-', '_'}, {0x2e, '=', '+'}, {0x2f, '[', '{'},  {0x30, ']', '}'},
        {0x31, '\\', '|'}, {0x32, '#', '~'}, {0x33, ';', ':'}, {0x34, '\'', '"'}, {0x35, '`', '~'},
        {0x36, ',', '<'},  {0x37, '.', '>'}, {0x38, '/', '?'}, {0x64, '\\', '|'}};
    static const char keypad[] = "/*-+";
    memset(t, 0, sizeof(struct keydef) * KEYS);
    for (int i = 0; i < 26; i++)
        set_key(t, (uint8_t)(0x04 + i), (uint16_t)('a' + i), (uint16_t)('A' + i));
    for (int i = 0; i < 10; i++)
        set_key(t, (uint8_t)(0x1e + i), (uint16_t)(i == 9 ? '0' : '1' + i),
                (uint16_t)digits_shift[i]);
    for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++)
        set_key(t, (uint8_t)punct[i][0], (uint16_t)punct[i][1], (uint16_t)punct[i][2]);
    /* Keypad: scanners in "keypad mode" send digits there; NumLock assumed on. */
    for (int i = 0; i < 4; i++)
        set_key(t, (uint8_t)(0x54 + i), (uint16_t)keypad[i], (uint16_t)keypad[i]);
    for (int i = 0; i < 9; i++)
        set_key(t, (uint8_t)(0x59 + i), (uint16_t)('1' + i), (uint16_t)('1' + i));
    set_key(t, 0x62, '0', '0');
    set_key(t, 0x63, '.', '.');
}

static void build_tables(void)
{
    if (tables_ready)
        return;
    build_us(tables[WEDGE_US]);
    build_us(tables[WEDGE_DE]);
    build_us(tables[WEDGE_FR]);
    for (size_t i = 0; i < sizeof(de_over) / sizeof(de_over[0]); i++)
        tables[WEDGE_DE][de_over[i].usage] = de_over[i].k;
    for (size_t i = 0; i < sizeof(fr_over) / sizeof(fr_over[0]); i++)
        tables[WEDGE_FR][fr_over[i].usage] = fr_over[i].k;
    tables_ready = true;
}

int wedge_layout_parse(const char *name)
{
    if (!name)
        return -1;
    if (!strcasecmp(name, "us") || !strcasecmp(name, "en") || !strcasecmp(name, "qwerty"))
        return WEDGE_US;
    if (!strcasecmp(name, "de") || !strcasecmp(name, "qwertz"))
        return WEDGE_DE;
    if (!strcasecmp(name, "fr") || !strcasecmp(name, "azerty"))
        return WEDGE_FR;
    return -1;
}

const char *wedge_layout_name(int layout)
{
    switch (layout) {
    case WEDGE_DE:
        return "de";
    case WEDGE_FR:
        return "fr";
    default:
        return "us";
    }
}

void wedge_dec_init(struct wedge_dec *w, int layout, unsigned suffix)
{
    build_tables();
    memset(w, 0, sizeof(*w));
    w->layout = layout >= WEDGE_US && layout <= WEDGE_FR ? layout : WEDGE_US;
    w->suffix = suffix;
}

void wedge_dec_free(struct wedge_dec *w)
{
    buf_free(&w->text);
}

void wedge_dec_reset(struct wedge_dec *w)
{
    memset(w->prev, 0, sizeof(w->prev));
    buf_reset(&w->text);
}

static int add_utf8(struct buf *b, uint32_t c)
{
    char s[4];
    size_t n;
    if (c < 0x80) {
        s[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        s[0] = (char)(0xc0 | (c >> 6));
        s[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else {
        s[0] = (char)(0xe0 | (c >> 12));
        s[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        s[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    }
    return buf_add(b, s, n);
}

/* Latin-1 upper case of a lower-case letter, or 0. */
static uint16_t upper_of(uint16_t c)
{
    if (c >= 'a' && c <= 'z')
        return (uint16_t)(c - 32);
    if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
        return (uint16_t)(c - 32);
    return 0;
}

/* 1: the scan ended; 0: a character (or nothing) was added; -1: ENOMEM. */
static int key_down(struct wedge_dec *w, uint8_t mods, uint8_t usage)
{
    bool shift = mods & 0x22, ctrl = mods & 0x11, altgr = mods & 0x40;
    if (usage == 0x28 || usage == 0x58) {
        if (w->suffix & SUFFIX_ENTER)
            return 1;
        return buf_addc(&w->text, '\n');
    }
    if (usage == 0x2b) {
        if (w->suffix & SUFFIX_TAB)
            return 1;
        return buf_addc(&w->text, '\t');
    }
    if (usage == 0x39) {
        w->caps = !w->caps;
        return 0;
    }
    if (usage >= KEYS)
        return 0;
    const struct keydef *k = &tables[w->layout][usage];
    uint16_t c;
    if (altgr || (ctrl && (mods & 0x04))) /* AltGr, or Ctrl+Alt as Windows has it */
        c = k->altgr;
    else {
        bool up = shift;
        /* Caps Lock acts on letters only: where Shift gives the upper case. */
        if (w->caps && upper_of(k->plain) && upper_of(k->plain) == k->shift)
            up = !up;
        c = up ? k->shift : k->plain;
        if (ctrl && c >= 0x40 && c < 0x80) /* Ctrl+] is GS, the GS1 separator */
            c = (uint16_t)(c & 0x1f);
        else if (ctrl)
            c = 0;
    }
    if (!c)
        return 0;
    return add_utf8(&w->text, c);
}

int wedge_dec_report(struct wedge_dec *w, const uint8_t *r, size_t n)
{
    if (n == 9) /* a report id in front */
        r++, n--;
    if (n < 3)
        return 0;
    uint8_t mods = r[0];
    size_t nk = n - 2 > 6 ? 6 : n - 2;
    uint8_t now[6] = {0};
    memcpy(now, r + 2, nk);
    /* ErrorRollOver (0x01 in every slot): too many keys, no information. */
    if (now[0] == 0x01)
        return 0;
    int ended = 0;
    for (size_t i = 0; i < nk && !ended; i++) {
        uint8_t u = now[i];
        if (u < 0x04 || memchr(w->prev, u, sizeof(w->prev)))
            continue;
        int rc = key_down(w, mods, u);
        if (rc < 0)
            return -1;
        if (rc == 1)
            ended = 1;
    }
    memcpy(w->prev, now, sizeof(w->prev));
    return ended;
}

/* --- the USB driver ----------------------------------------------------- */

struct wedge {
    struct wedge_dec dec;
    struct loop_timer *gap;
};

static const struct usb_id wedge_ids[] = {
    {0x0c2e, DRIVER_ANY_PID}, /* Honeywell / Metrologic, keyboard mode */
    {0x05e0, 0x1200},         /* Symbol / Zebra LS2208 in HID keyboard mode */
    {0x1eab, DRIVER_ANY_PID}, /* Newland */
    {0, 0},
};

static int wedge_probe(struct usb_dev *d, const struct libusb_config_descriptor *cfg, struct err *e)
{
    /* The boot-keyboard interface (class 3, subclass 1, protocol 1); failing
     * that, any HID interface with an interrupt IN endpoint. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < cfg->bNumInterfaces; i++) {
            const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
            if (id->bInterfaceClass != LIBUSB_CLASS_HID)
                continue;
            if (pass == 0 && !(id->bInterfaceSubClass == 1 && id->bInterfaceProtocol == 1))
                continue;
            for (int j = 0; j < id->bNumEndpoints; j++) {
                const struct libusb_endpoint_descriptor *ep = &id->endpoint[j];
                if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
                    (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT) {
                    usb_dev_use_interface(d, id->bInterfaceNumber, ep->bEndpointAddress, false,
                                          ep->wMaxPacketSize ? ep->wMaxPacketSize : 8, 0);
                    return 0;
                }
            }
        }
    }
    return err_set(e, ERR_INVALID, "no HID keyboard interface");
}

static void wedge_flush(struct usb_dev *d, struct wedge *w, bool complete)
{
    if (w->dec.text.len > 0) {
        if (complete)
            usb_dev_emit(d, NULL, (const uint8_t *)w->dec.text.data, w->dec.text.len);
        else {
            usb_dev_count_dropped(d);
            log_warn("wedge", "%s: incomplete scan dropped (%zu bytes, no terminator)",
                     usb_dev_id(d), w->dec.text.len);
        }
    }
    wedge_dec_reset(&w->dec);
}

static void on_gap(struct loop *l, void *ud)
{
    struct usb_dev *d = ud;
    struct wedge *w = usb_dev_priv(d);
    /* With no terminator configured, silence is the end of a scan; with one,
     * silence means the scan broke off and the fragment must not be glued
     * onto the next code. */
    wedge_flush(d, w, usb_dev_conf(d)->suffix == 0);
    buf_reset(&w->dec.text);
}

static int wedge_start(struct usb_dev *d, struct err *e)
{
    const struct dev_conf *c = usb_dev_conf(d);
    struct wedge *w = calloc(1, sizeof(*w));
    if (!w)
        return err_set(e, ERR_INTERNAL, "out of memory");
    wedge_dec_init(&w->dec, c->layout, c->suffix);
    w->gap = loop_timer_add(usb_dev_loop(d), 3600u * 1000, on_gap, d);
    if (!w->gap) {
        free(w);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    usb_dev_set_priv(d, w);
    return 0;
}

static void wedge_input(struct usb_dev *d, const uint8_t *p, size_t n)
{
    struct wedge *w = usb_dev_priv(d);
    const struct dev_conf *c = usb_dev_conf(d);
    int r = wedge_dec_report(&w->dec, p, n);
    if (r < 0) {
        log_error("wedge", "%s: out of memory", usb_dev_id(d));
        wedge_dec_reset(&w->dec);
        return;
    }
    if (r == 1) {
        wedge_flush(d, w, true);
        loop_timer_reset(w->gap, 3600u * 1000);
        return;
    }
    if (w->dec.text.len > 0 && c->gap_ms > 0)
        loop_timer_reset(w->gap, (uint64_t)c->gap_ms);
}

static void wedge_stop(struct usb_dev *d)
{
    struct wedge *w = usb_dev_priv(d);
    if (!w)
        return;
    if (w->dec.text.len)
        usb_dev_count_dropped(d); /* unplugged in the middle of a scan */
    loop_timer_del(w->gap);
    wedge_dec_free(&w->dec);
    free(w);
    usb_dev_set_priv(d, NULL);
}

static void wedge_status(struct usb_dev *d, struct cJSON *obj)
{
    const struct dev_conf *c = usb_dev_conf(d);
    cJSON_AddStringToObject(obj, "layout", wedge_layout_name(c->layout));
}

const struct driver wedge_driver = {
    .name = "wedge",
    .kind = DRIVER_SCANNER,
    .ids = wedge_ids,
    .probe = wedge_probe,
    .start = wedge_start,
    .input = wedge_input,
    .stop = wedge_stop,
    .status = wedge_status,
};
