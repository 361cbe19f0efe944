// SPDX-License-Identifier: Apache-2.0
/*
 * store_handout — printed slips and follow-up e-mails per lead (see
 * store_handout.h).
 */
#include "firmware/store/store_handout.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char *const kind_names[] = {"print", "mail"};
static const char *const state_names[] = {"trying", "done", "failed"};

#define COLUMNS "id, lead_id, kind, channel, ref, lead_version, state, reason, created_ms, done_ms "

static const char SQL_ADD[] =
    "INSERT INTO handouts(lead_id, kind, channel, ref, lead_version, state, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, 'trying', ?6)";
static const char SQL_END[] = "UPDATE handouts SET state = ?2, reason = ?3, done_ms = ?4 "
                              "WHERE id = ?1 AND state = 'trying'";
static const char SQL_LAST[] = "SELECT " COLUMNS "FROM handouts WHERE lead_id = ?1 AND kind = ?2 "
                               "AND (?3 IS NULL OR channel = ?3) ORDER BY id DESC LIMIT 1";
static const char SQL_COUNT[] = "SELECT count(*) FROM handouts WHERE lead_id = ?1 AND kind = ?2 "
                                "AND state <> 'failed'";
static const char SQL_LIST_LEAD[] =
    "SELECT " COLUMNS "FROM handouts WHERE lead_id = ?1 ORDER BY id LIMIT ?2";
static const char SQL_LIST_ALL[] = "SELECT " COLUMNS "FROM handouts ORDER BY id DESC LIMIT ?2";

int store_handout_add(struct store *s, const char *lead_id, enum store_handout_kind kind,
                      const char *channel, const char *ref, int64_t lead_version, int64_t now_ms,
                      int64_t *id, struct err *e)
{
    struct store_db *d = store_conn(s);
    if (!lead_id || !channel || strlen(channel) >= STORE_HANDOUT_CHANNEL_MAX ||
        (ref && strlen(ref) >= STORE_HANDOUT_REF_MAX))
        return err_set(e, ERR_INVALID, "handout: a lead, a channel and a reference within limits");
    sqlite3_stmt *st = store_db_stmt(d, SQL_ADD, e);
    if (!st)
        return err_wrap(e, "handout");
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ref ? ref : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, lead_version);
    sqlite3_bind_int64(st, 6, now_ms);
    if (store_db_step_done(d, st, e, "record handout") < 0)
        return err_wrap(e, "lead %s", lead_id);
    if (id)
        *id = sqlite3_last_insert_rowid(store_db_handle(d));
    return 0;
}

int store_handout_end(struct store *s, int64_t id, bool done, const char *reason, int64_t now_ms,
                      struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_END, e);
    if (!st)
        return err_wrap(e, "handout");
    char why[STORE_HANDOUT_REASON_MAX];
    snprintf(why, sizeof why, "%s", reason ? reason : "");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, state_names[done ? STORE_HANDOUT_DONE : STORE_HANDOUT_FAILED], -1,
                      SQLITE_STATIC);
    if (!done && why[0])
        sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    if (store_db_step_done(d, st, e, "end handout") < 0)
        return -1;
    return sqlite3_changes(store_db_handle(d)) > 0;
}

static int index_of(const char *const *names, int n, const unsigned char *v)
{
    for (int i = 0; v && i < n; i++)
        if (!strcmp(names[i], (const char *)v))
            return i;
    return 0;
}

/* Copies the row st is on (COLUMNS) into h. */
static void row_read(sqlite3_stmt *st, struct store_handout *h)
{
    const unsigned char *ch = sqlite3_column_text(st, 3), *ref = sqlite3_column_text(st, 4),
                        *why = sqlite3_column_text(st, 7);
    memset(h, 0, sizeof *h);
    h->id = sqlite3_column_int64(st, 0);
    h->kind = (enum store_handout_kind)index_of(kind_names, 2, sqlite3_column_text(st, 2));
    snprintf(h->channel, sizeof h->channel, "%s", ch ? (const char *)ch : "");
    snprintf(h->ref, sizeof h->ref, "%s", ref ? (const char *)ref : "");
    h->lead_version = sqlite3_column_int64(st, 5);
    h->state = (enum store_handout_state)index_of(state_names, 3, sqlite3_column_text(st, 6));
    snprintf(h->reason, sizeof h->reason, "%s", why ? (const char *)why : "");
    h->created_ms = sqlite3_column_int64(st, 8);
    h->done_ms = sqlite3_column_int64(st, 9);
}

int store_handout_last(struct store *s, const char *lead_id, enum store_handout_kind kind,
                       const char *channel, struct store_handout *out, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_LAST, e);
    if (!st)
        return err_wrap(e, "handout");
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
    if (channel)
        sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_read(st, out);
    else if (rc != SQLITE_DONE)
        store_db_fail(d, e, "read handout");
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int64_t store_handout_count(struct store *s, const char *lead_id, enum store_handout_kind kind,
                            struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_COUNT, e);
    if (!st)
        return err_wrap(e, "handout");
    sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else
        store_db_fail(d, e, "count handouts");
    sqlite3_reset(st);
    return n;
}

int store_handout_list(struct store *s, const char *lead_id, int max, cJSON **out, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, lead_id ? SQL_LIST_LEAD : SQL_LIST_ALL, e);
    if (!st)
        return err_wrap(e, "handouts");
    if (lead_id)
        sqlite3_bind_text(st, 1, lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, max);
    cJSON *a = cJSON_CreateArray();
    int rc;
    while (a && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_handout h;
        row_read(st, &h);
        const unsigned char *lead = sqlite3_column_text(st, 1);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)h.id);
        cJSON_AddStringToObject(o, "lead", lead ? (const char *)lead : "");
        cJSON_AddStringToObject(o, "kind", kind_names[h.kind]);
        cJSON_AddStringToObject(o, "channel", h.channel);
        cJSON_AddStringToObject(o, "ref", h.ref);
        cJSON_AddNumberToObject(o, "version", (double)h.lead_version);
        cJSON_AddStringToObject(o, "state", state_names[h.state]);
        cJSON_AddStringToObject(o, "reason", h.reason);
        cJSON_AddNumberToObject(o, "created_at_ms", (double)h.created_ms);
        if (h.done_ms)
            cJSON_AddNumberToObject(o, "done_at_ms", (double)h.done_ms);
        else
            cJSON_AddNullToObject(o, "done_at_ms");
        cJSON_AddItemToArray(a, o);
    }
    if (!a || rc != SQLITE_DONE) {
        if (a)
            store_db_fail(d, e, "list handouts");
        else
            err_set(e, ERR_INTERNAL, "out of memory");
        sqlite3_reset(st);
        cJSON_Delete(a);
        return -1;
    }
    sqlite3_reset(st);
    *out = a;
    return 0;
}
