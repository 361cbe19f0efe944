// SPDX-License-Identifier: Apache-2.0
/*
 * store_roster — the roster table: an organizer's attendee list, one row per
 * show and badge id, so that a badge carrying only an id becomes a named
 * lead offline. The CSV reading lives in firmware/decode/roster.c; this
 * module only stores rows and looks them up.
 *
 * Replacing a show's roster is one transaction (store_roster_begin … put …
 * store_roster_commit): a failed import leaves the old roster in place, and
 * while it runs the page cache is enlarged (a million rows in one
 * transaction would otherwise spill the B-tree to the WAL over and over).
 * Same thread rules as the store.
 */
#ifndef MB_STORE_ROSTER_H
#define MB_STORE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/lead.h"

struct store;
struct store_roster;

/* The columns of a roster row, in this order (the same order as
 * decode_util.h's DF_BADGE_ID .. DF_LANG). */
enum store_roster_col {
    ROSTER_BADGE_ID,
    ROSTER_FULL_NAME,
    ROSTER_GIVEN_NAME,
    ROSTER_FAMILY_NAME,
    ROSTER_COMPANY,
    ROSTER_TITLE,
    ROSTER_EMAIL,
    ROSTER_PHONE,
    ROSTER_URL,
    ROSTER_ADDRESS,
    ROSTER_COUNTRY,
    ROSTER_LANG, /* the attendee's language, as the organizer wrote it */
    ROSTER_COLS
};

/* One value of a row: len bytes of UTF-8 at text (not NUL-terminated, only
 * borrowed for the call); text NULL stores NULL. */
struct store_roster_value {
    const char *text;
    size_t len;
};

/*
 * Starts replacing show's roster (show is copied): BEGIN IMMEDIATE, then
 * removes the show's rows (other shows' rosters are untouched). Returns the
 * import, or NULL with e set (ERR_BUSY when another writer holds the store;
 * nothing changed). Finish with store_roster_commit() or
 * store_roster_abort().
 */
struct store_roster *store_roster_begin(struct store *s, const char *show, struct err *e);

/*
 * Stores one row. A badge id that came earlier in this import has its row
 * replaced by this one (organizers append corrections at the end of their
 * exports). Returns 1 for a new row, 0 for a replaced one, or -1 with e set
 * (ERR_INVALID "no badge id" when v[ROSTER_BADGE_ID] is empty; otherwise
 * SQLite's message alone: the caller names the file and line). After -1
 * the row is not stored; the import may go on or be aborted.
 */
int store_roster_put(struct store_roster *r, const struct store_roster_value v[ROSTER_COLS],
                     struct err *e);

/* Commits the import and frees r. Returns 0, or -1 with e set (rolled back:
 * the old roster stays). */
int store_roster_commit(struct store_roster *r, struct err *e);

/* Rolls the import back and frees r (NULL-safe). */
void store_roster_abort(struct store_roster *r);

/*
 * Looks badge_id up in show's roster and merges the row into out (fields out
 * already has are kept). out->lang, when NULL, gets the row's language as
 * the organizer wrote it: unchecked (the decoders check it, see
 * decode_util_lang_put()). Returns 1 if found, 0 if not (or when the store has
 * no roster table: an old store opened read-only), -1 with e set on a
 * database error or out of memory.
 */
int store_roster_lookup(struct store *s, const char *show, const char *badge_id,
                        struct lead_fields *out, struct err *e);

/* Rows in show's roster, or -1 with e set. */
int64_t store_roster_count(struct store *s, const char *show, struct err *e);

#endif
