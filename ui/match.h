// SPDX-License-Identifier: Apache-2.0
/*
 * match — the suppliers shown to a visitor: those whose categories meet the
 * categories of their answers, a search over the catalog, each with its
 * campaign link ("link", firmware/match/campaign.h: an opaque reference,
 * never personal data) and where its QR code is ("qr"); the QR code as SVG; and the slip
 * the printer prints (bus event "print"). Every handler is a ROUTE_VISITOR
 * route: q->lead is the visit in progress.
 */
#ifndef MB_UI_MATCH_H
#define MB_UI_MATCH_H

struct cJSON;
struct route_ctx;
struct route_req;
struct reply;

/* GET /api/matches?lead=&lang= → {"categories": [...], "suppliers": [...]}
 * ([ui] matches of them, in an order fixed per lead). */
void match_list(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* GET /api/search?lead=&q=&lang= → {"suppliers": [...]} (at most 12). */
void match_search(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* GET /api/qr?lead=&supplier= → the QR code of the supplier's link, SVG. */
void match_qr(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* POST /api/print {lead, lang, greeting, footer, suppliers: [id], again}
 * → {"ok", "job"} and publishes "print" {"show", "greeting", "suppliers":
 * [{"name", "url"}], "footer", "job"}, job the slip's id in the print log
 * (store_handout.h); 409 saying why when no printer is present or ready,
 * and 409 {"error": "already printed", "printed": N} when the visitor has
 * a slip already (printed or printing) and again is not true. */
void match_print(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* The bus event "print_job" {"job", "state": "printed" or "failed",
 * "reason"} (drivers/devices.h): ends the slip in the print log and tells
 * the page ("print" {"job", "state"}). */
void match_print_job(const struct route_ctx *c, const struct cJSON *data);

#endif
