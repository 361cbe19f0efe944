// SPDX-License-Identifier: Apache-2.0
/*
 * slip — the visitor slip a receipt printer prints, and its ESC/POS bytes:
 * the show's name, a greeting, up to N suppliers each with its name and a QR
 * code (the printer's native GS ( k command, or a raster image drawn with
 * libqrencode for printers without it), a footer and a cut.
 *
 * Text comes from visitors and exhibitors, so it is untrusted: control bytes
 * are dropped (no smuggled ESC/POS commands) and UTF-8 is converted to the
 * printer's code page 1252 ('?' for what it cannot print).
 */
#ifndef MB_SLIP_H
#define MB_SLIP_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"
#include "firmware/base/buf.h"
#include "firmware/base/err.h"

struct cJSON;

#define SLIP_TEXT_MAX 200 /* bytes of UTF-8 per text line kept */
#define SLIP_URL_MAX  1024

struct slip_supplier {
    const char *name; /* may be NULL */
    const char *url;  /* may be NULL: no QR code */
};

struct slip {
    const char *show, *greeting, *footer; /* each may be NULL */
    struct slip_supplier *suppliers;      /* owned array (strings borrowed) */
    size_t n;
    int64_t job; /* the print log's id of this slip (0: none, a test slip) */
};

struct slip_opts {
    enum qr_mode qr;
    int dots;          /* printable width (raster) */
    int qr_module;     /* dots per QR module */
    int max_suppliers; /* N */
};

/*
 * Reads {"show", "greeting", "suppliers": [{"name", "url"}], "footer", "job"}
 * into out ("job" optional: the print log's id, reported back when the slip
 * is printed or fails); strings are borrowed from j, the array is out's
 * (slip_free).
 * ERR_INVALID when j is not such an object.
 */
int slip_from_json(const struct cJSON *j, struct slip *out, struct err *e);
void slip_free(struct slip *s);

/* Appends the ESC/POS bytes of s to out. 0, or -1 with e (a URL too long
 * for a QR code, a QR wider than the paper, ENOMEM). */
int slip_escpos(const struct slip *s, const struct slip_opts *o, struct buf *out, struct err *e);

/* Appends text as code page 1252 with control bytes removed. */
int slip_text_cp1252(struct buf *out, const char *utf8, size_t maxbytes);

#endif
