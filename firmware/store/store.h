// SPDX-License-Identifier: Apache-2.0
/*
 * store — the durable lead store: one SQLite file in WAL mode with
 * synchronous=FULL, foreign keys on and a busy timeout.
 *
 * A function that changes a lead returns only after its transaction has
 * committed, so whatever the caller acknowledges (on screen, over the control
 * socket) survives a crash or a power cut. Every change to a lead bumps its
 * version and, in the same transaction, queues one outbox row per configured
 * sink (store_set_sinks), so the sync worker sends it again as an update.
 *
 * The schema and its migrations live in store_schema.c (PRAGMA user_version).
 * All SQL lives in firmware/store/ and goes through prepared statements,
 * prepared once per connection (store_db.h). This module owns the shows,
 * leads, scans, answers, consents and notes tables (and queues outbox rows
 * through store_outbox); the other tables have modules of their own
 * (store_outbox, store_sync_state, store_meta, store_catalog, store_card,
 * store_roster, store_import; store_export reads exports). One struct store
 * belongs to one thread.
 */
#ifndef MB_STORE_H
#define MB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/clock.h"
#include "firmware/base/err.h"
#include "firmware/base/lead.h"
#include "firmware/base/uuid.h"

struct store;
struct sqlite3;
struct store_db;
struct cJSON;

/*
 * Opens (creating if needed) the store at path and migrates it to the newest
 * schema. Returns NULL with e set when the file cannot be opened, is not a
 * matchbooth store, or comes from a newer version of the program.
 */
struct store *store_open(const char *path, struct err *e);

/*
 * Opens the existing store at path for reading only: nothing is created,
 * migrated or written, so the schema may be older than this program's (a
 * function reading a missing table then fails with SQLite's "no such
 * table"; store_roster_lookup() treats that as "no roster"). For commands
 * that only look things up and must not touch a store they find. Returns
 * NULL with e set when the file does not exist or cannot be opened.
 */
struct store *store_open_readonly(const char *path, struct err *e);

void store_close(struct store *s); /* NULL-safe */

/* The raw connection. Being removed: SQL belongs in firmware/store/ (the
 * modules there use store_conn() and store_db.h). */
struct sqlite3 *store_db(struct store *s);

/* The connection and its statement cache, for the modules of
 * firmware/store/ (store_db.h); never NULL for an open store. */
struct store_db *store_conn(struct store *s);

/* The sinks an outbox row is queued for on every change (copied). */
int store_set_sinks(struct store *s, const struct strv *sinks);

/* Makes sure show id exists (and updates its name and zone). */
int store_show_ensure(struct store *s, const char *id, const char *name, const char *timezone,
                      struct err *e);

/*
 * The IANA time zone the store recorded for show id (a show imported from
 * another kiosk may be in no config). Returns 0 with *tz set (malloc'd, the
 * caller's), 1 when the store has no such show (*tz NULL), or -1 with e set.
 */
int store_show_timezone(struct store *s, const char *id, char **tz, struct err *e);

struct store_scan {
    const char *show_id;
    enum lead_source source;
    const char *device;    /* may be NULL */
    const char *symbology; /* may be NULL */
    const uint8_t *payload;
    size_t len;
    const struct lead_fields *fields; /* decoded; format "unknown" = unknown */
    struct clock_stamp when;
};

struct store_scan_result {
    char lead_id[UUID_STR_LEN]; /* "" for an unknown scan */
    int64_t scan_id;
    bool created; /* a new lead (false: a re-scan merged into one) */
    bool unknown; /* kept as an unknown scan, no lead */
    int64_t scan_count;
};

/*
 * Records a scan durably. A payload whose fields identify a visitor becomes a
 * lead, or — when the show already has a lead with the same identity
 * (lead_identity) — bumps its scan count and last-seen time and merges new
 * fields; the first capture time never changes. An unknown payload is kept
 * as a scan with no lead. The raw bytes are stored in every case.
 */
int store_scan_add(struct store *s, const struct store_scan *scan, struct store_scan_result *res,
                   struct err *e);

/*
 * Replaces the visitor-editable fields (corrections on screen, OCR review):
 * non-NULL scalars in f overwrite, lists replace when non-empty.
 */
int store_lead_update(struct store *s, const char *lead_id, const struct lead_fields *f,
                      struct err *e);

/*
 * Sets operator's note, rating (1..5, 0 = none) and tags on a lead. One row
 * per operator: another operator's note is never touched. NULL note keeps the
 * old text; NULL tags keep the old tags.
 */
int store_note_set(struct store *s, const char *lead_id, const char *op, const char *note,
                   int rating, const struct strv *tags, struct err *e);

/* Stores the answer (any JSON value, as text) to question qid. */
int store_answer_set(struct store *s, const char *lead_id, const char *qid, const char *value_json,
                     struct err *e);

/* Records consent for purpose, with the version and language of its text. */
int store_consent_set(struct store *s, const char *lead_id, const char *purpose, bool granted,
                      const char *text_version, const char *language, struct err *e);

/*
 * The lead as one JSON object: id, show, source, times (ISO UTC and ms),
 * boot_id, mono_ms, clock_trusted, scan_count, version, the fields, answers,
 * consents, notes; with_raw adds "scans": [{…, "payload_base64"}].
 * *out is the caller's (cJSON_Delete). ERR_NOTFOUND if no such lead.
 */
int store_lead_json(struct store *s, const char *lead_id, bool with_raw, struct cJSON **out,
                    struct err *e);

/*
 * Calls fn for each lead of show (NULL: all shows) in capture order, with
 * captured_at in [since_ms, until_ms) (pass INT64_MIN / INT64_MAX for no
 * bound). fn returning non-zero stops the walk (and is returned). The JSON is
 * only borrowed. fn may call other store functions, but not
 * store_leads_each() itself (the walk's statement is the store's one).
 */
typedef int (*store_lead_fn)(const struct cJSON *lead, void *ud);
int store_leads_each(struct store *s, const char *show, int64_t since_ms, int64_t until_ms,
                     bool with_raw, store_lead_fn fn, void *ud, struct err *e);

/*
 * Corrects the stamps of boot_id taken while the clock was untrusted:
 * real = now.real_ms - (now.mono_ms - stamp.mono_ms), and marks them trusted.
 * Stamps of other boots are left as they are. Returns the number of leads
 * and scans corrected, or -1.
 */
int store_correct_clock(struct store *s, const struct clock_stamp *now, struct err *e);

/*
 * Runs integrity_check and foreign_key_check. Returns 0 if the store is
 * sound, 1 if problems were found (each appended to problems), -1 on error.
 */
int store_check(struct store *s, struct strv *problems, struct err *e);

/* Counts: shows, leads, scans, unknown scans, notes, outbox by state, schema
 * version, file size. *out is the caller's. */
int store_stats(struct store *s, struct cJSON **out, struct err *e);

/* Runs fn inside one transaction (BEGIN IMMEDIATE … COMMIT, or ROLLBACK when
 * fn returns non-zero). For modules that write several rows at once. */
int store_tx(struct store *s, int (*fn)(struct store *s, void *ud), void *ud, struct err *e);

/* The schema version this program writes, and migration to an older one
 * (for tests of the migrations: creates a store at exactly version v). */
int store_schema_latest(void);
int store_schema_migrate(struct sqlite3 *db, int target, struct err *e);

#endif
