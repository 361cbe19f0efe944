// SPDX-License-Identifier: Apache-2.0
/*
 * export_format — the interface between export.c (reading leads, columns,
 * files) and its format modules (export_csv.c, export_xlsx.c, export_vcf.c,
 * export_ndjson.c). A format is a const struct of callbacks listed in the
 * table in export.c; it sees each lead once, in lead-id (= first capture)
 * order, as a struct export_lead whose strings are only borrowed for the
 * duration of the call.
 *
 * Tabular formats (CSV, XLSX) do not decide the columns themselves: they
 * ask export_cell() for the header and the value of column i, so the two
 * always agree.
 */
#ifndef MB_EXPORT_FORMAT_H
#define MB_EXPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"
#include "firmware/export/export.h"
#include "firmware/base/strv.h"

struct cJSON;

struct export_answer {
    const char *question;
    const char *value_json; /* JSON text, as stored */
    int64_t answered_ms;
};

struct export_consent {
    const char *purpose, *text_version, *language;
    bool granted;
    int64_t given_ms;
};

struct export_note {
    const char *operator_, *note, *tags_json;
    int rating; /* 0: none */
    int64_t updated_ms;
};

struct export_sync {
    const char *sink, *state; /* "pending", "sent", "rejected" */
};

struct export_scan {
    const char *source, *device, *symbology, *format, *boot_id;
    const uint8_t *payload;
    size_t len;
    int64_t scanned_ms, mono_ms;
    bool clock_trusted;
};

/* Scalar text columns of a lead, in the order of EXPORT_LEAD_TEXT_NAMES. */
enum export_text {
    EX_ID,
    EX_SHOW,
    EX_SOURCE,
    EX_FORMAT,
    EX_BADGE_ID,
    EX_FULL_NAME,
    EX_GIVEN_NAME,
    EX_FAMILY_NAME,
    EX_COMPANY,
    EX_TITLE,
    EX_ADDRESS,
    EX_COUNTRY,
    EX_EMAILS, /* JSON arrays of strings */
    EX_PHONES,
    EX_URLS,
    EX_WARNINGS,
    EX_IDENTITY,
    EX_BOOT_ID,
    EX_LAST_BOOT_ID,
    EX_SHOW_NAME,
    EX_SHOW_TIMEZONE,
    EX_IMPORT_FILE, /* NULL unless the lead came from `matchbooth import` */
    EX_TEXT_COUNT
};

enum export_int {
    EX_CAPTURED_MS,
    EX_MONO_MS,
    EX_CLOCK_TRUSTED,
    EX_LAST_SEEN_MS,
    EX_LAST_MONO_MS,
    EX_LAST_TRUSTED,
    EX_SCAN_COUNT,
    EX_VERSION,
    EX_UPDATED_MS,
    EX_IMPORTED_MS, /* 0 unless imported */
    EX_INT_COUNT
};

struct export_lead {
    const char *text[EX_TEXT_COUNT]; /* NULL: absent */
    size_t len[EX_TEXT_COUNT];       /* strlen of each (0 when absent) */
    int64_t num[EX_INT_COUNT];
    const struct export_answer *answers; /* ordered by question */
    size_t nanswers;
    const struct export_consent *consents; /* ordered by purpose */
    size_t nconsents;
    const struct export_note *notes; /* ordered by operator */
    size_t nnotes;
    const struct export_sync *sync; /* ordered by sink */
    size_t nsync;
    const struct export_scan *scans; /* only for formats with .raw; by scan id */
    size_t nscans;
};

/* Buffered output to a file descriptor; remembers the first write error. */
struct export_out {
    int fd;
    char *buf;
    size_t len, cap;
    uint64_t written;
    int error; /* errno of the first failed write, 0 if none */
};

int export_out_flush(struct export_out *o);
/* Appends (flushing when full); returns 0 or -1 (see o->error). */
int export_out_write_slow(struct export_out *o, const void *p, size_t n);
/* Inline: the CSV writer calls this a few dozen times per lead. */
static inline int export_out_write(struct export_out *o, const void *p, size_t n)
{
    if (o->error || o->len + n > o->cap)
        return export_out_write_slow(o, p, n);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}
int export_out_puts(struct export_out *o, const char *s);

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

struct export_ctx {
    const struct export_request *req;
    struct export_out out;
    const char *path; /* for formats with .needs_path: the file to write */
    void *state;      /* the format's */
    /* The dynamic columns, found by a first pass over the leads. */
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
    int (*lead)(struct export_ctx *x, const struct export_lead *l, struct err *e);
    /* Finishes the file (success path only). */
    int (*end)(struct export_ctx *x, int64_t nleads, struct err *e);
    /* Always called last; frees x->state. */
    void (*cleanup)(struct export_ctx *x);
};

extern const struct export_format export_csv_format;
extern const struct export_format export_xlsx_format;
extern const struct export_format export_vcf_format;
extern const struct export_format export_ndjson_format;

/* Header of column i (0 <= i < x->ncols), and its width class. */
const char *export_header(struct export_ctx *x, int i, enum export_width *width);
/* The column of the first question (the others follow in x->questions order). */
int export_question_col(const struct export_ctx *x);
/* Value of column i for lead l. */
void export_cell(struct export_ctx *x, const struct export_lead *l, int i, struct export_cell *c);

/* Offset of the export's zone from UTC at ms, in ms. */
int64_t export_tz_offset(struct export_ctx *x, int64_t ms);
/* "YYYY-MM-DD HH:MM:SS" of ms (+ offset already applied by the caller); out >= 20. */
void export_format_time(int64_t ms, char *out);

/* Appends s (n bytes) to b with invalid UTF-8 replaced by U+FFFD. */
int export_utf8_clean(struct buf *b, const char *s, size_t n);
/* True if s (n bytes) is valid UTF-8. */
bool export_utf8_valid(const char *s, size_t n);

/*
 * Calls fn for each string of a JSON array text (emails, phones …). Returns
 * fn's first non-zero result, 0 after a whole array of strings, or -1 when
 * the text is not one (fn has then seen the strings before the problem).
 */
int export_json_strings(const char *json, int (*fn)(const char *s, void *ud), void *ud);

#endif
