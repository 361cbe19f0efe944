// SPDX-License-Identifier: Apache-2.0
/*
 * decode_vcard — vCard 2.1 (versit), 3.0 (RFC 2426) and 4.0 (RFC 6350) as
 * found in badge and business-card QR codes.
 *
 * Real cards break the rules, so the reader is forgiving: both folding
 * styles, QUOTED-PRINTABLE with soft line breaks, CHARSET= through iconv,
 * 2.1's bare parameters (WORK;PREF;QUOTED-PRINTABLE), BASE64 photos skipped
 * (folded or in 2.1's unfolded block), grouped properties (item1.EMAIL), a
 * nested AGENT card skipped, stray BEGIN lines and a missing END tolerated
 * (with a warning). Only the first card of a payload is read.
 *
 * Order of work for a value: unfold → QP-decode → charset → split on
 * unescaped ';' → unescape. The charset comes before splitting because
 * Shift_JIS and Big5 use 0x5C ('\') as a trail byte.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode_util.h"
#include "firmware/decode/country.h"

/* One value of a repeatable property, with how much the card prefers it. */
struct ranked {
    char *text;
    int score; /* lower is better */
    size_t order;
};

struct rlist {
    struct ranked *v;
    size_t n, cap;
};

struct vstate {
    const struct decode_ctx *ctx;
    struct lead_fields *out;
    int version; /* 21, 30, 40 */
    struct rlist emails, tels, adrs, urls, langs;
    char *fn, *role;
    bool company_card;         /* X-ABShowAs:COMPANY: FN names the company */
    struct strv adr_countries; /* parallel to adrs (country component) */
};

static int rl_add(struct rlist *l, char *text, int score)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct ranked *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = (struct ranked){text, score, l->n};
    l->n++;
    return 0;
}

static int rank_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void rl_free(struct rlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
    free(l->v);
}

/* The parameters of one property, as far as the decoder cares. */
struct vparams {
    const char *charset; /* points into a buffer of the line, NUL-terminated */
    int qp, b64;
    int pref; /* 1..100, 100 when none */
    int work, home, fax, cell;
    char charset_buf[48];
};

static int ieq_n(const char *a, size_t n, const char *b)
{
    return decode_util_ieq(a, n, b);
}

/* One TYPE value (or a 2.1 bare parameter). */
static void param_type(struct vparams *pp, const char *t, size_t n)
{
    if (ieq_n(t, n, "pref"))
        pp->pref = 1;
    else if (ieq_n(t, n, "work"))
        pp->work = 1;
    else if (ieq_n(t, n, "home"))
        pp->home = 1;
    else if (ieq_n(t, n, "fax"))
        pp->fax = 1;
    else if (ieq_n(t, n, "cell"))
        pp->cell = 1;
    else if (ieq_n(t, n, "quoted-printable"))
        pp->qp = 1;
    else if (ieq_n(t, n, "base64") || ieq_n(t, n, "b"))
        pp->b64 = 1;
}

/* Parses "a=b;TYPE=x,y;WORK" (h[0..n), the part between name and ':'). */
static void parse_params(struct vparams *pp, const char *h, size_t n)
{
    memset(pp, 0, sizeof *pp);
    pp->pref = 100;
    size_t i = 0;
    while (i < n) {
        size_t s = i;
        int q = 0;
        while (i < n && (q || h[i] != ';')) {
            if (h[i] == '"')
                q = !q;
            i++;
        }
        const char *p = h + s;
        size_t len = i - s;
        i++;
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            param_type(pp, p, len);
            continue;
        }
        size_t kl = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vl = len - kl - 1;
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
            v++, vl -= 2;
        if (ieq_n(p, kl, "charset")) {
            if (vl < sizeof pp->charset_buf) {
                memcpy(pp->charset_buf, v, vl);
                pp->charset_buf[vl] = 0;
                pp->charset = pp->charset_buf;
            }
        } else if (ieq_n(p, kl, "encoding")) {
            param_type(pp, v, vl);
        } else if (ieq_n(p, kl, "pref")) {
            int x = atoi(v);
            if (vl < 4 && x >= 1 && x <= 100)
                pp->pref = x;
        } else if (ieq_n(p, kl, "type")) {
            size_t a = 0;
            for (size_t j = 0; j <= vl; j++) {
                if (j == vl || v[j] == ',') {
                    param_type(pp, v + a, j - a);
                    a = j + 1;
                }
            }
        }
    }
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* QUOTED-PRINTABLE: "=XX" is a byte, "=" before a line end is a soft break
 * (the line ends are still in the value when a card folded it that way). */
static int qp_decode(struct buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '=') {
            if (i + 1 < n && (p[i + 1] == '\r' || p[i + 1] == '\n')) {
                i++;
                if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
                    i++;
                continue;
            }
            if (i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
                if (buf_addc(b, (char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]))) < 0)
                    return -1;
                i += 2;
                continue;
            }
            if (i + 1 == n)
                continue; /* a trailing soft break */
        }
        if (buf_addc(b, p[i]) < 0)
            return -1;
    }
    return 0;
}

/* Splits UTF-8 text at unescaped ';' into at most max components, each
 * unescaped (\n → newline, \, \; \\ \: → the character). comps[i] are
 * malloc'd (NULL when absent). Returns the count, or -1 on ENOMEM. */
static int split_unescape(const char *s, char sep, char **comps, int max)
{
    int k = 0;
    struct buf b = {0};
    for (size_t i = 0;; i++) {
        char c = s[i];
        if (c == 0 || (c == sep && k < max - 1)) {
            comps[k] = b.len ? buf_steal(&b) : strdup("");
            if (!comps[k])
                goto nomem;
            k++;
            if (c == 0)
                break;
            continue;
        }
        if (c == '\\' && s[i + 1]) {
            c = s[++i];
            if (c == 'n' || c == 'N')
                c = '\n';
        }
        if (buf_addc(&b, c) < 0)
            goto nomem;
    }
    return k;
nomem:
    buf_free(&b);
    for (int i = 0; i < k; i++)
        free(comps[i]);
    return -1;
}

/* Trims in place, turning newlines into ", " is left to the caller. */
static char *trim_inplace(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
    return s;
}

static int score_of(const struct vparams *pp, int is_tel)
{
    int s = pp->pref < 100 ? pp->pref : 100; /* PREF=1 beats everything */
    s *= 10;
    if (!pp->work)
        s += 2;
    if (pp->home)
        s += 1;
    if (is_tel && pp->fax)
        s += 5;
    return s;
}

/* One property's value, decoded to UTF-8, with its parameters. */
struct vprop {
    struct vstate *st;
    const struct vparams *pp;
    char *text; /* malloc'd; a handler may take it (set to NULL) */
    char *c[7]; /* components, when the handler split the text */
    int nc;
};

static int split_into(struct vprop *v, char sep, int max)
{
    v->nc = split_unescape(v->text, sep, v->c, max);
    return v->nc < 0 ? (v->nc = 0, -1) : 0;
}

/* Moves component i into *slot when the slot is empty and it is not blank. */
static void take_comp(struct vprop *v, int i, char **slot)
{
    if (i < v->nc && !*slot && *trim_inplace(v->c[i]))
        *slot = v->c[i], v->c[i] = NULL;
}

static int prop_fn(struct vprop *v)
{
    /* An empty FN says nothing: the name is then built from N. */
    if (!v->st->fn && *trim_inplace(v->text))
        v->st->fn = v->text, v->text = NULL;
    return 0;
}

static int prop_n(struct vprop *v)
{
    /* family; given; additional; prefixes; suffixes. Without FN (or with
     * an empty one) the name is given + family (decode_util_finish). */
    if (split_into(v, ';', 5) < 0)
        return -1;
    struct lead_fields *out = v->st->out;
    take_comp(v, 0, &out->family_name);
    take_comp(v, 1, &out->given_name);
    return 0;
}

static int prop_org(struct vprop *v)
{
    if (split_into(v, ';', 7) < 0)
        return -1;
    /* The organisation is the company; units (departments) are not.
     * A card with only units still names where the person works. */
    for (int i = 0; i < v->nc && !v->st->out->company; i++)
        take_comp(v, i, &v->st->out->company);
    return 0;
}

static int prop_title(struct vprop *v)
{
    return split_into(v, 0, 1) < 0 ? -1 : (take_comp(v, 0, &v->st->out->title), 0);
}

static int prop_role(struct vprop *v)
{
    return split_into(v, 0, 1) < 0 ? -1 : (take_comp(v, 0, &v->st->role), 0);
}

static int prop_uid(struct vprop *v)
{
    /* A phone's contact UID is not a badge id; only take it when the show
     * says what its badge ids look like (checked in finish). */
    return split_into(v, 0, 1) < 0 ? -1 : (take_comp(v, 0, &v->st->out->badge_id), 0);
}

static int prop_showas(struct vprop *v)
{
    /* Apple's address book: a card for a company puts the company in FN. */
    v->st->company_card = !strcasecmp(trim_inplace(v->text), "COMPANY");
    return 0;
}

static int prop_adr(struct vprop *v)
{
    if (split_into(v, ';', 7) < 0)
        return -1;
    /* pobox; ext; street; locality; region; code; country */
    struct buf a = {0};
    for (int i = 0; i < v->nc; i++) {
        char *t = trim_inplace(v->c[i]);
        if (!*t)
            continue;
        if (a.len && buf_adds(&a, ", ") < 0)
            goto nomem;
        /* One line per component: a street written on two lines becomes
         * "line 1, line 2". */
        for (char *q = t; *q; q++) {
            if (*q == '\n') {
                while (q[1] == '\n' || q[1] == ' ')
                    q++;
                if (q[1] && buf_adds(&a, ", ") < 0)
                    goto nomem;
            } else if (buf_addc(&a, *q) < 0) {
                goto nomem;
            }
        }
    }
    if (a.len && (rl_add(&v->st->adrs, buf_steal(&a), score_of(v->pp, 0)) < 0 ||
                  strv_push(&v->st->adr_countries, v->nc >= 7 ? trim_inplace(v->c[6]) : "") < 0))
        goto nomem;
    buf_free(&a);
    return 0;
nomem:
    buf_free(&a);
    return -1;
}

/* EMAIL, TEL, URL, LANG: one value each, ranked by TYPE and PREF. */
static int prop_contact(struct vprop *v, struct rlist *l)
{
    if (split_into(v, 0, 1) < 0)
        return -1;
    char *t = trim_inplace(v->c[0]);
    size_t tl = strlen(t);
    if (l == &v->st->emails && tl >= 7 && !strncasecmp(t, "mailto:", 7))
        memmove(t, t + 7, tl - 6);
    if (!*t)
        return 0;
    if (rl_add(l, v->c[0], score_of(v->pp, l == &v->st->tels)) < 0)
        return -1;
    v->c[0] = NULL;
    return 0;
}

static int prop_email(struct vprop *v)
{
    return prop_contact(v, &v->st->emails);
}
static int prop_tel(struct vprop *v)
{
    return prop_contact(v, &v->st->tels);
}
static int prop_url(struct vprop *v)
{
    return prop_contact(v, &v->st->urls);
}
/* vCard 4.0 LANG: the visitor's languages, ranked by PREF like the others. */
static int prop_lang(struct vprop *v)
{
    return prop_contact(v, &v->st->langs);
}

/* The properties read, and who reads them; everything else is skipped. */
static const struct {
    const char *name;
    int (*fn)(struct vprop *v);
} props[] = {
    {"FN", prop_fn},     {"N", prop_n},         {"ORG", prop_org},           {"TITLE", prop_title},
    {"ROLE", prop_role}, {"EMAIL", prop_email}, {"TEL", prop_tel},           {"ADR", prop_adr},
    {"URL", prop_url},   {"UID", prop_uid},     {"X-ABSHOWAS", prop_showas}, {"LANG", prop_lang},
};

/* Handles one property. name/params/value are the parts of the unfolded
 * line; value is raw (still encoded). */
static int property(struct vstate *st, const char *name, size_t nl, const char *params, size_t pl,
                    const char *value, size_t vl)
{
    struct vparams pp;
    parse_params(&pp, params, pl);
    if (pp.b64)
        return 0; /* photos, logos, sounds, keys: never contact fields */
    size_t w = 0;
    for (; w < sizeof props / sizeof props[0]; w++)
        if (ieq_n(name, nl, props[w].name))
            break;
    if (w == sizeof props / sizeof props[0])
        return 0;

    char what[24];
    snprintf(what, sizeof what, "vcard %s", props[w].name);
    struct buf dec = {0};
    const char *raw = value;
    size_t rawn = vl;
    if (pp.qp) {
        if (qp_decode(&dec, value, vl) < 0)
            return -1;
        raw = dec.data ? dec.data : "";
        rawn = dec.len;
    }
    struct vprop v = {.st = st, .pp = &pp};
    v.text = decode_util_text(st->ctx, raw, rawn, pp.charset, what, &st->out->warnings);
    buf_free(&dec);
    if (!v.text)
        return -1;
    int rc = props[w].fn(&v);
    for (int i = 0; i < v.nc; i++)
        free(v.c[i]);
    free(v.text);
    return rc;
}

/* Physical line [*s, *e) starting at i; returns the start of the next line. */
static size_t phys_line(const char *p, size_t n, size_t i, size_t *e)
{
    size_t j = i;
    while (j < n && p[j] != '\n' && p[j] != '\r')
        j++;
    *e = j;
    if (j < n && p[j] == '\r')
        j++;
    if (j < n && p[j] == '\n')
        j++;
    return j;
}

/* The header (before the first ':' outside quotes) mentions s? */
static int header_has(const char *line, size_t n, const char *s)
{
    size_t sl = strlen(s);
    int q = 0;
    for (size_t i = 0; i < n && (q || line[i] != ':'); i++) {
        if (line[i] == '"')
            q = !q;
        if (i + sl <= n && !strncasecmp(line + i, s, sl))
            return 1;
    }
    return 0;
}

/* Whether the line has its ':' yet (outside quoted parameter values). */
static int has_colon(const char *line, size_t n)
{
    int q = 0;
    for (size_t i = 0; i < n; i++) {
        if (line[i] == '"')
            q = !q;
        else if (!q && line[i] == ':')
            return 1;
    }
    return 0;
}

static int only_base64(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!(isalnum((unsigned char)c) || c == '+' || c == '/' || c == '=' || c == ' ' ||
              c == '\t'))
            return 0;
    }
    return 1;
}

static int detect_version(const char *p, size_t n)
{
    for (size_t i = 0; i + 8 < n; i++) {
        if ((i == 0 || p[i - 1] == '\n' || p[i - 1] == '\r') &&
            !strncasecmp(p + i, "VERSION:", 8)) {
            const char *v = p + i + 8;
            size_t left = n - i - 8;
            if (left >= 3 && !strncmp(v, "2.1", 3))
                return 21;
            if (left >= 3 && !strncmp(v, "4.0", 3))
                return 40;
            return 30;
        }
    }
    return 30;
}

static int push_ranked(struct rlist *l, struct strv *sv)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof l->v[0], rank_cmp);
    for (size_t i = 0; i < l->n; i++)
        if (strv_push_unique(sv, l->v[i].text) < 0)
            return -1;
    return 0;
}

/*
 * Reads the logical line starting at *i into line, unfolding every form the
 * three versions allow: a line break followed by a space or tab continues
 * the line (3.0/4.0 drop that one white-space character; 2.1 keeps it,
 * since it folds only where white space was, except inside the name and
 * parameters, where a kept space would break the name); a
 * QUOTED-PRINTABLE value ending in '=' continues on the next line whatever
 * it starts with; 2.1's BASE64 data runs on unindented lines up to an
 * empty one. CRLF, LF and CR all end lines. 0, or -1 on ENOMEM.
 */
static int unfold(const char *p, size_t n, size_t *i, int version, struct buf *line)
{
    size_t e;
    size_t next = phys_line(p, n, *i, &e);
    buf_reset(line);
    if (buf_add(line, p + *i, e - *i) < 0)
        return -1;
    *i = next;
    int b64 = 0;
    while (*i < n) {
        size_t e2, nx = phys_line(p, n, *i, &e2);
        /* Known only once the header is whole: it may be folded too. */
        int qp = header_has(line->data, line->len, "QUOTED-PRINTABLE");
        b64 = header_has(line->data, line->len, "BASE64") ||
              header_has(line->data, line->len, "ENCODING=B");
        if (qp && line->len && line->data[line->len - 1] == '=' &&
            has_colon(line->data, line->len)) {
            /* A soft line break wins over folding: the next line is the
             * value's continuation, its white space included. */
            line->len--;
            if (buf_add(line, p + *i, e2 - *i) < 0)
                return -1;
        } else if (e2 > *i && (p[*i] == ' ' || p[*i] == '\t')) {
            int keep = version == 21 && !b64 && has_colon(line->data, line->len);
            size_t from = keep ? *i : *i + 1;
            if (buf_add(line, p + from, e2 - from) < 0)
                return -1;
        } else if (b64 && e2 > *i && only_base64(p + *i, e2 - *i)) {
            /* vCard 2.1 puts BASE64 data on unindented lines. */
        } else {
            break;
        }
        *i = nx;
    }
    if (b64) { /* 2.1 ends the block with an empty line */
        size_t e2, nx = phys_line(p, n, *i, &e2);
        if (*i < n && e2 == *i)
            *i = nx;
    }
    return 0;
}

/* Where a card's lines are in the reading, beyond the fields. */
struct vread {
    int ended, agent, skip_depth, junk;
};

/* One unfolded line: nesting (BEGIN/END, AGENT) and the property. 0, -1. */
static int handle_line(struct vstate *st, struct vread *rd, const char *l, size_t ll)
{
    /* Split [group.]name;params:value (':' inside a quoted parameter does not count). */
    size_t colon = 0;
    int q = 0;
    while (colon < ll && (q || l[colon] != ':')) {
        if (l[colon] == '"')
            q = !q;
        colon++;
    }
    if (colon == ll) {
        rd->junk++;
        return 0;
    }
    size_t semi = 0;
    while (semi < colon && l[semi] != ';')
        semi++;
    const char *name = l;
    size_t nl = semi;
    const char *dot = memchr(name, '.', nl);
    if (dot) { /* item1.EMAIL */
        nl -= (size_t)(dot + 1 - name);
        name = dot + 1;
    }
    const char *val = l + colon + 1;
    size_t vl = ll - colon - 1;
    if (ieq_n(name, nl, "BEGIN")) {
        if (rd->agent || rd->skip_depth) {
            rd->skip_depth++;
            rd->agent = 0;
            return 0;
        }
        return decode_util_warn(&st->out->warnings, "vcard: nested BEGIN ignored");
    }
    if (ieq_n(name, nl, "END")) {
        if (rd->skip_depth)
            rd->skip_depth--;
        else
            rd->ended = 1;
        return 0;
    }
    if (rd->skip_depth)
        return 0;
    rd->agent = ieq_n(name, nl, "AGENT") && vl == 0;
    size_t has_params = semi < colon;
    return property(st, name, nl, l + semi + has_params, colon - semi - has_params, val, vl);
}

/* After the last line: warnings, the UID as badge id, names, ranked lists. */
static int finish(struct vstate *st, const struct vread *rd, const char *p, size_t n, size_t i)
{
    struct lead_fields *out = st->out;
    if (!rd->ended && decode_util_warn(&out->warnings, "vcard: no END:VCARD (truncated?)") < 0)
        return -1;
    if (rd->junk &&
        decode_util_warn(&out->warnings, "vcard: %d line(s) without ':' ignored", rd->junk) < 0)
        return -1;
    if (rd->ended) {
        while (i < n && isspace((unsigned char)p[i]))
            i++;
        if (i < n && decode_util_warn(&out->warnings, "vcard: data after END:VCARD ignored") < 0)
            return -1;
    }
    if (out->badge_id) { /* the UID, kept only when it is this show's kind of id */
        char *id = NULL;
        int m = decode_util_regex(st->ctx, "id_pattern", out->badge_id, &id);
        if (m == -1)
            return -1;
        free(out->badge_id);
        out->badge_id = m == 1 && id && *id ? id : NULL;
        if (!out->badge_id)
            free(id);
    }
    if (st->fn && st->company_card && !out->given_name && !out->family_name) {
        if (!out->company)
            out->company = st->fn, st->fn = NULL;
    } else if (st->fn && !out->full_name) {
        out->full_name = st->fn, st->fn = NULL;
    }
    if (st->role && !out->title)
        out->title = st->role, st->role = NULL;
    if (push_ranked(&st->emails, &out->emails) < 0 || push_ranked(&st->tels, &out->phones) < 0 ||
        push_ranked(&st->urls, &out->urls) < 0)
        return -1;
    if (st->langs.n) { /* the most preferred (PREF=1) first */
        size_t best = 0;
        for (size_t k = 1; k < st->langs.n; k++)
            if (rank_cmp(&st->langs.v[k], &st->langs.v[best]) < 0)
                best = k;
        if (decode_util_lang_put(out, st->langs.v[best].text, "vcard LANG") < 0)
            return -1;
    }
    if (st->adrs.n) {
        /* rank, keeping each address's country with it */
        size_t best = 0;
        for (size_t k = 1; k < st->adrs.n; k++)
            if (rank_cmp(&st->adrs.v[k], &st->adrs.v[best]) < 0)
                best = k;
        if (!out->address && lead_set(&out->address, st->adrs.v[best].text) < 0)
            return -1;
        const char *cn = st->adr_countries.v[st->adrs.v[best].order];
        if (*cn && !out->country && lead_set(&out->country, cn) < 0)
            return -1;
    }
    return 0;
}

static int vcard_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                        struct lead_fields *out)
{
    const char *p = (const char *)u;
    size_t i = 0;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < n && isspace((unsigned char)p[i]))
        i++;
    if (n - i < 11 || strncasecmp(p + i, "BEGIN:VCARD", 11) != 0)
        return 0;

    struct vstate st = {.ctx = ctx, .out = out, .version = detect_version(p, n)};
    struct vread rd = {0};
    struct buf line = {0};
    int rc = -1;
    if (lead_set(&out->format, "vcard") < 0)
        return -1;
    i = phys_line(p, n, i, &(size_t){0}); /* past BEGIN:VCARD */
    while (i < n && !rd.ended) {
        if (unfold(p, n, &i, st.version, &line) < 0)
            goto out;
        if (line.len && handle_line(&st, &rd, line.data, line.len) < 0)
            goto out;
    }
    if (finish(&st, &rd, p, n, i) < 0)
        goto out;
    rc = 1;
out:
    buf_free(&line);
    rl_free(&st.emails);
    rl_free(&st.tels);
    rl_free(&st.adrs);
    rl_free(&st.urls);
    rl_free(&st.langs);
    strv_free(&st.adr_countries);
    free(st.fn);
    free(st.role);
    return rc;
}

const struct decoder decode_vcard = {"vcard", vcard_decode};
