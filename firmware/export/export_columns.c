// SPDX-License-Identifier: Apache-2.0
/*
 * export_columns — the columns of the tabular formats (see
 * export_columns.h): the fixed ones, then one per question, three per
 * consent purpose and per operator, and one per sink.
 */
#include "firmware/export/export_columns.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The form's choices of question i (ids and labels in x->lang) and its
 * title (the id when the form has no text for it). */
static int question_info(struct export_ctx *x, size_t i, struct err *e)
{
    const char *title = NULL;
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(x->req->form, "questions"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(q, "id");
        if (!cJSON_IsString(id) || strcmp(id->valuestring, x->questions.v[i]) != 0)
            continue;
        const cJSON *ch;
        cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(q, "choices"))
        {
            const cJSON *cid = cJSON_GetObjectItemCaseSensitive(ch, "id");
            const char *label = form_text(cJSON_GetObjectItemCaseSensitive(ch, "text"), x->lang);
            if (cJSON_IsString(cid) && label && *label &&
                (strv_push(&x->choice_ids[i], cid->valuestring) < 0 ||
                 strv_push(&x->choice_labels[i], label) < 0))
                return err_set(e, ERR_INTERNAL, "export: out of memory");
        }
        title = form_text(cJSON_GetObjectItemCaseSensitive(q, "text"), x->lang);
        break;
    }
    strv_push(&x->question_titles, title && *title ? title : x->questions.v[i]);
    return 0;
}

int export_columns_find(struct export_ctx *x, struct store_export *snap, struct err *e)
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
    static const enum store_export_key keys[] = {STORE_EXPORT_QUESTIONS, STORE_EXPORT_PURPOSES,
                                                 STORE_EXPORT_OPERATORS, STORE_EXPORT_SINKS};
    struct strv *lists[] = {&x->questions, &x->purposes, &x->operators, &x->sinks};
    for (int i = 0; i < 4; i++) {
        struct strv found = {0};
        int rc = store_export_keys(snap, keys[i], &found, e);
        for (size_t k = 0; k < found.n && rc == 0; k++)
            if (strv_push_unique(lists[i], found.v[k]) < 0)
                rc = err_set(e, ERR_INTERNAL, "export: out of memory");
        strv_free(&found);
        if (rc < 0)
            return -1;
    }
    x->choice_ids = calloc(x->questions.n + 1, sizeof *x->choice_ids);
    x->choice_labels = calloc(x->questions.n + 1, sizeof *x->choice_labels);
    if (!x->choice_ids || !x->choice_labels)
        return err_set(e, ERR_INTERNAL, "export: out of memory");
    for (size_t i = 0; i < x->questions.n; i++)
        if (question_info(x, i, e) < 0)
            return -1;
    x->ncols = NFIXED + (int)x->questions.n + 3 * (int)x->purposes.n + 3 * (int)x->operators.n +
               (int)x->sinks.n;
    return 0;
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

void export_cell(struct export_ctx *x, const struct store_export_lead *l, int i,
                 struct export_cell *c)
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
            const struct store_export_consent *cs = &l->consents[k];
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
            const struct store_export_note *n = &l->notes[k];
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
