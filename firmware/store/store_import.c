// SPDX-License-Identifier: Apache-2.0
/*
 * store_import — NDJSON leads back into the store (see store_import.h).
 * Statements prepared once per connection (store_db.h); one BEGIN
 * IMMEDIATE … COMMIT per batch through store_tx().
 */
#include "firmware/store/store_import.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/base/clock.h"
#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_db.h"
#include "firmware/store/store_outbox.h"

static const char SQL_RECORD[] = "INSERT INTO imports(file, imported_ms) VALUES (?1, ?2)";
static const char SQL_SHOW[] = "INSERT INTO shows(id, name, timezone, created_ms) VALUES (?1, ?2, "
                               "?3, ?4) ON CONFLICT(id) DO NOTHING";
static const char SQL_EXISTS[] = "SELECT 1 FROM leads WHERE id = ?1";
static const char SQL_IMPORTED[] = "SELECT import_id IS NOT NULL FROM leads WHERE id = ?1";
static const char SQL_IDENT[] = "SELECT 1 FROM leads WHERE show_id = ?1 AND identity = ?2";
static const char SQL_LEAD[] =
    "INSERT INTO leads(id, show_id, identity, source, format, badge_id, full_name, given_name, "
    "family_name, company, title, address, country, emails, phones, urls, warnings, captured_ms, "
    "boot_id, mono_ms, clock_trusted, last_seen_ms, last_boot_id, last_mono_ms, last_trusted, "
    "scan_count, version, updated_ms, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
    "?28, ?29)";
static const char SQL_ANSWER[] = "INSERT INTO answers(lead_id, question, value, answered_ms) "
                                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
static const char SQL_CONSENT[] = "INSERT INTO consents(lead_id, purpose, granted, text_version, "
                                  "language, given_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                  "ON CONFLICT DO NOTHING";
static const char SQL_NOTE[] = "INSERT INTO notes(lead_id, operator, note, rating, tags, "
                               "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
static const char SQL_SCAN[] =
    "INSERT INTO scans(show_id, lead_id, source, device, symbology, format, payload, scanned_ms, "
    "boot_id, mono_ms, clock_trusted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char SQL_COUNTS[] = "UPDATE imports SET leads_added = leads_added + ?2, "
                                 "leads_present = leads_present + ?3 WHERE id = ?1";

struct store_import {
    struct store *s;
    struct store_db *d;
    int64_t id;
    struct strv sinks;
    struct store_import_stats st;
};

/* e from the connection's last error, as "import: what: SQLite's text". */
static int db_err(struct store_import *im, struct err *e, const char *what)
{
    store_db_fail(im->d, e, what);
    return err_wrap(e, "import");
}

/* The cached statement for sql, reset and unbound; NULL with e set. */
static sqlite3_stmt *q(struct store_import *im, const char *sql, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(im->d, sql, e);
    if (!st)
        err_wrap(e, "import");
    return st;
}

struct store_import *store_import_begin(struct store *s, const char *file, const struct strv *sinks,
                                        struct err *e)
{
    struct store_import *im = calloc(1, sizeof *im);
    if (!im) {
        err_set(e, ERR_INTERNAL, "import: out of memory");
        return NULL;
    }
    im->s = s;
    im->d = store_conn(s);
    for (size_t i = 0; sinks && i < sinks->n; i++)
        if (strv_push(&im->sinks, sinks->v[i]) < 0) {
            err_set(e, ERR_INTERNAL, "import: out of memory");
            store_import_end(im);
            return NULL;
        }
    struct clock_stamp now;
    clock_now(&now);
    sqlite3_stmt *st = q(im, SQL_RECORD, e);
    if (!st) {
        store_import_end(im);
        return NULL;
    }
    sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now.real_ms);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_err(im, e, "record import");
        sqlite3_reset(st);
        store_import_end(im);
        return NULL;
    }
    sqlite3_reset(st);
    im->id = sqlite3_last_insert_rowid(store_db_handle(im->d));
    return im;
}

void store_import_end(struct store_import *im)
{
    if (!im)
        return;
    strv_free(&im->sinks);
    free(im);
}

struct store_import_stats store_import_stats(const struct store_import *im)
{
    return im->st;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jint(const cJSON *o, const char *k, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static int jbool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool string_array(const cJSON *a)
{
    if (!a)
        return true;
    if (!cJSON_IsArray(a))
        return false;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) if (!cJSON_IsString(it)) return false;
    return true;
}

int store_import_check(const cJSON *l, struct err *e)
{
    if (!cJSON_IsObject(l))
        return err_set(e, ERR_INVALID, "not a JSON object");
    const char *id = jstr(l, "id"), *show = jstr(l, "show");
    if (!id || !*id || strlen(id) > 64)
        return err_set(e, ERR_INVALID, "\"id\": expected the lead id (a string)");
    if (!show || !*show)
        return err_set(e, ERR_INVALID, "lead %s: \"show\": expected the show id", id);
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(l, "captured_at_ms")))
        return err_set(e, ERR_INVALID, "lead %s: \"captured_at_ms\": expected a number", id);
    static const char *const lists[] = {"emails", "phones", "urls", "warnings"};
    for (int i = 0; i < 4; i++)
        if (!string_array(cJSON_GetObjectItemCaseSensitive(l, lists[i])))
            return err_set(e, ERR_INVALID, "lead %s: \"%s\": expected an array of strings", id,
                           lists[i]);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "consents"))
    {
        const char *p = jstr(it, "purpose"), *v = jstr(it, "text_version");
        if (!p || !*p || !v || !*v)
            return err_set(e, ERR_INVALID,
                           "lead %s: consents: purpose and text_version are required", id);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "notes"))
    {
        const char *op = jstr(it, "operator");
        int64_t r = jint(it, "rating", 0);
        if (!op || !*op || r < 0 || r > 5)
            return err_set(e, ERR_INVALID,
                           "lead %s: notes: an operator and a rating from 1 to 5 are required", id);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "scans"))
    {
        const char *b64 = jstr(it, "payload_base64");
        struct buf raw = {0};
        int bad = !b64 || buf_add_unbase64(&raw, b64, strlen(b64)) < 0;
        buf_free(&raw);
        if (bad)
            return err_set(e, ERR_INVALID, "lead %s: scans: payload_base64 is not base64", id);
    }
    return 0;
}

/* Steps st once (no row expected, or ignored); -1 with e set. */
static int step(struct store_import *im, sqlite3_stmt *st, struct err *e, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        db_err(im, e, what);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* True if the select has a row; -1 on error. */
static int exists(struct store_import *im, sqlite3_stmt *st, struct err *e)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_err(im, e, "look up lead");
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* A JSON member as text for the store (NULL if absent). Caller frees. */
static char *json_text(const cJSON *o, const char *k, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return v ? cJSON_PrintUnformatted(v) : strdup(dflt);
}

/* Makes sure the lead's show exists (as the sending kiosk named it). */
static int import_show(struct store_import *im, const cJSON *l, int64_t now_ms, struct err *e)
{
    sqlite3_stmt *st = q(im, SQL_SHOW, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, jstr(l, "show"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, jstr(l, "show_name") ? jstr(l, "show_name") : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, jstr(l, "show_timezone") ? jstr(l, "show_timezone") : "UTC", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    return step(im, st, e, "save show");
}

/*
 * The identity to store the lead under (malloc'd into *out): the sending
 * kiosk's, rebuilt if the file has none, and "<identity>#<id>" when the
 * show already has the same visitor under another id.
 */
static int import_identity(struct store_import *im, const cJSON *l, char **out, struct err *e)
{
    const char *id = jstr(l, "id");
    char *identity = jstr(l, "identity") ? strdup(jstr(l, "identity")) : NULL;
    *out = NULL;
    if (!jstr(l, "identity")) {
        struct lead_fields f = {0};
        lead_fields_from_json(&f, l);
        identity = lead_identity(&f, (const uint8_t *)id, strlen(id));
        lead_fields_free(&f);
    }
    if (!identity)
        return err_set(e, ERR_INTERNAL, "import: out of memory");
    sqlite3_stmt *st = q(im, SQL_IDENT, e);
    int r = st ? 0 : -1;
    if (st) {
        sqlite3_bind_text(st, 1, jstr(l, "show"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, identity, -1, SQLITE_STATIC);
        r = exists(im, st, e);
    }
    if (r > 0) {
        char *apart = NULL;
        if (asprintf(&apart, "%s#%s", identity, id) < 0)
            apart = NULL;
        free(identity);
        identity = apart;
        if (!identity)
            return err_set(e, ERR_INTERNAL, "import: out of memory");
        im->st.apart++;
    }
    if (r < 0) {
        free(identity);
        return -1;
    }
    *out = identity;
    return 0;
}

/* Inserts the leads row of l under identity (inside the batch). */
static int import_lead_row(struct store_import *im, const cJSON *l, const char *identity,
                           struct err *e)
{
    static const char *const lnames[] = {"emails", "phones", "urls", "warnings"};
    static const char *const scal[] = {"format",     "badge_id",    "full_name",
                                       "given_name", "family_name", "company",
                                       "title",      "address",     "country"};
    char *lists[4] = {0};
    int ret = -1;
    for (int i = 0; i < 4; i++)
        if (!(lists[i] = json_text(l, lnames[i], "[]"))) {
            err_set(e, ERR_INTERNAL, "import: out of memory");
            goto out;
        }
    const char *src = jstr(l, "source");
    int64_t captured = jint(l, "captured_at_ms", 0);
    const char *boot = jstr(l, "boot_id") ? jstr(l, "boot_id") : "unknown";
    sqlite3_stmt *st = q(im, SQL_LEAD, e);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, jstr(l, "id"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, jstr(l, "show"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, src && lead_source_parse(src) >= 0 ? src : "import", -1,
                      SQLITE_STATIC);
    for (int i = 0; i < 9; i++)
        sqlite3_bind_text(st, 5 + i, jstr(l, scal[i]), -1, SQLITE_STATIC);
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, 14 + i, lists[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 18, captured);
    sqlite3_bind_text(st, 19, boot, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 20, jint(l, "mono_ms", 0));
    sqlite3_bind_int(st, 21, jbool(l, "clock_trusted"));
    sqlite3_bind_int64(st, 22, jint(l, "last_seen_at_ms", captured));
    sqlite3_bind_text(st, 23, jstr(l, "last_boot_id") ? jstr(l, "last_boot_id") : boot, -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 24, jint(l, "last_mono_ms", jint(l, "mono_ms", 0)));
    sqlite3_bind_int(st, 25,
                     cJSON_GetObjectItemCaseSensitive(l, "last_trusted")
                         ? jbool(l, "last_trusted")
                         : jbool(l, "clock_trusted"));
    sqlite3_bind_int64(st, 26, jint(l, "scan_count", 1));
    sqlite3_bind_int64(st, 27, jint(l, "version", 1));
    sqlite3_bind_int64(st, 28, jint(l, "updated_at_ms", captured));
    sqlite3_bind_int64(st, 29, im->id);
    ret = step(im, st, e, "save lead");
out:
    for (int i = 0; i < 4; i++)
        free(lists[i]);
    return ret;
}

/* Queues the new lead id at version for the import's sinks, as a capture
 * would (a new lead has no pending row: one new row per sink). */
static int import_queue(struct store_import *im, const char *id, int64_t version, int64_t now_ms,
                        struct err *e)
{
    if (store_outbox_queue(im->s, &im->sinks, id, version, now_ms, e) < 0)
        return err_wrap(e, "import");
    im->st.queued += (int64_t)im->sinks.n;
    return 0;
}

/* The answers and consents of l (times default to its capture time). */
static int import_answers(struct store_import *im, const cJSON *l, struct err *e)
{
    const char *id = jstr(l, "id");
    int64_t captured = jint(l, "captured_at_ms", 0);
    const cJSON *it, *times = cJSON_GetObjectItemCaseSensitive(l, "answered_at_ms");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "answers"))
    {
        char *v = cJSON_PrintUnformatted(it);
        if (!v)
            return err_set(e, ERR_INTERNAL, "import: out of memory");
        sqlite3_stmt *st = q(im, SQL_ANSWER, e);
        int rc = -1;
        if (st) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, it->string, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, v, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, jint(times, it->string, captured));
            rc = step(im, st, e, "save answer");
        }
        free(v);
        if (rc < 0)
            return -1;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "consents"))
    {
        sqlite3_stmt *st = q(im, SQL_CONSENT, e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, jstr(it, "purpose"), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, jbool(it, "granted"));
        sqlite3_bind_text(st, 4, jstr(it, "text_version"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, jstr(it, "language") ? jstr(it, "language") : "en", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, jint(it, "given_at_ms", captured));
        if (step(im, st, e, "save consent") < 0)
            return -1;
    }
    return 0;
}

/* The operators' notes of l. */
static int import_notes(struct store_import *im, const cJSON *l, struct err *e)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "notes"))
    {
        char *tags = json_text(it, "tags", "[]");
        if (!tags)
            return err_set(e, ERR_INTERNAL, "import: out of memory");
        sqlite3_stmt *st = q(im, SQL_NOTE, e);
        int rc = -1;
        if (st) {
            sqlite3_bind_text(st, 1, jstr(l, "id"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, jstr(it, "operator"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, jstr(it, "note") ? jstr(it, "note") : "", -1, SQLITE_STATIC);
            if (jint(it, "rating", 0) > 0)
                sqlite3_bind_int64(st, 4, jint(it, "rating", 0));
            sqlite3_bind_text(st, 5, tags, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 6, jint(it, "updated_at_ms", jint(l, "captured_at_ms", 0)));
            rc = step(im, st, e, "save note");
        }
        free(tags);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The raw scans of l, payloads decoded from base64 (checked before). */
static int import_scans(struct store_import *im, const cJSON *l, struct err *e)
{
    int64_t captured = jint(l, "captured_at_ms", 0);
    const char *boot = jstr(l, "boot_id") ? jstr(l, "boot_id") : "unknown";
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(l, "scans"))
    {
        struct buf raw = {0};
        const char *b64 = jstr(it, "payload_base64");
        buf_add_unbase64(&raw, b64, strlen(b64));
        sqlite3_stmt *st = q(im, SQL_SCAN, e);
        int rc = -1;
        if (st) {
            sqlite3_bind_text(st, 1, jstr(l, "show"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, jstr(l, "id"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, jstr(it, "source") ? jstr(it, "source") : "import", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(st, 4, jstr(it, "device"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, jstr(it, "symbology"), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, jstr(it, "format") ? jstr(it, "format") : "unknown", -1,
                              SQLITE_STATIC);
            sqlite3_bind_blob(st, 7, raw.len ? raw.data : "", (int)raw.len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 8, jint(it, "scanned_at_ms", captured));
            sqlite3_bind_text(st, 9, jstr(it, "boot_id") ? jstr(it, "boot_id") : boot, -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(st, 10, jint(it, "mono_ms", 0));
            sqlite3_bind_int(st, 11, jbool(it, "clock_trusted"));
            rc = step(im, st, e, "save scan");
        }
        buf_free(&raw);
        if (rc < 0)
            return -1;
        im->st.scans++;
    }
    return 0;
}

/* One checked lead, inside the batch's transaction: skipped whole when the
 * store has its id, else inserted with its children. */
static int import_one(struct store_import *im, const cJSON *l, struct err *e)
{
    const char *id = jstr(l, "id");
    sqlite3_stmt *st = q(im, SQL_EXISTS, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = exists(im, st, e);
    if (r != 0) {
        if (r > 0)
            im->st.present++;
        return r < 0 ? -1 : 0;
    }
    struct clock_stamp now;
    clock_now(&now);
    char *identity = NULL;
    if (import_show(im, l, now.real_ms, e) < 0 || import_identity(im, l, &identity, e) < 0)
        return -1;
    r = import_lead_row(im, l, identity, e);
    free(identity);
    if (r < 0)
        return -1;
    im->st.added++;
    if (import_queue(im, id, jint(l, "version", 1), now.real_ms, e) < 0 ||
        import_answers(im, l, e) < 0 || import_notes(im, l, e) < 0 || import_scans(im, l, e) < 0)
        return -1;
    return 0;
}

struct batch {
    struct store_import *im;
    cJSON *const *leads;
    size_t n;
    struct err *e;
};

static int batch_tx(struct store *s, void *ud)
{
    struct batch *b = ud;
    struct store_import *im = b->im;
    int64_t added = im->st.added, present = im->st.present;
    for (size_t i = 0; i < b->n; i++)
        if (import_one(im, b->leads[i], b->e) < 0)
            return -1;
    sqlite3_stmt *st = q(im, SQL_COUNTS, b->e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, im->id);
    sqlite3_bind_int64(st, 2, im->st.added - added);
    sqlite3_bind_int64(st, 3, im->st.present - present);
    return step(im, st, b->e, "count import");
}

int store_import_batch(struct store_import *im, cJSON *const *leads, size_t n, struct err *e)
{
    struct store_import_stats before = im->st;
    struct batch b = {im, leads, n, e};
    if (store_tx(im->s, batch_tx, &b, e) < 0) {
        im->st = before; /* rolled back */
        return -1;
    }
    return 0;
}

int store_import_lead(struct store *s, const char *lead_id, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_IMPORTED, e);
    if (!st)
        return err_wrap(e, "lead %s", lead_id);
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), imported = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    if (rc == SQLITE_DONE)
        err_set(e, ERR_NOTFOUND, "no lead %s", lead_id);
    else if (rc != SQLITE_ROW)
        store_db_fail(d, e, "read lead");
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? imported : -1;
}
