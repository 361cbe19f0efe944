// SPDX-License-Identifier: Apache-2.0
/*
 * session — the kiosk token, PIN and badge sessions, the PIN lockout (see
 * session.h).
 */
#include "ui/session.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"
#include "ui/pin.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/text.h"

#define PIN_LOCK_MAX_MS 30000

struct session_set {
    const struct config *cfg;
    struct store *store;
    char kiosk_csrf[SESSION_TOKEN_HEX + 1];
    struct session sessions[SESSION_MAX];
    unsigned pin_fails;
    uint64_t pin_locked_until;
    /* The one-time token a staff badge made, pushed over the event stream
     * and exchanged for a staff session at /api/staff/badge. */
    char badge_token[SESSION_TOKEN_HEX + 1];
    char badge_op[65];
    uint64_t badge_until;
};

static int token_new(char out[SESSION_TOKEN_HEX + 1])
{
    unsigned char r[SESSION_TOKEN_HEX / 2];
    if (RAND_bytes(r, sizeof r) != 1)
        return -1;
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

static bool token_eq(const char *a, const char *b)
{
    return a && b && strlen(a) == SESSION_TOKEN_HEX && strlen(b) == SESSION_TOKEN_HEX &&
           CRYPTO_memcmp(a, b, SESSION_TOKEN_HEX) == 0;
}

struct session_set *session_set_new(const struct config *cfg, struct store *store, struct err *e)
{
    struct session_set *set = calloc(1, sizeof *set);
    if (!set) {
        err_set(e, ERR_INTERNAL, "ui: out of memory");
        return NULL;
    }
    set->cfg = cfg;
    set->store = store;
    if (token_new(set->kiosk_csrf) < 0) {
        free(set);
        err_set(e, ERR_INTERNAL, "ui: no random bytes from OpenSSL");
        return NULL;
    }
    return set;
}

void session_set_free(struct session_set *set)
{
    if (set)
        OPENSSL_cleanse(set, sizeof *set);
    free(set);
}

const char *session_kiosk_csrf(const struct session_set *set)
{
    return set->kiosk_csrf;
}

bool session_kiosk_token_ok(const struct session_set *set, const char *token)
{
    return token_eq(token, set->kiosk_csrf);
}

bool session_token_ok(const struct session *s, const char *token)
{
    return s && token_eq(token, s->csrf);
}

struct session *session_find(struct session_set *set, const char *cookie, uint64_t now_ms)
{
    uint64_t ttl = (uint64_t)config_int(set->cfg, "ui", "session_timeout") * 1000;
    for (int i = 0; cookie && i < SESSION_MAX; i++) {
        struct session *s = &set->sessions[i];
        if (!s->used)
            continue;
        if (now_ms - s->last_ms > ttl) {
            s->used = false;
            continue;
        }
        if (token_eq(s->id, cookie)) {
            s->last_ms = now_ms;
            return s;
        }
    }
    return NULL;
}

const char *session_badge_token(struct session_set *set, const char *op, uint64_t now_ms)
{
    if (token_new(set->badge_token) < 0) {
        set->badge_token[0] = '\0';
        log_error("ui", "staff badge ignored: no random bytes");
        return NULL;
    }
    char *clean = text_clean(op && *op ? op : "staff", 64);
    snprintf(set->badge_op, sizeof set->badge_op, "%s", clean ? clean : "staff");
    free(clean);
    set->badge_until = now_ms + SESSION_BADGE_MS;
    return set->badge_token;
}

/* Opens a session in the least recently used slot: sets the cookie in r
 * and answers {"csrf", "operator"}. */
static void session_open(struct session_set *set, struct reply *r, bool staff_only, const char *op)
{
    struct session *s = &set->sessions[0];
    for (int i = 0; i < SESSION_MAX; i++) {
        if (!set->sessions[i].used) {
            s = &set->sessions[i];
            break;
        }
        if (set->sessions[i].last_ms < s->last_ms)
            s = &set->sessions[i];
    }
    if (token_new(s->id) < 0 || token_new(s->csrf) < 0) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no random bytes");
        return;
    }
    s->used = true;
    s->last_ms = loop_now_ms();
    s->staff_only = staff_only;
    snprintf(s->op, sizeof s->op, "%s", op);
    snprintf(r->cookie, sizeof r->cookie,
             "mb_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld", s->id,
             (long long)config_int(set->cfg, "ui", "session_timeout"));
    log_info("ui", "%s session opened%s", staff_only ? "staff" : "admin",
             staff_only ? " by a staff badge" : "");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csrf", s->csrf);
    cJSON_AddStringToObject(o, "operator", s->op[0] ? s->op : "staff");
    reply_json(r, MHD_HTTP_OK, o);
}

/* Sets Retry-After to the seconds the login stays locked. */
static void retry_after(const struct session_set *set, uint64_t now, struct reply *r)
{
    snprintf(r->retry_after, sizeof r->retry_after, "%llu",
             (unsigned long long)((set->pin_locked_until - now + 999) / 1000));
}

void session_login(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct session_set *set = c->sessions;
    uint64_t now = loop_now_ms();
    if (now < set->pin_locked_until) {
        retry_after(set, now, r);
        reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "too many wrong PINs: wait and try again");
        return;
    }
    const char *hash = config_str(set->cfg, "ui", "admin_pin_hash");
    char *stored = hash && *hash ? strdup(hash) : pin_load(set->store);
    const char *pin = text_member(q->body, "pin");
    if (!stored) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                    "no admin PIN is set: run `matchbooth ui pin` on the kiosk");
        return;
    }
    int ok = pin && strlen(pin) <= 64 ? pin_verify(pin, stored) : 0;
    free(stored);
    if (ok < 0) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the stored PIN hash is malformed");
        return;
    }
    if (!ok) {
        set->pin_fails++;
        uint64_t lock = 1000ull << (set->pin_fails - 1 < 5 ? set->pin_fails - 1 : 5);
        set->pin_locked_until = now + (lock < PIN_LOCK_MAX_MS ? lock : PIN_LOCK_MAX_MS);
        log_warn("ui", "wrong admin PIN (%u in a row): login locked for %llu ms", set->pin_fails,
                 (unsigned long long)(set->pin_locked_until - now));
        retry_after(set, now, r);
        reply_error(r, MHD_HTTP_FORBIDDEN, "wrong PIN");
        return;
    }
    set->pin_fails = 0;
    session_open(set, r, false, "");
}

void session_logout(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    if (q->sess)
        q->sess->used = false;
    snprintf(r->cookie, sizeof r->cookie,
             "mb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    reply_ok(r);
}

void session_info(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    if (!q->sess) { /* the route's policy lets no one here without one */
        reply_error(r, MHD_HTTP_UNAUTHORIZED, "admin session needed: log in with the PIN");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csrf", q->sess->csrf);
    cJSON_AddStringToObject(o, "operator", q->sess->op[0] ? q->sess->op : "staff");
    cJSON_AddBoolToObject(o, "staff_only", q->sess->staff_only);
    reply_json(r, MHD_HTTP_OK, o);
}

void session_badge(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct session_set *set = c->sessions;
    const char *tok = text_member(q->body, "token");
    bool fresh = set->badge_token[0] && loop_now_ms() <= set->badge_until;
    if (!fresh || !token_eq(tok, set->badge_token)) {
        reply_error(r, MHD_HTTP_FORBIDDEN, "that staff badge token is used or expired");
        return;
    }
    OPENSSL_cleanse(set->badge_token, sizeof set->badge_token); /* one use */
    session_open(set, r, true, set->badge_op);
}
