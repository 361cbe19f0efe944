// SPDX-License-Identifier: Apache-2.0
/*
 * export_xlsx — an Excel workbook through libxlsxwriter in constant-memory
 * mode (rows are flushed as they are written: a few MB for any number of
 * leads). One sheet "Leads": a bold, frozen header row with an autofilter,
 * column widths by the kind of column, times as real date cells (Excel
 * serial numbers with a date format), counts and ratings as numbers, and
 * every other cell a string: typed strings are never evaluated, so no
 * formula neutralisation is needed (or done) here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
/* Its headers define COLS() and friends; keep them out of everything else. */
#include <xlsxwriter.h>

#include "firmware/export/export_columns.h"
#include "firmware/export/export_format.h"

#define XLSX_MAX_ROWS 1048576
#define XLSX_MAX_STR  32767

struct xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *date;
    lxw_row_t row;
    struct buf cut;
};

static int xerr(struct err *e, lxw_error rc, const char *what)
{
    int errnum = errno;
    bool full = errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG;
    /* libxlsxwriter keeps no errno of its own; the failing fwrite's is
     * still there, and is what tells a full disk from a bug. */
    return err_set(e, full ? ERR_FULL : ERR_IO, "xlsx: %s: %s%s%s%s", what, lxw_strerror(rc),
                   full ? ": " : "", full ? strerror(errnum) : "",
                   full ? " (the disk is full: nothing was written)" : "");
}

static double width_of(enum export_width w, const char *header)
{
    static const double widths[] = {
        [WIDTH_ID] = 38,   [WIDTH_SHORT] = 14, [WIDTH_NAME] = 22,
        [WIDTH_LONG] = 34, [WIDTH_TIME] = 20,  [WIDTH_NUMBER] = 8,
    };
    double h = (double)strlen(header) + 4; /* room for the filter button */
    double v = widths[w] > h ? widths[w] : h;
    return v > 50 ? 50 : v;
}

static int xlsx_begin(struct export_ctx *x, struct err *e)
{
    struct xlsx *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_INTERNAL, "xlsx: out of memory");
    x->state = s;
    const char *tmp = x->req->tmpdir && *x->req->tmpdir ? x->req->tmpdir : getenv("TMPDIR");
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE,
                                .tmpdir = (char *)(tmp && *tmp ? tmp : "/tmp")};
    errno = 0;
    if (!(s->wb = workbook_new_opt(x->path, &opt)))
        return err_set(e, ERR_IO, "xlsx: cannot start a workbook at %s: %s", x->path,
                       errno ? strerror(errno) : "libxlsxwriter failed");
    if (!(s->ws = workbook_add_worksheet(s->wb, "Leads")))
        return err_set(e, ERR_INTERNAL, "xlsx: cannot add a worksheet");
    s->bold = workbook_add_format(s->wb);
    format_set_bold(s->bold);
    s->date = workbook_add_format(s->wb);
    format_set_num_format(s->date, "yyyy-mm-dd hh:mm:ss");
    /* Constant-memory mode: column settings before the first row. */
    for (int i = 0; i < x->ncols; i++) {
        enum export_width w;
        const char *h = export_header(x, i, &w);
        worksheet_set_column(s->ws, (lxw_col_t)i, (lxw_col_t)i, width_of(w, h), NULL);
    }
    worksheet_freeze_panes(s->ws, 1, 0);
    for (int i = 0; i < x->ncols; i++) {
        enum export_width w;
        const char *h = export_header(x, i, &w);
        lxw_error rc = worksheet_write_string(s->ws, 0, (lxw_col_t)i, h, s->bold);
        if (rc != LXW_NO_ERROR)
            return xerr(e, rc, "header");
    }
    return 0;
}

/* Excel's date serial: days since 1899-12-30, the fraction is the time. */
static double serial(int64_t ms)
{
    return (double)ms / 86400000.0 + 25569.0;
}

/* A cell's text, cut to Excel's limit at a character boundary. */
static const char *fit(struct xlsx *s, const char *t, size_t n)
{
    if (n <= XLSX_MAX_STR)
        return t;
    while (n > XLSX_MAX_STR || ((unsigned char)t[n] & 0xc0) == 0x80)
        n--;
    buf_reset(&s->cut);
    buf_add(&s->cut, t, n);
    return s->cut.data;
}

static int xlsx_lead(struct export_ctx *x, const struct store_export_lead *l, struct err *e)
{
    struct xlsx *s = x->state;
    if (s->row + 1 >= XLSX_MAX_ROWS)
        return err_set(e, ERR_INVALID,
                       "xlsx: more than %d leads do not fit in one sheet; "
                       "export a shorter time range or use CSV",
                       XLSX_MAX_ROWS - 1);
    s->row++;
    for (int i = 0; i < x->ncols; i++) {
        struct export_cell c;
        export_cell(x, l, i, &c);
        lxw_col_t col = (lxw_col_t)i;
        lxw_error rc = LXW_NO_ERROR;
        switch (c.kind) {
        case CELL_EMPTY:
            break;
        case CELL_TEXT:
            rc = worksheet_write_string(s->ws, s->row, col, fit(s, c.text, c.len), NULL);
            break;
        case CELL_INT:
            rc = worksheet_write_number(s->ws, s->row, col, (double)c.num, NULL);
            break;
        case CELL_TIME_LOCAL:
            rc = worksheet_write_number(s->ws, s->row, col,
                                        serial(c.num + export_tz_offset(x, c.num)), s->date);
            break;
        case CELL_TIME_UTC:
            rc = worksheet_write_number(s->ws, s->row, col, serial(c.num), s->date);
            break;
        }
        if (rc != LXW_NO_ERROR)
            return xerr(e, rc, "write cell");
    }
    return 0;
}

static int xlsx_end(struct export_ctx *x, int64_t nleads, struct err *e)
{
    struct xlsx *s = x->state;
    worksheet_autofilter(s->ws, 0, 0, s->row, (lxw_col_t)(x->ncols - 1));
    errno = 0;
    lxw_error rc = workbook_close(s->wb);
    s->wb = NULL;
    return rc == LXW_NO_ERROR ? 0 : xerr(e, rc, "write workbook");
}

static void xlsx_cleanup(struct export_ctx *x)
{
    struct xlsx *s = x->state;
    if (!s)
        return;
    if (s->wb) {
        /* Failed half-way: closing still frees it; the file is discarded. */
        workbook_close(s->wb);
    }
    buf_free(&s->cut);
    free(s);
    x->state = NULL;
}

const struct export_format export_xlsx_format = {
    .id = "xlsx",
    .ext = "xlsx",
    .mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    .needs_path = true,
    .begin = xlsx_begin,
    .lead = xlsx_lead,
    .end = xlsx_end,
    .cleanup = xlsx_cleanup,
};
