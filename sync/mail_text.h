// SPDX-License-Identifier: Apache-2.0
/*
 * mail_text — the words of the follow-up e-mail in each of the kiosk's
 * languages (en, zh-Hant, zh-Hans, de, fr, es, hi). Every string is ours
 * (a constant); the ones with "%s" take exactly one argument, the show's
 * name, the visitor's name or a link, which the caller escapes for where
 * it goes (an HTML part, a header).
 */
#ifndef MB_MAIL_TEXT_H
#define MB_MAIL_TEXT_H

struct mail_text {
    const char *lang;        /* "zh-Hant": its tag, also Content-Language */
    const char *subject;     /* %s: the show's name */
    const char *hello_name;  /* %s: the visitor's name */
    const char *hello;       /* without a name */
    const char *intro;       /* %s: the show's name */
    const char *country;     /* label before the supplier's country */
    const char *visit;       /* the link's text */
    const char *why;         /* why this e-mail came, and that no other will */
    const char *unsubscribe; /* %s: the unsubscribe link */
};

/*
 * The texts for lang, a BCP 47 tag as the kiosk or a badge gives it (NULL
 * or unknown: English): an exact match, else by the primary language, with
 * Chinese by script or region (zh-TW, zh-HK, zh-MO: Traditional; zh,
 * zh-CN, zh-SG: Simplified). Never NULL.
 */
const struct mail_text *mail_text_for(const char *lang);

#endif
