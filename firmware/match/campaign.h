// SPDX-License-Identifier: Apache-2.0
/*
 * campaign — the links in the suppliers' QR codes: the supplier's page plus
 * campaign parameters (show, kiosk, an opaque lead reference), and never a
 * name, e-mail address or phone number.
 *
 * The lead reference is HMAC-SHA256(device secret, lead id), first 12 bytes
 * as 24 hex digits. The lead id is a UUIDv7 that also travels to CRMs and
 * exports, so putting it in a public link would let anyone holding both join
 * a click to a person; the HMAC cannot be inverted or recomputed without the
 * per-device secret, which is made at random on first use and kept in the
 * store's meta table (key "ui.ref_secret"). Whoever must join clicks to leads
 * (the marketplace) gets the same reference from the kiosk, not the secret.
 */
#ifndef MB_CAMPAIGN_H
#define MB_CAMPAIGN_H

#include "firmware/base/err.h"

struct buf;
struct store;

#define CAMPAIGN_REF_LEN 25 /* 24 hex digits and NUL */

/* Fills ref with the lead's opaque reference. 0, or -1 with e. */
int campaign_ref(struct store *s, const char *lead_id, char ref[CAMPAIGN_REF_LEN], struct err *e);

/*
 * Appends to out: url plus "utm_source=matchbooth&utm_medium=kiosk&
 * utm_campaign=<show>&mb_kiosk=<kiosk>&mb_ref=<ref>" (percent-encoded, before
 * any #fragment). Refuses a url that is not http(s). 0, or -1 with e.
 */
int campaign_url(const char *url, const char *show, const char *kiosk, const char *ref,
                 struct buf *out, struct err *e);

/*
 * The link a visitor gets for supplier supplier_id (whose page is url): the
 * reference of lead_id (campaign_ref) in campaign_url()'s parameters,
 * appended to out. The one function behind the kiosk's QR codes, its slip
 * and the follow-up e-mail, so that every link of a visitor carries the same
 * reference. 0, or -1 with e.
 */
int campaign_link(struct store *s, const char *lead_id, const char *supplier_id, const char *url,
                  const char *show, const char *kiosk, struct buf *out, struct err *e);

#endif
