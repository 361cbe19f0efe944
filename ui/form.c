// SPDX-License-Identifier: Apache-2.0
/*
 * form — questions, choices, answers and their categories (see form.h).
 */
#include "ui/form.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/strv.h"
#include "ui/text.h"

/* The member of array whose "id" is id (may be NULL), or NULL. */
static const cJSON *by_id(const cJSON *array, const char *id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, array)
    {
        const char *v = text_member(it, "id");
        if (v && id && !strcmp(v, id))
            return it;
    }
    return NULL;
}

const cJSON *form_question(const cJSON *form, const char *qid)
{
    return by_id(cJSON_GetObjectItem(form, "questions"), qid);
}

const cJSON *form_choice(const cJSON *q, const char *cid)
{
    return by_id(cJSON_GetObjectItem(q, "choices"), cid);
}

char *form_answer(const cJSON *q, const cJSON *v)
{
    const char *type = text_member(q, "type");
    if (!type)
        return NULL;
    if (!strcmp(type, "single")) {
        return cJSON_IsString(v) && form_choice(q, v->valuestring) ? cJSON_PrintUnformatted(v)
                                                                   : NULL;
    }
    if (!strcmp(type, "multi")) {
        if (!cJSON_IsArray(v))
            return NULL;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it) || !form_choice(q, it->valuestring))
                return NULL;
        }
        return cJSON_PrintUnformatted(v);
    }
    if (!strcmp(type, "text") && cJSON_IsString(v)) {
        char *t = text_clean(v->valuestring, TEXT_LONG_MAX);
        cJSON *s = cJSON_CreateString(t ? t : "");
        char *out = cJSON_PrintUnformatted(s);
        cJSON_Delete(s);
        free(t);
        return out;
    }
    return NULL;
}

void form_categories(const cJSON *form, const cJSON *lead, struct strv *out)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(lead, "answers"))
    {
        const cJSON *q = form_question(form, a->string);
        if (!q)
            continue;
        const cJSON *picked = cJSON_IsArray(a) ? a->child : a, *next;
        for (const cJSON *p = picked; p; p = next) {
            next = cJSON_IsArray(a) ? p->next : NULL;
            const cJSON *ch = cJSON_IsString(p) ? form_choice(q, p->valuestring) : NULL;
            const char *cat = text_member(ch, "category");
            if (cat)
                strv_push_unique(out, cat);
        }
    }
}
