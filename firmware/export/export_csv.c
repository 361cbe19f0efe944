// SPDX-License-Identifier: Apache-2.0
/*
 * export_csv — RFC 4180 CSV: UTF-8 with a byte-order mark (so that Excel
 * reads Chinese and Hindi as UTF-8), CRLF line ends, fields quoted only
 * when they contain a comma, a quote, CR or LF.
 *
 * Formula injection: a text cell that begins with = + - @ TAB or CR gets a
 * single quote in front ('=1+1), as OWASP recommends. Spreadsheets then show
 * the text instead of evaluating it; the quote is visible in the cell, and a
 * program reading the file sees it too. This also applies to phone numbers
 * in E.164 ('+852…): the XLSX export has no such prefix, because its cells
 * are typed strings that a spreadsheet never evaluates. Numbers and times we
 * write ourselves are never prefixed.
 */
#include <stdio.h>
#include <string.h>

#include "firmware/export/export_columns.h"
#include "firmware/export/export_format.h"

static int put_text(struct export_out *o, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n') {
            quote = true;
            break;
        }
    }
    bool neutralise = n && strchr("=+-@\t\r", s[0]);
    if (!quote && !neutralise)
        return export_out_write(o, s, n);
    if (quote)
        export_out_write(o, "\"", 1);
    if (neutralise)
        export_out_write(o, "'", 1);
    if (quote) {
        size_t start = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] == '"') {
                export_out_write(o, s + start, i + 1 - start); /* up to and with the quote */
                start = i;                                     /* …which is written again */
            }
        export_out_write(o, s + start, n - start);
        return export_out_write(o, "\"", 1);
    }
    return export_out_write(o, s, n);
}

static int csv_begin(struct export_ctx *x, struct err *e)
{
    struct export_out *o = &x->out;
    export_out_write(o, "\xef\xbb\xbf", 3);
    for (int i = 0; i < x->ncols; i++) {
        enum export_width w;
        const char *h = export_header(x, i, &w);
        if (i)
            export_out_write(o, ",", 1);
        put_text(o, h, strlen(h));
    }
    return export_out_write(o, "\r\n", 2);
}

static int csv_lead(struct export_ctx *x, const struct store_export_lead *l, struct err *e)
{
    struct export_out *o = &x->out;
    char tmp[32];
    for (int i = 0; i < x->ncols; i++) {
        struct export_cell c;
        if (i)
            export_out_write(o, ",", 1);
        export_cell(x, l, i, &c);
        switch (c.kind) {
        case CELL_EMPTY:
            break;
        case CELL_TEXT:
            put_text(o, c.text, c.len);
            break;
        case CELL_INT:
            export_out_write(o, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)c.num));
            break;
        case CELL_TIME_LOCAL:
            export_format_time(c.num + export_tz_offset(x, c.num), tmp);
            export_out_write(o, tmp, 19);
            break;
        case CELL_TIME_UTC:
            export_format_time(c.num, tmp);
            export_out_write(o, tmp, 19);
            break;
        }
    }
    return export_out_write(o, "\r\n", 2);
}

static int csv_end(struct export_ctx *x, int64_t nleads, struct err *e)
{
    return 0;
}

static void csv_cleanup(struct export_ctx *x)
{
}

const struct export_format export_csv_format = {
    .id = "csv",
    .ext = "csv",
    .mime = "text/csv; charset=utf-8",
    .begin = csv_begin,
    .lead = csv_lead,
    .end = csv_end,
    .cleanup = csv_cleanup,
};
