// SPDX-License-Identifier: Apache-2.0
/*
 * kiosk — the visitor's side of the UI: the visit in progress and the
 * kiosk's JSON API around it (boot, demo badge, manual entry, corrections,
 * answers, consents, the business card under review, end of visit). The
 * suppliers shown to a visitor are ui/match.c's.
 *
 * The visit: every scan starts a new one (its lead), a business card laid
 * down starts one for review (its read), and a staff badge, an unknown
 * code or the page's "visit ended" ends it. Only the lead of the visit in
 * progress may be read or written from the page (ROUTE_VISITOR routes),
 * only the card under review stored, so a visitor sees only what they
 * just gave.
 */
#ifndef MB_UI_KIOSK_H
#define MB_UI_KIOSK_H

#include <stdint.h>

struct kiosk;
struct route_ctx;
struct route_req;
struct reply;

/* A kiosk with no visit in progress; NULL when out of memory. */
struct kiosk *kiosk_new(void);
void kiosk_free(struct kiosk *k); /* NULL-safe */

/* A scan made lead_id (copied) the visit in progress. */
void kiosk_begin(struct kiosk *k, const char *lead_id);

/* A business card, read read_id, is now under review: a new visit with no
 * lead yet. */
void kiosk_begin_card(struct kiosk *k, int64_t read_id);

/* The visit is over: nothing of it may be read or written any more. */
void kiosk_forget(struct kiosk *k);

/* The visit's lead id (owned by k) when id (may be NULL) names it, else
 * NULL. */
const char *kiosk_lead(const struct kiosk *k, const char *id);

/* Route handlers: GET /api/boot, POST /api/demo, /api/manual,
 * /api/lead/fields, /api/lead/answers, /api/lead/consents,
 * /api/card/store, /api/visit/end. */
void kiosk_boot(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_demo(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_manual(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_fields(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_answers(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_consents(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_card_store(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void kiosk_visit_end(const struct route_ctx *c, const struct route_req *q, struct reply *r);

#endif
