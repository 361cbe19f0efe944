// SPDX-License-Identifier: Apache-2.0
/*
 * mail — the follow-up e-mail as a message on the wire (RFC 5322 with MIME):
 * multipart/alternative with a text and an HTML part, both UTF-8 in
 * base64, in the visitor's language (mail_text.h), the show's name as its
 * banner, each matched supplier with its name, country, one line and its
 * link, and an unsubscribe line (also a List-Unsubscribe header). Header
 * values that are not plain ASCII (a Chinese or Hindi name, the subject)
 * are RFC 2047 encoded words, split on whole characters.
 *
 * Everything the visitor or the catalog gave is data: escaped in the HTML
 * part, encoded in headers (so no CR or LF can start a header of its own),
 * stripped of control characters in the text part. The builder only
 * formats; which suppliers and which addresses is the smtp sink's choice.
 */
#ifndef MB_MAIL_H
#define MB_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct buf;

/* Longest address accepted (RFC 5321's path limit less the brackets). */
#define MAIL_ADDR_MAX 254

struct mail_supplier {
    const char *name;    /* may be NULL: left out */
    const char *country; /* may be NULL or "": left out */
    const char *line;    /* the catalog's one line; may be NULL */
    const char *link;    /* http(s) link with its campaign parameters */
};

struct mail_msg {
    const char *from;        /* addr-spec (mail_addr_ok) */
    const char *from_name;   /* display name (may be NULL) */
    const char *to;          /* addr-spec (mail_addr_ok) */
    const char *to_name;     /* display name (may be NULL) */
    const char *reply_to;    /* addr-spec, or NULL/"" for none */
    const char *message_id;  /* "<id@domain>" */
    int64_t date_ms;         /* wall clock, for the Date header */
    const char *lang;        /* a BCP 47 tag (mail_text_for) */
    const char *show;        /* the show's name: subject, banner, intro */
    const char *unsubscribe; /* a mailto: or https: URI */
    const struct mail_supplier *suppliers;
    size_t n;
};

/*
 * Appends the whole message to out with CRLF line ends and no line over
 * 998 bytes. 0, or -1 with e (ERR_INVALID for an address mail_addr_ok
 * refuses or an unsubscribe URI that is not mailto:/https:, ERR_INTERNAL
 * when out of memory).
 */
int mail_compose(const struct mail_msg *m, struct buf *out, struct err *e);

/*
 * Whether a is an address the kiosk sends to: local@domain in printable
 * ASCII, a dot-atom local part (RFC 5322's atext and dots, none at either
 * end or doubled), a domain of letters, digits, hyphens and dots, at most
 * MAIL_ADDR_MAX bytes. Anything else (quotes, spaces, brackets, control or
 * non-ASCII characters) is refused rather than sent.
 */
bool mail_addr_ok(const char *a);

/*
 * Appends s as an unstructured header value (Subject): as it is when it is
 * printable ASCII (and holds no "=?"), else as RFC 2047 "B" encoded words
 * in UTF-8 (each at most 75 characters, never splitting a character,
 * folded with CRLF SPACE). Control characters are dropped first. 0, or -1
 * on ENOMEM.
 */
int mail_header_text(struct buf *out, const char *s);

/* The domain of address a ("" when it has none); borrowed from a. */
const char *mail_domain(const char *a);

#endif
