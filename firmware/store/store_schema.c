// SPDX-License-Identifier: Apache-2.0
/*
 * store_schema — the lead store's schema, as an ordered list of migrations.
 *
 * PRAGMA user_version is the number of the last migration applied; each
 * migration runs in its own transaction together with the bump of
 * user_version, so a crash leaves the file at a whole version. Migrations
 * are never edited once released: change the schema by appending one.
 *
 * Changelog
 *   1  shows, leads (one row per visitor and show), scans (every read, raw
 *      bytes, unknown payloads with no lead); application_id 'MBTK'.
 *   2  answers, consents (with the version and language of the text), notes
 *      (one row per operator and lead); leads.version for updates.
 *   3  outbox (one row per sink and lead change), meta (key/value).
 *   4  supplier catalog (ui/catalog.c): catalog_suppliers, catalog_categories
 *      and catalog_fts (FTS5, trigram tokenizer: finds CJK and Devanagari).
 *   5  roster (an organizer's attendee list per show, for bare badge ids).
 *   6  imports (one row per `matchbooth import` run) and leads.import_id:
 *      an imported lead keeps its original source; this says where and
 *      when it came in.
 *   7  card_reads (business cards read by OCR, store_card.c).
 *   8  sync_state (per sink: back-off, last error, last success). No new
 *      outbox index: one on (state, sink) makes SQLite pick it for the
 *      capture's "raise the pending row" update, and captures then scan the
 *      whole backlog.
 *   9  roster.lang: the attendee's language (a BCP 47 tag), for the kiosk.
 *  10  handouts (store_handout.c): what the kiosk gave a visitor: the print
 *      log (slips printed per lead) and the follow-up e-mails (their
 *      Message-ID made once and kept for every retry).
 */
#include <sqlite3.h>
#include <stdio.h>

#include "firmware/store/store.h"

/* 'MBTK': tells a matchbooth store from any other SQLite file. */
#define STORE_APPLICATION_ID 0x4d42544b

struct migration {
    int version;
    const char *sql;
};

static const struct migration migrations[] = {
    {1, "PRAGMA application_id = 1296192587;\n"
        "CREATE TABLE shows (\n"
        "  id TEXT PRIMARY KEY,\n"
        "  name TEXT NOT NULL DEFAULT '',\n"
        "  timezone TEXT NOT NULL DEFAULT 'UTC',\n"
        "  created_ms INTEGER NOT NULL\n"
        ");\n"
        "CREATE TABLE leads (\n"
        "  id TEXT PRIMARY KEY,               -- UUIDv7, made at capture\n"
        "  show_id TEXT NOT NULL REFERENCES shows(id),\n"
        "  identity TEXT NOT NULL,            -- de-duplication key (lead_identity)\n"
        "  source TEXT NOT NULL CHECK (source IN ('scanner','card','manual','import')),\n"
        "  format TEXT, badge_id TEXT, full_name TEXT, given_name TEXT, family_name TEXT,\n"
        "  company TEXT, title TEXT, address TEXT, country TEXT,\n"
        "  emails TEXT NOT NULL DEFAULT '[]', phones TEXT NOT NULL DEFAULT '[]',\n"
        "  urls TEXT NOT NULL DEFAULT '[]', warnings TEXT NOT NULL DEFAULT '[]',\n"
        "  captured_ms INTEGER NOT NULL,      -- first capture, UTC ms; never changes\n"
        "  boot_id TEXT NOT NULL, mono_ms INTEGER NOT NULL,\n"
        "  clock_trusted INTEGER NOT NULL,\n"
        "  last_seen_ms INTEGER NOT NULL, last_boot_id TEXT NOT NULL,\n"
        "  last_mono_ms INTEGER NOT NULL, last_trusted INTEGER NOT NULL,\n"
        "  scan_count INTEGER NOT NULL DEFAULT 1,\n"
        "  UNIQUE (show_id, identity)\n"
        ");\n"
        "CREATE TABLE scans (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  show_id TEXT NOT NULL REFERENCES shows(id),\n"
        "  lead_id TEXT REFERENCES leads(id) ON DELETE CASCADE,  -- NULL: unknown payload\n"
        "  source TEXT NOT NULL, device TEXT, symbology TEXT, format TEXT NOT NULL,\n"
        "  payload BLOB NOT NULL,             -- the bytes exactly as read\n"
        "  scanned_ms INTEGER NOT NULL, boot_id TEXT NOT NULL, mono_ms INTEGER NOT NULL,\n"
        "  clock_trusted INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX scans_lead ON scans(lead_id);\n"
        "CREATE INDEX leads_show_time ON leads(show_id, captured_ms);\n"},
    {2, "ALTER TABLE leads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
        "ALTER TABLE leads ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0;\n"
        "CREATE TABLE answers (\n"
        "  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,\n"
        "  question TEXT NOT NULL,\n"
        "  value TEXT NOT NULL,               -- JSON\n"
        "  answered_ms INTEGER NOT NULL,\n"
        "  PRIMARY KEY (lead_id, question)\n"
        ");\n"
        "CREATE TABLE consents (\n"
        "  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,\n"
        "  purpose TEXT NOT NULL,\n"
        "  granted INTEGER NOT NULL,\n"
        "  text_version TEXT NOT NULL,\n"
        "  language TEXT NOT NULL,\n"
        "  given_ms INTEGER NOT NULL,\n"
        "  PRIMARY KEY (lead_id, purpose)\n"
        ");\n"
        "CREATE TABLE notes (\n"
        "  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,\n"
        "  operator TEXT NOT NULL,\n"
        "  note TEXT NOT NULL DEFAULT '',\n"
        "  rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),\n"
        "  tags TEXT NOT NULL DEFAULT '[]',   -- JSON array\n"
        "  updated_ms INTEGER NOT NULL,\n"
        "  PRIMARY KEY (lead_id, operator)\n"
        ");\n"},
    {3, "CREATE TABLE outbox (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  sink TEXT NOT NULL,\n"
        "  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,\n"
        "  lead_version INTEGER NOT NULL,     -- raised while pending; mark sent only if equal\n"
        "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','rejected')),\n"
        "  attempts INTEGER NOT NULL DEFAULT 0,\n"
        "  next_ms INTEGER NOT NULL DEFAULT 0,\n"
        "  last_error TEXT,\n"
        "  created_ms INTEGER NOT NULL,\n"
        "  sent_ms INTEGER\n"
        ");\n"
        "CREATE INDEX outbox_queue ON outbox(sink, state, id);\n"
        "CREATE INDEX outbox_lead ON outbox(lead_id, sink);\n"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"},
    {4,
     "CREATE TABLE catalog_suppliers (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  names TEXT NOT NULL,               -- JSON {lang: name}\n"
     "  descriptions TEXT NOT NULL,        -- JSON {lang: one line}\n"
     "  categories TEXT NOT NULL,          -- JSON array\n"
     "  country TEXT NOT NULL DEFAULT '',\n"
     "  url TEXT NOT NULL,                 -- the supplier's page (QR links add campaign params)\n"
     "  sort_name TEXT NOT NULL\n"
     ");\n"
     "CREATE TABLE catalog_categories (\n"
     "  category TEXT NOT NULL,            -- lower case\n"
     "  supplier_id TEXT NOT NULL REFERENCES catalog_suppliers(id) ON DELETE CASCADE,\n"
     "  PRIMARY KEY (category, supplier_id)\n"
     ");\n"
     "CREATE VIRTUAL TABLE catalog_fts USING fts5(supplier_id UNINDEXED, body, "
     "tokenize = 'trigram');\n"},
    {5, "CREATE TABLE roster (\n"
        "  show_id TEXT NOT NULL,             -- no REFERENCES: imported before the show runs\n"
        "  badge_id TEXT NOT NULL,\n"
        "  full_name TEXT, given_name TEXT, family_name TEXT, company TEXT, title TEXT,\n"
        "  email TEXT, phone TEXT, url TEXT, address TEXT, country TEXT,\n"
        "  PRIMARY KEY (show_id, badge_id)\n"
        ") WITHOUT ROWID;\n"},
    {6, "CREATE TABLE imports (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  file TEXT NOT NULL,                -- as given on the command line\n"
        "  imported_ms INTEGER NOT NULL,\n"
        "  leads_added INTEGER NOT NULL DEFAULT 0,\n"
        "  leads_present INTEGER NOT NULL DEFAULT 0  -- already in the store: skipped\n"
        ");\n"
        "ALTER TABLE leads ADD COLUMN import_id INTEGER REFERENCES imports(id);\n"},
    /* Business cards read by OCR (store_card.c): what was recognised and
     * what the visitor corrected, and the image only when the show keeps
     * it. Deleted with the lead (and with the scan, for an unknown card). */
    {7, "CREATE TABLE card_reads (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,\n"
        "  lead_id TEXT REFERENCES leads(id) ON DELETE CASCADE,\n"
        "  languages TEXT NOT NULL,           -- Tesseract languages, 'chi_tra+eng'\n"
        "  recognised TEXT NOT NULL,          -- JSON lead fields as OCR read them\n"
        "  confidence TEXT NOT NULL,          -- JSON {field: 0..1}\n"
        "  corrected TEXT,                    -- JSON lead fields after review; NULL: unreviewed\n"
        "  image BLOB, image_type TEXT,       -- only when [show.ID] card_keep_image\n"
        "  read_ms INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX card_reads_lead ON card_reads(lead_id);\n"
        "CREATE INDEX card_reads_scan ON card_reads(scan_id);\n"},
    {8, "CREATE TABLE sync_state (\n"
        "  sink TEXT PRIMARY KEY,\n"
        "  attempts INTEGER NOT NULL DEFAULT 0,  -- consecutive failed attempts\n"
        "  retry_ms INTEGER NOT NULL DEFAULT 0,  -- UTC ms before which no retry is due\n"
        "  last_status INTEGER NOT NULL DEFAULT 0,\n"
        "  last_error TEXT,\n"
        "  last_attempt_ms INTEGER NOT NULL DEFAULT 0,\n"
        "  last_ok_ms INTEGER NOT NULL DEFAULT 0,\n"
        "  sent INTEGER NOT NULL DEFAULT 0          -- rows delivered, ever\n"
        ");\n"},
    /* The attendee's language from the organiser's roster (roster.c); the
     * kiosk greets a bare-id badge in it. */
    {9, "ALTER TABLE roster ADD COLUMN lang TEXT;\n"},
    /* What the kiosk gave a visitor (store_handout.c): printed slips (the
     * print log: "already printed, print again?") and follow-up e-mails,
     * whose Message-ID is made once and kept for every retry. Deleted with
     * the lead. */
    {10, "CREATE TABLE handouts (\n"
         "  id INTEGER PRIMARY KEY,\n"
         "  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,\n"
         "  kind TEXT NOT NULL CHECK (kind IN ('print','mail')),\n"
         "  channel TEXT NOT NULL,            -- the printer's device id, or the sink's name\n"
         "  ref TEXT NOT NULL DEFAULT '',     -- mail: the Message-ID\n"
         "  lead_version INTEGER NOT NULL,    -- the lead's version when it was made\n"
         "  state TEXT NOT NULL CHECK (state IN ('trying','done','failed')),\n"
         "  reason TEXT,                      -- why it failed\n"
         "  created_ms INTEGER NOT NULL,\n"
         "  done_ms INTEGER\n"
         ");\n"
         "CREATE INDEX handouts_lead ON handouts(lead_id, kind);\n"},
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_latest(void)
{
    return migrations[NMIGRATIONS - 1].version;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_schema_migrate(sqlite3 *db, int target, struct err *e)
{
    int cur, appid, ntables;
    if (pragma_int(db, "PRAGMA user_version", &cur) < 0 ||
        pragma_int(db, "PRAGMA application_id", &appid) < 0 ||
        pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntables) < 0)
        return err_set(e, ERR_IO, "read schema version: %s", sqlite3_errmsg(db));
    if ((cur > 0 || ntables > 0) && appid != STORE_APPLICATION_ID)
        return err_set(e, ERR_INVALID, "not a matchbooth store (application_id %d)", appid);
    if (cur > store_schema_latest())
        return err_set(e, ERR_INVALID,
                       "store has schema version %d, newer than this program's %d: upgrade "
                       "matchbooth",
                       cur, store_schema_latest());
    for (int i = 0; i < NMIGRATIONS; i++) {
        const struct migration *m = &migrations[i];
        if (m->version <= cur || m->version > target)
            continue;
        char *msg = NULL, bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", m->version);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            err_set(e, ERR_IO, "migration to schema %d: %s", m->version,
                    msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}
