// SPDX-License-Identifier: Apache-2.0
/*
 * export_vcf — vCard 4.0 (RFC 6350), one card per lead: UTF-8, CRLF, lines
 * folded at 75 octets without splitting a UTF-8 sequence, text values
 * escaped (backslash, comma, semicolon, newline) and stripped of control
 * characters. What phones and mail clients read: FN, N, ORG, TITLE, EMAIL,
 * TEL (a tel: URI when the number is E.164), URL, ADR; the show, the
 * operators' notes and the answers go into NOTE; UID is the lead id, so a
 * second import of the same file updates contacts instead of duplicating.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/export/export_columns.h"
#include "firmware/export/export_format.h"

struct vcf {
    struct buf line, tmp;
};

/* Writes b as one content line, folded (RFC 6350 §3.2), and CRLF. */
static void put_line(struct export_out *o, const struct buf *b)
{
    const unsigned char *s = (const unsigned char *)(b->data ? b->data : "");
    size_t n = b->len, pos = 0, room = 75;
    while (n - pos > room) {
        size_t cut = pos + room;
        while (cut > pos && (s[cut] & 0xc0) == 0x80)
            cut--; /* never inside a UTF-8 sequence */
        export_out_write(o, s + pos, cut - pos);
        export_out_write(o, "\r\n ", 3);
        pos = cut;
        room = 74; /* the leading space counts */
    }
    export_out_write(o, s + pos, n - pos);
    export_out_write(o, "\r\n", 2);
}

/* Appends s as an escaped text value (valid UTF-8, no control chars). */
static void add_text(struct vcf *v, const char *s)
{
    if (!s)
        return;
    buf_reset(&v->tmp);
    export_utf8_clean(&v->tmp, s, strlen(s));
    for (size_t i = 0; i < v->tmp.len; i++) {
        unsigned char c = (unsigned char)v->tmp.data[i];
        if (c == '\\' || c == ',' || c == ';') {
            buf_addc(&v->line, '\\');
            buf_addc(&v->line, (char)c);
        } else if (c == '\n') {
            buf_adds(&v->line, "\\n");
        } else if (c == '\r') {
            if (i + 1 >= v->tmp.len || v->tmp.data[i + 1] != '\n')
                buf_adds(&v->line, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            buf_addc(&v->line, ' ');
        } else {
            buf_addc(&v->line, (char)c);
        }
    }
}

static void prop(struct export_out *o, struct vcf *v, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    buf_reset(&v->line);
    buf_adds(&v->line, name);
    buf_addc(&v->line, ':');
    add_text(v, value);
    put_line(o, &v->line);
}

struct list_ctx {
    struct export_out *o;
    struct vcf *v;
    const char *name;
};

static bool is_e164(const char *s)
{
    if (*s != '+')
        return false;
    size_t n = 0;
    for (s++; *s; s++, n++)
        if (*s < '0' || *s > '9')
            return false;
    return n >= 6 && n <= 15;
}

static int list_prop(const char *s, void *ud)
{
    struct list_ctx *c = ud;
    if (!*s)
        return 0;
    if (!strcmp(c->name, "TEL")) {
        buf_reset(&c->v->line);
        if (is_e164(s)) {
            buf_printf(&c->v->line, "TEL;VALUE=uri;TYPE=work:tel:%s", s);
        } else {
            buf_adds(&c->v->line, "TEL;VALUE=text;TYPE=work:");
            add_text(c->v, s);
        }
        put_line(c->o, &c->v->line);
        return 0;
    }
    prop(c->o, c->v, c->name, s);
    return 0;
}

static int vcf_begin(struct export_ctx *x, struct err *e)
{
    if (!(x->state = calloc(1, sizeof(struct vcf))))
        return err_set(e, ERR_INTERNAL, "vcard: out of memory");
    return 0;
}

/* Keeps a copy of the first string of a list. */
static int first_string(const char *s, void *ud)
{
    *(char **)ud = strdup(s);
    return 1;
}

static int vcf_lead(struct export_ctx *x, const struct store_export_lead *l, struct err *e)
{
    struct vcf *v = x->state;
    struct export_out *o = &x->out;
    const char *const *t = l->text;
    export_out_puts(o, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
    buf_reset(&v->line);
    buf_printf(&v->line, "UID:urn:uuid:%s", t[EX_ID]);
    put_line(o, &v->line);

    /* FN is required: the best name we have. */
    struct buf fn = {0};
    char *first_email = NULL;
    if (t[EX_FULL_NAME] && *t[EX_FULL_NAME]) {
        buf_adds(&fn, t[EX_FULL_NAME]);
    } else if ((t[EX_GIVEN_NAME] && *t[EX_GIVEN_NAME]) ||
               (t[EX_FAMILY_NAME] && *t[EX_FAMILY_NAME])) {
        buf_printf(&fn, "%s%s%s", t[EX_GIVEN_NAME] ? t[EX_GIVEN_NAME] : "",
                   t[EX_GIVEN_NAME] && t[EX_FAMILY_NAME] ? " " : "",
                   t[EX_FAMILY_NAME] ? t[EX_FAMILY_NAME] : "");
    } else if (t[EX_COMPANY] && *t[EX_COMPANY]) {
        buf_adds(&fn, t[EX_COMPANY]);
    } else {
        export_json_strings(t[EX_EMAILS], first_string, &first_email);
        if (first_email)
            buf_adds(&fn, first_email);
        if (!fn.len)
            buf_printf(&fn, "Lead %s", t[EX_ID]);
    }
    prop(o, v, "FN", fn.data);
    buf_free(&fn);
    free(first_email);
    if ((t[EX_GIVEN_NAME] && *t[EX_GIVEN_NAME]) || (t[EX_FAMILY_NAME] && *t[EX_FAMILY_NAME])) {
        buf_reset(&v->line);
        buf_adds(&v->line, "N:");
        add_text(v, t[EX_FAMILY_NAME]);
        buf_addc(&v->line, ';');
        add_text(v, t[EX_GIVEN_NAME]);
        buf_adds(&v->line, ";;;");
        put_line(o, &v->line);
    }
    prop(o, v, "ORG", t[EX_COMPANY]);
    prop(o, v, "TITLE", t[EX_TITLE]);
    struct list_ctx lc = {o, v, "EMAIL;TYPE=work"};
    export_json_strings(t[EX_EMAILS], list_prop, &lc);
    lc.name = "TEL";
    export_json_strings(t[EX_PHONES], list_prop, &lc);
    lc.name = "URL";
    export_json_strings(t[EX_URLS], list_prop, &lc);
    if ((t[EX_ADDRESS] && *t[EX_ADDRESS]) || (t[EX_COUNTRY] && *t[EX_COUNTRY])) {
        buf_reset(&v->line);
        buf_adds(&v->line, "ADR;TYPE=work:;;");
        add_text(v, t[EX_ADDRESS]);
        buf_adds(&v->line, ";;;;");
        add_text(v, t[EX_COUNTRY]);
        put_line(o, &v->line);
    }

    /* NOTE: where and when we met, the operators' notes, the answers. */
    struct buf note = {0};
    char when[24];
    export_format_time(l->num[EX_CAPTURED_MS] + export_tz_offset(x, l->num[EX_CAPTURED_MS]), when);
    const char *tz = x->req->timezone && *x->req->timezone ? x->req->timezone : "UTC";
    buf_printf(&note, "Met at %s, %.16s (%s).",
               t[EX_SHOW_NAME] && *t[EX_SHOW_NAME] ? t[EX_SHOW_NAME] : t[EX_SHOW], when, tz);
    for (size_t i = 0; i < l->nnotes; i++) {
        const struct store_export_note *n = &l->notes[i];
        buf_printf(&note, "\n%s", n->operator_);
        if (n->rating)
            buf_printf(&note, " (%d/5)", n->rating);
        buf_printf(&note, ": %s", n->note ? n->note : "");
    }
    /* The answers exactly as the table formats render them. */
    int qcol = export_question_col(x);
    for (size_t q = 0; q < x->questions.n; q++) {
        struct export_cell c;
        export_cell(x, l, qcol + (int)q, &c);
        if (c.kind == CELL_TEXT)
            buf_printf(&note, "\n%s: %.*s", x->question_titles.v[q], (int)c.len, c.text);
    }
    prop(o, v, "NOTE", note.data);
    buf_free(&note);
    char rev[24];
    export_format_time(l->num[EX_UPDATED_MS] ? l->num[EX_UPDATED_MS] : l->num[EX_CAPTURED_MS], rev);
    buf_reset(&v->line);
    buf_printf(&v->line, "REV:%.4s%.2s%.2sT%.2s%.2s%.2sZ", rev, rev + 5, rev + 8, rev + 11,
               rev + 14, rev + 17);
    put_line(o, &v->line);
    return export_out_puts(o, "END:VCARD\r\n");
}

static int vcf_end(struct export_ctx *x, int64_t nleads, struct err *e)
{
    return 0;
}

static void vcf_cleanup(struct export_ctx *x)
{
    struct vcf *v = x->state;
    if (!v)
        return;
    buf_free(&v->line);
    buf_free(&v->tmp);
    free(v);
    x->state = NULL;
}

const struct export_format export_vcf_format = {
    .id = "vcf",
    .ext = "vcf",
    .mime = "text/vcard; charset=utf-8",
    .begin = vcf_begin,
    .lead = vcf_lead,
    .end = vcf_end,
    .cleanup = vcf_cleanup,
};
