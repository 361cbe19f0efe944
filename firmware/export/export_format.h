// SPDX-License-Identifier: Apache-2.0
/*
 * export_format — the interface between export.c (running an export,
 * files) and its format modules (export_csv.c, export_xlsx.c, export_vcf.c,
 * export_ndjson.c). A format is a const struct of callbacks listed in the
 * table in export.c; it sees each lead once, in lead-id (= first capture)
 * order, as a struct store_export_lead (store_export.h) whose strings are
 * only borrowed for the duration of the call.
 *
 * Tabular formats (CSV, XLSX) do not decide the columns themselves: they
 * ask export_columns.h for the header and the value of column i, so the two
 * always agree.
 */
#ifndef MB_EXPORT_FORMAT_H
#define MB_EXPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"
#include "firmware/base/strv.h"
#include "firmware/export/export.h"
#include "firmware/export/export_out.h"
#include "firmware/export/export_text.h"
#include "firmware/store/store_export.h"

struct cJSON;

struct export_ctx {
    const struct export_request *req;
    struct export_out out; /* for formats without .needs_path */
    const char *path;      /* for formats with .needs_path: the file to write */
    void *state;           /* the format's */
    /* The dynamic columns (export_columns_find): the form's, then the leads'. */
    struct strv questions; /* question ids (form order, then others sorted) */
    struct strv question_titles;
    struct strv *choice_ids;    /* per question: its choices' ids … */
    struct strv *choice_labels; /* … and labels (from the form; empty if none) */
    const char *lang;           /* language of titles and choice labels */
    struct strv purposes;
    struct strv operators;
    struct strv sinks;
    int ncols;
    struct buf scratch; /* cell text that has to be composed */
    int64_t tz_bucket;  /* cache of the local offset for one minute */
    int64_t tz_offset_ms;
};

struct export_format {
    const char *id, *ext, *mime;
    bool raw;        /* wants the scans (payloads) */
    bool needs_path; /* writes ctx->path itself instead of ctx->out */
    int (*begin)(struct export_ctx *x, struct err *e);
    int (*lead)(struct export_ctx *x, const struct store_export_lead *l, struct err *e);
    /* Finishes the file (success path only). */
    int (*end)(struct export_ctx *x, int64_t nleads, struct err *e);
    /* Always called last; frees x->state. */
    void (*cleanup)(struct export_ctx *x);
};

extern const struct export_format export_csv_format;
extern const struct export_format export_xlsx_format;
extern const struct export_format export_vcf_format;
extern const struct export_format export_ndjson_format;

/* Offset of the export's zone from UTC at ms, in ms. */
int64_t export_tz_offset(struct export_ctx *x, int64_t ms);
/* "YYYY-MM-DD HH:MM:SS" of ms (+ offset already applied by the caller); out >= 20. */
void export_format_time(int64_t ms, char *out);

#endif
