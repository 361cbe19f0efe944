// SPDX-License-Identifier: Apache-2.0
/*
 * export — reading a show's leads for the format modules, the table of
 * formats, the columns of the tabular formats, and atomic files.
 *
 * Speed: one statement walks the leads in lead-id order (UUIDv7: the order
 * of first capture); each kind of child row (answers, consents, notes, sync
 * state, scans) comes from one more statement, read in its own lead_id index
 * order, and the cursors are merged by lead id: no query per lead, no join,
 * no sort. Every statement runs on a read-only connection of our own inside
 * one read transaction, so they all see one snapshot even while the daemon
 * keeps capturing (WAL).
 */
#include "firmware/export/export.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "firmware/export/export_format.h"
#include "firmware/store/store.h"

/* Every format, in the order UIs list them. */
static const struct export_format *const formats[] = {
    &export_csv_format,
    &export_xlsx_format,
    &export_vcf_format,
    &export_ndjson_format,
};
#define NFORMATS ((int)(sizeof formats / sizeof formats[0]))

const struct export_format *export_format_find(const char *id)
{
    for (int i = 0; id && i < NFORMATS; i++)
        if (!strcmp(formats[i]->id, id))
            return formats[i];
    return NULL;
}

const char *export_format_id(int i)
{
    return i >= 0 && i < NFORMATS ? formats[i]->id : NULL;
}

const char *export_format_ext(const struct export_format *f)
{
    return f->ext;
}

const char *export_format_mime(const struct export_format *f)
{
    return f->mime;
}

const char *export_format_list(void)
{
    static char list[64];
    if (!list[0])
        for (int i = 0; i < NFORMATS; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "",
                     formats[i]->id);
    return list;
}

/* ---- output ------------------------------------------------------------ */

int export_out_flush(struct export_out *o)
{
    size_t off = 0;
    while (off < o->len && !o->error) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->error = n < 0 ? errno : EIO;
            break;
        }
        off += (size_t)n;
        o->written += (uint64_t)n;
    }
    o->len = 0;
    return o->error ? -1 : 0;
}

int export_out_write_slow(struct export_out *o, const void *p, size_t n)
{
    if (o->error)
        return -1;
    if (o->len + n > o->cap) {
        if (export_out_flush(o) < 0)
            return -1;
        if (n > o->cap) {
            o->len = n; /* write big pieces straight through */
            char *save = o->buf;
            o->buf = (char *)p;
            int r = export_out_flush(o);
            o->buf = save;
            return r;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}

int export_out_puts(struct export_out *o, const char *s)
{
    return export_out_write(o, s, strlen(s));
}

/* ---- text helpers ------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if ((c & 0xe0) == 0xc0)
        len = 2, min = 0x80, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        len = 3, min = 0x800, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool export_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_seq(p + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

int export_utf8_clean(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    while (i < n) {
        size_t l = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
        if (l) {
            i += l;
            continue;
        }
        if (buf_add(b, s + start, i - start) < 0 || buf_add(b, "\xef\xbf\xbd", 3) < 0)
            return -1;
        start = ++i;
    }
    return buf_add(b, s + start, n - start);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    return buf_add(b, u, n);
}

/*
 * The store keeps emails, phones, urls and tags as JSON arrays of strings; a
 * small decoder of exactly that is much cheaper per lead than a JSON tree.
 */
int export_json_strings(const char *json, int (*fn)(const char *s, void *ud), void *ud)
{
    if (!json)
        return -1;
    const char *p = json;
    while (*p == ' ')
        p++;
    if (*p++ != '[')
        return -1;
    char small[512];
    struct buf b = {0};
    int r = -1;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (*p == ']') {
            r = 0;
            break;
        }
        if (*p != '"')
            break;
        p++;
        /* The common case: no escapes, short — no copy into b needed. */
        const char *q = p;
        while (*q && *q != '"' && *q != '\\')
            q++;
        const char *item;
        if (*q == '"' && (size_t)(q - p) < sizeof small) {
            memcpy(small, p, (size_t)(q - p));
            small[q - p] = 0;
            item = small;
            p = q + 1;
        } else {
            buf_reset(&b);
            for (; *p && *p != '"'; p++) {
                const char *run = p;
                while (*p && *p != '"' && *p != '\\')
                    p++;
                buf_add(&b, run, (size_t)(p - run));
                if (*p != '\\')
                    break;
                p++;
                char c = *p;
                if (c == 'u') {
                    uint32_t cp = 0;
                    for (int k = 1; k <= 4; k++) {
                        int h = hexval(p[k]);
                        if (h < 0)
                            goto done;
                        cp = cp << 4 | (uint32_t)h;
                    }
                    p += 4;
                    if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u') {
                        uint32_t lo = 0;
                        for (int k = 3; k <= 6; k++) {
                            int h = hexval(p[k]);
                            if (h < 0)
                                goto done;
                            lo = lo << 4 | (uint32_t)h;
                        }
                        if (lo >= 0xdc00 && lo < 0xe000) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            p += 6;
                        }
                    }
                    put_utf8(&b, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
                } else if (c) {
                    buf_addc(&b, c == 'n'   ? '\n'
                                 : c == 't' ? '\t'
                                 : c == 'r' ? '\r'
                                 : c == 'b' ? '\b'
                                 : c == 'f' ? '\f'
                                            : c);
                } else {
                    goto done;
                }
            }
            if (*p != '"')
                break;
            p++;
            item = b.data ? b.data : "";
        }
        int fr = fn(item, ud);
        if (fr) {
            r = fr;
            break;
        }
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (*p == ',')
            p++;
        else if (*p != ']')
            break;
    }
done:
    buf_free(&b);
    return r;
}

/* ---- time -------------------------------------------------------------- */

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void export_format_time(int64_t ms, char *out)
{
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
    int64_t rem = sec - days * 86400;
    int y, m, d;
    civil(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = 0;
    int hh = (int)(rem / 3600), mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
    /* Hand-rolled: this runs four times per lead in a 100,000-lead CSV. */
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
    out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
    out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = ' ';
    out[11] = (char)('0' + hh / 10), out[12] = (char)('0' + hh % 10), out[13] = ':';
    out[14] = (char)('0' + mm / 10), out[15] = (char)('0' + mm % 10), out[16] = ':';
    out[17] = (char)('0' + ss / 10), out[18] = (char)('0' + ss % 10), out[19] = 0;
}

int64_t export_tz_offset(struct export_ctx *x, int64_t ms)
{
    /* Zone offsets change on whole minutes; leads come in capture order, so a
     * one-minute cache saves nearly every localtime_r call. */
    int64_t bucket = ms >= 0 ? ms / 60000 : (ms - 59999) / 60000;
    if (bucket == x->tz_bucket)
        return x->tz_offset_ms;
    time_t t = (time_t)(bucket * 60);
    struct tm tm;
    x->tz_offset_ms = localtime_r(&t, &tm) ? (int64_t)tm.tm_gmtoff * 1000 : 0;
    x->tz_bucket = bucket;
    return x->tz_offset_ms;
}

/* Sets TZ for the export (see export.h), remembering the old value. */
static int tz_enter(const char *zone, char **saved, bool *had, struct err *e)
{
    *saved = NULL;
    *had = false;
    if (!zone || !*zone)
        zone = "UTC";
    if (strstr(zone, "..") || zone[0] == '/' || strlen(zone) > 200)
        return err_set(e, ERR_INVALID, "time zone '%s': not an IANA zone name", zone);
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0)
        return err_set(e, ERR_INVALID, "time zone '%s': not in the time zone database (%s)", zone,
                       path);
    const char *old = getenv("TZ");
    if (old) {
        *had = true;
        if (!(*saved = strdup(old)))
            return err_set(e, ERR_INTERNAL, "time zone: out of memory");
    }
    setenv("TZ", zone, 1);
    tzset();
    return 0;
}

static void tz_leave(char *saved, bool had)
{
    if (had)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* ---- reading ----------------------------------------------------------- */

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

/* Keeps one block for the next lead, frees the others. */
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

/*
 * Leads go out in lead-id order: ids are UUIDv7, made from the time of the
 * first capture, so this is capture order, and every child table has an
 * index that starts with lead_id. Each child table is then read once, in
 * its own index order, with no join and no sort, and merged with the leads
 * by id (children of leads outside the export are skipped). The unary
 * pluses keep SQLite on the id index instead of sorting.
 * ?1 show (NULL: all), [?2, ?3) capture time.
 */
#define FILTER "(?1 IS NULL OR +l.show_id = ?1) AND +l.captured_ms >= ?2 AND +l.captured_ms < ?3"

/* Shows and imports are few: looked up in memory (see lookups_load), not
 * joined per lead. */
static const char sql_lead[] =
    "SELECT l.id, l.show_id, l.source, l.format, l.badge_id, l.full_name, l.given_name, "
    "l.family_name, l.company, l.title, l.address, l.country, l.emails, l.phones, l.urls, "
    "l.warnings, l.identity, l.boot_id, l.last_boot_id, "
    "l.captured_ms, l.mono_ms, l.clock_trusted, l.last_seen_ms, l.last_mono_ms, l.last_trusted, "
    "l.scan_count, l.version, l.updated_ms, l.import_id "
    "FROM leads l WHERE " FILTER " ORDER BY l.id";
#define LEAD_SQL_TEXTS  EX_SHOW_NAME   /* text columns 0 .. EX_LAST_BOOT_ID */
#define LEAD_SQL_INTS   EX_IMPORTED_MS /* int columns EX_CAPTURED_MS .. EX_UPDATED_MS */
#define LEAD_IMPORT_COL (LEAD_SQL_TEXTS + LEAD_SQL_INTS)

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
     * state there (gather() keeps the last one of each sink). */
    [CH_SYNC] = "SELECT lead_id, sink, state FROM outbox ORDER BY lead_id, sink, id",
    [CH_SCANS] = "SELECT lead_id, source, device, symbology, format, boot_id, payload, "
                 "scanned_ms, mono_ms, clock_trusted FROM scans WHERE lead_id IS NOT NULL "
                 "ORDER BY lead_id, id",
};

/*
 * The distinct keys of the dynamic columns: exact (through the leads of the
 * export) when the store holds other shows or a time range is given, else
 * straight from the child table's index, which is then the same set.
 */
static const char *const sql_keys[][2] = {
    {"SELECT DISTINCT a.question FROM leads l JOIN answers a ON a.lead_id = l.id WHERE "
     "(?1 IS NULL OR l.show_id = ?1) AND l.captured_ms >= ?2 AND l.captured_ms < ?3",
     "SELECT DISTINCT question FROM answers"},
    {"SELECT DISTINCT c.purpose FROM leads l JOIN consents c ON c.lead_id = l.id WHERE "
     "(?1 IS NULL OR l.show_id = ?1) AND l.captured_ms >= ?2 AND l.captured_ms < ?3",
     "SELECT DISTINCT purpose FROM consents"},
    {"SELECT DISTINCT n.operator FROM leads l JOIN notes n ON n.lead_id = l.id WHERE "
     "(?1 IS NULL OR l.show_id = ?1) AND l.captured_ms >= ?2 AND l.captured_ms < ?3",
     "SELECT DISTINCT operator FROM notes"},
    {"SELECT DISTINCT o.sink FROM leads l JOIN outbox o ON o.lead_id = l.id WHERE "
     "(?1 IS NULL OR l.show_id = ?1) AND l.captured_ms >= ?2 AND l.captured_ms < ?3",
     "SELECT DISTINCT sink FROM outbox"},
};

struct cursor {
    sqlite3_stmt *st;
    int rc; /* of the last step */
};

struct show_row {
    char *id, *name, *timezone;
};
struct import_row {
    int64_t id, ms;
    char *file;
};

struct reader {
    struct show_row *shows;
    size_t nshows;
    struct import_row *imports; /* by id */
    size_t nimports;
    sqlite3 *db;
    sqlite3_stmt *lead;
    struct cursor ch[CH_COUNT];
    struct arena arena;
    struct buf arr[CH_COUNT]; /* arrays of child structs */
};

static int prepare(sqlite3 *db, const char *sql, const struct export_request *r, sqlite3_stmt **st,
                   struct err *e)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return err_set(e, ERR_INTERNAL, "export: prepare: %s", sqlite3_errmsg(db));
    /* Statements without parameters ignore the bindings. */
    if (sqlite3_bind_parameter_count(*st) == 0)
        return 0;
    if (r->show)
        sqlite3_bind_text(*st, 1, r->show, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 2, r->since_ms);
    sqlite3_bind_int64(*st, 3, r->until_ms);
    return 0;
}

static const char *ctext(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
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

/*
 * Gathers the children of lead id from cursor k into rd->arr[k], skipping
 * children of leads before it (leads outside the export).
 */
static int gather(struct reader *rd, int k, const char *id, size_t *count, struct err *e)
{
    struct cursor *c = &rd->ch[k];
    struct buf *arr = &rd->arr[k];
    buf_reset(arr);
    *count = 0;
    bool oom = false;
    while (c->rc == SQLITE_ROW) {
        int cmp = strcmp(ctext(c->st, 0), id);
        if (cmp > 0)
            break;
        if (cmp == 0) {
            sqlite3_stmt *st = c->st;
            struct arena *a = &rd->arena;
            if (k == CH_ANSWERS) {
                struct export_answer x = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                          sqlite3_column_int64(st, 3)};
                oom |= buf_add(arr, &x, sizeof x) < 0;
            } else if (k == CH_CONSENTS) {
                struct export_consent x = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                           dup_col(a, st, 3, &oom), sqlite3_column_int(st, 4),
                                           sqlite3_column_int64(st, 5)};
                oom |= buf_add(arr, &x, sizeof x) < 0;
            } else if (k == CH_NOTES) {
                struct export_note x = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom),
                                        dup_col(a, st, 3, &oom), sqlite3_column_int(st, 4),
                                        sqlite3_column_int64(st, 5)};
                oom |= buf_add(arr, &x, sizeof x) < 0;
            } else if (k == CH_SYNC) {
                struct export_sync x = {dup_col(a, st, 1, &oom), dup_col(a, st, 2, &oom)};
                struct export_sync *prev =
                    *count ? (struct export_sync *)(arr->data + arr->len) - 1 : NULL;
                if (prev && x.sink && prev->sink && !strcmp(prev->sink, x.sink)) {
                    prev->state = x.state; /* a newer row of the same sink */
                    (*count)--;
                } else {
                    oom |= buf_add(arr, &x, sizeof x) < 0;
                }
            } else {
                size_t n = (size_t)sqlite3_column_bytes(st, 6);
                const void *p = sqlite3_column_blob(st, 6);
                struct export_scan x = {dup_col(a, st, 1, &oom),
                                        dup_col(a, st, 2, &oom),
                                        dup_col(a, st, 3, &oom),
                                        dup_col(a, st, 4, &oom),
                                        dup_col(a, st, 5, &oom),
                                        (const uint8_t *)arena_dup(a, p, n),
                                        n,
                                        sqlite3_column_int64(st, 7),
                                        sqlite3_column_int64(st, 8),
                                        sqlite3_column_int(st, 9)};
                oom |= !x.payload || buf_add(arr, &x, sizeof x) < 0;
            }
            if (oom)
                return err_set(e, ERR_INTERNAL, "export: out of memory");
            (*count)++;
        }
        c->rc = sqlite3_step(c->st);
    }
    if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE)
        return err_set(e, ERR_IO, "export: read: %s", sqlite3_errmsg(rd->db));
    return 0;
}

/* Loads every show and every import (a few rows each). */
static int lookups_load(struct reader *rd, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(rd->db, "SELECT id, name, timezone FROM shows", -1, &st, NULL) !=
        SQLITE_OK)
        return err_set(e, ERR_IO, "export: read shows: %s", sqlite3_errmsg(rd->db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct show_row *n = realloc(rd->shows, (rd->nshows + 1) * sizeof *n);
        if (!n)
            break;
        rd->shows = n;
        struct show_row *sr = &rd->shows[rd->nshows++];
        sr->id = strdup(ctext(st, 0));
        sr->name = strdup(ctext(st, 1) ? ctext(st, 1) : "");
        sr->timezone = strdup(ctext(st, 2) ? ctext(st, 2) : "UTC");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(e, ERR_IO, "export: read shows: %s", sqlite3_errmsg(rd->db));
    if (sqlite3_prepare_v2(rd->db, "SELECT id, imported_ms, file FROM imports ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return err_set(e, ERR_IO, "export: read imports: %s", sqlite3_errmsg(rd->db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct import_row *n = realloc(rd->imports, (rd->nimports + 1) * sizeof *n);
        if (!n)
            break;
        rd->imports = n;
        struct import_row *ir = &rd->imports[rd->nimports++];
        ir->id = sqlite3_column_int64(st, 0);
        ir->ms = sqlite3_column_int64(st, 1);
        ir->file = strdup(ctext(st, 2) ? ctext(st, 2) : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(e, ERR_IO, "export: read imports: %s", sqlite3_errmsg(rd->db));
    for (size_t i = 0; i < rd->nshows; i++)
        if (!rd->shows[i].id || !rd->shows[i].name || !rd->shows[i].timezone)
            return err_set(e, ERR_INTERNAL, "export: out of memory");
    for (size_t i = 0; i < rd->nimports; i++)
        if (!rd->imports[i].file)
            return err_set(e, ERR_INTERNAL, "export: out of memory");
    return 0;
}

static const struct show_row *show_find(const struct reader *rd, const char *id)
{
    for (size_t i = 0; i < rd->nshows; i++)
        if (!strcmp(rd->shows[i].id, id))
            return &rd->shows[i];
    return NULL;
}

static const struct import_row *import_find(const struct reader *rd, int64_t id)
{
    size_t lo = 0, hi = rd->nimports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rd->imports[mid].id == id)
            return &rd->imports[mid];
        if (rd->imports[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void reader_close(struct reader *rd)
{
    for (size_t i = 0; i < rd->nshows; i++) {
        free(rd->shows[i].id);
        free(rd->shows[i].name);
        free(rd->shows[i].timezone);
    }
    free(rd->shows);
    for (size_t i = 0; i < rd->nimports; i++)
        free(rd->imports[i].file);
    free(rd->imports);
    sqlite3_finalize(rd->lead);
    for (int k = 0; k < CH_COUNT; k++) {
        sqlite3_finalize(rd->ch[k].st);
        buf_free(&rd->arr[k]);
    }
    arena_reset(&rd->arena, true);
}

/* ---- dynamic columns --------------------------------------------------- */

static const char *form_text(const cJSON *texts, const char *lang)
{
    if (cJSON_IsString(texts))
        return texts->valuestring;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(texts, lang);
    if (cJSON_IsString(t))
        return t->valuestring;
    t = cJSON_GetObjectItemCaseSensitive(texts, "en");
    if (cJSON_IsString(t))
        return t->valuestring;
    cJSON_ArrayForEach(t, texts) if (cJSON_IsString(t)) return t->valuestring;
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fills the question, purpose, operator and sink lists. */
static int columns_find(struct export_ctx *x, sqlite3 *db, struct err *e)
{
    const struct export_request *r = x->req;
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(r->form, "languages");
    const cJSON *first = cJSON_GetArrayItem(langs, 0);
    x->lang = cJSON_IsString(first) ? first->valuestring : "en";
    /* Form order first (what the marketer designed), then anything the
     * leads have that the form no longer lists. */
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(r->form, "questions"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(q, "id");
        if (cJSON_IsString(id))
            strv_push_unique(&x->questions, id->valuestring);
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r->form, "consents"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "purpose");
        if (cJSON_IsString(p))
            strv_push_unique(&x->purposes, p->valuestring);
    }
    /* Is the whole of each child table the export's? */
    int64_t nshows = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM shows", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        nshows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    int exact = r->since_ms != INT64_MIN || r->until_ms != INT64_MAX || (r->show && nshows != 1);
    struct strv *lists[] = {&x->questions, &x->purposes, &x->operators, &x->sinks};
    for (int i = 0; i < 4; i++) {
        if (prepare(db, sql_keys[i][exact ? 0 : 1], r, &st, e) < 0)
            return -1;
        /* Sorted here: ORDER BY made SQLite sort every row before the
         * DISTINCT, five times slower than sorting the handful of keys. */
        struct strv found = {0};
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            if (strv_push(&found, ctext(st, 0)) < 0)
                rc = SQLITE_NOMEM;
        sqlite3_finalize(st);
        if (found.n)
            qsort(found.v, found.n, sizeof *found.v, cmp_str);
        for (size_t k = 0; k < found.n && rc == SQLITE_DONE; k++)
            if (strv_push_unique(lists[i], found.v[k]) < 0)
                rc = SQLITE_NOMEM;
        strv_free(&found);
        if (rc != SQLITE_DONE)
            return err_set(e, ERR_IO, "export: list columns: %s", sqlite3_errmsg(db));
    }
    x->choice_ids = calloc(x->questions.n + 1, sizeof *x->choice_ids);
    x->choice_labels = calloc(x->questions.n + 1, sizeof *x->choice_labels);
    if (!x->choice_ids || !x->choice_labels)
        return err_set(e, ERR_INTERNAL, "export: out of memory");
    for (size_t i = 0; i < x->questions.n; i++) {
        const char *title = NULL;
        cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(r->form, "questions"))
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(q, "id");
            if (cJSON_IsString(id) && !strcmp(id->valuestring, x->questions.v[i])) {
                const cJSON *ch;
                cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(q, "choices"))
                {
                    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(ch, "id");
                    const char *label =
                        form_text(cJSON_GetObjectItemCaseSensitive(ch, "text"), x->lang);
                    if (cJSON_IsString(cid) && label && *label &&
                        (strv_push(&x->choice_ids[i], cid->valuestring) < 0 ||
                         strv_push(&x->choice_labels[i], label) < 0))
                        return err_set(e, ERR_INTERNAL, "export: out of memory");
                }
                title = form_text(cJSON_GetObjectItemCaseSensitive(q, "text"), x->lang);
                break;
            }
        }
        strv_push(&x->question_titles, title && *title ? title : x->questions.v[i]);
    }
    return 0;
}

/* ---- columns of the tabular formats ------------------------------------ */

enum colsrc { SRC_TEXT, SRC_LIST, SRC_INT, SRC_LOCAL, SRC_UTC, SRC_BOOL, SRC_IMPORTED };

static const struct fixed_col {
    const char *header;
    enum export_width width;
    enum colsrc src;
    int field;
} fixed_cols[] = {
    {"Lead ID", WIDTH_ID, SRC_TEXT, EX_ID},
    {"Show", WIDTH_SHORT, SRC_TEXT, EX_SHOW},
    {"Full name", WIDTH_NAME, SRC_TEXT, EX_FULL_NAME},
    {"Given name", WIDTH_NAME, SRC_TEXT, EX_GIVEN_NAME},
    {"Family name", WIDTH_NAME, SRC_TEXT, EX_FAMILY_NAME},
    {"Company", WIDTH_NAME, SRC_TEXT, EX_COMPANY},
    {"Title", WIDTH_NAME, SRC_TEXT, EX_TITLE},
    {"Email", WIDTH_LONG, SRC_LIST, EX_EMAILS},
    {"Phone", WIDTH_NAME, SRC_LIST, EX_PHONES},
    {"Website", WIDTH_LONG, SRC_LIST, EX_URLS},
    {"Address", WIDTH_LONG, SRC_TEXT, EX_ADDRESS},
    {"Country", WIDTH_SHORT, SRC_TEXT, EX_COUNTRY},
    {"Badge ID", WIDTH_SHORT, SRC_TEXT, EX_BADGE_ID},
    {"Badge format", WIDTH_SHORT, SRC_TEXT, EX_FORMAT},
    {"Source", WIDTH_SHORT, SRC_TEXT, EX_SOURCE},
    {"Scans", WIDTH_NUMBER, SRC_INT, EX_SCAN_COUNT},
    {"First seen (%s)", WIDTH_TIME, SRC_LOCAL, EX_CAPTURED_MS},
    {"First seen (UTC)", WIDTH_TIME, SRC_UTC, EX_CAPTURED_MS},
    {"Last seen (%s)", WIDTH_TIME, SRC_LOCAL, EX_LAST_SEEN_MS},
    {"Last seen (UTC)", WIDTH_TIME, SRC_UTC, EX_LAST_SEEN_MS},
    {"Clock synchronised", WIDTH_SHORT, SRC_BOOL, EX_CLOCK_TRUSTED},
    {"Imported (UTC)", WIDTH_TIME, SRC_IMPORTED, EX_IMPORTED_MS},
    {"Decoder warnings", WIDTH_LONG, SRC_LIST, EX_WARNINGS},
};
#define NFIXED ((int)(sizeof fixed_cols / sizeof fixed_cols[0]))

static void columns_count(struct export_ctx *x)
{
    x->ncols = NFIXED + (int)x->questions.n + 3 * (int)x->purposes.n + 3 * (int)x->operators.n +
               (int)x->sinks.n;
}

int export_question_col(const struct export_ctx *x)
{
    return NFIXED;
}

const char *export_header(struct export_ctx *x, int i, enum export_width *width)
{
    struct buf *b = &x->scratch;
    buf_reset(b);
    *width = WIDTH_NAME;
    if (i < NFIXED) {
        const struct fixed_col *f = &fixed_cols[i];
        *width = f->width;
        if (f->src != SRC_LOCAL)
            return f->header;
        const char *tz = x->req->timezone;
        buf_printf(b, f->header, tz && *tz ? tz : "UTC");
        return b->data;
    }
    i -= NFIXED;
    if (i < (int)x->questions.n)
        return x->question_titles.v[i];
    i -= (int)x->questions.n;
    static const char *const consent_h[] = {"Consent: %s", "Consent: %s (text version)",
                                            "Consent: %s (language)"};
    if (i < 3 * (int)x->purposes.n) {
        *width = WIDTH_SHORT;
        buf_printf(b, consent_h[i % 3], x->purposes.v[i / 3]);
        return b->data;
    }
    i -= 3 * (int)x->purposes.n;
    static const char *const note_h[] = {"Note (%s)", "Rating (%s)", "Tags (%s)"};
    if (i < 3 * (int)x->operators.n) {
        *width = i % 3 == 0 ? WIDTH_LONG : i % 3 == 1 ? WIDTH_NUMBER : WIDTH_NAME;
        buf_printf(b, note_h[i % 3], x->operators.v[i / 3]);
        return b->data;
    }
    i -= 3 * (int)x->operators.n;
    *width = WIDTH_SHORT;
    buf_printf(b, "Sync: %s", x->sinks.v[i]);
    return b->data;
}

struct join {
    struct buf *b;
    const char *sep;
    const struct strv *ids, *labels; /* choice labels, or NULL */
};

/* The label of choice id, or NULL. */
static const char *choice_label(const struct join *j, const char *id)
{
    for (size_t i = 0; i < j->ids->n; i++)
        if (!strcmp(j->ids->v[i], id))
            return j->labels->v[i];
    return NULL;
}

static int join_one(const char *s, void *ud)
{
    struct join *j = ud;
    if (j->b->len)
        buf_adds(j->b, j->sep);
    const char *label = j->ids ? choice_label(j, s) : NULL;
    return buf_adds(j->b, label ? label : s) < 0;
}

/* An answer as a marketer reads it: choice labels, lists joined by "; ". */
static void render_answer(struct export_ctx *x, size_t q, const char *json)
{
    struct buf *b = &x->scratch;
    struct join j = {b, "; ", &x->choice_ids[q], &x->choice_labels[q]};
    /* Fast paths for what forms store: a choice id, a list of them, text. */
    if (json[0] == '"' && !strchr(json, '\\')) {
        size_t n = strlen(json);
        if (n >= 2 && json[n - 1] == '"') {
            char small[256];
            if (n - 2 < sizeof small) {
                memcpy(small, json + 1, n - 2);
                small[n - 2] = 0;
                join_one(small, &j);
                return;
            }
        }
    }
    if (json[0] == '[') {
        if (export_json_strings(json, join_one, &j) == 0)
            return;
        buf_reset(b); /* not a list of strings: the general path below */
    }
    cJSON *v = cJSON_Parse(json);
    if (!v) {
        buf_adds(b, json);
    } else if (cJSON_IsString(v)) {
        join_one(v->valuestring, &j);
    } else if (cJSON_IsArray(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (cJSON_IsString(it)) {
                join_one(it->valuestring, &j);
            } else {
                char *t = cJSON_PrintUnformatted(it);
                if (t)
                    join_one(t, &j);
                free(t);
            }
        }
    } else if (cJSON_IsBool(v)) {
        buf_adds(b, cJSON_IsTrue(v) ? "yes" : "no");
    } else if (!cJSON_IsNull(v)) {
        char *t = cJSON_PrintUnformatted(v);
        if (t)
            buf_adds(b, t);
        free(t);
    }
    cJSON_Delete(v);
}

static void set_text(struct export_ctx *x, struct export_cell *c, const char *s, size_t n)
{
    if (!s || !n) {
        c->kind = CELL_EMPTY;
        return;
    }
    c->kind = CELL_TEXT;
    if (export_utf8_valid(s, n)) {
        c->text = s;
        c->len = n;
        return;
    }
    /* Badge bytes are untrusted: never pass invalid UTF-8 on to a file. */
    struct buf clean = {0};
    export_utf8_clean(&clean, s, n);
    buf_reset(&x->scratch);
    buf_add(&x->scratch, clean.data ? clean.data : "", clean.len);
    buf_free(&clean);
    c->text = x->scratch.data ? x->scratch.data : "";
    c->len = x->scratch.len;
}

static void set_scratch(struct export_ctx *x, struct export_cell *c)
{
    set_text(x, c, x->scratch.data, x->scratch.len);
}

void export_cell(struct export_ctx *x, const struct export_lead *l, int i, struct export_cell *c)
{
    memset(c, 0, sizeof *c);
    buf_reset(&x->scratch);
    if (i < NFIXED) {
        const struct fixed_col *f = &fixed_cols[i];
        switch (f->src) {
        case SRC_TEXT:
            set_text(x, c, l->text[f->field], l->len[f->field]);
            return;
        case SRC_LIST: {
            struct join j = {&x->scratch, "; ", NULL, NULL};
            export_json_strings(l->text[f->field], join_one, &j);
            set_scratch(x, c);
            return;
        }
        case SRC_INT:
            c->kind = CELL_INT;
            c->num = l->num[f->field];
            return;
        case SRC_LOCAL:
        case SRC_UTC:
            c->kind = f->src == SRC_LOCAL ? CELL_TIME_LOCAL : CELL_TIME_UTC;
            c->num = l->num[f->field];
            return;
        case SRC_IMPORTED:
            if (l->num[f->field]) {
                c->kind = CELL_TIME_UTC;
                c->num = l->num[f->field];
            }
            return;
        case SRC_BOOL:
            set_text(x, c, l->num[f->field] ? "yes" : "no", l->num[f->field] ? 3 : 2);
            return;
        }
        return;
    }
    i -= NFIXED;
    if (i < (int)x->questions.n) {
        for (size_t k = 0; k < l->nanswers; k++)
            if (!strcmp(l->answers[k].question, x->questions.v[i])) {
                render_answer(x, (size_t)i, l->answers[k].value_json);
                set_scratch(x, c);
                return;
            }
        return;
    }
    i -= (int)x->questions.n;
    if (i < 3 * (int)x->purposes.n) {
        const char *p = x->purposes.v[i / 3];
        for (size_t k = 0; k < l->nconsents; k++) {
            const struct export_consent *cs = &l->consents[k];
            if (strcmp(cs->purpose, p) != 0)
                continue;
            const char *s = i % 3 == 0   ? (cs->granted ? "yes" : "no")
                            : i % 3 == 1 ? cs->text_version
                                         : cs->language;
            set_text(x, c, s, s ? strlen(s) : 0);
            return;
        }
        return;
    }
    i -= 3 * (int)x->purposes.n;
    if (i < 3 * (int)x->operators.n) {
        const char *op = x->operators.v[i / 3];
        for (size_t k = 0; k < l->nnotes; k++) {
            const struct export_note *n = &l->notes[k];
            if (strcmp(n->operator_, op) != 0)
                continue;
            if (i % 3 == 0) {
                set_text(x, c, n->note, n->note ? strlen(n->note) : 0);
            } else if (i % 3 == 1) {
                if (n->rating) {
                    c->kind = CELL_INT;
                    c->num = n->rating;
                }
            } else {
                struct join j = {&x->scratch, ", ", NULL, NULL};
                export_json_strings(n->tags_json, join_one, &j);
                set_scratch(x, c);
            }
            return;
        }
        return;
    }
    i -= 3 * (int)x->operators.n;
    for (size_t k = 0; k < l->nsync; k++)
        if (!strcmp(l->sync[k].sink, x->sinks.v[i])) {
            set_text(x, c, l->sync[k].state, strlen(l->sync[k].state));
            return;
        }
}

/* ---- running an export ------------------------------------------------- */

static int walk(struct export_ctx *x, const struct export_format *f, sqlite3 *db, int64_t *nleads,
                struct err *e)
{
    const struct export_request *r = x->req;
    struct reader rd = {.db = db};
    const struct show_row *last_show = NULL;
    int ret = -1, rc;
    int64_t total = 0, done = 0;
    if (r->progress) {
        sqlite3_stmt *st;
        if (prepare(db,
                    "SELECT count(*) FROM leads l WHERE (?1 IS NULL OR l.show_id = ?1) AND "
                    "l.captured_ms >= ?2 AND l.captured_ms < ?3",
                    r, &st, e) < 0)
            goto out;
        if (sqlite3_step(st) == SQLITE_ROW)
            total = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (lookups_load(&rd, e) < 0 || prepare(db, sql_lead, r, &rd.lead, e) < 0)
        goto out;
    for (int k = 0; k < CH_COUNT; k++) {
        if (k == CH_SCANS && !f->raw)
            continue;
        if (prepare(db, sql_child[k], r, &rd.ch[k].st, e) < 0)
            goto out;
        rd.ch[k].rc = sqlite3_step(rd.ch[k].st);
    }
    while ((rc = sqlite3_step(rd.lead)) == SQLITE_ROW) {
        struct export_lead l = {0};
        sqlite3_stmt *st = rd.lead;
        for (int i = 0; i < LEAD_SQL_TEXTS; i++) {
            l.text[i] = ctext(st, i);
            l.len[i] = (size_t)sqlite3_column_bytes(st, i);
        }
        for (int i = 0; i < LEAD_SQL_INTS; i++)
            l.num[i] = sqlite3_column_int64(st, LEAD_SQL_TEXTS + i);
        if (!last_show || strcmp(last_show->id, l.text[EX_SHOW]) != 0)
            last_show = show_find(&rd, l.text[EX_SHOW]);
        if (last_show) {
            l.text[EX_SHOW_NAME] = last_show->name;
            l.len[EX_SHOW_NAME] = strlen(last_show->name);
            l.text[EX_SHOW_TIMEZONE] = last_show->timezone;
            l.len[EX_SHOW_TIMEZONE] = strlen(last_show->timezone);
        }
        if (sqlite3_column_type(st, LEAD_IMPORT_COL) != SQLITE_NULL) {
            const struct import_row *ir =
                import_find(&rd, sqlite3_column_int64(st, LEAD_IMPORT_COL));
            if (ir) {
                l.text[EX_IMPORT_FILE] = ir->file;
                l.len[EX_IMPORT_FILE] = strlen(ir->file);
                l.num[EX_IMPORTED_MS] = ir->ms;
            }
        }
        const char *id = l.text[EX_ID];
        arena_reset(&rd.arena, false);
        size_t n[CH_COUNT] = {0};
        for (int k = 0; k < CH_COUNT; k++)
            if (rd.ch[k].st && gather(&rd, k, id, &n[k], e) < 0)
                goto out;
        l.answers = (const void *)rd.arr[CH_ANSWERS].data, l.nanswers = n[CH_ANSWERS];
        l.consents = (const void *)rd.arr[CH_CONSENTS].data, l.nconsents = n[CH_CONSENTS];
        l.notes = (const void *)rd.arr[CH_NOTES].data, l.nnotes = n[CH_NOTES];
        l.sync = (const void *)rd.arr[CH_SYNC].data, l.nsync = n[CH_SYNC];
        l.scans = (const void *)rd.arr[CH_SCANS].data, l.nscans = n[CH_SCANS];
        if (f->lead(x, &l, e) < 0)
            goto out;
        if (x->out.error)
            break;
        done++;
        if (r->progress && done % 500 == 0)
            r->progress(done, total, r->progress_ud);
    }
    if (!x->out.error && rc != SQLITE_DONE) {
        err_set(e, ERR_IO, "export: read leads: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (r->progress)
        r->progress(done, total, r->progress_ud);
    *nleads = done;
    ret = 0;
out:
    reader_close(&rd);
    return ret;
}

static int io_err(struct err *e, int errnum, const char *what, const char *path)
{
    bool full = errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG;
    return err_set(e, full ? ERR_FULL : ERR_IO, "%s %s: %s%s", what, path, strerror(errnum),
                   full ? " (the disk is full: nothing was written)" : "");
}

/* Runs the whole export into fd (or, for needs_path formats, into path). */
/* shown: the file named in messages (the target, not its temporary name). */
static int run(struct store *s, const struct export_request *r, const struct export_format *f,
               int fd, const char *path, struct export_result *res, const char *shown,
               struct err *e)
{
    struct export_ctx x = {.req = r, .path = path, .tz_bucket = INT64_MIN};
    sqlite3 *db = NULL;
    bool own = false;
    char *saved_tz = NULL;
    bool had_tz = false, in_tx = false, tz_set = false;
    int ret = -1;
    int64_t nleads = 0;
    x.out.fd = fd;
    x.out.cap = 256 * 1024;
    if (!(x.out.buf = malloc(x.out.cap))) {
        err_set(e, ERR_INTERNAL, "export: out of memory");
        goto out;
    }
    if (tz_enter(r->timezone, &saved_tz, &had_tz, e) < 0)
        goto out;
    tz_set = true;
    /* A read-only connection of our own: its snapshot is independent of the
     * store's transactions, and it needs no mutexes (one thread). An
     * in-memory store has no file to open: share its connection then. */
    const char *file = sqlite3_db_filename(store_db(s), "main");
    if (file && *file &&
        sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
        own = true;
        sqlite3_busy_timeout(db, 5000);
        sqlite3_exec(db, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
    } else {
        sqlite3_close(db);
        db = store_db(s);
    }
    if (sqlite3_get_autocommit(db)) {
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            err_set(e, ERR_IO, "export: begin: %s", sqlite3_errmsg(db));
            goto out;
        }
        in_tx = true;
    }
    if (columns_find(&x, db, e) < 0)
        goto out;
    columns_count(&x);
    if (f->begin(&x, e) < 0 || walk(&x, f, db, &nleads, e) < 0 || x.out.error)
        goto fail;
    if (f->end(&x, nleads, e) < 0)
        goto fail;
    if (export_out_flush(&x.out) < 0)
        goto fail;
    if (res) {
        res->leads = nleads;
        res->bytes = x.out.written;
    }
    ret = 0;
    goto out;
fail:
    if (x.out.error)
        io_err(e, x.out.error, "export: write", shown);
out:
    if (f)
        f->cleanup(&x);
    if (in_tx)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (own)
        sqlite3_close(db);
    if (tz_set)
        tz_leave(saved_tz, had_tz);
    free(x.out.buf);
    buf_free(&x.scratch);
    for (size_t i = 0; x.choice_ids && x.choice_labels && i < x.questions.n; i++) {
        strv_free(&x.choice_ids[i]);
        strv_free(&x.choice_labels[i]);
    }
    free(x.choice_ids);
    free(x.choice_labels);
    strv_free(&x.questions);
    strv_free(&x.question_titles);
    strv_free(&x.purposes);
    strv_free(&x.operators);
    strv_free(&x.sinks);
    return ret;
}

static const struct export_format *format_of(const struct export_request *r, struct err *e)
{
    const struct export_format *f = export_format_find(r->format);
    if (!f)
        err_set(e, ERR_INVALID, "export: unknown format '%s' (expected one of: %s)",
                r->format ? r->format : "", export_format_list());
    return f;
}

/* Copies the file at path to fd. */
static int copy_to(const char *path, int fd, uint64_t *bytes, struct err *e)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return io_err(e, errno, "export: open", path);
    struct export_out o = {.fd = fd};
    char chunk[65536];
    ssize_t n;
    int r = 0;
    while ((n = read(in, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = io_err(e, errno, "export: read", path);
            break;
        }
        o.buf = chunk;
        o.len = (size_t)n;
        if (export_out_flush(&o) < 0) {
            r = io_err(e, o.error, "export: write", "output");
            break;
        }
    }
    close(in);
    *bytes = o.written;
    return r;
}

int export_write_fd(struct store *s, const struct export_request *r, int fd,
                    struct export_result *res, struct err *e)
{
    const struct export_format *f = format_of(r, e);
    if (!f)
        return -1;
    if (!f->needs_path)
        return run(s, r, f, fd, NULL, res, "output", e);
    /* The XLSX writer wants a file name: build it aside, then stream it. */
    const char *dir = r->tmpdir && *r->tmpdir ? r->tmpdir : getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/matchbooth-export-XXXXXX", dir && *dir ? dir : "/tmp");
    int t = mkostemp(tmp, O_CLOEXEC);
    if (t < 0)
        return io_err(e, errno, "export: create", tmp);
    close(t);
    struct export_result rr = {0};
    int ret = run(s, r, f, -1, tmp, &rr, "output", e);
    if (ret == 0)
        ret = copy_to(tmp, fd, &rr.bytes, e);
    unlink(tmp);
    if (ret == 0 && res)
        *res = rr;
    return ret;
}

int export_write_file(struct store *s, const struct export_request *r, const char *path,
                      struct export_result *res, struct err *e)
{
    const struct export_format *f = format_of(r, e);
    if (!f)
        return -1;
    /* An export is an ordinary file of the user who asked (umask applies);
     * afile keeps it 0600 until it is complete. */
    mode_t um = umask(0);
    umask(um);
    struct afile af;
    if (afile_open(&af, path, NULL, 0666 & ~um, e) < 0)
        return err_wrap(e, "export");
    struct export_result rr = {0};
    if (f->needs_path) {
        if (afile_release(&af, e) < 0 || run(s, r, f, -1, af.tmp, &rr, path, e) < 0)
            goto fail;
        struct stat sb;
        if (stat(af.tmp, &sb) == 0)
            rr.bytes = (uint64_t)sb.st_size;
    } else if (run(s, r, f, af.fd, af.tmp, &rr, path, e) < 0) {
        goto fail;
    }
    /* After the rename only the directory's durability can fail: the file is
     * complete and in place, but we do not say "written". */
    if (afile_commit(&af, e) < 0) {
        err_wrap(e, "export");
        goto fail;
    }
    if (res)
        *res = rr;
    return 0;
fail:
    afile_abort(&af);
    return -1;
}

void export_file_name(const char *show, const struct export_format *f, int64_t now_ms, char *out,
                      size_t outsz)
{
    char when[20];
    export_format_time(now_ms, when); /* "YYYY-MM-DD HH:MM:SS" */
    char stamp[20];
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s-%.2s%.2s%.2s", when, when + 5, when + 8, when + 11,
             when + 14, when + 17);
    char safe[48];
    size_t n = 0;
    for (const char *p = show && *show ? show : "all"; *p && n < sizeof safe - 1; p++) {
        unsigned char c = (unsigned char)*p;
        /* FAT forbids "*:<>?\/| and control characters; keep it plain ASCII. */
        safe[n++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                               ? c
                               : '_');
    }
    safe[n] = 0;
    snprintf(out, outsz, "%s-%sZ.%s", safe, stamp, f->ext);
}
