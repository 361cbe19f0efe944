// SPDX-License-Identifier: Apache-2.0
/*
 * export_columns — the columns of the tabular formats (CSV, XLSX): their
 * headers and each lead's cells. Both formats ask here for column i, so
 * their headers and values always agree.
 *
 * Fixed columns first (lead id, show, names, company, title, emails,
 * phones, websites, address, country, badge id and format, source, scan
 * count, first and last seen in the show's zone and in UTC, clock
 * synchronised, import time, decoder warnings), then one per question (in
 * the form's order, then the others the leads answered, sorted), three per
 * consent purpose (granted, text version, language), three per operator
 * (note, rating, tags) and one per sink (sync state).
 */
#ifndef MB_EXPORT_COLUMNS_H
#define MB_EXPORT_COLUMNS_H

#include <stdint.h>

#include "firmware/export/export_format.h"

/* The value of one table cell. */
enum export_cell_kind { CELL_EMPTY, CELL_TEXT, CELL_INT, CELL_TIME_LOCAL, CELL_TIME_UTC };

struct export_cell {
    enum export_cell_kind kind;
    const char *text; /* CELL_TEXT: valid UTF-8, borrowed until the next call */
    size_t len;
    int64_t num; /* CELL_INT: the number; CELL_TIME_*: ms since the epoch (UTC) */
};

/* Width class of a column, for formats that size columns. */
enum export_width { WIDTH_ID, WIDTH_SHORT, WIDTH_NAME, WIDTH_LONG, WIDTH_TIME, WIDTH_NUMBER };

/*
 * Finds the dynamic columns of the export x (questions, with their titles
 * and choice labels from x->req->form; purposes, operators, sinks) from the
 * form and the leads snap selects, and sets x->ncols. Call once, before the
 * first lead. Returns 0, or -1 with e set.
 */
int export_columns_find(struct export_ctx *x, struct store_export *snap, struct err *e);

/* Header of column i (0 <= i < x->ncols) and its width class. The text is
 * borrowed until the next call. */
const char *export_header(struct export_ctx *x, int i, enum export_width *width);

/* The column of the first question (the others follow in x->questions order). */
int export_question_col(const struct export_ctx *x);

/* Value of column i for lead l into *c (text borrowed until the next call). */
void export_cell(struct export_ctx *x, const struct store_export_lead *l, int i,
                 struct export_cell *c);

#endif
