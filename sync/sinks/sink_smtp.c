// SPDX-License-Identifier: Apache-2.0
/*
 * sink_smtp — the follow-up e-mail: to a visitor who consented to the
 * `purpose` (default "followup"), one e-mail listing the suppliers they
 * matched, each with its country, one line and its link (the same function
 * and reference as the kiosk's QR codes, firmware/match/suppliers.h), in the
 * language they read the consent in (sync/mail.h builds the message). Sent
 * through libcurl's SMTP: submission with STARTTLS (required unless
 * `starttls = none`, for a catcher on this machine) and AUTH when
 * `username` is set, or smtps:// (TLS from the start).
 *
 * As a sink it waits for the network and retries like the others, one lead
 * per message. Every change of a lead queues a row, but a visitor gets one
 * e-mail: each row is looked at, and only a lead with the consent, an
 * address we can send to and at least one matched supplier, captured on
 * this kiosk (an imported lead's own kiosk sends its e-mail) and not yet
 * e-mailed, gets one; every other row is done without a message. The
 * Message-ID is derived from the lead and the version it was first tried
 * at, recorded in the store (store_handout.h) before the first attempt and
 * reused by every retry: a message the server took but whose answer was
 * lost, sent again, is the same message to the visitor's mail system.
 *
 * Answers: 250 after the message is done. A recipient or a message the
 * server refuses for good (5xx to RCPT or after DATA) parks the row with the
 * server's code; 4xx, a refused login, a missing STARTTLS and network errors
 * are retried (they are the configuration's or the network's, not the
 * lead's).
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/match/suppliers.h"
#include "firmware/store/store_handout.h"
#include "firmware/store/store_import.h"
#include "sync/mail.h"
#include "sync/mail_text.h"
#include "sync/sink.h"

#define NAME_MAX_BYTES 120 /* of the visitor's name in the greeting and To: */

struct smtp {
    char from[MAIL_ADDR_MAX + 1];
    /* The batch in hand, from request() to answer(). */
    int64_t handout;            /* its handouts row (0: none) */
    char skip[SINK_REASON_MAX]; /* not sent: why ("" : sent) */
};

static void smtp_close(struct sink *s)
{
    free(s->priv);
    s->priv = NULL;
}

static bool loopback_url(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    return !strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9) ||
           !strncmp(host, "[::1]", 5);
}

static int smtp_open(struct sink *s, struct err *e)
{
    const char *url = sink_str(s, "url"), *from = sink_str(s, "from");
    bool smtps = !strncasecmp(url, "smtps://", 8);
    if (!smtps && strncasecmp(url, "smtp://", 7))
        return err_set(e, ERR_INVALID,
                       "[%s] url: an smtp sink needs smtp://HOST:587 or smtps://HOST", s->section);
    if (!mail_addr_ok(from))
        return err_set(e, ERR_INVALID, "[%s] from: the sender's address (local@domain, ASCII)",
                       s->section);
    const char *reply = sink_str(s, "reply_to"), *unsub = sink_str(s, "unsubscribe");
    if (*reply && !mail_addr_ok(reply))
        return err_set(e, ERR_INVALID, "[%s] reply_to: not an address (local@domain, ASCII)",
                       s->section);
    if (*unsub && strncasecmp(unsub, "mailto:", 7) && strncasecmp(unsub, "https://", 8))
        return err_set(e, ERR_INVALID, "[%s] unsubscribe: a mailto: or https:// link", s->section);
    /* No password in clear over a network: plain SMTP only to this machine. */
    if (!smtps && !strcmp(sink_str(s, "starttls"), "none") && !loopback_url(url))
        return err_set(e, ERR_INVALID,
                       "[%s] starttls = none: only for a server on this machine (127.0.0.1)",
                       s->section);
    struct smtp *m = calloc(1, sizeof *m);
    if (!m)
        return err_set(e, ERR_INTERNAL, "out of memory");
    snprintf(m->from, sizeof m->from, "%s", from);
    s->priv = m;
    return 0;
}

/* The consent of purpose in the lead's consents (store_lead_json: the
 * current one per purpose), or NULL. */
static const cJSON *consent_of(const cJSON *lead, const char *purpose)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(lead, "consents"))
    {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(c, "purpose"));
        if (p && !strcmp(p, purpose))
            return c;
    }
    return NULL;
}

/* "<HEX.device@domain>": the lead and its version, hashed (the lead id is
 * not shown), the device and the sender's domain making it unique. */
static void message_id(const struct sink *s, const char *lead_id, int64_t version, char *out,
                       size_t outsz)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    char in[128], hex[33] = "", dev[64];
    int n = snprintf(in, sizeof in, "matchbooth followup\n%s\n%lld", lead_id, (long long)version);
    EVP_Digest(in, (size_t)n, h, &hl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 16 && i < hl; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    sink_safe_name(dev, sizeof dev, s->device_id ? s->device_id : "");
    snprintf(out, outsz, "<%s.%s@%s>", hex, dev, mail_domain(((struct smtp *)s->priv)->from));
}

/* The visitor's name for the greeting and To: (malloc'd, NULL: none). */
static char *name_of(const cJSON *lead)
{
    const char *full = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "full_name"));
    if (full && *full)
        return strndup(full, NAME_MAX_BYTES);
    const char *g = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "given_name"));
    const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "family_name"));
    if (!(g && *g) && !(f && *f))
        return NULL;
    struct buf b = {0};
    buf_printf(&b, "%s%s%s", g ? g : "", g && *g && f && *f ? " " : "", f ? f : "");
    char *out = b.data ? strndup(b.data, NAME_MAX_BYTES) : NULL;
    buf_free(&b);
    return out;
}

/* Why the lead gets no e-mail now (a static text), or NULL: it gets one. */
static const char *no_mail(struct sink *s, const cJSON *lead, const char *id, const char **to,
                           const char **lang, struct err *e)
{
    const char *purpose = *sink_str(s, "purpose") ? sink_str(s, "purpose") : "followup";
    const cJSON *c = consent_of(lead, purpose);
    if (!cJSON_IsTrue(cJSON_GetObjectItem(c, "granted")))
        return "no consent to the follow-up e-mail";
    *lang = cJSON_GetStringValue(cJSON_GetObjectItem(c, "language"));
    if (!*lang || !**lang)
        *lang = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "lang"));
    *to = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(lead, "emails"), 0));
    if (!mail_addr_ok(*to))
        return "no e-mail address to send to";
    int imported = store_import_lead(s->store, id, e);
    if (imported != 0)
        return imported > 0 ? "imported: the kiosk that captured it sends its e-mail" : NULL;
    return NULL;
}

/* The show of the lead: the running one, else its [show.ID] loaded into
 * other (NULL when this config has no such show). */
static const struct show *show_of(struct sink *s, const cJSON *lead, struct show *other)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "show"));
    if (s->show && id && !strcmp(id, s->show->id))
        return s->show;
    struct err e = {0};
    return id && show_load(s->cfg, id, other, &e) == 0 ? other : NULL;
}

/* The matched suppliers with their links, into list (the caller's). */
static int matched(struct sink *s, const struct show *sh, const cJSON *lead, const char *id,
                   const char *lang, cJSON **list, struct err *e)
{
    if (suppliers_matched(s->store, sh->form, lead, id, lang,
                          (int)config_int(s->cfg, "ui", "matches"), list, NULL, e) < 0)
        return -1;
    return suppliers_links(s->store, *list, id, sh->id, config_str(s->cfg, "kiosk", "device_id"),
                           e);
}

static int compose(struct sink *s, const struct show *sh, const cJSON *lead, const cJSON *list,
                   const char *to, const char *lang, const char *msgid, struct buf *body,
                   struct err *e)
{
    struct smtp *m = s->priv;
    size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
    struct mail_supplier *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return err_set(e, ERR_INTERNAL, "out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        v[i].name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
        v[i].country = cJSON_GetStringValue(cJSON_GetObjectItem(it, "country"));
        v[i].line = cJSON_GetStringValue(cJSON_GetObjectItem(it, "description"));
        v[i++].link = cJSON_GetStringValue(cJSON_GetObjectItem(it, "link"));
    }
    char unsub[600];
    if (*sink_str(s, "unsubscribe"))
        snprintf(unsub, sizeof unsub, "%s", sink_str(s, "unsubscribe"));
    else
        snprintf(unsub, sizeof unsub, "mailto:%s?subject=unsubscribe",
                 *sink_str(s, "reply_to") ? sink_str(s, "reply_to") : m->from);
    char *name = name_of(lead);
    struct mail_msg msg = {
        .from = m->from,
        .from_name = *sink_str(s, "from_name") ? sink_str(s, "from_name") : sh->name,
        .to = to,
        .to_name = name,
        .reply_to = sink_str(s, "reply_to"),
        .message_id = msgid,
        .date_ms = 0,
        .lang = lang,
        .show = sh->name,
        .unsubscribe = unsub,
        .suppliers = v,
        .n = n,
    };
    struct clock_stamp now;
    clock_now(&now);
    msg.date_ms = now.real_ms;
    int rc = mail_compose(&msg, body, e);
    free(name);
    free(v);
    return rc;
}

/* The envelope and the connection's options (TLS, login). */
static int envelope(struct sink *s, const char *to, struct sink_http *h, CURL *easy, struct err *e)
{
    struct smtp *m = s->priv;
    char rcpt[MAIL_ADDR_MAX + 3];
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *l = curl_slist_append(NULL, rcpt);
    h->url = strdup(sink_str(s, "url"));
    h->mail_from = malloc(strlen(m->from) + 3);
    if (!l || !h->url || !h->mail_from) {
        curl_slist_free_all(l);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    sprintf(h->mail_from, "<%s>", m->from);
    h->mail_rcpt = l;
    CURLcode rc = CURLE_OK;
    if (strcmp(sink_str(s, "starttls"), "none") != 0)
        rc |= curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (*sink_str(s, "username")) {
        rc |= curl_easy_setopt(easy, CURLOPT_USERNAME, sink_str(s, "username"));
        rc |= curl_easy_setopt(easy, CURLOPT_PASSWORD, sink_str(s, "password"));
    }
    return rc == CURLE_OK ? 0 : err_set(e, ERR_INTERNAL, "curl setup failed");
}

/* A message tried but not confirmed, for a lead that is to get none now:
 * it ends failed with why, so the handouts do not show it trying forever. */
static void end_tried(struct sink *s, const char *id, const char *why)
{
    struct store_handout last;
    struct err e = {0};
    struct clock_stamp now;
    clock_now(&now);
    if (store_handout_last(s->store, id, STORE_HANDOUT_MAIL, s->name, &last, &e) == 0 &&
        last.state == STORE_HANDOUT_TRYING &&
        store_handout_end(s->store, last.id, false, why, now.real_ms, &e) < 0)
        log_warn("sync", "[sink.%s] %s", s->name, e.msg);
}

/* The Message-ID for this lead: the one tried before, else a new one. Sets
 * *fresh when it is new (recorded once the message is built). 1 when the
 * lead was e-mailed already. */
static int pick_id(struct sink *s, const char *id, int64_t version, char *msgid, size_t sz,
                   bool *fresh, struct err *e)
{
    struct smtp *m = s->priv;
    struct store_handout last;
    int rc = store_handout_last(s->store, id, STORE_HANDOUT_MAIL, s->name, &last, e);
    if (rc < 0)
        return -1;
    *fresh = rc == 1;
    if (rc == 1) {
        message_id(s, id, version, msgid, sz);
        return 0;
    }
    if (last.state == STORE_HANDOUT_DONE) {
        snprintf(m->skip, sizeof m->skip, "e-mailed already (%.200s)", last.ref);
        return 1;
    }
    snprintf(msgid, sz, "%s", last.ref);
    /* Tried before and refused: a new attempt of the same message. */
    *fresh = last.state == STORE_HANDOUT_FAILED;
    if (last.state == STORE_HANDOUT_TRYING)
        m->handout = last.id;
    return 0;
}

static int smtp_request(struct sink *s, const struct sink_batch *b, struct sink_http *h, CURL *easy,
                        struct err *e)
{
    struct smtp *m = s->priv;
    const struct sink_entry *en = &b->v[0];
    const char *to = NULL, *lang = NULL, *why;
    char msgid[STORE_HANDOUT_REF_MAX];
    bool fresh = false;
    m->handout = 0;
    m->skip[0] = '\0';
    if ((why = no_mail(s, en->lead, en->lead_id, &to, &lang, e))) {
        snprintf(m->skip, sizeof m->skip, "%s", why);
        end_tried(s, en->lead_id, why); /* e.g. the consent withdrawn before a retry */
        return 1;
    }
    if (e->code || pick_id(s, en->lead_id, en->version, msgid, sizeof msgid, &fresh, e) < 0)
        return -1;
    if (m->skip[0])
        return 1;
    struct show other = {0};
    const struct show *sh = show_of(s, en->lead, &other);
    cJSON *list = NULL;
    int rc = 0;
    if (!sh)
        snprintf(m->skip, sizeof m->skip, "its show is not in this kiosk's config");
    else if ((rc = matched(s, sh, en->lead, en->lead_id, mail_text_for(lang)->lang, &list, e)) ==
                 0 &&
             cJSON_GetArraySize(list) == 0)
        snprintf(m->skip, sizeof m->skip, "no supplier matched: nothing to follow up");
    else if (rc == 0)
        rc = compose(s, sh, en->lead, list, to, lang, msgid, &h->body, e);
    cJSON_Delete(list);
    show_free(&other);
    if (rc < 0)
        return -1;
    if (m->skip[0])
        return 1;
    struct clock_stamp now;
    clock_now(&now);
    if (fresh && store_handout_add(s->store, en->lead_id, STORE_HANDOUT_MAIL, s->name, msgid,
                                   en->version, now.real_ms, &m->handout, e) < 0)
        return -1;
    return envelope(s, to, h, easy, e);
}

static enum sink_row smtp_classify(CURLcode cc, long code, const char *error)
{
    if (cc == CURLE_OK)
        return SINK_ROW_DONE;
    /* The recipient or the message refused for good: the lead's own. The
     * greeting, EHLO, STARTTLS, AUTH or MAIL FROM refused: the server's or
     * the configuration's, retried. */
    bool lead_part = !strncmp(error, "RCPT failed", 11) || cc == CURLE_WEIRD_SERVER_REPLY ||
                     cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR;
    if (code >= 500 && code < 600 && lead_part && cc != CURLE_LOGIN_DENIED &&
        strncmp(error, "MAIL failed", 11))
        return SINK_ROW_REJECT;
    return SINK_ROW_AGAIN;
}

static void smtp_answer(struct sink *s, const struct sink_batch *b, const struct sink_reply *r,
                        struct sink_verdict *v)
{
    struct smtp *m = s->priv;
    struct err e = {0};
    struct clock_stamp now;
    clock_now(&now);
    if (m->skip[0]) { /* decided here, nothing sent */
        v->rows[0].r = SINK_ROW_DONE;
        log_debug("sync", "[sink.%s] lead %s: no e-mail: %s", s->name, b->v[0].lead_id, m->skip);
        return;
    }
    if (r->status >= 400) { /* a server's refusal: its code first */
        char why[SINK_REASON_MAX];
        snprintf(why, sizeof why, "SMTP %ld: %.270s", r->status, v->reason);
        snprintf(v->reason, sizeof v->reason, "%s", why);
    }
    if (m->handout && v->rows[0].r != SINK_ROW_AGAIN &&
        store_handout_end(s->store, m->handout, v->rows[0].r == SINK_ROW_DONE, v->reason,
                          now.real_ms, &e) < 0)
        log_warn("sync", "[sink.%s] %s", s->name, e.msg);
    if (v->rows[0].r == SINK_ROW_DONE)
        log_info("sync", "[sink.%s] follow-up e-mail for lead %s sent", s->name, b->v[0].lead_id);
}

const struct sink_type sink_smtp = {
    .name = "smtp",
    .doc =
        "the follow-up e-mail to visitors who asked for it (SMTP with STARTTLS and AUTH, or smtps)",
    .max_batch = 1,
    .confirms = true,
    /* Anyone at the kiosk can type an address: at most this many e-mails an
     * hour leave it unless [sink.NAME] rate_limit says otherwise. */
    .rate_max = 120,
    .rate_window_s = 3600,
    .open = smtp_open,
    .close = smtp_close,
    .request = smtp_request,
    .answer = smtp_answer,
    .classify = smtp_classify,
};
