// SPDX-License-Identifier: Apache-2.0
/*
 * roster — CSV import of an organizer's attendee list and the lookup of one
 * badge id (see roster.h).
 *
 * The CSV reader is written here rather than taken from a library: Debian's
 * libcsv would do the quoting, but not the delimiter detection, the BOM or
 * the streaming of a million rows into prepared statements, which is most of
 * the work. It reads through a 64 KB buffer, so memory stays flat whatever the
 * file size.
 */
#include "firmware/decode/roster.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode_util.h"

/* Columns of the roster table, in the order of enum decode_field
 * (DF_BADGE_ID .. DF_COUNTRY). */
static const char *const columns[DF_SKIP] = {
    "badge_id", "full_name", "given_name", "family_name", "company", "title",
    "email",    "phone",     "url",        "address",     "country",
};

/* ---- CSV reading ---- */

struct csv {
    FILE *f;
    unsigned char in[65536];
    size_t pos, len;
    int eof;
    char delim;
    struct buf rec; /* the current record's fields, each NUL-terminated */
    size_t *off;    /* start of field i in rec */
    size_t nf, cap;
    int64_t line; /* physical line where the record starts (1-based) */
    int64_t nextline;
};

static int csv_fill(struct csv *c)
{
    if (c->eof)
        return 0;
    c->len = fread(c->in, 1, sizeof c->in, c->f);
    c->pos = 0;
    if (c->len == 0) {
        c->eof = 1;
        return 0;
    }
    return 1;
}

/* Next byte, or -1 at the end. */
static inline int csv_getc(struct csv *c)
{
    if (c->pos == c->len && !csv_fill(c))
        return -1;
    return c->in[c->pos++];
}

static inline int csv_peek(struct csv *c)
{
    if (c->pos == c->len && !csv_fill(c))
        return -1;
    return c->in[c->pos];
}

/* Makes room for one more field offset. */
static int csv_slot(struct csv *c)
{
    if (c->nf == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        size_t *o = realloc(c->off, cap * sizeof *o);
        if (!o)
            return -1;
        c->off = o;
        c->cap = cap;
    }
    return 0;
}

/* Reads one record. Returns 1, 0 at the end of the file, -1 on ENOMEM. Blank
 * lines are skipped. A quoted field may hold delimiters, newlines and "". */
static int csv_next(struct csv *c)
{
    for (;;) {
        buf_reset(&c->rec);
        c->nf = 0;
        c->line = c->nextline;
        int ch = csv_peek(c);
        if (ch < 0)
            return 0;
        if (ch == '\n' || ch == '\r') {
            csv_getc(c);
            if (ch == '\r' && csv_peek(c) == '\n')
                csv_getc(c);
            c->nextline++;
            continue;
        }
        for (;;) { /* one field */
            if (csv_slot(c) < 0)
                return -1;
            c->off[c->nf] = c->rec.len;
            ch = csv_getc(c);
            if (ch == '"') {
                for (;;) {
                    ch = csv_getc(c);
                    if (ch < 0)
                        break; /* unterminated quote: take what there is */
                    if (ch == '"') {
                        if (csv_peek(c) == '"') {
                            csv_getc(c);
                        } else {
                            break;
                        }
                    } else if (ch == '\n') {
                        c->nextline++;
                    }
                    if (buf_addc(&c->rec, (char)ch) < 0)
                        return -1;
                }
                ch = csv_getc(c);
            }
            /* unquoted part (or junk after a closing quote, kept) */
            while (ch >= 0 && ch != c->delim && ch != '\n' && ch != '\r') {
                if (buf_addc(&c->rec, (char)ch) < 0)
                    return -1;
                ch = csv_getc(c);
            }
            if (buf_addc(&c->rec, 0) < 0)
                return -1;
            c->nf++;
            if (ch == c->delim)
                continue;
            if (ch == '\r' && csv_peek(c) == '\n')
                csv_getc(c);
            if (ch >= 0)
                c->nextline++;
            return 1;
        }
    }
}

static const char *csv_field(const struct csv *c, size_t i)
{
    return c->rec.data + c->off[i];
}

/* Picks the delimiter that occurs most often outside quotes in the first
 * line of the buffered data. */
static char detect_delim(const unsigned char *p, size_t n)
{
    static const char cand[] = ",;\t|^";
    size_t count[sizeof cand] = {0};
    int q = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            q = !q;
        else if (!q && (p[i] == '\n' || p[i] == '\r'))
            break;
        else if (!q)
            for (size_t k = 0; k < sizeof cand - 1; k++)
                if (p[i] == (unsigned char)cand[k])
                    count[k]++;
    }
    size_t best = 0;
    for (size_t k = 1; k < sizeof cand - 1; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

/* ---- import ---- */

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
                  (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* Column index for a map value: a 1-based number, or a header name. */
static long map_column(const struct csv *hdr, const char *v, size_t vl)
{
    char *end;
    long k = strtol(v, &end, 10);
    if (end == v + vl && vl > 0 && k >= 1 && (size_t)k <= hdr->nf)
        return k - 1;
    for (size_t i = 0; i < hdr->nf; i++) {
        const char *h = csv_field(hdr, i);
        size_t hl = strlen(h);
        trim(&h, &hl);
        if (hl == vl && !strncasecmp(h, v, vl))
            return (long)i;
    }
    return -1;
}

static int build_columns(struct csv *c, const char *map, long col[DF_SKIP], struct err *e)
{
    for (int f = 0; f < DF_SKIP; f++)
        col[f] = -1;
    unsigned char taken[4096] = {0};
    const char *s = map ? map : "";
    while (*s) {
        size_t len = strcspn(s, ",");
        const char *eq = memchr(s, '=', len);
        const char *k = s;
        size_t kl = eq ? (size_t)(eq - s) : len;
        trim(&k, &kl);
        if (!eq)
            return err_set(e, ERR_INVALID, "roster: --map: '%.*s' is not field=column", (int)len,
                           s);
        const char *v = eq + 1;
        size_t vl = (size_t)(s + len - v);
        trim(&v, &vl);
        int f = decode_util_field_id(k, kl);
        if (f < 0 || f >= DF_SKIP)
            return err_set(e, ERR_INVALID, "roster: --map: unknown field '%.*s'", (int)kl, k);
        long ci = map_column(c, v, vl);
        if (ci < 0)
            return err_set(e, ERR_INVALID, "roster: --map: no column '%.*s' in the header", (int)vl,
                           v);
        col[f] = ci;
        if (ci < (long)sizeof taken)
            taken[ci] = 1;
        s += len;
        if (*s == ',')
            s++;
    }
    for (size_t i = 0; i < c->nf; i++) {
        if (i < sizeof taken && taken[i])
            continue;
        const char *h = csv_field(c, i);
        int f = decode_util_field_id(h, strlen(h));
        if (f >= 0 && f < DF_SKIP && col[f] < 0)
            col[f] = (long)i;
    }
    if (col[DF_BADGE_ID] < 0)
        return err_set(e, ERR_INVALID,
                       "roster: no badge id column in the header (name it, e.g. "
                       "--map badge_id=\"Registration No\")");
    return 0;
}

/* Binds field text: clean UTF-8 goes straight in; anything else (Latin-1
 * from Excel, control characters) through decode_util_text. */
static int bind_text(sqlite3_stmt *st, int idx, const char *s, struct strv *tmp)
{
    size_t n = strlen(s);
    trim(&s, &n);
    if (n == 0)
        return sqlite3_bind_null(st, idx);
    int clean = 1;
    for (size_t i = 0; i < n && clean; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            clean = 0;
    if (clean && decode_util_utf8_valid((const uint8_t *)s, n))
        return sqlite3_bind_text(st, idx, s, (int)n, SQLITE_STATIC);
    const char *cs = decode_util_utf8_valid((const uint8_t *)s, n) ? NULL : "CP1252";
    char *t = decode_util_text(NULL, s, n, cs, "roster", NULL);
    if (!t || strv_push(tmp, t) < 0) {
        free(t);
        return SQLITE_NOMEM;
    }
    free(t);
    return sqlite3_bind_text(st, idx, tmp->v[tmp->n - 1], -1, SQLITE_STATIC);
}

static long long pragma_cache_size(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    long long v = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

int roster_import(struct sqlite3 *db, const char *show, const char *path, const char *map,
                  struct roster_stats *st, struct err *e)
{
    struct csv c = {.nextline = 1};
    sqlite3_stmt *del = NULL, *ins = NULL, *upd = NULL;
    struct strv tmp = {0};
    int rc = -1, in_tx = 0;
    long long old_cache = 0;
    long col[DF_SKIP];
    memset(st, 0, sizeof *st);

    c.f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!c.f)
        return err_set(e, ERR_IO, "roster: %s: %s", path, strerror(errno));
    csv_fill(&c);
    if (c.len >= 2 &&
        ((c.in[0] == 0xFF && c.in[1] == 0xFE) || (c.in[0] == 0xFE && c.in[1] == 0xFF))) {
        err_set(e, ERR_INVALID, "roster: %s: UTF-16 text; save it as CSV UTF-8", path);
        goto out;
    }
    if (c.len >= 3 && !memcmp(c.in, "\xEF\xBB\xBF", 3))
        c.pos = 3;
    c.delim = detect_delim(c.in + c.pos, c.len - c.pos);
    st->delimiter = c.delim;
    int r = csv_next(&c);
    if (r <= 0) {
        err_set(e, r < 0 ? ERR_INTERNAL : ERR_INVALID, "roster: %s: %s", path,
                r < 0 ? "out of memory" : "empty file");
        goto out;
    }
    if (build_columns(&c, map, col, e) < 0)
        goto out;

    char sql[512];
    int len = snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO roster (show_id");
    for (int f = 0; f < DF_SKIP; f++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", %s", columns[f]);
    len += snprintf(sql + len, sizeof sql - (size_t)len, ") VALUES (?");
    for (int f = 0; f < DF_SKIP; f++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", ?");
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    /* A big roster is one big transaction: with SQLite's default 2 MB page
     * cache the B-tree spills to the WAL over and over. 64 MB for the
     * import, the old size afterwards. */
    old_cache = pragma_cache_size(db);
    sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        err_set(e, ERR_BUSY, "roster: begin: %s", sqlite3_errmsg(db));
        goto out;
    }
    in_tx = 1;
    if (sqlite3_prepare_v2(db, "DELETE FROM roster WHERE show_id = ?", -1, &del, NULL) ||
        sqlite3_prepare_v2(db, sql, -1, &ins, NULL)) {
        err_set(e, ERR_INTERNAL, "roster: prepare: %s", sqlite3_errmsg(db));
        goto out;
    }
    /* The duplicate's row replaces the earlier one: organizers append
     * corrections at the end of their exports. */
    len = snprintf(sql, sizeof sql, "UPDATE roster SET ");
    for (int f = 1; f < DF_SKIP; f++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s%s = ?%d", f > 1 ? ", " : "",
                        columns[f], f + 2);
    snprintf(sql + len, sizeof sql - (size_t)len, " WHERE show_id = ?1 AND badge_id = ?2");
    if (sqlite3_prepare_v2(db, sql, -1, &upd, NULL)) {
        err_set(e, ERR_INTERNAL, "roster: prepare: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(del, 1, show, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        err_set(e, ERR_INTERNAL, "roster: clear: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((r = csv_next(&c)) > 0) {
        if ((size_t)col[DF_BADGE_ID] >= c.nf || !*csv_field(&c, (size_t)col[DF_BADGE_ID])) {
            st->skipped++;
            continue;
        }
        strv_free(&tmp);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, show, -1, SQLITE_STATIC);
        int b = SQLITE_OK;
        for (int f = 0; f < DF_SKIP && b == SQLITE_OK; f++) {
            if (col[f] >= 0 && (size_t)col[f] < c.nf)
                b = bind_text(ins, f + 2, csv_field(&c, (size_t)col[f]), &tmp);
            else
                b = sqlite3_bind_null(ins, f + 2);
        }
        if (b != SQLITE_OK || sqlite3_step(ins) != SQLITE_DONE) {
            err_set(e, ERR_INTERNAL, "roster: %s:%lld: %s", path, (long long)c.line,
                    sqlite3_errmsg(db));
            goto out;
        }
        if (sqlite3_changes(db) == 0) {
            st->duplicates++;
            sqlite3_reset(upd);
            sqlite3_clear_bindings(upd);
            sqlite3_bind_text(upd, 1, show, -1, SQLITE_STATIC);
            for (int f = 0; f < DF_SKIP && b == SQLITE_OK; f++) {
                if (col[f] >= 0 && (size_t)col[f] < c.nf)
                    b = bind_text(upd, f + 2, csv_field(&c, (size_t)col[f]), &tmp);
                else
                    b = sqlite3_bind_null(upd, f + 2);
            }
            if (b != SQLITE_OK || sqlite3_step(upd) != SQLITE_DONE) {
                err_set(e, ERR_INTERNAL, "roster: %s:%lld: %s", path, (long long)c.line,
                        sqlite3_errmsg(db));
                goto out;
            }
            continue;
        }
        st->rows++;
    }
    if (r < 0) {
        err_set(e, ERR_INTERNAL, "roster: out of memory");
        goto out;
    }
    if (ferror(c.f)) {
        err_set(e, ERR_IO, "roster: %s: read error", path);
        goto out;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        err_set(e, ERR_IO, "roster: commit: %s", sqlite3_errmsg(db));
        goto out;
    }
    in_tx = 0;
    rc = 0;
out:
    if (in_tx)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (old_cache) {
        char sql2[64];
        snprintf(sql2, sizeof sql2, "PRAGMA cache_size = %lld", old_cache);
        sqlite3_exec(db, sql2, NULL, NULL, NULL);
    }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    strv_free(&tmp);
    buf_free(&c.rec);
    free(c.off);
    if (c.f && c.f != stdin)
        fclose(c.f);
    return rc;
}

int roster_lookup(struct sqlite3 *db, const char *show, const char *badge_id,
                  struct lead_fields *out, struct err *e)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT full_name, given_name, family_name, company, title, "
                                "email, phone, url, address, country FROM roster "
                                "WHERE show_id = ? AND badge_id = ?",
                                -1, &q, NULL);
    if (rc != SQLITE_OK) {
        /* A store without the roster table (never migrated, or a test's
         * bare database) has no roster: not an error. */
        if (strstr(sqlite3_errmsg(db), "no such table"))
            return 0;
        return err_set(e, ERR_INTERNAL, "roster: lookup: %s", sqlite3_errmsg(db));
    }
    sqlite3_bind_text(q, 1, show, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, badge_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(q);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        err_set(e, ERR_INTERNAL, "roster: lookup: %s", sqlite3_errmsg(db));
        sqlite3_finalize(q);
        return -1;
    }
    struct lead_fields row = {0};
    char **slots[] = {
        &row.full_name, &row.given_name, &row.family_name, &row.company, &row.title, NULL, NULL,
        NULL,           &row.address,    &row.country};
    struct strv *lists[] = {NULL, NULL, NULL, NULL, NULL, &row.emails, &row.phones, &row.urls};
    int ok = 0;
    for (int i = 0; i < 10; i++) {
        const char *t = (const char *)sqlite3_column_text(q, i);
        if (!t)
            continue;
        if (slots[i] ? lead_set(slots[i], t) : strv_push(lists[i], t))
            goto nomem;
    }
    if (lead_fields_merge(out, &row) < 0)
        goto nomem;
    ok = 1;
nomem:
    lead_fields_free(&row);
    sqlite3_finalize(q);
    if (!ok)
        return err_set(e, ERR_INTERNAL, "roster: out of memory");
    return 1;
}

int64_t roster_count(struct sqlite3 *db, const char *show, struct err *e)
{
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM roster WHERE show_id = ?", -1, &q, NULL)) {
        err_set(e, ERR_INTERNAL, "roster: count: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(q, 1, show, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    else
        err_set(e, ERR_INTERNAL, "roster: count: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return n;
}
