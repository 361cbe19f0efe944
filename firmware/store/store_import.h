// SPDX-License-Identifier: Apache-2.0
/*
 * store_import — puts leads exported as NDJSON (export_ndjson.c) back into
 * a store, keeping their ids, times, fields, answers, consents, notes and
 * raw scans: how a kiosk that was offline for a week hands its leads to
 * head office on a USB stick.
 *
 * Keyed by lead id: a lead whose id the store already has is skipped whole
 * (its children too), so importing a file twice adds nothing the second
 * time. A lead keeps its original source ("scanner", "card" …; "import"
 * only when the file has none); the import itself is recorded in the
 * imports table (file, time, counts) and every lead it added points to that
 * row (leads.import_id), which the exports show as "Imported (UTC)".
 *
 * Same visitor, different id: when the show already has a lead with the
 * same identity (the same badge captured on two kiosks), the imported lead
 * is kept as its own lead, under identity "<identity>#<lead id>", and
 * counted as `apart`; nothing is merged silently.
 *
 * Sinks: an imported lead is queued (one pending outbox row per sink, as a
 * capture would be) only for the sinks passed to store_import_begin — the
 * caller decides, since the sending kiosk may have delivered it already
 * (its sync state is in the file).
 */
#ifndef MB_STORE_IMPORT_H
#define MB_STORE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/strv.h"

struct store;
struct cJSON;
struct store_import;

struct store_import_stats {
    int64_t added;   /* new leads */
    int64_t present; /* skipped: the store had their id */
    int64_t apart;   /* added, but the show had the same visitor under another id */
    int64_t scans;   /* raw scans added */
    int64_t queued;  /* outbox rows added (leads × sinks) */
};

/*
 * Starts an import from file (a name for the record; nothing is opened).
 * Every lead added is queued for each of sinks (copied; NULL or empty: for
 * none). Returns NULL with e set on failure. Free with store_import_end().
 */
struct store_import *store_import_begin(struct store *s, const char *file, const struct strv *sinks,
                                        struct err *e);

/*
 * Checks one lead object (as export_ndjson writes it) without touching the
 * store: 0, or -1 with e saying which member is wrong.
 */
int store_import_check(const struct cJSON *lead, struct err *e);

/*
 * Inserts the leads (each checked with store_import_check) in one
 * transaction: all of them or none. Adds to the running stats.
 */
int store_import_batch(struct store_import *im, struct cJSON *const *leads, size_t n,
                       struct err *e);

/* The counts so far. */
struct store_import_stats store_import_stats(const struct store_import *im);

void store_import_end(struct store_import *im); /* NULL-safe */

/* Whether lead_id came in through an import (leads.import_id): 1 when it
 * did, 0 when it was captured here, -1 with e (ERR_NOTFOUND: no such
 * lead). */
int store_import_lead(struct store *s, const char *lead_id, struct err *e);

#endif
