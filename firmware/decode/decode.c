// SPDX-License-Identifier: Apache-2.0
/*
 * decode — the decoder table and the show-profile driven decoding of one
 * payload (see decode.h). The formats themselves live in decode_<id>.c.
 */
#include "firmware/decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "firmware/config/config.h"
#include "firmware/decode/charset.h"
#include "firmware/decode/decode_util.h"
#include "firmware/store/store_roster.h"

const struct decoder *const decoder_table[] = {
    &decode_vcard,     &decode_mecard, &decode_json, &decode_url,
    &decode_delimited, &decode_roster, NULL,
};

const struct decoder *decode_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; decoder_table[i]; i++)
        if (!strcmp(decoder_table[i]->id, id))
            return decoder_table[i];
    return NULL;
}

/* The show's decoders, in order; checks the profile's keys. Returns the
 * count, or -1 with e set (ENOMEM or a bad key). */
static int profile_decoders(const struct decode_ctx *ctx, const struct decoder **ds, int max,
                            struct err *e)
{
    const char *sec = ctx->show_section ? ctx->show_section : "show";
    struct strv names = {0};
    int n = 0;
    if (ctx->cfg && ctx->show_section) {
        if (config_list(ctx->cfg, ctx->show_section, "decoders", &names) < 0)
            return err_set(e, ERR_INTERNAL, "decode: out of memory");
    } else if (strv_split(&names, DECODE_DEFAULT_DECODERS, ',') < 0) {
        return err_set(e, ERR_INTERNAL, "decode: out of memory");
    }
    for (size_t i = 0; i < names.n; i++) {
        const struct decoder *d = decode_find(names.v[i]);
        if (!d) {
            err_set(e, ERR_INVALID, "[%s] decoders: unknown decoder '%.60s'", sec, names.v[i]);
            strv_free(&names);
            return -1;
        }
        if (n < max)
            ds[n++] = d;
    }
    strv_free(&names);
    static const char *const patterns[] = {"id_pattern", "url_pattern"};
    char msg[200];
    for (size_t i = 0; i < 2; i++)
        if (decode_util_regex_check(ctx, patterns[i], msg) < 0)
            return err_set(e, ERR_INVALID, "[%s] %s: %s", sec, patterns[i], msg);
    if (decode_delimited_check(ctx, msg, 100) < 0)
        return err_set(e, ERR_INVALID, "[%s] delimited_map: %s", sec, msg);
    return n;
}

int decode_check_profile(const struct config *cfg, const char *section, struct err *e)
{
    struct decode_ctx ctx = {cfg, section, NULL};
    const struct decoder *ds[32];
    return profile_decoders(&ctx, ds, 32, e) < 0 ? -1 : 0;
}

/* The roster's language for the attendee, as the organizer wrote it:
 * checked and canonicalised like a badge's, or dropped with a warning. */
static int roster_lang(struct lead_fields *out)
{
    char *raw = out->lang;
    out->lang = NULL;
    int rc = decode_util_lang_put(out, raw, "roster lang");
    free(raw);
    return rc;
}

/* The roster a show looks ids up in: its `roster` key, else its own id. */
static const char *roster_show(const struct decode_ctx *ctx)
{
    const char *r = decode_util_profile(ctx, "roster");
    if (*r)
        return r;
    if (ctx->show_section && !strncmp(ctx->show_section, "show.", 5))
        return ctx->show_section + 5;
    return NULL;
}

int decode_payload(const struct decode_ctx *ctx, const uint8_t *p, size_t n,
                   struct lead_fields *out, struct err *e)
{
    static const struct decode_ctx none = {0};
    if (!ctx)
        ctx = &none;
    if (!p)
        n = 0;
    const struct decoder *ds[32];
    int nd = profile_decoders(ctx, ds, 32, e);
    if (nd < 0) {
        /* A bad profile must not lose the scan: the caller gets an unknown
         * record to store along with the error to report. */
        if (lead_set(&out->format, "unknown") < 0 ||
            decode_util_warn(&out->warnings, "decode: %s", e ? e->msg : "bad show profile") < 0) {
            lead_fields_free(out);
            return err_set(e, ERR_INTERNAL, "decode: out of memory");
        }
        return -1;
    }
    static const uint8_t empty[1];
    const uint8_t *bytes = p ? p : empty;
    /* A UTF-16/32 payload (a vCard saved by an address book) is read as the
     * UTF-8 it says it is; the scan itself keeps the bytes as read. */
    uint8_t *unbommed = NULL;
    int r = charset_unbom(bytes, n, &unbommed, &n);
    if (r < 0)
        goto nomem;
    if (r == 1)
        bytes = unbommed;
    char guess[48];
    decode_util_guess_set(
        decode_util_utf8_valid(bytes, n) ? NULL : charset_detect(bytes, n, guess, sizeof guess));
    r = 0;
    for (int i = 0; i < nd && r == 0; i++)
        r = ds[i]->decode(ctx, bytes, n, out);
    decode_util_guess_set(NULL);
    free(unbommed);
    if (r < 0)
        goto nomem;
    if (r == 0 && lead_set(&out->format, "unknown") < 0)
        goto nomem;
    if (out->badge_id && ctx->store) {
        const char *rs = roster_show(ctx);
        struct err le = {0};
        bool had_lang = out->lang != NULL;
        int found = rs ? store_roster_lookup(ctx->store, rs, out->badge_id, out, &le) : 0;
        if (found < 0 && decode_util_warn(&out->warnings, "%s", le.msg) < 0)
            goto nomem;
        if (!had_lang && out->lang && roster_lang(out) < 0)
            goto nomem;
        if (found == 0 && !strcmp(out->format, "roster") &&
            decode_util_warn(&out->warnings, "roster: id not in the roster") < 0)
            goto nomem;
    } else if (out->badge_id && !strcmp(out->format, "roster") &&
               decode_util_warn(&out->warnings, "roster: no roster to look the id up in") < 0) {
        goto nomem;
    }
    if (decode_util_finish(ctx, out) < 0)
        goto nomem;
    return 0;
nomem:
    lead_fields_free(out);
    return err_set(e, ERR_INTERNAL, "decode: out of memory");
}
