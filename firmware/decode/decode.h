// SPDX-License-Identifier: Apache-2.0
/*
 * decode — turns a scan's bytes into a lead's fields.
 *
 * Each format is a module (decode_vcard.c, decode_mecard.c …) behind struct
 * decoder, all listed in decoder_table (decode.c). A show's profile
 * ([show.ID] decoders = …) names the decoders to try, in order; the first
 * that recognises the payload wins. A payload nobody recognises is still
 * kept: format "unknown", raw bytes stored by the caller.
 */
#ifndef MB_DECODE_H
#define MB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/lead.h"

struct config;
struct store;

struct decode_ctx {
    const struct config *cfg; /* may be NULL: built-in defaults */
    const char *show_section; /* "show.ID", or NULL: every decoder, defaults */
    struct store *store;      /* for the roster lookup; may be NULL */
};

struct decoder {
    const char *id; /* as named in the config: "vcard", "mecard", … */
    /*
     * Returns 1 if the payload is of this format (out filled, possibly with
     * warnings), 0 if it is not (out untouched), -1 on ENOMEM.
     * Must accept any bytes: NULs, invalid UTF-8, n == 0.
     */
    int (*decode)(const struct decode_ctx *ctx, const uint8_t *p, size_t n,
                  struct lead_fields *out);
};

/* Every decoder, NULL-terminated, in the default order. */
extern const struct decoder *const decoder_table[];

/* The decoder named id, or NULL. */
const struct decoder *decode_find(const char *id);

/*
 * Checks the decoding keys of show section (decoders, id_pattern, url_pattern,
 * delimited_map). Returns 0, or -1 with e like "[show.x] id_pattern: …".
 * show_load() calls it, so a running daemon never meets a bad profile.
 */
int decode_check_profile(const struct config *cfg, const char *section, struct err *e);

/*
 * Decodes p[0..n) with the show's decoders. A payload that opens with a
 * UTF-16 or UTF-32 byte-order mark is converted to UTF-8 first; one that is
 * not valid UTF-8 gets a charset guess (charset.h). out must be zeroed; it is always
 * filled (format "unknown" when nothing matched). Returns 0, or -1 on ENOMEM
 * (out freed) or a bad profile (e names the config key; out is then an
 * "unknown" record with the error as a warning, so the scan can still be
 * kept).
 */
int decode_payload(const struct decode_ctx *ctx, const uint8_t *p, size_t n,
                   struct lead_fields *out, struct err *e);

#endif
