// SPDX-License-Identifier: Apache-2.0
/*
 * export_ndjson — one JSON object per line per lead, with every stored
 * field, the children (answers with their times, consents, notes per
 * operator, sync state per sink) and the raw scans (payload in base64):
 * the file `matchbooth import` reads back on another kiosk (store_import.h).
 * The members are those of store_lead_json() plus what an import needs to
 * rebuild the lead exactly (identity, last-seen stamps, answer times,
 * show name and zone).
 *
 * Written directly, not through a JSON tree: a lead is one pass of
 * appends. Lists the store keeps as JSON text (emails, tags, answer values)
 * were validated on the way in and are copied verbatim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/clock.h"
#include "firmware/export/export_format.h"

struct nd {
    struct buf b, tmp;
};

static void jstr(struct buf *b, struct buf *tmp, const char *s)
{
    if (!s) {
        buf_adds(b, "null");
        return;
    }
    size_t n = strlen(s);
    if (!export_utf8_valid(s, n)) {
        buf_reset(tmp);
        export_utf8_clean(tmp, s, n);
        s = tmp->data ? tmp->data : "";
        n = tmp->len;
    }
    buf_reserve(b, n + 2);
    buf_addc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_add(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            buf_adds(b, "\\\"");
            break;
        case '\\':
            buf_adds(b, "\\\\");
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\r':
            buf_adds(b, "\\r");
            break;
        case '\t':
            buf_adds(b, "\\t");
            break;
        default:
            buf_printf(b, "\\u%04x", c);
        }
    }
    buf_add(b, s + start, n - start);
    buf_addc(b, '"');
}

/* "name":"value" (with a leading comma unless first). */
static void kstr(struct nd *d, const char *k, const char *v)
{
    buf_printf(&d->b, ",\"%s\":", k);
    jstr(&d->b, &d->tmp, v);
}

static void kint(struct nd *d, const char *k, int64_t v)
{
    buf_printf(&d->b, ",\"%s\":%lld", k, (long long)v);
}

static void kbool(struct nd *d, const char *k, int64_t v)
{
    buf_printf(&d->b, ",\"%s\":%s", k, v ? "true" : "false");
}

static void ktime(struct nd *d, const char *k, int64_t ms)
{
    char iso[40];
    clock_format_utc(ms, iso, sizeof iso);
    buf_printf(&d->b, ",\"%s\":\"%s\",\"%s_ms\":%lld", k, iso, k, (long long)ms);
}

/* A JSON value the store validated on the way in; "null"/"[]" if absent. */
static void kraw(struct nd *d, const char *k, const char *json, const char *dflt)
{
    buf_printf(&d->b, ",\"%s\":%s", k, json && *json ? json : dflt);
}

static int nd_begin(struct export_ctx *x, struct err *e)
{
    if (!(x->state = calloc(1, sizeof(struct nd))))
        return err_set(e, ERR_INTERNAL, "ndjson: out of memory");
    return 0;
}

static int nd_lead(struct export_ctx *x, const struct store_export_lead *l, struct err *e)
{
    struct nd *d = x->state;
    const char *const *t = l->text;
    const int64_t *n = l->num;
    buf_reset(&d->b);
    buf_adds(&d->b, "{\"id\":");
    jstr(&d->b, &d->tmp, t[EX_ID]);
    kstr(d, "show", t[EX_SHOW]);
    kstr(d, "show_name", t[EX_SHOW_NAME]);
    kstr(d, "show_timezone", t[EX_SHOW_TIMEZONE]);
    kstr(d, "source", t[EX_SOURCE]);
    kstr(d, "identity", t[EX_IDENTITY]);
    ktime(d, "captured_at", n[EX_CAPTURED_MS]);
    kstr(d, "boot_id", t[EX_BOOT_ID]);
    kint(d, "mono_ms", n[EX_MONO_MS]);
    kbool(d, "clock_trusted", n[EX_CLOCK_TRUSTED]);
    ktime(d, "last_seen_at", n[EX_LAST_SEEN_MS]);
    kstr(d, "last_boot_id", t[EX_LAST_BOOT_ID]);
    kint(d, "last_mono_ms", n[EX_LAST_MONO_MS]);
    kbool(d, "last_trusted", n[EX_LAST_TRUSTED]);
    kint(d, "scan_count", n[EX_SCAN_COUNT]);
    kint(d, "version", n[EX_VERSION]);
    ktime(d, "updated_at", n[EX_UPDATED_MS]);
    static const struct {
        const char *name;
        int field;
    } scalars[] = {
        {"format", EX_FORMAT},         {"badge_id", EX_BADGE_ID},       {"full_name", EX_FULL_NAME},
        {"given_name", EX_GIVEN_NAME}, {"family_name", EX_FAMILY_NAME}, {"company", EX_COMPANY},
        {"title", EX_TITLE},           {"address", EX_ADDRESS},         {"country", EX_COUNTRY}};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        kstr(d, scalars[i].name, t[scalars[i].field]);
    kraw(d, "emails", t[EX_EMAILS], "[]");
    kraw(d, "phones", t[EX_PHONES], "[]");
    kraw(d, "urls", t[EX_URLS], "[]");
    kraw(d, "warnings", t[EX_WARNINGS], "[]");

    buf_adds(&d->b, ",\"answers\":{");
    for (size_t i = 0; i < l->nanswers; i++) {
        if (i)
            buf_addc(&d->b, ',');
        jstr(&d->b, &d->tmp, l->answers[i].question);
        buf_printf(&d->b, ":%s", l->answers[i].value_json ? l->answers[i].value_json : "null");
    }
    buf_adds(&d->b, "},\"answered_at_ms\":{");
    for (size_t i = 0; i < l->nanswers; i++) {
        if (i)
            buf_addc(&d->b, ',');
        jstr(&d->b, &d->tmp, l->answers[i].question);
        buf_printf(&d->b, ":%lld", (long long)l->answers[i].answered_ms);
    }
    buf_adds(&d->b, "},\"consents\":[");
    for (size_t i = 0; i < l->nconsents; i++) {
        const struct store_export_consent *c = &l->consents[i];
        buf_adds(&d->b, i ? ",{\"purpose\":" : "{\"purpose\":");
        jstr(&d->b, &d->tmp, c->purpose);
        kbool(d, "granted", c->granted);
        kstr(d, "text_version", c->text_version);
        kstr(d, "language", c->language);
        ktime(d, "given_at", c->given_ms);
        buf_addc(&d->b, '}');
    }
    buf_adds(&d->b, "],\"notes\":[");
    for (size_t i = 0; i < l->nnotes; i++) {
        const struct store_export_note *no = &l->notes[i];
        buf_adds(&d->b, i ? ",{\"operator\":" : "{\"operator\":");
        jstr(&d->b, &d->tmp, no->operator_);
        kstr(d, "note", no->note ? no->note : "");
        if (no->rating)
            kint(d, "rating", no->rating);
        else
            buf_adds(&d->b, ",\"rating\":null");
        kraw(d, "tags", no->tags_json, "[]");
        ktime(d, "updated_at", no->updated_ms);
        buf_addc(&d->b, '}');
    }
    buf_adds(&d->b, "],\"sync\":{");
    for (size_t i = 0; i < l->nsync; i++) {
        if (i)
            buf_addc(&d->b, ',');
        jstr(&d->b, &d->tmp, l->sync[i].sink);
        buf_addc(&d->b, ':');
        jstr(&d->b, &d->tmp, l->sync[i].state);
    }
    buf_addc(&d->b, '}');
    if (t[EX_IMPORT_FILE]) {
        buf_adds(&d->b, ",\"imported\":{\"file\":");
        jstr(&d->b, &d->tmp, t[EX_IMPORT_FILE]);
        ktime(d, "at", n[EX_IMPORTED_MS]);
        buf_addc(&d->b, '}');
    }
    buf_adds(&d->b, ",\"scans\":[");
    for (size_t i = 0; i < l->nscans; i++) {
        const struct store_export_scan *s = &l->scans[i];
        buf_adds(&d->b, i ? ",{\"source\":" : "{\"source\":");
        jstr(&d->b, &d->tmp, s->source);
        if (s->device)
            kstr(d, "device", s->device);
        if (s->symbology)
            kstr(d, "symbology", s->symbology);
        kstr(d, "format", s->format);
        buf_adds(&d->b, ",\"payload_base64\":\"");
        buf_add_base64(&d->b, s->payload, s->len);
        buf_addc(&d->b, '"');
        ktime(d, "scanned_at", s->scanned_ms);
        kstr(d, "boot_id", s->boot_id);
        kint(d, "mono_ms", s->mono_ms);
        kbool(d, "clock_trusted", s->clock_trusted);
        buf_addc(&d->b, '}');
    }
    buf_adds(&d->b, "]}\n");
    if (!d->b.data)
        return err_set(e, ERR_INTERNAL, "ndjson: out of memory");
    export_out_write(&x->out, d->b.data, d->b.len); /* errors: see x->out.error */
    return 0;
}

static int nd_end(struct export_ctx *x, int64_t nleads, struct err *e)
{
    return 0;
}

static void nd_cleanup(struct export_ctx *x)
{
    struct nd *d = x->state;
    if (!d)
        return;
    buf_free(&d->b);
    buf_free(&d->tmp);
    free(d);
    x->state = NULL;
}

const struct export_format export_ndjson_format = {
    .id = "ndjson",
    .ext = "ndjson",
    .mime = "application/x-ndjson",
    .raw = true,
    .begin = nd_begin,
    .lead = nd_lead,
    .end = nd_end,
    .cleanup = nd_cleanup,
};
