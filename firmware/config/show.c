// SPDX-License-Identifier: Apache-2.0
/*
 * show — loading a show's profile from the config and its form file, and
 * the lookups in that form.
 */
#include "firmware/config/show.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode.h"
#include "firmware/config/config.h"

/* Reads a whole file into b (NUL-terminated). */
static int read_file(const char *path, struct buf *b, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(b, chunk, n) < 0) {
            fclose(f);
            return err_set(e, ERR_INTERNAL, "%s: out of memory", path);
        }
    int bad = ferror(f);
    fclose(f);
    return bad ? err_set(e, ERR_IO, "%s: read error", path) : 0;
}

int show_load(const struct config *cfg, const char *id, struct show *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (!id || !*id)
        return err_set(e, ERR_INVALID, "%s: [kiosk] show: no show is set", config_file(cfg));
    struct strv secs = {0};
    char section[256];
    snprintf(section, sizeof section, "show.%s", id);
    config_sections(cfg, section, &secs);
    bool found = strv_find(&secs, section) >= 0;
    strv_free(&secs);
    if (!found)
        return err_set(e, ERR_NOTFOUND, "%s: [kiosk] show: no section [%s]", config_file(cfg),
                       section);
    const char *name = config_str(cfg, section, "name");
    out->id = strdup(id);
    out->section = strdup(section);
    out->name = strdup(name && *name ? name : id);
    out->timezone = strdup(config_str(cfg, section, "timezone"));
    out->country = strdup(config_str(cfg, section, "country"));
    if (!out->id || !out->section || !out->name || !out->timezone || !out->country)
        goto oom;
    /* A bad decoding profile is found when the show loads, not at the
     * first scan (which would otherwise have nothing to decode it with). */
    if (decode_check_profile(cfg, section, e) < 0)
        goto fail;
    const char *form = config_str(cfg, section, "form");
    if (form && *form) {
        struct buf b = {0};
        if (read_file(form, &b, e) < 0) {
            buf_free(&b);
            err_wrap(e, "[%s] form", section);
            goto fail;
        }
        const char *where = NULL;
        out->form = cJSON_ParseWithOpts(b.data ? b.data : "", &where, 1);
        if (!out->form || !cJSON_IsObject(out->form)) {
            err_set(e, ERR_INVALID, "[%s] form: %s: not a JSON object (near byte %ld)", section,
                    form, where && b.data ? (long)(where - b.data) : 0L);
            buf_free(&b);
            goto fail;
        }
        buf_free(&b);
    } else if (!(out->form = cJSON_CreateObject())) {
        goto oom;
    }
    return 0;
oom:
    err_set(e, ERR_INTERNAL, "show %s: out of memory", id);
fail:
    show_free(out);
    return -1;
}

void show_free(struct show *s)
{
    free(s->id);
    free(s->section);
    free(s->name);
    free(s->timezone);
    free(s->country);
    cJSON_Delete(s->form);
    memset(s, 0, sizeof *s);
}

/* The member of array whose string member k is v (may be NULL), or NULL. */
static const cJSON *by_key(const cJSON *array, const char *k, const char *v)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, array)
    {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(it, k));
        if (s && v && !strcmp(s, v))
            return it;
    }
    return NULL;
}

const cJSON *show_question(const cJSON *form, const char *qid)
{
    return by_key(cJSON_GetObjectItem(form, "questions"), "id", qid);
}

const cJSON *show_choice(const cJSON *q, const char *cid)
{
    return by_key(cJSON_GetObjectItem(q, "choices"), "id", cid);
}

const cJSON *show_consent(const cJSON *form, const char *purpose)
{
    return by_key(cJSON_GetObjectItem(form, "consents"), "purpose", purpose);
}

void show_categories(const cJSON *form, const cJSON *lead, struct strv *out)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(lead, "answers"))
    {
        const cJSON *q = show_question(form, a->string);
        if (!q)
            continue;
        const cJSON *picked = cJSON_IsArray(a) ? a->child : a, *next;
        for (const cJSON *p = picked; p; p = next) {
            next = cJSON_IsArray(a) ? p->next : NULL;
            const cJSON *ch = cJSON_IsString(p) ? show_choice(q, p->valuestring) : NULL;
            const char *cat = cJSON_GetStringValue(cJSON_GetObjectItem(ch, "category"));
            if (cat)
                strv_push_unique(out, cat);
        }
    }
}
