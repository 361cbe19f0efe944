// SPDX-License-Identifier: Apache-2.0
/*
 * mail — the follow-up e-mail's message (see mail.h): headers with RFC 2047
 * encoded words, a text and an HTML part in base64, CRLF line ends.
 */
#include "sync/mail.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "firmware/base/buf.h"
#include "sync/mail_text.h"

#define TEXT_MAX   600       /* bytes of one untrusted value shown (a name, a line) */
#define WORD_BYTES 45        /* bytes per encoded word: 60 base64 characters, 72 with the frame */
#define B64_LINE   57        /* bytes per base64 body line: 76 characters */
#define BRAND      "#c2410c" /* the kiosk's primary colour (ui/assets/style.css) */

/* ---- text cleaning ------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80             ? 1
                 : (p[0] & 0xe0) == 0xc0 ? 2
                 : (p[0] & 0xf0) == 0xe0 ? 3
                 : (p[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    if (!len || len > n || (len == 2 && p[0] < 0xc2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (len == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
        return 0; /* overlong, or a UTF-16 surrogate */
    if (len == 4 &&
        ((p[0] == 0xf0 && p[1] < 0x90) || p[0] > 0xf4 || (p[0] == 0xf4 && p[1] >= 0x90)))
        return 0;
    return len;
}

/* Appends s cut to max bytes (on a character) as valid UTF-8 without control
 * characters: invalid bytes become U+FFFD, a tab or line break a space. */
static int add_clean(struct buf *b, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p), used = 0;
    int rc = 0;
    while (*p && rc == 0) {
        size_t len = utf8_len(p, n);
        const char *add = len ? (const char *)p : "\xef\xbf\xbd";
        size_t addn = len ? len : 3;
        if (used + addn > max)
            break;
        if (len == 1 && (*p < 0x20 || *p == 0x7f))
            rc = *p == '\t' || *p == '\n' || *p == '\r' ? buf_addc(b, ' ') : 0;
        else if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
            rc = 0; /* C1 control characters */
        else
            rc = buf_add(b, add, addn);
        used += addn;
        p += len ? len : 1;
        n -= len ? len : 1;
    }
    return rc;
}

/* Appends s cleaned, with & < > " ' as character references. */
static int add_html(struct buf *b, const char *s)
{
    struct buf c = {0};
    int rc = add_clean(&c, s, TEXT_MAX);
    for (const char *p = c.data ? c.data : ""; *p && rc == 0; p++) {
        switch (*p) {
        case '&':
            rc = buf_adds(b, "&amp;");
            break;
        case '<':
            rc = buf_adds(b, "&lt;");
            break;
        case '>':
            rc = buf_adds(b, "&gt;");
            break;
        case '"':
            rc = buf_adds(b, "&quot;");
            break;
        case '\'':
            rc = buf_adds(b, "&#39;");
            break;
        default:
            rc = buf_addc(b, *p);
        }
    }
    buf_free(&c);
    return rc;
}

/* fmt (one of ours, with one %s) with arg cleaned, into b as text or HTML. */
static int add_fmt(struct buf *b, const char *fmt, const char *arg, bool html)
{
    const char *at = strstr(fmt, "%s");
    if (!at)
        return html ? add_html(b, fmt) : buf_adds(b, fmt);
    struct buf head = {0};
    int rc = buf_add(&head, fmt, (size_t)(at - fmt));
    rc |= html ? add_html(b, head.data ? head.data : "") : buf_adds(b, head.data ? head.data : "");
    rc |= html ? add_html(b, arg) : add_clean(b, arg, TEXT_MAX);
    rc |= html ? add_html(b, at + 2) : buf_adds(b, at + 2);
    buf_free(&head);
    return rc ? -1 : 0;
}

/* ---- addresses and headers ------------------------------------------------ */

static bool atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+/=?^_`{|}~-", c);
}

bool mail_addr_ok(const char *a)
{
    const char *at = a ? strrchr(a, '@') : NULL;
    if (!at || at == a || !at[1] || strlen(a) > MAIL_ADDR_MAX || a[0] == '.' || at[-1] == '.')
        return false;
    for (const char *p = a; p < at; p++)
        if (!(atext((unsigned char)*p) || (*p == '.' && p[1] != '.')))
            return false;
    const char *d = at + 1;
    if (d[0] == '.' || d[0] == '-' || d[strlen(d) - 1] == '.' || d[strlen(d) - 1] == '-')
        return false;
    for (const char *p = d; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || (c == '.' && p[1] != '.');
        if (!ok)
            return false;
    }
    return true;
}

const char *mail_domain(const char *a)
{
    const char *at = a ? strrchr(a, '@') : NULL;
    return at ? at + 1 : "";
}

/* Whether s is printable ASCII without "=?" (which would read as the
 * start of an encoded word). */
static bool plain_ascii(const char *s)
{
    if (strstr(s, "=?"))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

int mail_header_text(struct buf *out, const char *s)
{
    struct buf c = {0};
    if (add_clean(&c, s, TEXT_MAX) < 0)
        return -1;
    const char *t = c.data ? c.data : "";
    int rc = 0;
    if (plain_ascii(t)) {
        rc = buf_adds(out, t);
        buf_free(&c);
        return rc;
    }
    size_t n = c.len, off = 0;
    while (off < n && rc == 0) {
        size_t take = 0;
        while (off + take < n) {
            size_t len = utf8_len((const unsigned char *)t + off + take, n - off - take);
            if (!len || take + len > WORD_BYTES)
                break;
            take += len;
        }
        if (!take) /* cannot happen after add_clean: a guard against looping */
            break;
        rc |= buf_adds(out, off ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        rc |= buf_add_base64(out, (const uint8_t *)t + off, take);
        rc |= buf_adds(out, "?=");
        off += take;
    }
    buf_free(&c);
    return rc ? -1 : 0;
}

/* "Name <addr>", or "<addr>" without a name. A name in plain ASCII goes
 * as a quoted string, so it needs no encoded words (which some parsers,
 * Python's email among them, rejoin with a space inside a phrase); any
 * other as encoded words. */
static int add_mailbox(struct buf *b, const char *header, const char *name, const char *addr)
{
    int rc = buf_printf(b, "%s: ", header);
    struct buf c = {0};
    rc |= add_clean(&c, name, TEXT_MAX);
    if (c.len && plain_ascii(c.data)) {
        rc |= buf_addc(b, '"');
        for (const char *p = c.data; *p; p++)
            rc |= (*p == '"' || *p == '\\' ? buf_addc(b, '\\') : 0) | buf_addc(b, *p);
        rc |= buf_adds(b, "\" ");
    } else if (c.len) {
        rc |= mail_header_text(b, c.data);
        rc |= buf_addc(b, ' ');
    }
    buf_free(&c);
    rc |= buf_printf(b, "<%s>\r\n", addr);
    return rc ? -1 : 0;
}

static int add_date(struct buf *b, int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    return buf_printf(b, "Date: %s, %02d %s %d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
}

/* A URI we put in a link and a header: mailto: or https:, no space, quote
 * or angle bracket. */
static bool uri_ok(const char *u)
{
    if (!u || (strncasecmp(u, "mailto:", 7) && strncasecmp(u, "https://", 8)))
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\", *p))
            return false;
    return true;
}

static int add_headers(struct buf *b, const struct mail_msg *m, const struct mail_text *t,
                       const char *boundary)
{
    struct buf subject = {0};
    int rc = add_fmt(&subject, t->subject, m->show, false);
    rc |= add_mailbox(b, "From", m->from_name, m->from);
    rc |= add_mailbox(b, "To", m->to_name, m->to);
    if (m->reply_to && *m->reply_to)
        rc |= add_mailbox(b, "Reply-To", NULL, m->reply_to);
    rc |= buf_adds(b, "Subject: ");
    rc |= mail_header_text(b, subject.data ? subject.data : "");
    rc |= buf_adds(b, "\r\n");
    rc |= add_date(b, m->date_ms);
    rc |= buf_printf(b, "Message-ID: %s\r\n", m->message_id);
    rc |= buf_printf(b, "MIME-Version: 1.0\r\nContent-Language: %s\r\n", t->lang);
    /* Sent on the visitor's request, once: no auto-replies to it. */
    rc |= buf_adds(b, "Auto-Submitted: auto-generated\r\n");
    rc |= buf_printf(b, "List-Unsubscribe: <%s>\r\n", m->unsubscribe);
    rc |= buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    buf_free(&subject);
    return rc ? -1 : 0;
}

/* ---- the parts ------------------------------------------------------------ */

static int text_part(struct buf *b, const struct mail_msg *m, const struct mail_text *t,
                     const char *hello_name)
{
    int rc = hello_name ? add_fmt(b, t->hello_name, hello_name, false) : buf_adds(b, t->hello);
    rc |= buf_adds(b, "\n\n");
    rc |= add_fmt(b, t->intro, m->show, false);
    rc |= buf_adds(b, "\n");
    for (size_t i = 0; i < m->n; i++) {
        const struct mail_supplier *s = &m->suppliers[i];
        rc |= buf_adds(b, "\n* ");
        rc |= add_clean(b, s->name, TEXT_MAX);
        if (s->country && *s->country) {
            rc |= buf_printf(b, "\n  %s: ", t->country);
            rc |= add_clean(b, s->country, 64);
        }
        if (s->line && *s->line) {
            rc |= buf_adds(b, "\n  ");
            rc |= add_clean(b, s->line, TEXT_MAX);
        }
        rc |= buf_printf(b, "\n  %s: %s\n", t->visit, s->link);
    }
    rc |= buf_adds(b, "\n-- \n");
    rc |= buf_adds(b, t->why);
    rc |= buf_adds(b, "\n");
    rc |= add_fmt(b, t->unsubscribe, m->unsubscribe, false);
    rc |= buf_adds(b, "\n");
    return rc ? -1 : 0;
}

static int html_supplier(struct buf *b, const struct mail_supplier *s, const struct mail_text *t)
{
    int rc = buf_adds(b, "<tr><td style=\"padding:14px 0;border-top:1px solid #e4e4e7\">"
                         "<h2 style=\"margin:0;font-size:18px\">");
    rc |= add_html(b, s->name);
    rc |= buf_adds(b, "</h2>");
    if (s->country && *s->country) {
        rc |= buf_adds(b, "<p style=\"margin:4px 0;color:#52525b;font-size:14px\">");
        rc |= add_html(b, t->country);
        rc |= buf_adds(b, ": ");
        rc |= add_html(b, s->country);
        rc |= buf_adds(b, "</p>");
    }
    if (s->line && *s->line) {
        rc |= buf_adds(b, "<p style=\"margin:4px 0\">");
        rc |= add_html(b, s->line);
        rc |= buf_adds(b, "</p>");
    }
    rc |= buf_adds(b, "<p style=\"margin:8px 0 0\"><a style=\"color:" BRAND
                      ";font-weight:bold\" href=\"");
    rc |= add_html(b, s->link);
    rc |= buf_adds(b, "\">");
    rc |= add_html(b, t->visit);
    rc |= buf_adds(b, "</a></p></td></tr>\n");
    return rc ? -1 : 0;
}

static int html_part(struct buf *b, const struct mail_msg *m, const struct mail_text *t,
                     const char *hello_name)
{
    int rc = buf_printf(b,
                        "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width\"><title>",
                        t->lang);
    rc |= add_fmt(b, t->subject, m->show, true);
    rc |= buf_adds(b, "</title></head>\n<body style=\"margin:0;background:#f4f4f5;color:#18181b;"
                      "font-family:'Noto Sans',Arial,sans-serif;font-size:16px;line-height:1.5\">\n"
                      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                      "cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:16px\">\n"
                      "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" "
                      "cellspacing=\"0\" style=\"max-width:600px;width:100%;background:#ffffff\">\n"
                      "<tr><td style=\"background:" BRAND ";color:#ffffff;padding:20px 24px;"
                      "font-size:22px;font-weight:bold\">");
    rc |= add_html(b, m->show);
    rc |= buf_adds(b, "</td></tr>\n<tr><td style=\"padding:24px\">\n<p>");
    rc |= hello_name ? add_fmt(b, t->hello_name, hello_name, true) : add_html(b, t->hello);
    rc |= buf_adds(b, "</p>\n<p>");
    rc |= add_fmt(b, t->intro, m->show, true);
    rc |= buf_adds(b, "</p>\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                      "cellspacing=\"0\">\n");
    for (size_t i = 0; i < m->n; i++)
        rc |= html_supplier(b, &m->suppliers[i], t);
    rc |= buf_adds(b, "</table>\n<p style=\"margin-top:24px;font-size:13px;color:#52525b\">");
    rc |= add_html(b, t->why);
    rc |= buf_adds(b, "<br>");
    /* The link's text is the URI itself, so the line reads the same in
     * every mail client. */
    struct buf a = {0};
    rc |= buf_adds(&a, "<a style=\"color:" BRAND "\" href=\"");
    rc |= add_html(&a, m->unsubscribe);
    rc |= buf_adds(&a, "\">");
    rc |= add_html(&a, m->unsubscribe);
    rc |= buf_adds(&a, "</a>");
    const char *at = strstr(t->unsubscribe, "%s");
    struct buf head = {0};
    rc |= buf_add(&head, t->unsubscribe, (size_t)(at - t->unsubscribe));
    rc |= add_html(b, head.data ? head.data : "");
    rc |= buf_adds(b, a.data ? a.data : "");
    rc |= add_html(b, at + 2);
    buf_free(&head);
    buf_free(&a);
    rc |= buf_adds(b, "</p>\n</td></tr></table>\n</td></tr></table>\n</body></html>\n");
    return rc ? -1 : 0;
}

/* One MIME part: its headers, then body in base64 lines of 76. */
static int add_part(struct buf *b, const char *boundary, const char *type, const struct buf *body)
{
    int rc = buf_printf(b,
                        "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n",
                        boundary, type);
    for (size_t off = 0; off < body->len && rc == 0; off += B64_LINE) {
        size_t n = body->len - off < B64_LINE ? body->len - off : B64_LINE;
        rc |= buf_add_base64(b, (const uint8_t *)body->data + off, n);
        rc |= buf_adds(b, "\r\n");
    }
    return rc ? -1 : 0;
}

int mail_compose(const struct mail_msg *m, struct buf *out, struct err *e)
{
    if (!mail_addr_ok(m->from) || !mail_addr_ok(m->to) ||
        (m->reply_to && *m->reply_to && !mail_addr_ok(m->reply_to)))
        return err_set(e, ERR_INVALID, "mail: an address that is not local@domain in ASCII");
    if (!uri_ok(m->unsubscribe))
        return err_set(e, ERR_INVALID, "mail: the unsubscribe link must be mailto: or https:");
    if (!m->message_id || m->message_id[0] != '<' || strpbrk(m->message_id, "\r\n "))
        return err_set(e, ERR_INVALID, "mail: a Message-ID in angle brackets");
    const struct mail_text *t = mail_text_for(m->lang);
    /* The boundary starts "=_", which base64 lines never hold. */
    unsigned long h = 5381;
    for (const char *p = m->message_id; *p; p++)
        h = h * 33 + (unsigned char)*p;
    char boundary[40];
    snprintf(boundary, sizeof boundary, "=_mb_%016lx", h);
    const char *name = m->to_name && *m->to_name ? m->to_name : NULL;
    struct buf text = {0}, html = {0};
    int rc = add_headers(out, m, t, boundary);
    rc |= buf_adds(out, "This is a message in MIME format: a text and an HTML version.\r\n\r\n");
    rc |= text_part(&text, m, t, name);
    rc |= html_part(&html, m, t, name);
    rc |= add_part(out, boundary, "text/plain", &text);
    rc |= add_part(out, boundary, "text/html", &html);
    rc |= buf_printf(out, "--%s--\r\n", boundary);
    buf_free(&text);
    buf_free(&html);
    return rc ? err_set(e, ERR_INTERNAL, "mail: out of memory") : 0;
}
