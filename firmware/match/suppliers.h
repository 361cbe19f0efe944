// SPDX-License-Identifier: Apache-2.0
/*
 * suppliers — the suppliers a visitor is matched with, and their links: one
 * definition for the kiosk's matches screen (ui/match.c) and the follow-up
 * e-mail (sync/sinks/sink_smtp.c), so that the e-mail lists the suppliers
 * the screen showed, with the same links as their QR codes.
 *
 * A supplier is the catalog's JSON object (firmware/store/store_catalog.h:
 * {"id", "name", "country", "description", "url", "categories"}, name and
 * description in the asked language, else English). Same thread rules as
 * the store.
 */
#ifndef MB_SUPPLIERS_H
#define MB_SUPPLIERS_H

#include "firmware/base/err.h"

struct cJSON;
struct store;
struct strv;

/*
 * The suppliers whose categories meet those of the choices picked in lead's
 * "answers" (show_categories() over form), most categories in common first,
 * ties in an order fixed by lead_id (one visitor always sees the same list,
 * others with the same interests see other suppliers first); at most limit.
 * cats (may be NULL) gets the categories. 0 with *out (a JSON array, the
 * caller's), or -1 with e.
 */
int suppliers_matched(struct store *s, const struct cJSON *form, const struct cJSON *lead,
                      const char *lead_id, const char *lang, int limit, struct cJSON **out,
                      struct strv *cats, struct err *e);

/*
 * Adds "link" to each supplier of list: campaign_link() for lead_id, show
 * and kiosk (the device id). 0, or -1 with e (a supplier whose url is not
 * http(s)).
 */
int suppliers_links(struct store *s, struct cJSON *list, const char *lead_id, const char *show,
                    const char *kiosk, struct err *e);

#endif
