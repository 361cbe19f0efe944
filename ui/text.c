// SPDX-License-Identifier: Apache-2.0
/*
 * text — untrusted text from the page (see text.h).
 */
#include "ui/text.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "firmware/base/buf.h"

const char *text_member(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

char *text_clean(const char *s, size_t max)
{
    if (!s)
        return NULL;
    struct buf b = {0};
    for (; *s && b.len < max; s++)
        if ((unsigned char)*s >= 0x20 || *s == '\n')
            buf_addc(&b, *s);
    return buf_steal(&b);
}

const char *text_lang(const char *lang)
{
    static const char *const langs[] = {"en", "zh-Hant", "zh-Hans", "de", "fr", "es", "hi"};
    for (size_t i = 0; lang && i < sizeof langs / sizeof langs[0]; i++)
        if (!strcmp(lang, langs[i]))
            return langs[i];
    return "en";
}
