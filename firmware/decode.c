/*
 * decode — the decoder table and the driver that runs a show's decoders in
 * order. PLACEHOLDER for the foundation: only a minimal MeCard reader; the
 * real decoders (vCard, MeCard, URL, JSON, delimited, roster) replace it.
 */
#include "firmware/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MECARD:N:Doe,Jane;ORG:Acme;EMAIL:a@b;TEL:+1…;UID:X;; (no escapes yet). */
static int mecard_decode(const struct decode_ctx *ctx, const uint8_t *p, size_t n,
                         struct lead_fields *out)
{
    if (n < 7 || memcmp(p, "MECARD:", 7) != 0)
        return 0;
    char *s = strndup((const char *)p + 7, n - 7);
    if (!s)
        return -1;
    int rc = 1;
    char *save = NULL;
    for (char *tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        if (!strcmp(tok, "N")) {
            char *comma = strchr(colon + 1, ',');
            if (comma) {
                *comma = '\0';
                lead_set(&out->family_name, colon + 1);
                lead_set(&out->given_name, comma + 1);
                char full[512];
                snprintf(full, sizeof full, "%s %s", comma + 1, colon + 1);
                lead_set(&out->full_name, full);
            } else {
                lead_set(&out->full_name, v);
            }
        } else if (!strcmp(tok, "ORG")) {
            lead_set(&out->company, v);
        } else if (!strcmp(tok, "EMAIL")) {
            strv_push(&out->emails, v);
        } else if (!strcmp(tok, "TEL")) {
            strv_push(&out->phones, v);
        } else if (!strcmp(tok, "UID")) {
            lead_set(&out->badge_id, v);
        } else if (!strcmp(tok, "TITLE")) {
            lead_set(&out->title, v);
        }
    }
    free(s);
    if (lead_set(&out->format, "mecard") < 0)
        rc = -1;
    return rc;
}

static const struct decoder mecard = {"mecard", mecard_decode};

const struct decoder *const decoder_table[] = {&mecard, NULL};

const struct decoder *decode_find(const char *id)
{
    for (int i = 0; decoder_table[i]; i++)
        if (!strcmp(decoder_table[i]->id, id))
            return decoder_table[i];
    return NULL;
}

int decode_payload(const struct decode_ctx *ctx, const uint8_t *p, size_t n,
                   struct lead_fields *out, struct err *e)
{
    for (int i = 0; decoder_table[i]; i++) {
        int rc = decoder_table[i]->decode(ctx, p, n, out);
        if (rc < 0) {
            lead_fields_free(out);
            return err_set(e, ERR_INTERNAL, "decode: out of memory");
        }
        if (rc > 0)
            return 0;
    }
    if (lead_set(&out->format, "unknown") < 0)
        return err_set(e, ERR_INTERNAL, "decode: out of memory");
    return 0;
}
