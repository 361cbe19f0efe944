// SPDX-License-Identifier: Apache-2.0
/*
 * store_export — a read snapshot and the lead iterator of exports (see
 * store_export.h).
 *
 * Leads go out in lead-id order: ids are UUIDv7, made from the time of the
 * first capture, so this is capture order, and every child table has an
 * index that starts with lead_id. Each child table is then read once, in
 * its own index order, with no join and no sort, and merged with the leads
 * by id (children of leads outside the export are skipped). The strings of
 * one lead's children are copied into a bump allocator that is reset per
 * lead, so memory does not grow with the number of leads.
 */
#include "firmware/store/store_export.h"

#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

/* ?1 show (NULL: all), [?2, ?3) capture time. The unary pluses keep SQLite
 * on the id index instead of sorting. */
#define FILTER      "(?1 IS NULL OR +l.show_id = ?1) AND +l.captured_ms >= ?2 AND +l.captured_ms < ?3"
#define FILTER_JOIN "(?1 IS NULL OR l.show_id = ?1) AND l.captured_ms >= ?2 AND l.captured_ms < ?3"

/* Shows and imports are few: looked up in memory (lookups_load), not
 * joined per lead. */
static const char SQL_LEAD[] =
    "SELECT l.id, l.show_id, l.source, l.format, l.badge_id, l.full_name, l.given_name, "
    "l.family_name, l.company, l.title, l.address, l.country, l.emails, l.phones, l.urls, "
    "l.warnings, l.identity, l.boot_id, l.last_boot_id, "
    "l.captured_ms, l.mono_ms, l.clock_trusted, l.last_seen_ms, l.last_mono_ms, l.last_trusted, "
    "l.scan_count, l.version, l.updated_ms, l.import_id "
    "FROM leads l WHERE " FILTER " ORDER BY l.id";
#define LEAD_SQL_TEXTS  EX_SHOW_NAME   /* text columns 0 .. EX_LAST_BOOT_ID */
#define LEAD_SQL_INTS   EX_IMPORTED_MS /* int columns EX_CAPTURED_MS .. EX_UPDATED_MS */
#define LEAD_IMPORT_COL (LEAD_SQL_TEXTS + LEAD_SQL_INTS)

static const char SQL_COUNT[] = "SELECT count(*) FROM leads l WHERE " FILTER_JOIN;
static const char SQL_NSHOWS[] = "SELECT count(*) FROM shows";
static const char SQL_SHOWS[] = "SELECT id, name, timezone FROM shows";
static const char SQL_IMPORTS[] = "SELECT id, imported_ms, file FROM imports ORDER BY id";

enum { CH_ANSWERS, CH_CONSENTS, CH_NOTES, CH_SYNC, CH_SCANS, CH_COUNT };

/* Child rows by lead id, then by their own key. Column 0 is the lead id. */
static const char *const sql_child[CH_COUNT] = {
    [CH_ANSWERS] = "SELECT lead_id, question, value, answered_ms FROM answers "
                   "ORDER BY lead_id, question",
    [CH_CONSENTS] = "SELECT lead_id, purpose, text_version, language, granted, given_ms "
                    "FROM consents ORDER BY lead_id, purpose",
    [CH_NOTES] = "SELECT lead_id, operator, note, tags, rating, updated_ms FROM notes "
                 "ORDER BY lead_id, operator",
    /* Every outbox row, by sink and age: the newest per sink is the lead's
     * state there (gather_sync() keeps the last one of each sink). */
    [CH_SYNC] = "SELECT lead_id, sink, state FROM outbox ORDER BY lead_id, sink, id",
    [CH_SCANS] = "SELECT lead_id, source, device, symbology, format, boot_id, payload, "
                 "scanned_ms, mono_ms, clock_trusted FROM scans WHERE lead_id IS NOT NULL "
                 "ORDER BY lead_id, id",
};

/*
 * The distinct keys of the dynamic columns (enum store_export_key order):
 * exact (through the selected leads) when the store holds other shows or a
 * time range is given, else straight from the child table's index, which is
 * then the same set. No ORDER BY: it made SQLite sort every row before the
 * DISTINCT, five times slower than sorting the handful of keys here.
 */
static const char *const sql_keys[][2] = {
    {"SELECT DISTINCT a.question FROM leads l JOIN answers a ON a.lead_id = l.id "
     "WHERE " FILTER_JOIN,
     "SELECT DISTINCT question FROM answers"},
    {"SELECT DISTINCT c.purpose FROM leads l JOIN consents c ON c.lead_id = l.id "
     "WHERE " FILTER_JOIN,
     "SELECT DISTINCT purpose FROM consents"},
    {"SELECT DISTINCT n.operator FROM leads l JOIN notes n ON n.lead_id = l.id "
     "WHERE " FILTER_JOIN,
     "SELECT DISTINCT operator FROM notes"},
    {"SELECT DISTINCT o.sink FROM leads l JOIN outbox o ON o.lead_id = l.id "
     "WHERE " FILTER_JOIN,
     "SELECT DISTINCT sink FROM outbox"},
};

/* A bump allocator for the strings of one lead's child rows. */
struct arena_block {
    struct arena_block *next;
    size_t len, cap;
    char data[];
};
struct arena {
    struct arena_block *head;
};

static const char *arena_dup(struct arena *a, const void *p, size_t n)
{
    struct arena_block *b = a->head;
    if (!b || b->len + n + 1 > b->cap) {
        size_t cap = n + 1 > 16384 ? n + 1 : 16384;
        struct arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->len = 0;
        nb->cap = cap;
        a->head = b = nb;
    }
    char *r = b->data + b->len;
    if (n)
        memcpy(r, p, n);
    r[n] = 0;
    b->len += n + 1;
    return r;
}

/* Keeps one block for the next lead (all: none), frees the others. */
static void arena_reset(struct arena *a, bool all)
{
    struct arena_block *b = a->head;
    if (!b)
        return;
    struct arena_block *keep = all ? NULL : b;
    b = all ? b : b->next;
    while (b) {
        struct arena_block *n = b->next;
        free(b);
        b = n;
    }
    if (keep) {
        keep->next = NULL;
        keep->len = 0;
    }
    a->head = keep;
}

struct cursor {
    sqlite3_stmt *st; /* NULL: this kind of child is not read */
    int rc;           /* of the last step */
};

struct show_row {
    char *id, *name, *timezone;
};
struct import_row {
    int64_t id, ms;
    char *file;
};

struct store_export {
    const struct store_export_filter *f;
    sqlite3 *own;       /* the snapshot's own connection, or NULL */
    struct store_db *d; /* its statements (own, or the store's cache) */
    bool in_tx;
    int64_t nshows; /* rows of shows; -1 until needed */
    struct show_row *shows;
    size_t nshow_rows;
    struct import_row *imports; /* by id */
    size_t nimports;
    const struct show_row *last_show;
    sqlite3_stmt *lead;
    struct cursor ch[CH_COUNT];
    struct arena arena;
    struct buf arr[CH_COUNT]; /* arrays of child structs, for the current lead */
};

/* e from the snapshot connection's last error: "export: what: text". */
static int read_err(struct store_export *x, struct err *e, const char *what)
{
    return err_set(e, ERR_IO, "export: %s: %s", what, sqlite3_errmsg(store_db_handle(x->d)));
}

/* The cached statement for sql with the filter bound (when it has
 * parameters); NULL with e set. */
static sqlite3_stmt *stmt(struct store_export *x, const char *sql, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(x->d, sql, e);
    if (!st) {
        err_wrap(e, "export");
        return NULL;
    }
    if (sqlite3_bind_parameter_count(st) == 0)
        return st;
    if (x->f->show)
        sqlite3_bind_text(st, 1, x->f->show, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x->f->since_ms);
    sqlite3_bind_int64(st, 3, x->f->until_ms);
    return st;
}

static const char *ctext(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static int load_shows(struct store_export *x, struct err *e)
{
    sqlite3_stmt *st = stmt(x, SQL_SHOWS, e);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct show_row *n = realloc(x->shows, (x->nshow_rows + 1) * sizeof *n);
        if (!n)
            break;
        x->shows = n;
        struct show_row *sr = &x->shows[x->nshow_rows++];
        sr->id = strdup(ctext(st, 0));
        sr->name = strdup(ctext(st, 1) ? ctext(st, 1) : "");
        sr->timezone = strdup(ctext(st, 2) ? ctext(st, 2) : "UTC");
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        read_err(x, e, "read shows");
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return err_set(e, ERR_INTERNAL, "export: out of memory");
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t i = 0; i < x->nshow_rows; i++)
        if (!x->shows[i].id || !x->shows[i].name || !x->shows[i].timezone)
            return err_set(e, ERR_INTERNAL, "export: out of memory");
    return 0;
}

static int load_imports(struct store_export *x, struct err *e)
{
    sqlite3_stmt *st = stmt(x, SQL_IMPORTS, e);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct import_row *n = realloc(x->imports, (x->nimports + 1) * sizeof *n);
        if (!n)
            break;
        x->imports = n;
        struct import_row *ir = &x->imports[x->nimports++];
        ir->id = sqlite3_column_int64(st, 0);
        ir->ms = sqlite3_column_int64(st, 1);
        ir->file = strdup(ctext(st, 2) ? ctext(st, 2) : "");
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        read_err(x, e, "read imports");
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return err_set(e, ERR_INTERNAL, "export: out of memory");
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t i = 0; i < x->nimports; i++)
        if (!x->imports[i].file)
            return err_set(e, ERR_INTERNAL, "export: out of memory");
    return 0;
}

static const struct show_row *show_find(const struct store_export *x, const char *id)
{
    for (size_t i = 0; i < x->nshow_rows; i++)
        if (!strcmp(x->shows[i].id, id))
            return &x->shows[i];
    return NULL;
}

static const struct import_row *import_find(const struct store_export *x, int64_t id)
{
    size_t lo = 0, hi = x->nimports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->imports[mid].id == id)
            return &x->imports[mid];
        if (x->imports[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Opens the snapshot's connection: its own, read-only, on the store's file
 * (its snapshot is independent of the store's transactions, and it needs
 * no mutexes); a store with no file is read on its own connection. */
static int snapshot_connect(struct store_export *x, struct store *s, struct err *e)
{
    struct store_db *sd = store_conn(s);
    const char *file = sqlite3_db_filename(store_db_handle(sd), "main");
    if (file && *file &&
        sqlite3_open_v2(file, &x->own, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) ==
            SQLITE_OK) {
        sqlite3_busy_timeout(x->own, 5000);
        sqlite3_exec(x->own, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
        if (!(x->d = store_db_new(x->own)))
            return err_set(e, ERR_INTERNAL, "export: out of memory");
    } else {
        sqlite3_close(x->own);
        x->own = NULL;
        x->d = sd;
    }
    sqlite3 *h = store_db_handle(x->d);
    if (sqlite3_get_autocommit(h)) {
        if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            return read_err(x, e, "begin");
        x->in_tx = true;
    }
    return 0;
}

struct store_export *store_export_open(struct store *s, const struct store_export_filter *f,
                                       bool scans, struct err *e)
{
    struct store_export *x = calloc(1, sizeof *x);
    if (!x) {
        err_set(e, ERR_INTERNAL, "export: out of memory");
        return NULL;
    }
    x->f = f;
    x->nshows = -1;
    if (snapshot_connect(x, s, e) < 0 || load_shows(x, e) < 0 || load_imports(x, e) < 0 ||
        !(x->lead = stmt(x, SQL_LEAD, e)))
        goto fail;
    for (int k = 0; k < CH_COUNT; k++) {
        if (k == CH_SCANS && !scans)
            continue;
        if (!(x->ch[k].st = stmt(x, sql_child[k], e)))
            goto fail;
        x->ch[k].rc = sqlite3_step(x->ch[k].st);
    }
    return x;
fail:
    store_export_close(x);
    return NULL;
}

int store_export_count(struct store_export *x, int64_t *n, struct err *e)
{
    sqlite3_stmt *st = stmt(x, SQL_COUNT, e);
    *n = 0;
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        read_err(x, e, "count leads");
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_export_keys(struct store_export *x, enum store_export_key k, struct strv *out,
                      struct err *e)
{
    if (x->nshows < 0) {
        struct err ignored = {0};
        sqlite3_stmt *st = stmt(x, SQL_NSHOWS, &ignored);
        x->nshows = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (st)
            sqlite3_reset(st);
    }
    const struct store_export_filter *f = x->f;
    /* Is the whole of each child table the export's? */
    bool exact =
        f->since_ms != INT64_MIN || f->until_ms != INT64_MAX || (f->show && x->nshows != 1);
    sqlite3_stmt *st = stmt(x, sql_keys[k][exact ? 0 : 1], e);
    if (!st)
        return -1;
    struct strv found = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (strv_push(&found, ctext(st, 0)) < 0)
            break;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        read_err(x, e, "list columns");
    else if (rc == SQLITE_ROW)
        err_set(e, ERR_INTERNAL, "export: out of memory");
    sqlite3_reset(st);
    if (found.n)
        qsort(found.v, found.n, sizeof *found.v, cmp_str);
    for (size_t i = 0; i < found.n && rc == SQLITE_DONE; i++)
        if (strv_push(out, found.v[i]) < 0)
            rc = err_set(e, ERR_INTERNAL, "export: out of memory");
    strv_free(&found);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char *dup_col(struct arena *a, sqlite3_stmt *st, int i, bool *oom)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const void *p = sqlite3_column_text(st, i);
    const char *r = arena_dup(a, p, (size_t)sqlite3_column_bytes(st, i));
    if (!r)
        *oom = true;
    return r;
}

/* Appends the child row under cursor k to x->arr[k]; count is the number
 * of rows the current lead has so far (a newer outbox row of the same sink
 * replaces the older one instead). Returns false when out of memory. */
static bool gather_row(struct store_export *x, int k, size_t *count)
{
    sqlite3_stmt *st = x->ch[k].st;
    struct arena *a = &x->arena;
    struct buf *arr = &x->arr[k];
    bool oom = false;
    if (k == CH_ANSWERS) {
        struct store_export_answer r = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                        sqlite3_column_int64(st, 3)};
        oom |= buf_add(arr, &r, sizeof r) < 0;
    } else if (k == CH_CONSENTS) {
        struct store_export_consent r = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                         dup_col(a, st, 3, &oom), sqlite3_column_int(st, 4),
                                         sqlite3_column_int64(st, 5)};
        oom |= buf_add(arr, &r, sizeof r) < 0;
    } else if (k == CH_NOTES) {
        struct store_export_note r = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                      dup_col(a, st, 3, &oom), sqlite3_column_int(st, 4),
                                      sqlite3_column_int64(st, 5)};
        oom |= buf_add(arr, &r, sizeof r) < 0;
    } else if (k == CH_SYNC) {
        struct store_export_sync r = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom)};
        struct store_export_sync *prev =
            *count ? (struct store_export_sync *)(arr->data + arr->len) - 1 : NULL;
        if (prev && r.sink && prev->sink && !strcmp(prev->sink, r.sink)) {
            prev->state = r.state; /* a newer row of the same sink */
            (*count)--;
        } else {
            oom |= buf_add(arr, &r, sizeof r) < 0;
        }
    } else {
        size_t n = (size_t)sqlite3_column_bytes(st, 6);
        const void *p = sqlite3_column_blob(st, 6);
        struct store_export_scan r = {dup_col(a, st, 1, &oom),
                                      dup_col(a, st, 2, &oom),
                                      dup_col(a, st, 3, &oom),
                                      dup_col(a, st, 4, &oom),
                                      dup_col(a, st, 5, &oom),
                                      (const uint8_t *)arena_dup(a, p, n),
                                      n,
                                      sqlite3_column_int64(st, 7),
                                      sqlite3_column_int64(st, 8),
                                      sqlite3_column_int(st, 9)};
        oom |= !r.payload || buf_add(arr, &r, sizeof r) < 0;
    }
    if (!oom)
        (*count)++;
    return !oom;
}

/* Gathers the children of lead id from cursor k into x->arr[k], skipping
 * children of leads before it (leads outside the export). */
static int gather(struct store_export *x, int k, const char *id, size_t *count, struct err *e)
{
    struct cursor *c = &x->ch[k];
    buf_reset(&x->arr[k]);
    *count = 0;
    while (c->rc == SQLITE_ROW) {
        int cmp = strcmp(ctext(c->st, 0), id);
        if (cmp > 0)
            break;
        if (cmp == 0 && !gather_row(x, k, count))
            return err_set(e, ERR_INTERNAL, "export: out of memory");
        c->rc = sqlite3_step(c->st);
    }
    if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE)
        return read_err(x, e, "read");
    return 0;
}

/* The lead row under x->lead into l, with its show and import. */
static void lead_row(struct store_export *x, struct store_export_lead *l)
{
    sqlite3_stmt *st = x->lead;
    memset(l, 0, sizeof *l);
    for (int i = 0; i < LEAD_SQL_TEXTS; i++) {
        l->text[i] = ctext(st, i);
        l->len[i] = (size_t)sqlite3_column_bytes(st, i);
    }
    for (int i = 0; i < LEAD_SQL_INTS; i++)
        l->num[i] = sqlite3_column_int64(st, LEAD_SQL_TEXTS + i);
    if (!x->last_show || strcmp(x->last_show->id, l->text[EX_SHOW]) != 0)
        x->last_show = show_find(x, l->text[EX_SHOW]);
    if (x->last_show) {
        l->text[EX_SHOW_NAME] = x->last_show->name;
        l->len[EX_SHOW_NAME] = strlen(x->last_show->name);
        l->text[EX_SHOW_TIMEZONE] = x->last_show->timezone;
        l->len[EX_SHOW_TIMEZONE] = strlen(x->last_show->timezone);
    }
    if (sqlite3_column_type(st, LEAD_IMPORT_COL) != SQLITE_NULL) {
        const struct import_row *ir = import_find(x, sqlite3_column_int64(st, LEAD_IMPORT_COL));
        if (ir) {
            l->text[EX_IMPORT_FILE] = ir->file;
            l->len[EX_IMPORT_FILE] = strlen(ir->file);
            l->num[EX_IMPORTED_MS] = ir->ms;
        }
    }
}

int store_export_next(struct store_export *x, struct store_export_lead *l, struct err *e)
{
    int rc = sqlite3_step(x->lead);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return read_err(x, e, "read leads");
    lead_row(x, l);
    arena_reset(&x->arena, false);
    size_t n[CH_COUNT] = {0};
    for (int k = 0; k < CH_COUNT; k++)
        if (x->ch[k].st && gather(x, k, l->text[EX_ID], &n[k], e) < 0)
            return -1;
    l->answers = (const void *)x->arr[CH_ANSWERS].data, l->nanswers = n[CH_ANSWERS];
    l->consents = (const void *)x->arr[CH_CONSENTS].data, l->nconsents = n[CH_CONSENTS];
    l->notes = (const void *)x->arr[CH_NOTES].data, l->nnotes = n[CH_NOTES];
    l->sync = (const void *)x->arr[CH_SYNC].data, l->nsync = n[CH_SYNC];
    l->scans = (const void *)x->arr[CH_SCANS].data, l->nscans = n[CH_SCANS];
    return 1;
}

void store_export_close(struct store_export *x)
{
    if (!x)
        return;
    /* The statements stay cached on the connection: reset them, so none
     * holds the read open, before the transaction ends. */
    if (x->lead)
        sqlite3_reset(x->lead);
    for (int k = 0; k < CH_COUNT; k++) {
        if (x->ch[k].st)
            sqlite3_reset(x->ch[k].st);
        buf_free(&x->arr[k]);
    }
    if (x->in_tx)
        sqlite3_exec(store_db_handle(x->d), "COMMIT", NULL, NULL, NULL);
    if (x->own) {
        store_db_free(x->d);
        sqlite3_close(x->own);
    }
    for (size_t i = 0; i < x->nshow_rows; i++) {
        free(x->shows[i].id);
        free(x->shows[i].name);
        free(x->shows[i].timezone);
    }
    free(x->shows);
    for (size_t i = 0; i < x->nimports; i++)
        free(x->imports[i].file);
    free(x->imports);
    arena_reset(&x->arena, true);
    free(x);
}
