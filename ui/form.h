// SPDX-License-Identifier: Apache-2.0
/*
 * form — the show's form as the kiosk uses it (docs/ui.md, board/demo/
 * form.json): its questions and their choices, checking a visitor's answer
 * against them, and the catalog categories the chosen answers stand for.
 * Every function borrows the form (a cJSON object with "questions"); none
 * changes it.
 */
#ifndef MB_UI_FORM_H
#define MB_UI_FORM_H

struct cJSON;
struct strv;

/* The question whose "id" is qid, or NULL. */
const struct cJSON *form_question(const struct cJSON *form, const char *qid);

/* The choice of question q whose "id" is cid (may be NULL), or NULL. */
const struct cJSON *form_choice(const struct cJSON *q, const char *cid);

/*
 * Checks answer v to question q ("single": one of its choices; "multi": an
 * array of them; "text": a string, cleaned and cut to TEXT_LONG_MAX).
 * Returns the answer as JSON text to store (malloc'd), or NULL when it is
 * no valid answer.
 */
char *form_answer(const struct cJSON *q, const struct cJSON *v);

/* Appends to out (once each) the "category" of every choice picked in
 * lead's "answers" (a lead as store_lead_json gives it). */
void form_categories(const struct cJSON *form, const struct cJSON *lead, struct strv *out);

#endif
