// SPDX-License-Identifier: Apache-2.0
/*
 * form — the show's form as the kiosk uses it (docs/ui.md, board/demo/
 * form.json): its questions and their choices (show.h's lookups) and
 * checking a visitor's answer against them; the catalog categories the
 * chosen answers stand for are show_categories()'s. Every function borrows
 * the form (a cJSON object with "questions"); none changes it.
 */
#ifndef MB_UI_FORM_H
#define MB_UI_FORM_H

struct cJSON;

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

#endif
