// SPDX-License-Identifier: Apache-2.0
/*
 * store_handout — the handouts table (migration 10): what the kiosk gave a
 * visitor. Two kinds:
 *
 *   - "print": a slip sent to the receipt printer (the print log). The kiosk
 *     asks "already printed — print again?" when a lead has one that did
 *     not fail; the printer's answer ends it (done, or failed with why).
 *   - "mail": the follow-up e-mail of an smtp sink. Its Message-ID is made
 *     once, recorded before the first attempt, and every retry carries it,
 *     so a message delivered twice (an answer lost after the server took
 *     it) is the same message to the visitor's mail system; once one is
 *     done the sink sends no other to that lead.
 *
 * A handout starts "trying" and ends "done" or "failed" (with the reason),
 * once. Rows go with their lead (ON DELETE CASCADE). Every statement is
 * prepared once per connection (store_db.h); strings passed in are
 * borrowed for the call. Same thread rules as the store.
 */
#ifndef MB_STORE_HANDOUT_H
#define MB_STORE_HANDOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct store;
struct cJSON;

enum store_handout_kind { STORE_HANDOUT_PRINT, STORE_HANDOUT_MAIL };

enum store_handout_state {
    STORE_HANDOUT_TRYING, /* queued at the printer; an e-mail not yet confirmed */
    STORE_HANDOUT_DONE,   /* printed; taken by the mail server */
    STORE_HANDOUT_FAILED, /* with the reason */
};

#define STORE_HANDOUT_CHANNEL_MAX 128
#define STORE_HANDOUT_REF_MAX     256
#define STORE_HANDOUT_REASON_MAX  300

struct store_handout {
    int64_t id;
    enum store_handout_kind kind;
    enum store_handout_state state;
    char channel[STORE_HANDOUT_CHANNEL_MAX]; /* the printer's device id, or the sink's name */
    char ref[STORE_HANDOUT_REF_MAX];         /* mail: the Message-ID; "" for a slip */
    char reason[STORE_HANDOUT_REASON_MAX];   /* "" unless failed */
    int64_t lead_version;                    /* the lead's version when it was made */
    int64_t created_ms, done_ms;             /* done_ms 0 while trying */
};

/*
 * Records a new handout of kind for lead_id at lead_version, "trying", on
 * channel (a printer's device id, a sink's name) with ref (NULL: ""),
 * durably. *id (may be NULL) gets its id. 0, or -1 with e (ERR_INVALID for
 * a channel or ref over its limit, SQLite's error for a lead that does not
 * exist).
 */
int store_handout_add(struct store *s, const char *lead_id, enum store_handout_kind kind,
                      const char *channel, const char *ref, int64_t lead_version, int64_t now_ms,
                      int64_t *id, struct err *e);

/*
 * Ends handout id: done, or failed with reason (NULL: none; cut to
 * STORE_HANDOUT_REASON_MAX). Only a handout still trying changes. Returns 1
 * when it changed, 0 when it had ended already (or does not exist), -1 with
 * e.
 */
int store_handout_end(struct store *s, int64_t id, bool done, const char *reason, int64_t now_ms,
                      struct err *e);

/*
 * The newest handout of kind for lead_id, on channel (NULL: any). Returns
 * 0 with *out filled, 1 when there is none, -1 with e.
 */
int store_handout_last(struct store *s, const char *lead_id, enum store_handout_kind kind,
                       const char *channel, struct store_handout *out, struct err *e);

/* The number of handouts of kind for lead_id that did not fail (trying or
 * done), or -1 with e. */
int64_t store_handout_count(struct store *s, const char *lead_id, enum store_handout_kind kind,
                            struct err *e);

/*
 * The handouts of lead_id (NULL: of every lead, newest first, at most max)
 * as a JSON array of {"id", "lead", "kind", "channel", "ref", "version",
 * "state", "reason", "created_at_ms", "done_at_ms"} in *out (the caller's).
 * 0, or -1 with e.
 */
int store_handout_list(struct store *s, const char *lead_id, int max, struct cJSON **out,
                       struct err *e);

#endif
