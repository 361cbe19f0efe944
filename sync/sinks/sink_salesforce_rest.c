// SPDX-License-Identifier: Apache-2.0
/*
 * sink_salesforce_rest — leads upserted into Salesforce through the REST API,
 * so that Salesforce confirms every record and a lead sent again (a note, a
 * consent change) updates its record instead of adding a second one.
 *
 * Token: the OAuth 2.0 JWT bearer flow for server-to-server integration. The
 * kiosk signs an assertion {iss: client_id, sub: username, aud: login_url,
 * exp: now + 3 min} with RS256 and the private key of the connected app's
 * certificate, and POSTs grant_type=urn:ietf:params:oauth:grant-type:
 * jwt-bearer&assertion=JWT to {login_url}/services/oauth2/token; the answer
 * has access_token and instance_url. No refresh token is issued in this flow:
 * the token is kept until Salesforce refuses it (401 INVALID_SESSION_ID) or
 * an hour has passed, then a new assertion gets a new one. The exchange runs
 * as the batch's first request (answer op: resend).
 *
 * Records: sObject Collections upsert, PATCH {instance_url}/services/data/
 * vAPI/composite/sobjects/SOBJECT/EXTERNAL_ID with {"allOrNone": false,
 * "records": [{"attributes": {"type": SOBJECT}, EXTERNAL_ID: lead id, mapped
 * fields…}]}, at most 200 records. Salesforce answers 200 with one result per
 * record, in order ({success, created, errors: [{statusCode, message,
 * fields}]}): a record it refuses is parked with its reason, the others are
 * delivered.
 *
 * Limits: every answer carries Sforce-Limit-Info: api-usage=USED/MAX (the
 * org's requests in the last 24 h). Once USED reaches api_limit_percent of MAX
 * the sink pauses for an hour, leaving the rest to the org's other
 * integrations; 403 REQUEST_LIMIT_EXCEEDED pauses it too (nothing parked).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/strv.h"
#include "firmware/config/config.h"
#include "sync/sink.h"

#define SF_MAX_RECORDS    200             /* sObject Collections' limit */
#define SF_TOKEN_MAX_MS   (3600LL * 1000) /* renew a token after an hour at the latest */
#define SF_ASSERTION_S    180             /* Salesforce accepts exp up to 3 minutes ahead */
#define SF_LIMIT_PAUSE_MS (3600LL * 1000) /* the daily limit is a rolling 24 h: look hourly */
#define SF_GRANT          "urn:ietf:params:oauth:grant-type:jwt-bearer"

struct salesforce_rest {
    struct strv remote, field;
    EVP_PKEY *key;
    char token[2048];
    char instance[512];
    int64_t token_ms; /* when the token came (0: none) */
    bool exchanging;  /* the request in flight is the token exchange */
};

static void sfr_close(struct sink *s)
{
    struct salesforce_rest *f = s->priv;
    if (!f)
        return;
    strv_free(&f->remote);
    strv_free(&f->field);
    EVP_PKEY_free(f->key);
    OPENSSL_cleanse(f->token, sizeof f->token);
    free(f);
    s->priv = NULL;
}

static int sfr_open(struct sink *s, struct err *e)
{
    const char *need[] = {"client_id", "username", "private_key", "external_id", "sobject"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!*sink_str(s, need[i]))
            return err_set(e, ERR_INVALID, "[%s] %s: a salesforce_rest sink needs it", s->section,
                           need[i]);
    const char *login = sink_str(s, "login_url");
    if (strncmp(login, "https://", 8) && strncmp(login, "http://", 7))
        return err_set(e, ERR_INVALID, "[%s] login_url: an http(s):// URL, got '%s'", s->section,
                       login);
    struct salesforce_rest *f = calloc(1, sizeof *f);
    if (!f)
        return err_set(e, ERR_INTERNAL, "out of memory");
    s->priv = f;
    FILE *fp = fopen(sink_str(s, "private_key"), "r");
    if (!fp)
        return err_set(e, ERR_INVALID, "[%s] private_key: %s: %s", s->section,
                       sink_str(s, "private_key"), strerror(errno));
    f->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!f->key || EVP_PKEY_base_id(f->key) != EVP_PKEY_RSA)
        return err_set(e, ERR_INVALID, "[%s] private_key: not an RSA private key in PEM",
                       s->section);
    if (sink_map_load(s, &f->remote, &f->field, e) < 0)
        return -1;
    return 0;
}

/* base64url without padding (RFC 7515), appended to b. */
static int add_b64url(struct buf *b, const void *p, size_t n)
{
    size_t start = b->len;
    if (buf_add_base64(b, p, n) < 0)
        return -1;
    size_t w = start;
    for (size_t r = start; r < b->len; r++) {
        char c = b->data[r];
        if (c == '=')
            continue;
        b->data[w++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    b->len = w;
    b->data[w] = '\0';
    return 0;
}

/* The signed assertion header.claims.signature (RS256), appended to out. */
static int assertion(const struct sink *s, const struct salesforce_rest *f, int64_t now_ms,
                     struct buf *out)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "iss", sink_str(s, "client_id"));
    cJSON_AddStringToObject(c, "sub", sink_str(s, "username"));
    cJSON_AddStringToObject(c, "aud", sink_str(s, "login_url"));
    cJSON_AddNumberToObject(c, "exp", (double)(now_ms / 1000 + SF_ASSERTION_S));
    char *claims = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    static const char header[] = "{\"alg\":\"RS256\"}";
    struct buf in = {0};
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = -1;
    if (claims && md && add_b64url(&in, header, strlen(header)) == 0 && buf_addc(&in, '.') == 0 &&
        add_b64url(&in, claims, strlen(claims)) == 0 &&
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, f->key) == 1 &&
        EVP_PKEY_get_size(f->key) <= (int)sizeof sig &&
        EVP_DigestSign(md, sig, &siglen, (const unsigned char *)in.data, in.len) == 1 &&
        buf_add(out, in.data, in.len) == 0 && buf_addc(out, '.') == 0 &&
        add_b64url(out, sig, siglen) == 0)
        rc = 0;
    EVP_MD_CTX_free(md);
    free(claims);
    buf_free(&in);
    return rc;
}

static int token_request(struct sink *s, struct salesforce_rest *f, const struct sink_batch *b,
                         struct sink_http *h, CURL *easy, struct err *e)
{
    struct buf jwt = {0};
    const char *login = sink_str(s, "login_url");
    size_t ll = strlen(login);
    int rc = assertion(s, f, b->now_ms, &jwt);
    if (rc == 0) {
        rc |= buf_adds(&h->body, "grant_type=");
        rc |= sink_urlencode(&h->body, easy, SF_GRANT);
        rc |= buf_adds(&h->body, "&assertion=");
        rc |= sink_urlencode(&h->body, easy, jwt.data);
        struct buf u = {0};
        rc |= buf_printf(&u, "%.*s/services/oauth2/token",
                         (int)(ll && login[ll - 1] == '/' ? ll - 1 : ll), login);
        h->url = u.data ? buf_steal(&u) : NULL;
        rc |= sink_header(&h->headers, "Content-Type", "application/x-www-form-urlencoded");
    }
    buf_free(&jwt);
    if (rc != 0 || !h->url)
        return err_set(e, ERR_INTERNAL, "salesforce_rest: cannot sign the JWT assertion");
    f->exchanging = true;
    return 0;
}

static int sfr_request(struct sink *s, const struct sink_batch *b, struct sink_http *h, CURL *easy,
                       struct err *e)
{
    struct salesforce_rest *f = s->priv;
    if (!f->token[0] || b->now_ms - f->token_ms > SF_TOKEN_MAX_MS)
        return token_request(s, f, b, h, easy, e);
    f->exchanging = false;
    const char *ext = sink_str(s, "external_id"), *type = sink_str(s, "sobject");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "allOrNone", false); /* one bad record does not hold the others */
    cJSON *records = cJSON_AddArrayToObject(o, "records");
    for (size_t i = 0; i < b->n; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "attributes"), "type", type);
        cJSON_AddStringToObject(r, ext, b->v[i].lead_id);
        /* The external id is the lead's id, whatever the mapping says. */
        sink_map_json(b->v[i].lead, &f->remote, &f->field, ext, r);
        cJSON_AddItemToArray(records, r);
    }
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    struct buf u = {0}, auth = {0};
    int rc = !body || buf_adds(&h->body, body) < 0;
    free(body);
    rc |= buf_printf(&u, "%s/services/data/v%s/composite/sobjects/", f->instance,
                     sink_str(s, "api_version")) < 0;
    rc |= sink_urlencode(&u, easy, type) < 0 || buf_addc(&u, '/') < 0;
    rc |= sink_urlencode(&u, easy, ext) < 0;
    rc |= buf_printf(&auth, "Bearer %s", f->token) < 0;
    h->url = u.data ? buf_steal(&u) : NULL;
    h->method = "PATCH";
    rc |= sink_header(&h->headers, "Content-Type", "application/json") < 0;
    rc |= sink_header(&h->headers, "Authorization", auth.data ? auth.data : "") < 0;
    OPENSSL_cleanse(auth.data, auth.len);
    buf_free(&auth);
    if (rc || !h->url)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

static void all_rows(const struct sink_batch *b, struct sink_verdict *v, enum sink_row r)
{
    for (size_t i = 0; i < b->n; i++)
        v->rows[i].r = r;
}

/* A token goes into a header line: visible ASCII only, no room for a CR/LF
 * that would add headers of the server's choosing. */
static bool token_ok(const char *t, size_t max)
{
    size_t n = 0;
    for (; t[n]; n++)
        if (t[n] <= ' ' || t[n] > '~')
            return false;
    return n > 0 && n < max;
}

/* The instance the leads go to: https when the login is (no downgrade by a
 * token answer), a plain URL without spaces. */
static bool instance_ok(const struct sink *s, const char *u, size_t max)
{
    bool https = !strncmp(u, "https://", 8);
    if (!https && (strncmp(u, "http://", 7) || !strncmp(sink_str(s, "login_url"), "https://", 8)))
        return false;
    return token_ok(u, max);
}

/* The token exchange's answer: the token and instance, or why not. */
static void token_answer(struct sink *s, struct salesforce_rest *f, const struct sink_batch *b,
                         const struct sink_reply *r, struct sink_verdict *v)
{
    f->exchanging = false;
    cJSON *o = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "access_token");
    const cJSON *inst = cJSON_GetObjectItemCaseSensitive(o, "instance_url");
    if (r->status == 200 && cJSON_IsString(tok) && cJSON_IsString(inst) &&
        token_ok(tok->valuestring, sizeof f->token) &&
        instance_ok(s, inst->valuestring, sizeof f->instance)) {
        snprintf(f->token, sizeof f->token, "%s", tok->valuestring);
        snprintf(f->instance, sizeof f->instance, "%s", inst->valuestring);
        size_t il = strlen(f->instance);
        if (il && f->instance[il - 1] == '/')
            f->instance[il - 1] = '\0';
        f->token_ms = b->now_ms;
        v->resend = true;
    } else {
        /* A refused assertion is the configuration's fault, not the leads':
         * nothing is parked, the sink backs off and shows why. */
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(o, "error_description");
        snprintf(v->reason, sizeof v->reason, "token (HTTP %ld): %s%s%s", r->status,
                 cJSON_IsString(err) ? err->valuestring : "no usable token in the answer",
                 cJSON_IsString(desc) ? ": " : "", cJSON_IsString(desc) ? desc->valuestring : "");
        all_rows(b, v, SINK_ROW_AGAIN);
    }
    cJSON_Delete(o);
}

/* "api-usage=USED/MAX" of Sforce-Limit-Info: pause once the org is near it. */
static void limit_check(const struct sink *s, const struct sink_reply *r, struct sink_verdict *v)
{
    char info[256];
    long long used, max;
    const char *p =
        strstr(sink_reply_header(r, "Sforce-Limit-Info", info, sizeof info), "api-usage=");
    if (p && sscanf(p + 10, "%lld/%lld", &used, &max) == 2 && max > 0 &&
        used * 100 >= max * config_int(s->cfg, s->section, "api_limit_percent"))
        v->pause_ms = SF_LIMIT_PAUSE_MS;
}

/* One result per record, in order: success, or errors[0] as the reason. */
static void records_answer(const struct sink_batch *b, const cJSON *arr, struct sink_verdict *v)
{
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != b->n) {
        snprintf(v->reason, sizeof v->reason, "HTTP 200 without one result per record");
        all_rows(b, v, SINK_ROW_AGAIN);
        return;
    }
    size_t i = 0;
    const cJSON *res;
    cJSON_ArrayForEach(res, arr)
    {
        struct sink_row_verdict *row = &v->rows[i++];
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "success"))) {
            row->r = SINK_ROW_DONE;
            continue;
        }
        const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "errors"), 0);
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e0, "statusCode");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e0, "message");
        row->r = SINK_ROW_REJECT;
        snprintf(row->reason, sizeof row->reason, "%s: %s",
                 cJSON_IsString(code) ? code->valuestring : "refused",
                 cJSON_IsString(msg) ? msg->valuestring : "");
    }
}

static void sfr_answer(struct sink *s, const struct sink_batch *b, const struct sink_reply *r,
                       struct sink_verdict *v)
{
    struct salesforce_rest *f = s->priv;
    if (f->exchanging) {
        token_answer(s, f, b, r, v);
        return;
    }
    limit_check(s, r, v);
    cJSON *o = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    /* Whole-request errors come as [{"message", "errorCode"}]. */
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(o, 0), "errorCode");
    const char *c = cJSON_IsString(code) ? code->valuestring : "";
    if (r->status == 200) {
        records_answer(b, o, v);
    } else if (r->status == 401) { /* INVALID_SESSION_ID: the token expired or was revoked */
        f->token[0] = '\0';
        v->resend = true;
    } else if (!strcmp(c, "REQUEST_LIMIT_EXCEEDED")) {
        all_rows(b, v, SINK_ROW_AGAIN);
        v->pause_ms = SF_LIMIT_PAUSE_MS;
    } else if (r->status == 403) { /* the user may not: configuration, not the leads */
        all_rows(b, v, SINK_ROW_AGAIN);
    }
    cJSON_Delete(o);
}

const struct sink_type sink_salesforce_rest = {
    .name = "salesforce_rest",
    .doc = "Salesforce REST: sObject Collections upsert on an external id, JWT bearer token",
    .max_batch = SF_MAX_RECORDS,
    .confirms = true,
    .open = sfr_open,
    .close = sfr_close,
    .request = sfr_request,
    .answer = sfr_answer,
};
