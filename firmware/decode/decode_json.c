// SPDX-License-Identifier: Apache-2.0
/*
 * decode_json — a JSON object or array (an organizer's own badge format, or
 * Indico's [2, "https://indico…", "<uuid>"]).
 *
 * The show's json_map names where each field is: "badge_id=2,
 * full_name=attendee.name" (a path of object keys and array indexes joined by
 * '.'). Fields the map does not name are looked for under their usual key
 * names ("email", "first_name", "company" …) in the top object and in the
 * objects directly inside it that hold the person ("attendee", "contact" …). Parsed with cJSON.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/decode/decode_util.h"

/* Follows path (p[0..n), '.'-separated) from root. */
static const cJSON *json_path(const cJSON *root, const char *p, size_t n)
{
    const cJSON *cur = root;
    size_t i = 0;
    while (cur && i <= n) {
        size_t j = i;
        while (j < n && p[j] != '.')
            j++;
        char seg[128];
        size_t sl = j - i;
        if (sl == 0 || sl >= sizeof seg)
            return NULL;
        memcpy(seg, p + i, sl);
        seg[sl] = 0;
        if (cJSON_IsArray(cur)) {
            char *end;
            long idx = strtol(seg, &end, 10);
            cur = (*end || idx < 0) ? NULL : cJSON_GetArrayItem(cur, (int)idx);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        } else {
            return NULL;
        }
        i = j + 1;
        if (j >= n)
            break;
    }
    return cur;
}

/* Puts a JSON value (string, number, or array of them) into field id. */
static int put_value(const struct decode_ctx *ctx, struct lead_fields *out, int id, const cJSON *v,
                     int depth)
{
    if (cJSON_IsString(v) && v->valuestring)
        return decode_util_field_put(ctx, out, id, v->valuestring, strlen(v->valuestring), "json");
    if (cJSON_IsNumber(v)) {
        char num[64];
        double d = v->valuedouble;
        if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
            snprintf(num, sizeof num, "%lld", (long long)d);
        else
            snprintf(num, sizeof num, "%.17g", d);
        return decode_util_field_put(ctx, out, id, num, strlen(num), "json");
    }
    if (cJSON_IsArray(v) && depth == 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (put_value(ctx, out, id, it, 1) < 0)
                return -1;
            if (id != DF_EMAIL && id != DF_PHONE && id != DF_URL)
                break; /* scalars: the first one */
        }
    }
    return 0;
}

static bool person_key(const char *k)
{
    static const char *const keys[] = {"attendee", "person",  "visitor", "contact", "participant",
                                       "user",     "profile", "badge",   "guest",   "registrant",
                                       "delegate", "lead",    "data"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcasecmp(k, keys[i]))
            return true;
    return false;
}

/* Usual key names in obj (and one level of objects inside it). */
static int guess(const struct decode_ctx *ctx, struct lead_fields *out, const cJSON *obj,
                 const unsigned char *mapped, int depth)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (!it->string)
            continue;
        int id = decode_util_field_id(it->string, strlen(it->string));
        if (id >= 0 && id != DF_SKIP && !mapped[id]) {
            if (put_value(ctx, out, id, it, 0) < 0)
                return -1;
        }
    }
    if (depth == 0) {
        /* Only objects that hold the person: {"event": {"name": …}} must not
         * name the visitor after the event. */
        cJSON_ArrayForEach(it, obj)
        {
            if (cJSON_IsObject(it) && it->string && person_key(it->string) &&
                guess(ctx, out, it, mapped, 1) < 0)
                return -1;
        }
    }
    return 0;
}

static int nothing(const struct lead_fields *f)
{
    return !f->badge_id && !f->full_name && !f->given_name && !f->family_name && !f->company &&
           !f->title && !f->address && !f->country && !f->emails.n && !f->phones.n && !f->urls.n;
}

static int json_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                       struct lead_fields *out)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < n && isspace(u[i]))
        i++;
    if (i >= n || (u[i] != '{' && u[i] != '['))
        return 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)u + i, n - i, &end, 0);
    if (!root)
        return 0; /* not JSON after all (or truncated): another decoder may know it */
    const char *last = (const char *)u + n;
    while (end && end < last && isspace((unsigned char)*end))
        end++;
    if (end != last) {
        cJSON_Delete(root);
        return 0; /* JSON followed by something else */
    }
    int rc = -1;
    unsigned char mapped[DF_COUNT] = {0};
    if (lead_set(&out->format, "json") < 0)
        goto out;
    const char *map = decode_util_profile(ctx, "json_map");
    const char *s = map;
    while (*s) {
        size_t len = strcspn(s, ",");
        const char *eq = memchr(s, '=', len);
        if (eq) {
            const char *k = s, *pe = s + len;
            while (k < eq && isspace((unsigned char)*k))
                k++;
            const char *ke = eq;
            while (ke > k && isspace((unsigned char)ke[-1]))
                ke--;
            const char *v = eq + 1;
            while (v < pe && isspace((unsigned char)*v))
                v++;
            while (pe > v && isspace((unsigned char)pe[-1]))
                pe--;
            int id = decode_util_field_id(k, (size_t)(ke - k));
            if (id >= 0 && id != DF_SKIP) {
                mapped[id] = 1;
                const cJSON *val = json_path(root, v, (size_t)(pe - v));
                if (val && put_value(ctx, out, id, val, 0) < 0)
                    goto out;
            }
        }
        s += len;
        if (*s == ',')
            s++;
    }
    if (cJSON_IsObject(root) && guess(ctx, out, root, mapped, 0) < 0)
        goto out;
    if (nothing(out) &&
        decode_util_warn(&out->warnings, "json: no field found (set json_map for this show)") < 0)
        goto out;
    rc = 1;
out:
    cJSON_Delete(root);
    return rc;
}

const struct decoder decode_json = {"json", json_decode};
