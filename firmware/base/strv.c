// SPDX-License-Identifier: Apache-2.0
/*
 * strv — owned string vectors.
 */
#include "firmware/base/strv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int strv_push(struct strv *sv, const char *s)
{
    if (!s)
        return 0;
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 4;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (!v)
            return -1;
        sv->v = v;
        sv->cap = cap;
    }
    char *c = strdup(s);
    if (!c)
        return -1;
    sv->v[sv->n++] = c;
    return 0;
}

long strv_find(const struct strv *sv, const char *s)
{
    for (size_t i = 0; s && i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return (long)i;
    return -1;
}

int strv_push_unique(struct strv *sv, const char *s)
{
    if (!s || strv_find(sv, s) >= 0)
        return 0;
    return strv_push(sv, s);
}

void strv_free(struct strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

int strv_split(struct strv *sv, const char *s, char sep)
{
    while (s && *s) {
        const char *end = strchr(s, sep);
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *a = s, *b = s + len;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            char *item = strndup(a, (size_t)(b - a));
            if (!item)
                return -1;
            int rc = strv_push(sv, item);
            free(item);
            if (rc < 0)
                return -1;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}
