// SPDX-License-Identifier: Apache-2.0
/*
 * lead — a visitor's normalised contact fields, as the decoders produce them
 * and the store keeps them, and the record of a stored lead.
 *
 * Every string is owned by the struct (malloc'd, UTF-8, never NULL-checked by
 * readers beyond "NULL means absent"). lead_fields_free() releases them.
 */
#ifndef MB_LEAD_H
#define MB_LEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/strv.h"

struct cJSON;

struct lead_fields {
    char *format; /* decoder that read it: "vcard", "mecard", …, "unknown" */
    char *badge_id;
    char *full_name;
    char *given_name;
    char *family_name;
    char *company;
    char *title;
    char *address;
    char *country; /* ISO 3166-1 alpha-2 when known */
    /* The visitor's language as the badge or the roster says it (vCard LANG,
     * a "lang" key or column): a BCP 47 tag such as "zh-Hant" or "hi-IN",
     * checked by the decoders. Not a column of the leads table: it travels
     * with the scan's "lead" event, so the kiosk can greet in it. */
    char *lang;
    struct strv emails;
    struct strv phones; /* E.164 where the country is known, else as written */
    struct strv urls;
    struct strv warnings; /* what the decoder could not read, for staff */
};

/* Where a lead came from (the store's `source` column). */
enum lead_source { LEAD_SRC_SCANNER, LEAD_SRC_CARD, LEAD_SRC_MANUAL, LEAD_SRC_IMPORT };

/* "scanner", "card", "manual", "import". */
const char *lead_source_name(enum lead_source s);
/* Parses a source name; returns -1 if unknown. */
int lead_source_parse(const char *name);

void lead_fields_free(struct lead_fields *f);

/* Replaces *slot with a copy of s (NULL or "" clears it). 0, or -1 on ENOMEM. */
int lead_set(char **slot, const char *s);

/*
 * Merges src into dst: empty scalar fields of dst are filled from src, new
 * emails/phones/urls are appended; what dst already has is kept. lang is not
 * merged: it is not stored, so a re-scan that carries one must not count as
 * a change of the stored lead (callers that want it copy it themselves).
 * Returns the number of fields that changed, or -1 on ENOMEM.
 */
int lead_fields_merge(struct lead_fields *dst, const struct lead_fields *src);

/* True when the decoder found nothing that identifies a person. */
bool lead_fields_empty(const struct lead_fields *f);

/*
 * The de-duplication key of a visitor within a show: "id:<badge_id>", else
 * "email:<first email, lower-cased>", else "raw:<sha256 of payload hex>".
 * Returns a malloc'd string, or NULL on ENOMEM.
 */
char *lead_identity(const struct lead_fields *f, const uint8_t *raw, size_t rawlen);

/*
 * Adds the fields to obj as JSON members (format, badge_id, full_name, …,
 * emails, phones, urls, address, country, warnings); absent scalars become
 * null and absent lists []. "lang" is added only when set (stored leads have
 * none, so exports do not change). Returns 0 or -1 on ENOMEM.
 */
int lead_fields_to_json(const struct lead_fields *f, struct cJSON *obj);

/* Reads the members lead_fields_to_json() writes; unknown members ignored. */
int lead_fields_from_json(struct lead_fields *f, const struct cJSON *obj);

#endif
