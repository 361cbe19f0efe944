// SPDX-License-Identifier: Apache-2.0
/*
 * show — a show's profile: its [show.ID] section (name, time zone, country,
 * decoders …) and its form file (qualifier questions, consent purposes and
 * their texts per language, as JSON), and looking things up in that form:
 * the kiosk (ui/form.h) and the follow-up e-mail (sync/sinks/sink_smtp.c)
 * read it the same way.
 */
#ifndef MB_SHOW_H
#define MB_SHOW_H

#include "firmware/base/err.h"

struct config;
struct cJSON;
struct strv;

struct show {
    char *id;           /* "hkef-2026" */
    char *section;      /* "show.hkef-2026" */
    char *name;         /* display name */
    char *timezone;     /* IANA name, "Asia/Hong_Kong" */
    char *country;      /* ISO 3166-1 alpha-2, default for phone numbers */
    struct cJSON *form; /* {"questions":[…],"consents":[…]} or an empty object */
};

/*
 * Loads show id from cfg (and its form file, if set). Returns 0, or -1 with
 * e naming the section or the file and what is wrong.
 */
int show_load(const struct config *cfg, const char *id, struct show *out, struct err *e);

void show_free(struct show *s);

/*
 * Lookups in a form (struct show's "form", board/demo/form.json). Each
 * borrows the form and returns a part of it (or NULL); a NULL or empty form
 * has nothing in it.
 */

/* The question whose "id" is qid, or NULL. */
const struct cJSON *show_question(const struct cJSON *form, const char *qid);

/* The choice of question q whose "id" is cid (may be NULL), or NULL. */
const struct cJSON *show_choice(const struct cJSON *q, const char *cid);

/* The consent purpose called purpose ({"purpose", "version", "text"}), or
 * NULL when the form does not ask for it. */
const struct cJSON *show_consent(const struct cJSON *form, const char *purpose);

/* Appends to out (once each) the "category" of every choice picked in
 * lead's "answers" (a lead as store_lead_json gives it). */
void show_categories(const struct cJSON *form, const struct cJSON *lead, struct strv *out);

#endif
