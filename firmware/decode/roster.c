// SPDX-License-Identifier: Apache-2.0
/*
 * roster — CSV import of an organizer's attendee list (see roster.h); the
 * rows go to the store through store_roster.h, which also does the lookup.
 *
 * The CSV reader is written here rather than taken from a library: Debian's
 * libcsv would do the quoting, but not the delimiter detection, the BOM or
 * the streaming of a million rows into the store, which is most of the
 * work. It reads through a 64 KB buffer, so memory stays flat whatever the
 * file size.
 */
#include "firmware/decode/roster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode_util.h"
#include "firmware/store/store_roster.h"

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

/* A field as the store takes it: trimmed; clean UTF-8 as it is, anything
 * else (Latin-1 from Excel, control characters) through decode_util_text
 * into tmp, which keeps it until the row is stored. An empty field is NULL.
 * Returns 0, or -1 on ENOMEM. */
static int field_value(const char *s, struct strv *tmp, struct store_roster_value *v)
{
    size_t n = strlen(s);
    trim(&s, &n);
    *v = (struct store_roster_value){NULL, 0};
    if (n == 0)
        return 0;
    int clean = 1;
    for (size_t i = 0; i < n && clean; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            clean = 0;
    if (clean && decode_util_utf8_valid((const uint8_t *)s, n)) {
        *v = (struct store_roster_value){s, n};
        return 0;
    }
    const char *cs = decode_util_utf8_valid((const uint8_t *)s, n) ? NULL : "CP1252";
    char *t = decode_util_text(NULL, s, n, cs, "roster", NULL);
    if (!t || strv_push(tmp, t) < 0) {
        free(t);
        return -1;
    }
    free(t);
    *v = (struct store_roster_value){tmp->v[tmp->n - 1], strlen(tmp->v[tmp->n - 1])};
    return 0;
}

/* Opens path, skips a UTF-8 BOM, refuses UTF-16 and detects the delimiter
 * from the first line. On error c->f may be open: the caller closes it. */
static int csv_open(struct csv *c, const char *path, struct err *e)
{
    c->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!c->f)
        return err_set(e, ERR_IO, "roster: %s: %s", path, strerror(errno));
    csv_fill(c);
    if (c->len >= 2 &&
        ((c->in[0] == 0xFF && c->in[1] == 0xFE) || (c->in[0] == 0xFE && c->in[1] == 0xFF)))
        return err_set(e, ERR_INVALID, "roster: %s: UTF-16 text; save it as CSV UTF-8", path);
    if (c->len >= 3 && !memcmp(c->in, "\xEF\xBB\xBF", 3))
        c->pos = 3;
    c->delim = detect_delim(c->in + c->pos, c->len - c->pos);
    return 0;
}

/* Stores every record after the header into the import w. */
static int import_rows(struct csv *c, struct store_roster *w, const long col[DF_SKIP],
                       const char *path, struct roster_stats *st, struct err *e)
{
    struct strv tmp = {0};
    int r, ret = -1;
    while ((r = csv_next(c)) > 0) {
        if ((size_t)col[DF_BADGE_ID] >= c->nf || !*csv_field(c, (size_t)col[DF_BADGE_ID])) {
            st->skipped++;
            continue;
        }
        strv_free(&tmp);
        struct store_roster_value v[ROSTER_COLS] = {{0}};
        for (int f = 0; f < DF_SKIP; f++)
            if (col[f] >= 0 && (size_t)col[f] < c->nf &&
                field_value(csv_field(c, (size_t)col[f]), &tmp, &v[f]) < 0)
                goto nomem;
        int added = store_roster_put(w, v, e);
        if (added < 0) {
            err_wrap(e, "roster: %s:%lld", path, (long long)c->line);
            goto out;
        }
        if (added)
            st->rows++;
        else
            st->duplicates++;
    }
    if (r < 0)
        goto nomem;
    if (ferror(c->f)) {
        err_set(e, ERR_IO, "roster: %s: read error", path);
        goto out;
    }
    ret = 0;
    goto out;
nomem:
    err_set(e, ERR_INTERNAL, "roster: out of memory");
out:
    strv_free(&tmp);
    return ret;
}

int roster_import(struct store *s, const char *show, const char *path, const char *map,
                  struct roster_stats *st, struct err *e)
{
    _Static_assert((int)DF_SKIP == (int)ROSTER_COLS, "roster columns are the lead fields");
    struct csv c = {.nextline = 1};
    struct store_roster *w = NULL;
    long col[DF_SKIP];
    int rc = -1;
    memset(st, 0, sizeof *st);
    if (csv_open(&c, path, e) < 0)
        goto out;
    st->delimiter = c.delim;
    int r = csv_next(&c);
    if (r <= 0) {
        err_set(e, r < 0 ? ERR_INTERNAL : ERR_INVALID, "roster: %s: %s", path,
                r < 0 ? "out of memory" : "empty file");
        goto out;
    }
    if (build_columns(&c, map, col, e) < 0 || !(w = store_roster_begin(s, show, e)) ||
        import_rows(&c, w, col, path, st, e) < 0)
        goto out;
    rc = store_roster_commit(w, e);
    w = NULL;
out:
    store_roster_abort(w);
    buf_free(&c.rec);
    free(c.off);
    if (c.f && c.f != stdin)
        fclose(c.f);
    return rc;
}
