// SPDX-License-Identifier: Apache-2.0
/*
 * form — a visitor's answers checked against the show's form (see form.h).
 */
#include "ui/form.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/config/show.h"
#include "ui/text.h"

/* The lookups are the show's (firmware/config/show.h), shared with the
 * follow-up e-mail. */
const cJSON *form_question(const cJSON *form, const char *qid)
{
    return show_question(form, qid);
}

const cJSON *form_choice(const cJSON *q, const char *cid)
{
    return show_choice(q, cid);
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
