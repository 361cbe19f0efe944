// SPDX-License-Identifier: Apache-2.0
/*
 * roster — an organizer's attendee list, imported from CSV into the store
 * (table roster, one row per show and badge id: store_roster.h, which also
 * looks badge ids up), so a badge that carries only an id becomes a named
 * lead offline.
 *
 * Import reads any delimiter (detected from the header line), UTF-8 with or
 * without a BOM (Windows-1252 where a field is not UTF-8), quoted fields with
 * embedded newlines and "" quotes. Columns are matched to lead fields by
 * their header ("Registration ID", "First Name", "E-mail" …) or by an
 * explicit map. Importing again replaces the show's roster in one
 * transaction, so a failed import leaves the old one.
 */
#ifndef MB_ROSTER_H
#define MB_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/lead.h"

struct store;

struct roster_stats {
    int64_t rows;       /* rows stored */
    int64_t skipped;    /* rows without a badge id */
    int64_t duplicates; /* rows whose id came again (the last one wins) */
    char delimiter;
};

/*
 * Imports path ("-" for stdin) as show's roster. map is NULL or
 * "field=Column Header,…" (fields as lead field names: badge_id, full_name,
 * given_name, family_name, company, title, email, phone, url, address,
 * country, lang) and overrides the header guesses. Returns 0 with st filled, or -1
 * with e set (unreadable file, no badge id column, a bad map, SQLite's error);
 * on error nothing changed.
 */
int roster_import(struct store *s, const char *show, const char *path, const char *map,
                  struct roster_stats *st, struct err *e);

#endif
