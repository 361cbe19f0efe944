// SPDX-License-Identifier: Apache-2.0
/*
 * store_export — the read side of exports: one read snapshot of the store,
 * and an iterator over a selection of its leads, each with all its child
 * rows (answers, consents, notes, sync state per sink, and the raw scans
 * when asked). The export's format modules (firmware/export/) see nothing
 * but the rows this hands out.
 *
 * A snapshot is a read transaction on a read-only connection of its own
 * (for a store in a file), so every read of one export sees the same state
 * while the daemon keeps capturing (WAL), and takes no mutex (one thread).
 * A store with no file (":memory:") is read on its own connection instead.
 *
 * Speed: one statement walks the leads in lead-id order (UUIDv7: the order
 * of first capture); each kind of child row comes from one more statement,
 * read in its own lead_id index order, and the cursors are merged by lead
 * id: no query per lead, no join, no sort. Shows and imports (a few rows)
 * are read once and looked up in memory. Memory is flat in the number of
 * leads.
 */
#ifndef MB_STORE_EXPORT_H
#define MB_STORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/strv.h"

struct store;
struct store_export;

struct store_export_answer {
    const char *question;
    const char *value_json; /* JSON text, as stored */
    int64_t answered_ms;
};

struct store_export_consent {
    const char *purpose, *text_version, *language;
    bool granted;
    int64_t given_ms;
};

struct store_export_note {
    const char *operator_, *note, *tags_json;
    int rating; /* 0: none */
    int64_t updated_ms;
};

struct store_export_sync {
    const char *sink, *state; /* "pending", "sent", "rejected" (of the newest row) */
};

struct store_export_scan {
    const char *source, *device, *symbology, *format, *boot_id;
    const uint8_t *payload;
    size_t len;
    int64_t scanned_ms, mono_ms;
    bool clock_trusted;
};

/* Scalar text columns of a lead. */
enum store_export_text {
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

enum store_export_int {
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

/* One lead and its children. Every pointer is borrowed from the snapshot
 * until the next store_export_next() or store_export_close(). */
struct store_export_lead {
    const char *text[EX_TEXT_COUNT]; /* NULL: absent */
    size_t len[EX_TEXT_COUNT];       /* strlen of each (0 when absent) */
    int64_t num[EX_INT_COUNT];
    const struct store_export_answer *answers; /* ordered by question */
    size_t nanswers;
    const struct store_export_consent *consents; /* ordered by purpose */
    size_t nconsents;
    const struct store_export_note *notes; /* ordered by operator */
    size_t nnotes;
    const struct store_export_sync *sync; /* ordered by sink */
    size_t nsync;
    const struct store_export_scan *scans; /* only when opened with scans; by scan id */
    size_t nscans;
};

/* Which leads: those of show (NULL: every show) first captured in
 * [since_ms, until_ms) (INT64_MIN / INT64_MAX: no bound). */
struct store_export_filter {
    const char *show;
    int64_t since_ms, until_ms;
};

/* The keys of an export's dynamic columns. */
enum store_export_key {
    STORE_EXPORT_QUESTIONS, /* question ids the selected leads answered */
    STORE_EXPORT_PURPOSES,  /* consent purposes */
    STORE_EXPORT_OPERATORS, /* operators who wrote notes */
    STORE_EXPORT_SINKS      /* sinks with outbox rows */
};

/*
 * Opens a read snapshot of s for the leads f selects (f and f->show are
 * borrowed: they must outlive the snapshot); scans: hand out the raw scans
 * too. Returns NULL with e set when the store cannot be read (ERR_IO, with
 * SQLite's message) or out of memory. s must stay open until
 * store_export_close().
 */
struct store_export *store_export_open(struct store *s, const struct store_export_filter *f,
                                       bool scans, struct err *e);

/* The number of leads the snapshot selects, into *n. Returns 0, or -1 with
 * e set. */
int store_export_count(struct store_export *x, int64_t *n, struct err *e);

/*
 * Appends to out the distinct keys of kind k that the selected leads have,
 * sorted by strcmp (out may already hold strings: they are kept, and the
 * keys may repeat them). Returns 0, or -1 with e set.
 */
int store_export_keys(struct store_export *x, enum store_export_key k, struct strv *out,
                      struct err *e);

/*
 * The next lead in lead-id order, with its children, into *l. Returns 1, 0
 * after the last lead, or -1 with e set (the snapshot can then only be
 * closed).
 */
int store_export_next(struct store_export *x, struct store_export_lead *l, struct err *e);

/* Ends the snapshot and frees x (NULL-safe). */
void store_export_close(struct store_export *x);

#endif
