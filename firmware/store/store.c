// SPDX-License-Identifier: Apache-2.0
/*
 * store — the durable lead store over SQLite (see store.h for the contract
 * and store_schema.c for the tables).
 *
 * Statements are prepared once per connection (store_db.h, kept by the
 * address of their static SQL text) and reused: a
 * capture is a handful of steps inside one BEGIN IMMEDIATE … COMMIT, and
 * with synchronous=FULL the COMMIT's fdatasync is what the caller waits for.
 */
#include "firmware/store/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/store/store_db.h"
#include "firmware/store/store_outbox.h"

/* Columns of a lead row, in the order lead_from_row() reads them. */
#define LEAD_COLS                                                                                  \
    "id, show_id, source, format, badge_id, full_name, given_name, family_name, company, title, "  \
    "address, country, emails, phones, urls, warnings, captured_ms, boot_id, mono_ms, "            \
    "clock_trusted, last_seen_ms, scan_count, version, updated_ms"

static const char SQL_SHOW_UPSERT[] =
    "INSERT INTO shows(id, name, timezone, created_ms) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
    "timezone = excluded.timezone";
static const char SQL_LEAD_FIND[] =
    "SELECT " LEAD_COLS " FROM leads WHERE show_id = ?1 AND identity = ?2";
static const char SQL_LEAD_INSERT[] =
    "INSERT INTO leads(id, show_id, identity, source, format, badge_id, full_name, given_name, "
    "family_name, company, title, address, country, emails, phones, urls, warnings, "
    "captured_ms, boot_id, mono_ms, clock_trusted, last_seen_ms, last_boot_id, last_mono_ms, "
    "last_trusted, scan_count, version, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?18, ?19, ?20, ?21, 1, "
    "1, ?18)";
static const char SQL_LEAD_RESCAN[] =
    "UPDATE leads SET scan_count = scan_count + 1, last_seen_ms = ?2, "
    "last_boot_id = ?3, last_mono_ms = ?4, last_trusted = ?5 WHERE id = ?1 "
    "RETURNING scan_count";
static const char SQL_LEAD_FIELDS[] =
    "UPDATE leads SET badge_id = ?2, full_name = ?3, given_name = ?4, "
    "family_name = ?5, company = ?6, title = ?7, address = ?8, country = ?9, "
    "emails = ?10, phones = ?11, urls = ?12 WHERE id = ?1";
static const char SQL_LEAD_BUMP[] =
    "UPDATE leads SET version = version + 1, updated_ms = ?2 WHERE id = ?1 "
    "RETURNING version";
static const char SQL_LEAD_GET[] = "SELECT " LEAD_COLS " FROM leads WHERE id = ?1";
static const char SQL_SCAN_INSERT[] =
    "INSERT INTO scans(show_id, lead_id, source, device, symbology, format, "
    "payload, scanned_ms, boot_id, mono_ms, clock_trusted) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char SQL_NOTE_UPSERT[] =
    "INSERT INTO notes(lead_id, operator, note, rating, tags, updated_ms) VALUES (?1, ?2, "
    "coalesce(?3, ''), ?4, coalesce(?5, '[]'), ?6) ON CONFLICT(lead_id, operator) DO UPDATE "
    "SET note = coalesce(?3, note), rating = ?4, tags = coalesce(?5, tags), updated_ms = ?6";
static const char SQL_ANSWER_UPSERT[] =
    "INSERT INTO answers(lead_id, question, value, answered_ms) VALUES (?1, "
    "?2, ?3, ?4) ON CONFLICT(lead_id, question) DO UPDATE SET value = ?3, "
    "answered_ms = ?4";
static const char SQL_CONSENT_UPSERT[] =
    "INSERT INTO consents(lead_id, purpose, granted, text_version, language, given_ms) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(lead_id, purpose) DO UPDATE SET granted = ?3, "
    "text_version = ?4, language = ?5, given_ms = ?6";
static const char SQL_ANSWERS_OF[] =
    "SELECT question, value FROM answers WHERE lead_id = ?1 ORDER BY question";
static const char SQL_CONSENTS_OF[] =
    "SELECT purpose, granted, text_version, language, given_ms FROM consents "
    "WHERE lead_id = ?1 ORDER BY purpose";
static const char SQL_NOTES_OF[] =
    "SELECT operator, note, rating, tags, updated_ms FROM notes WHERE lead_id = ?1 "
    "ORDER BY operator";
static const char SQL_SCANS_OF[] =
    "SELECT id, source, device, symbology, format, payload, scanned_ms, "
    "clock_trusted FROM scans WHERE lead_id = ?1 ORDER BY id";

struct store {
    sqlite3 *db;
    struct store_db *conn; /* the connection's statement cache (store_db.h) */
    struct strv sinks;
    char *path;
};

sqlite3 *store_db(struct store *s)
{
    return s->db;
}

struct store_db *store_conn(struct store *s)
{
    return s->conn;
}

/* A store on path opened with flags: the connection and its statement
 * cache, with the busy timeout; NULL with e set. */
static struct store *store_new(const char *path, int flags, struct err *e)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        err_set(e, ERR_INTERNAL, "open %s: out of memory", path);
        return NULL;
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        err_set(e, ERR_IO, "open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return NULL;
    }
    if (!(s->conn = store_db_new(s->db))) {
        err_set(e, ERR_INTERNAL, "open %s: out of memory", path);
        store_close(s);
        return NULL;
    }
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_busy_timeout(s->db, 5000);
    return s;
}

struct store *store_open(const char *path, struct err *e)
{
    struct store *s = store_new(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, e);
    if (!s)
        return NULL;
    /* WAL + FULL: every commit is fdatasync'ed before it returns, and
     * readers (the CLI, exports) never block the daemon's writes. */
    if (store_db_exec(s->conn, "PRAGMA journal_mode = WAL", e) < 0 ||
        store_db_exec(s->conn, "PRAGMA synchronous = FULL", e) < 0 ||
        store_db_exec(s->conn, "PRAGMA foreign_keys = ON", e) < 0 ||
        store_schema_migrate(s->db, store_schema_latest(), e) < 0) {
        err_wrap(e, "open %s", path);
        store_close(s);
        return NULL;
    }
    return s;
}

struct store *store_open_readonly(const char *path, struct err *e)
{
    return store_new(path, SQLITE_OPEN_READONLY, e);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    store_db_free(s->conn);
    sqlite3_close(s->db);
    strv_free(&s->sinks);
    free(s->path);
    free(s);
}

int store_set_sinks(struct store *s, const struct strv *sinks)
{
    struct strv copy = {0};
    for (size_t i = 0; i < sinks->n; i++)
        if (strv_push(&copy, sinks->v[i]) < 0) {
            strv_free(&copy);
            return -1;
        }
    strv_free(&s->sinks);
    s->sinks = copy;
    return 0;
}

static int begin(struct store *s, struct err *e)
{
    return store_db_exec(s->conn, "BEGIN IMMEDIATE", e);
}

static int commit(struct store *s, struct err *e)
{
    if (store_db_exec(s->conn, "COMMIT", e) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static void rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_tx(struct store *s, int (*fn)(struct store *s, void *ud), void *ud, struct err *e)
{
    if (begin(s, e) < 0)
        return -1;
    if (fn(s, ud) != 0) {
        rollback(s);
        if (e && e->code == ERR_OK)
            err_set(e, ERR_INTERNAL, "transaction aborted");
        return -1;
    }
    return commit(s, e);
}

int store_show_ensure(struct store *s, const char *id, const char *name, const char *timezone,
                      struct err *e)
{
    struct clock_stamp now;
    clock_now(&now);
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_SHOW_UPSERT, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, timezone && *timezone ? timezone : "UTC", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now.real_ms);
    return store_db_step_done(s->conn, st, e, "save show");
}

static const char SQL_SHOW_TIMEZONE[] = "SELECT timezone FROM shows WHERE id = ?1";

int store_show_timezone(struct store *s, const char *id, char **tz, struct err *e)
{
    *tz = NULL;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_SHOW_TIMEZONE, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *tz = store_db_text(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 1;
    if (rc != SQLITE_ROW)
        return store_db_fail(s->conn, e, "read show");
    return *tz ? 0 : err_set(e, ERR_INTERNAL, "read show %s: out of memory", id);
}

/* A strv as a JSON array text (malloc'd). */
static char *strv_json(const struct strv *sv)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < sv->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
    char *t = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return t;
}

static void strv_from_json(struct strv *sv, const char *text)
{
    cJSON *a = text ? cJSON_Parse(text) : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        if (cJSON_IsString(it))
            strv_push(sv, it->valuestring);
    }
    cJSON_Delete(a);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Reads the field columns (3..15 of LEAD_COLS) into f. */
static int fields_from_row(sqlite3_stmt *st, struct lead_fields *f)
{
    char **slots[] = {&f->format,  &f->badge_id, &f->full_name, &f->given_name, &f->family_name,
                      &f->company, &f->title,    &f->address,   &f->country};
    for (int i = 0; i < 9; i++)
        if (lead_set(slots[i], col_text(st, 3 + i)) < 0)
            return -1;
    strv_from_json(&f->emails, col_text(st, 12));
    strv_from_json(&f->phones, col_text(st, 13));
    strv_from_json(&f->urls, col_text(st, 14));
    strv_from_json(&f->warnings, col_text(st, 15));
    return 0;
}

/* Binds badge_id..urls (?2..?12 of Q_LEAD_FIELDS order) from f. */
static int bind_fields(sqlite3_stmt *st, int first, const struct lead_fields *f, char *json[3])
{
    const char *v[] = {f->badge_id, f->full_name, f->given_name, f->family_name,
                       f->company,  f->title,     f->address,    f->country};
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(st, first + i, v[i], -1, SQLITE_TRANSIENT);
    json[0] = strv_json(&f->emails);
    json[1] = strv_json(&f->phones);
    json[2] = strv_json(&f->urls);
    if (!json[0] || !json[1] || !json[2])
        return -1;
    for (int i = 0; i < 3; i++)
        sqlite3_bind_text(st, first + 8 + i, json[i], -1, SQLITE_TRANSIENT);
    return 0;
}

/* Bumps a lead's version and queues it (inside the caller's tx). */
static int lead_changed(struct store *s, const char *lead_id, struct err *e)
{
    struct clock_stamp now;
    clock_now(&now);
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_LEAD_BUMP, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now.real_ms);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOTFOUND, "no lead %s", lead_id);
    if (rc != SQLITE_ROW)
        return store_db_fail(s->conn, e, "update lead");
    int64_t version = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return store_outbox_queue(s, &s->sinks, lead_id, version, now.real_ms, e);
}

static int scan_insert(struct store *s, const struct store_scan *sc, const char *lead_id,
                       int64_t *id, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_SCAN_INSERT, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, sc->show_id, -1, SQLITE_STATIC);
    if (lead_id)
        sqlite3_bind_text(st, 2, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, lead_source_name(sc->source), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sc->device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, sc->symbology, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, sc->fields && sc->fields->format ? sc->fields->format : "unknown", -1,
                      SQLITE_STATIC);
    /* zeroblob-safe: an empty payload is stored as an empty blob, not NULL */
    sqlite3_bind_blob(st, 7, sc->len ? (const void *)sc->payload : "", (int)sc->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, sc->when.real_ms);
    sqlite3_bind_text(st, 9, sc->when.boot_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, sc->when.mono_ms);
    sqlite3_bind_int(st, 11, sc->when.trusted);
    if (store_db_step_done(s->conn, st, e, "save scan") < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* Inside the tx: merge into an existing lead, or create one. */
static int lead_upsert(struct store *s, const struct store_scan *sc, const char *identity,
                       struct store_scan_result *res, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_LEAD_FIND, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, sc->show_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, identity, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct lead_fields old = {0};
        snprintf(res->lead_id, sizeof res->lead_id, "%s", col_text(st, 0));
        int ok = fields_from_row(st, &old);
        sqlite3_reset(st);
        int changed = ok < 0 ? -1 : lead_fields_merge(&old, sc->fields);
        char *json[3] = {0};
        int r = -1;
        if (changed < 0) {
            err_set(e, ERR_INTERNAL, "merge lead: out of memory");
            goto merged;
        }
        if (changed > 0) {
            if (!(st = store_db_stmt(s->conn, SQL_LEAD_FIELDS, e)))
                goto merged;
            sqlite3_bind_text(st, 1, res->lead_id, -1, SQLITE_STATIC);
            if (bind_fields(st, 2, &old, json) < 0 ||
                store_db_step_done(s->conn, st, e, "merge lead") < 0 ||
                lead_changed(s, res->lead_id, e) < 0)
                goto merged;
        }
        if (!(st = store_db_stmt(s->conn, SQL_LEAD_RESCAN, e)))
            goto merged;
        sqlite3_bind_text(st, 1, res->lead_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, sc->when.real_ms);
        sqlite3_bind_text(st, 3, sc->when.boot_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, sc->when.mono_ms);
        sqlite3_bind_int(st, 5, sc->when.trusted);
        if (sqlite3_step(st) != SQLITE_ROW) {
            store_db_fail(s->conn, e, "count re-scan");
            goto merged;
        }
        res->scan_count = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        r = 0;
    merged:
        for (int i = 0; i < 3; i++)
            free(json[i]);
        lead_fields_free(&old);
        return r;
    }
    if (rc != SQLITE_DONE)
        return store_db_fail(s->conn, e, "find lead");
    sqlite3_reset(st);

    if (uuid_v7(sc->when.real_ms, res->lead_id) < 0)
        return err_set(e, ERR_INTERNAL, "make lead id: no randomness");
    if (!(st = store_db_stmt(s->conn, SQL_LEAD_INSERT, e)))
        return -1;
    const struct lead_fields *f = sc->fields;
    char *json[3] = {0};
    char *warnings = strv_json(&f->warnings);
    sqlite3_bind_text(st, 1, res->lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sc->show_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, lead_source_name(sc->source), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->format, -1, SQLITE_STATIC);
    int r = -1;
    if (!warnings || bind_fields(st, 6, f, json) < 0) {
        err_set(e, ERR_INTERNAL, "save lead: out of memory");
        goto out;
    }
    sqlite3_bind_text(st, 17, warnings, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 18, sc->when.real_ms);
    sqlite3_bind_text(st, 19, sc->when.boot_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 20, sc->when.mono_ms);
    sqlite3_bind_int(st, 21, sc->when.trusted);
    if (store_db_step_done(s->conn, st, e, "save lead") < 0 ||
        store_outbox_queue(s, &s->sinks, res->lead_id, 1, sc->when.real_ms, e) < 0)
        goto out;
    res->created = true;
    res->scan_count = 1;
    r = 0;
out:
    free(warnings);
    for (int i = 0; i < 3; i++)
        free(json[i]);
    return r;
}

int store_scan_add(struct store *s, const struct store_scan *sc, struct store_scan_result *res,
                   struct err *e)
{
    memset(res, 0, sizeof *res);
    char *identity = NULL;
    bool unknown = !sc->fields || !sc->fields->format ||
                   strcmp(sc->fields->format, "unknown") == 0 || lead_fields_empty(sc->fields);
    if (!unknown && !(identity = lead_identity(sc->fields, sc->payload, sc->len)))
        return err_set(e, ERR_INTERNAL, "save scan: out of memory");
    if (begin(s, e) < 0)
        goto fail;
    if (!unknown && lead_upsert(s, sc, identity, res, e) < 0)
        goto fail;
    if (scan_insert(s, sc, unknown ? NULL : res->lead_id, &res->scan_id, e) < 0)
        goto fail;
    if (commit(s, e) < 0)
        goto fail;
    res->unknown = unknown;
    free(identity);
    return 0;
fail:
    rollback(s);
    free(identity);
    memset(res, 0, sizeof *res);
    return err_wrap(e, "save scan of %zu bytes", sc->len);
}

int store_lead_update(struct store *s, const char *lead_id, const struct lead_fields *f,
                      struct err *e)
{
    struct lead_fields cur = {0};
    char *json[3] = {0};
    int r = -1;
    if (begin(s, e) < 0)
        return -1;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_LEAD_GET, e);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            err_set(e, ERR_NOTFOUND, "no lead %s", lead_id);
        else
            store_db_fail(s->conn, e, "read lead");
        goto out;
    }
    fields_from_row(st, &cur);
    sqlite3_reset(st);
    char **dst[] = {&cur.badge_id, &cur.full_name, &cur.given_name, &cur.family_name,
                    &cur.company,  &cur.title,     &cur.address,    &cur.country};
    char *const src[] = {f->badge_id, f->full_name, f->given_name, f->family_name,
                         f->company,  f->title,     f->address,    f->country};
    for (int i = 0; i < 8; i++)
        if (src[i] && lead_set(dst[i], src[i]) < 0)
            goto oom;
    const struct strv *ls[] = {&f->emails, &f->phones, &f->urls};
    struct strv *ld[] = {&cur.emails, &cur.phones, &cur.urls};
    for (int i = 0; i < 3; i++) {
        if (!ls[i]->n)
            continue;
        strv_free(ld[i]);
        for (size_t j = 0; j < ls[i]->n; j++)
            if (strv_push_unique(ld[i], ls[i]->v[j]) < 0)
                goto oom;
    }
    if (!(st = store_db_stmt(s->conn, SQL_LEAD_FIELDS, e)))
        goto out;
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    if (bind_fields(st, 2, &cur, json) < 0)
        goto oom;
    if (store_db_step_done(s->conn, st, e, "update lead") < 0 || lead_changed(s, lead_id, e) < 0 ||
        commit(s, e) < 0)
        goto out;
    r = 0;
    goto out;
oom:
    err_set(e, ERR_INTERNAL, "update lead: out of memory");
out:
    if (r < 0)
        rollback(s);
    for (int i = 0; i < 3; i++)
        free(json[i]);
    lead_fields_free(&cur);
    return r;
}

/* Runs one upsert statement on a lead, then bumps and queues it. */
static int lead_write(struct store *s, const char *lead_id, sqlite3_stmt *st, const char *what,
                      struct err *e)
{
    if (store_db_step_done(s->conn, st, e, what) < 0 || lead_changed(s, lead_id, e) < 0 ||
        commit(s, e) < 0) {
        rollback(s);
        return -1;
    }
    return 0;
}

int store_note_set(struct store *s, const char *lead_id, const char *op, const char *note,
                   int rating, const struct strv *tags, struct err *e)
{
    if (!op || !*op)
        return err_set(e, ERR_INVALID, "note: operator is required");
    if (rating < 0 || rating > 5)
        return err_set(e, ERR_INVALID, "note: rating must be 1 to 5 (0 for none), got %d", rating);
    char *tj = tags ? strv_json(tags) : NULL;
    if (tags && !tj)
        return err_set(e, ERR_INTERNAL, "note: out of memory");
    struct clock_stamp now;
    clock_now(&now);
    int r = -1;
    if (begin(s, e) < 0)
        goto out;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_NOTE_UPSERT, e);
    if (!st) {
        rollback(s);
        goto out;
    }
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
    if (rating)
        sqlite3_bind_int(st, 4, rating);
    sqlite3_bind_text(st, 5, tj, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now.real_ms);
    r = lead_write(s, lead_id, st, "save note", e);
out:
    free(tj);
    return r;
}

int store_answer_set(struct store *s, const char *lead_id, const char *qid, const char *value_json,
                     struct err *e)
{
    cJSON *v = value_json ? cJSON_Parse(value_json) : NULL;
    if (!v)
        return err_set(e, ERR_INVALID, "answer to %s: not a JSON value", qid ? qid : "?");
    cJSON_Delete(v);
    struct clock_stamp now;
    clock_now(&now);
    if (begin(s, e) < 0)
        return -1;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_ANSWER_UPSERT, e);
    if (!st) {
        rollback(s);
        return -1;
    }
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, qid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now.real_ms);
    return lead_write(s, lead_id, st, "save answer", e);
}

int store_consent_set(struct store *s, const char *lead_id, const char *purpose, bool granted,
                      const char *text_version, const char *language, struct err *e)
{
    if (!purpose || !*purpose || !text_version || !*text_version)
        return err_set(e, ERR_INVALID, "consent: purpose and text version are required");
    struct clock_stamp now;
    clock_now(&now);
    if (begin(s, e) < 0)
        return -1;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_CONSENT_UPSERT, e);
    if (!st) {
        rollback(s);
        return -1;
    }
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, granted);
    sqlite3_bind_text(st, 4, text_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, language && *language ? language : "en", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now.real_ms);
    return lead_write(s, lead_id, st, "save consent", e);
}

static void add_time(cJSON *o, const char *name, int64_t ms)
{
    char iso[40], msname[64];
    clock_format_utc(ms, iso, sizeof iso);
    cJSON_AddStringToObject(o, name, iso);
    snprintf(msname, sizeof msname, "%s_ms", name);
    cJSON_AddNumberToObject(o, msname, (double)ms);
}

/* The lead row under st (LEAD_COLS) plus its children, as JSON. */
static cJSON *lead_json_from_row(struct store *s, sqlite3_stmt *row, bool with_raw, struct err *e)
{
    struct lead_fields f = {0};
    cJSON *o = cJSON_CreateObject();
    if (!o || fields_from_row(row, &f) < 0)
        goto oom;
    char id[UUID_STR_LEN];
    snprintf(id, sizeof id, "%s", col_text(row, 0));
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "show", col_text(row, 1));
    cJSON_AddStringToObject(o, "source", col_text(row, 2));
    add_time(o, "captured_at", sqlite3_column_int64(row, 16));
    cJSON_AddStringToObject(o, "boot_id", col_text(row, 17));
    cJSON_AddNumberToObject(o, "mono_ms", (double)sqlite3_column_int64(row, 18));
    cJSON_AddBoolToObject(o, "clock_trusted", sqlite3_column_int(row, 19));
    add_time(o, "last_seen_at", sqlite3_column_int64(row, 20));
    cJSON_AddNumberToObject(o, "scan_count", (double)sqlite3_column_int64(row, 21));
    cJSON_AddNumberToObject(o, "version", (double)sqlite3_column_int64(row, 22));
    add_time(o, "updated_at", sqlite3_column_int64(row, 23));
    if (lead_fields_to_json(&f, o) < 0)
        goto oom;
    lead_fields_free(&f);

    /* Children. The row statement is finished with: its columns were copied. */
    sqlite3_stmt *st;
    cJSON *answers = cJSON_AddObjectToObject(o, "answers");
    if (!(st = store_db_stmt(s->conn, SQL_ANSWERS_OF, e)))
        goto fail;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *v = cJSON_Parse(col_text(st, 1));
        cJSON_AddItemToObject(answers, col_text(st, 0), v ? v : cJSON_CreateNull());
    }
    cJSON *consents = cJSON_AddArrayToObject(o, "consents");
    if (!(st = store_db_stmt(s->conn, SQL_CONSENTS_OF, e)))
        goto fail;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "purpose", col_text(st, 0));
        cJSON_AddBoolToObject(c, "granted", sqlite3_column_int(st, 1));
        cJSON_AddStringToObject(c, "text_version", col_text(st, 2));
        cJSON_AddStringToObject(c, "language", col_text(st, 3));
        add_time(c, "given_at", sqlite3_column_int64(st, 4));
        cJSON_AddItemToArray(consents, c);
    }
    cJSON *notes = cJSON_AddArrayToObject(o, "notes");
    if (!(st = store_db_stmt(s->conn, SQL_NOTES_OF, e)))
        goto fail;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "operator", col_text(st, 0));
        cJSON_AddStringToObject(n, "note", col_text(st, 1));
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
            cJSON_AddNullToObject(n, "rating");
        else
            cJSON_AddNumberToObject(n, "rating", sqlite3_column_int(st, 2));
        cJSON *tags = cJSON_Parse(col_text(st, 3));
        cJSON_AddItemToObject(n, "tags", tags ? tags : cJSON_CreateArray());
        add_time(n, "updated_at", sqlite3_column_int64(st, 4));
        cJSON_AddItemToArray(notes, n);
    }
    if (with_raw) {
        cJSON *scans = cJSON_AddArrayToObject(o, "scans");
        if (!(st = store_db_stmt(s->conn, SQL_SCANS_OF, e)))
            goto fail;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *sc = cJSON_CreateObject();
            struct buf b64 = {0};
            cJSON_AddNumberToObject(sc, "id", (double)sqlite3_column_int64(st, 0));
            cJSON_AddStringToObject(sc, "source", col_text(st, 1));
            if (col_text(st, 2))
                cJSON_AddStringToObject(sc, "device", col_text(st, 2));
            if (col_text(st, 3))
                cJSON_AddStringToObject(sc, "symbology", col_text(st, 3));
            cJSON_AddStringToObject(sc, "format", col_text(st, 4));
            buf_add_base64(&b64, sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5));
            cJSON_AddStringToObject(sc, "payload_base64", b64.data ? b64.data : "");
            buf_free(&b64);
            add_time(sc, "scanned_at", sqlite3_column_int64(st, 6));
            cJSON_AddBoolToObject(sc, "clock_trusted", sqlite3_column_int(st, 7));
            cJSON_AddItemToArray(scans, sc);
        }
    }
    return o;
oom:
    err_set(e, ERR_INTERNAL, "lead as JSON: out of memory");
fail:
    lead_fields_free(&f);
    cJSON_Delete(o);
    return NULL;
}

int store_lead_json(struct store *s, const char *lead_id, bool with_raw, cJSON **out, struct err *e)
{
    *out = NULL;
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_LEAD_GET, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOTFOUND, "no lead %s", lead_id);
    if (rc != SQLITE_ROW)
        return store_db_fail(s->conn, e, "read lead");
    *out = lead_json_from_row(s, st, with_raw, e);
    sqlite3_reset(st);
    return *out ? 0 : -1;
}

static const char SQL_LEADS_EACH[] =
    "SELECT " LEAD_COLS " FROM leads WHERE (?1 IS NULL OR show_id = ?1) "
    "AND captured_ms >= ?2 AND captured_ms < ?3 ORDER BY captured_ms, id";

int store_leads_each(struct store *s, const char *show, int64_t since_ms, int64_t until_ms,
                     bool with_raw, store_lead_fn fn, void *ud, struct err *e)
{
    /* A statement of its own in the cache: the children's statements that
     * lead_json_from_row() steps meanwhile are others. */
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_LEADS_EACH, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, show, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, until_ms);
    int r = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *o = lead_json_from_row(s, st, with_raw, e);
        if (!o) {
            r = -1;
            break;
        }
        r = fn(o, ud);
        cJSON_Delete(o);
        if (r)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = store_db_fail(s->conn, e, "list leads");
    /* Reset even when fn stopped the walk: a statement left mid-way would
     * hold its read snapshot open. */
    sqlite3_reset(st);
    return r;
}

/* Only stamps of this boot can be corrected: the monotonic clock of an
 * earlier boot has no known relation to today's wall clock.
 * ?1 now (real ms), ?2 now (boot ms), ?3 this boot's id. */
static const char SQL_CLOCK_LEADS[] =
    "SELECT id FROM leads WHERE (clock_trusted = 0 AND boot_id = ?1) "
    "OR (last_trusted = 0 AND last_boot_id = ?1)";
static const char SQL_CLOCK_CAPTURED[] =
    "UPDATE leads SET captured_ms = ?1 - (?2 - mono_ms), clock_trusted = 1 "
    "WHERE clock_trusted = 0 AND boot_id = ?3";
static const char SQL_CLOCK_LAST_SEEN[] =
    "UPDATE leads SET last_seen_ms = ?1 - (?2 - last_mono_ms), last_trusted = 1 "
    "WHERE last_trusted = 0 AND last_boot_id = ?3";
static const char SQL_CLOCK_SCANS[] =
    "UPDATE scans SET scanned_ms = ?1 - (?2 - mono_ms), clock_trusted = 1 "
    "WHERE clock_trusted = 0 AND boot_id = ?3";

int store_correct_clock(struct store *s, const struct clock_stamp *now, struct err *e)
{
    /* The last-seen fix changes no capture time: it is not counted. */
    static const char *const fix[] = {SQL_CLOCK_CAPTURED, SQL_CLOCK_LAST_SEEN, SQL_CLOCK_SCANS};
    struct strv ids = {0};
    int total = 0;
    if (begin(s, e) < 0)
        return -1;
    /* The leads whose capture time changes go out again to the sinks. */
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_CLOCK_LEADS, e);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, now->boot_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        strv_push(&ids, col_text(st, 0));
    sqlite3_reset(st);
    for (int i = 0; i < 3; i++) {
        if (!(st = store_db_stmt(s->conn, fix[i], e)))
            goto fail;
        sqlite3_bind_int64(st, 1, now->real_ms);
        sqlite3_bind_int64(st, 2, now->mono_ms);
        sqlite3_bind_text(st, 3, now->boot_id, -1, SQLITE_STATIC);
        if (store_db_step_done(s->conn, st, e, "correct capture times") < 0)
            goto fail;
        if (i != 1)
            total += sqlite3_changes(s->db);
    }
    for (size_t i = 0; i < ids.n; i++)
        if (lead_changed(s, ids.v[i], e) < 0)
            goto fail;
    if (commit(s, e) < 0)
        goto fail;
    strv_free(&ids);
    return total;
fail:
    rollback(s);
    strv_free(&ids);
    return -1;
}

int store_check(struct store *s, struct strv *problems, struct err *e)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s->conn, e, "integrity check");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = col_text(st, 0);
        if (t && strcmp(t, "ok") != 0) {
            strv_push(problems, t);
            found = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_db_fail(s->conn, e, "integrity check");
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s->conn, e, "foreign key check");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char line[256];
        snprintf(line, sizeof line, "foreign key: row %lld of %s points to a missing %s",
                 (long long)sqlite3_column_int64(st, 1), col_text(st, 0), col_text(st, 2));
        strv_push(problems, line);
        found = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_db_fail(s->conn, e, "foreign key check");
    return found;
}

static const char SQL_STATS_SHOWS[] = "SELECT count(*) FROM shows";
static const char SQL_STATS_LEADS[] = "SELECT count(*) FROM leads";
static const char SQL_STATS_SCANS[] = "SELECT count(*) FROM scans";
static const char SQL_STATS_UNKNOWN[] = "SELECT count(*) FROM scans WHERE lead_id IS NULL";
static const char SQL_STATS_UNTRUSTED[] = "SELECT count(*) FROM leads WHERE clock_trusted = 0";
static const char SQL_STATS_NOTES[] = "SELECT count(*) FROM notes";
static const char SQL_STATS_ANSWERS[] = "SELECT count(*) FROM answers";
static const char SQL_STATS_CONSENTS[] = "SELECT count(*) FROM consents";
static const char SQL_STATS_PENDING[] = "SELECT count(*) FROM outbox WHERE state = 'pending'";
static const char SQL_STATS_SENT[] = "SELECT count(*) FROM outbox WHERE state = 'sent'";
static const char SQL_STATS_REJECTED[] = "SELECT count(*) FROM outbox WHERE state = 'rejected'";
static const char SQL_STATS_VERSION[] = "PRAGMA user_version";
static const char SQL_STATS_PER_SHOW[] =
    "SELECT shows.id, count(leads.id) FROM shows LEFT JOIN leads ON "
    "leads.show_id = shows.id GROUP BY shows.id ORDER BY shows.id";

/* The one number sql returns. */
static int count(struct store *s, const char *sql, int64_t *out, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(s->conn, sql, e);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc != SQLITE_ROW)
        store_db_fail(s->conn, e, "stats");
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int store_stats(struct store *s, cJSON **out, struct err *e)
{
    static const struct {
        const char *name, *sql;
    } counts[] = {
        {"shows", SQL_STATS_SHOWS},
        {"leads", SQL_STATS_LEADS},
        {"scans", SQL_STATS_SCANS},
        {"unknown_scans", SQL_STATS_UNKNOWN},
        {"untrusted_times", SQL_STATS_UNTRUSTED},
        {"notes", SQL_STATS_NOTES},
        {"answers", SQL_STATS_ANSWERS},
        {"consents", SQL_STATS_CONSENTS},
        {"outbox_pending", SQL_STATS_PENDING},
        {"outbox_sent", SQL_STATS_SENT},
        {"outbox_rejected", SQL_STATS_REJECTED},
        {"schema_version", SQL_STATS_VERSION},
    };
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return err_set(e, ERR_INTERNAL, "stats: out of memory");
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        int64_t n;
        if (count(s, counts[i].sql, &n, e) < 0) {
            cJSON_Delete(o);
            return -1;
        }
        cJSON_AddNumberToObject(o, counts[i].name, (double)n);
    }
    cJSON *per_show = cJSON_AddObjectToObject(o, "leads_per_show");
    struct err ignored = {0};
    sqlite3_stmt *st = store_db_stmt(s->conn, SQL_STATS_PER_SHOW, &ignored);
    if (st) {
        while (sqlite3_step(st) == SQLITE_ROW)
            cJSON_AddNumberToObject(per_show, col_text(st, 0), sqlite3_column_int(st, 1));
        sqlite3_reset(st);
    }
    struct stat sb;
    cJSON_AddNumberToObject(o, "file_bytes", stat(s->path, &sb) == 0 ? (double)sb.st_size : 0);
    *out = o;
    return 0;
}
