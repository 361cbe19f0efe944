// SPDX-License-Identifier: Apache-2.0
/*
 * test_ui_route — the UI's route table (ui/route.c) and its enforcement.
 * First the table itself: every route has a policy that means something
 * (the JSON API has a CSRF token, the admin API a session, visitors' data
 * stays on the kiosk, no row is shadowed). Then the policy as a browser
 * meets it, through the real libmicrohttpd server inside a real event loop,
 * driven over HTTP by libcurl from a second thread (as test_ui_http does):
 * every protected row refuses a caller without a session, a write without
 * its CSRF token, a visitor's request about another lead, a staff badge's
 * session where only a PIN opens; unknown paths and wrong methods get the
 * answers they always had; and with [ui] allow_remote, a peer that is not on
 * this machine reaches none of the kiosk-only rows.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/runtime/bus.h"
#include "firmware/runtime/loop.h"
#include "firmware/store/capture.h"
#include "firmware/store/store.h"
#include "tests/tap.h"
#include "ui/pin.h"
#include "ui/route.h"
#include "ui/ui.h"

#define OTHER_LEAD "01900000-0000-7000-8000-000000000000"

/* ---- HTTP from the client thread -------------------------------------------- */

struct call {
    const char *method; /* NULL: GET, or POST when body is set */
    const char *path;
    const char *host;  /* a Host header instead of curl's, or NULL */
    const char *ctype; /* NULL: application/json for a body */
    const char *csrf;  /* X-CSRF-Token, or NULL for none */
    const char *cookie;
    const char *body;
};

struct answer {
    long code;
    struct buf body;
    char cookie[80]; /* the mb_session value of a Set-Cookie */
};

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    buf_add(ud, p, sz * n);
    return sz * n;
}

static size_t header(char *p, size_t sz, size_t n, void *ud)
{
    struct answer *a = ud;
    static const char k[] = "Set-Cookie: mb_session=";
    if (sz * n > sizeof k && !strncasecmp(p, k, sizeof k - 1))
        sscanf(p + sizeof k - 1, "%79[0-9a-f]", a->cookie);
    return sz * n;
}

static long http(const char *base, const struct call *c, struct answer *a)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hs = NULL;
    char url[600], line[200];
    const char *method = c->method ? c->method : c->body ? "POST" : "GET";
    snprintf(url, sizeof url, "%s%s", base, c->path);
    buf_reset(&a->body);
    a->code = 0;
    a->cookie[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (c->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
        snprintf(line, sizeof line, "Content-Type: %s", c->ctype ? c->ctype : "application/json");
        hs = curl_slist_append(hs, line);
    }
    if (c->csrf) {
        snprintf(line, sizeof line, "X-CSRF-Token: %s", c->csrf);
        hs = curl_slist_append(hs, line);
    }
    if (c->cookie) {
        snprintf(line, sizeof line, "Cookie: mb_session=%s", c->cookie);
        hs = curl_slist_append(hs, line);
    }
    if (c->host) {
        snprintf(line, sizeof line, "Host: %s", c->host);
        hs = curl_slist_append(hs, line);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->code);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return a->code;
}

/* The string member k of a JSON answer, copied into out. */
static void member(const struct answer *a, const char *k, char *out, size_t n)
{
    cJSON *o = cJSON_ParseWithLength(a->body.data ? a->body.data : "", a->body.len);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    snprintf(out, n, "%s", v ? v : "");
    cJSON_Delete(o);
}

/* ---- the staff badge's token, read from the event stream ------------------------ */

/* 0, then 1 when the stream is open (the client asks), 2 once the loop
 * thread has published "staff_badge". */
static atomic_int badge_state;

struct stream {
    struct buf b;
    char token[80];
};

static size_t on_stream(char *p, size_t sz, size_t n, void *ud)
{
    struct stream *s = ud;
    buf_add(&s->b, p, sz * n);
    int idle = 0;
    if (strstr(s->b.data, "event: hello")) /* the stream is open: scan the badge now */
        atomic_compare_exchange_strong(&badge_state, &idle, 1);
    const char *ev = strstr(s->b.data, "event: staff_badge\ndata: ");
    const char *end = ev ? strstr(ev, "\n\n") : NULL;
    if (!end)
        return sz * n;
    cJSON *o = cJSON_ParseWithLength(ev + 25, (size_t)(end - ev - 25));
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(o, "token"));
    snprintf(s->token, sizeof s->token, "%s", t ? t : "");
    cJSON_Delete(o);
    return 0; /* got it: end the stream */
}

static void badge_token(const char *base, char *out, size_t n)
{
    struct stream s = {0};
    char url[300];
    CURL *h = curl_easy_init();
    snprintf(url, sizeof url, "%s/api/events", base);
    buf_adds(&s.b, "");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    snprintf(out, n, "%s", s.token);
    buf_free(&s.b);
}

/* ---- the table, without a server ----------------------------------------------- */

static bool is_prefix(const struct route *r)
{
    size_t n = strlen(r->path);
    return n && r->path[n - 1] == '*';
}

/* A concrete path for a row: a prefix row's "*" becomes "x". */
static void path_of(const struct route *r, char *out, size_t n)
{
    snprintf(out, n, "%.*s%s", (int)strlen(r->path) - (is_prefix(r) ? 1 : 0), r->path,
             is_prefix(r) ? "x" : "");
}

static void check_table(void)
{
    int rows = 0;
    bool valid = true, api_csrf = true, admin_session = true, staff_session = true,
         visitor_local = true, shared = true, unshadowed = true, no_page_post = true;
    const struct route *r;
    for (r = route_table; r->path; r++) {
        rows++;
        bool api = !strncmp(r->path, "/api/", 5);
        valid &= r->path[0] && (r->methods & ~(unsigned)(ROUTE_READ | ROUTE_POST)) == 0 &&
                 (r->fn != NULL) == (r->methods != 0) && r->peer <= ROUTE_NETWORK &&
                 r->who <= ROUTE_ADMIN && r->csrf <= ROUTE_CSRF_SESSION;
        api_csrf &= !api || r->csrf != ROUTE_CSRF_NONE;
        no_page_post &= r->csrf != ROUTE_CSRF_NONE || !(r->methods & ROUTE_POST);
        if (!strncmp(r->path, "/api/admin/", 11) && strcmp(r->path, "/api/admin/login") != 0)
            admin_session &=
                (r->who == ROUTE_STAFF || r->who == ROUTE_ADMIN) && r->csrf == ROUTE_CSRF_SESSION;
        if (!strncmp(r->path, "/api/staff/", 11) && strcmp(r->path, "/api/staff/badge") != 0)
            staff_session &=
                r->who == ROUTE_STAFF && r->peer == ROUTE_LOCAL && r->csrf == ROUTE_CSRF_SESSION;
        if (r->who == ROUTE_VISITOR || !strcmp(r->path, "/api/events"))
            visitor_local &= r->peer == ROUTE_LOCAL;
        char p[200];
        path_of(r, p, sizeof p);
        const struct route *first = route_find(p);
        unshadowed &= first && !strcmp(first->path, r->path);
        shared &= first && first->peer == r->peer && first->who == r->who && first->csrf == r->csrf;
    }
    ok(rows > 20, "the table has its %d rows", rows);
    ok(r > route_table && !strcmp(r[-1].path, "*") && route_find("weird") == &r[-1],
       "it ends with \"*\": every path has a policy");
    ok(valid, "every row has methods and a handler (or neither), a peer, a who and a CSRF token");
    ok(api_csrf, "every /api/ row is JSON API: its writes carry a CSRF token");
    ok(no_page_post, "no row without a CSRF token takes a POST");
    ok(admin_session, "every /api/admin/ row but the login needs a session and its token");
    ok(staff_session, "every /api/staff/ row but the badge exchange needs a session, on the kiosk");
    ok(visitor_local, "the event stream and the visit's rows answer the kiosk's browser only");
    ok(unshadowed, "no row is hidden by an earlier one");
    ok(shared, "the rows of one path share its policy");
    const struct route *login = route_find("/api/admin/login");
    ok(login && login->who == ROUTE_NOT_BADGE && login->csrf == ROUTE_CSRF_KIOSK,
       "the login is open to anyone but a staff badge's session, with the kiosk's token");
    ok(route_find("/api/admin/anything")->who == ROUTE_ADMIN &&
           route_find("/api/staff/anything")->who == ROUTE_STAFF &&
           route_find("/api/anything")->peer == ROUTE_LOCAL,
       "unknown API paths get their family's policy");
}

/* ---- phase 1: the kiosk's own browser -------------------------------------------- */

struct client {
    char base[80];
    char lead[64];
    bool remote;
    atomic_int done;
};

/* A request for row r with method m and the given credentials. */
static long row_call(const char *base, const struct route *r, unsigned m, const char *csrf,
                     const char *cookie, struct answer *a)
{
    char path[300];
    path_of(r, path, sizeof path);
    if (r->who == ROUTE_VISITOR && m != ROUTE_POST)
        strncat(path, "?lead=" OTHER_LEAD "&q=x&supplier=x", sizeof path - strlen(path) - 1);
    struct call c = {.path = path, .csrf = csrf, .cookie = cookie};
    if (m == ROUTE_POST)
        c.body = "{\"lead\":\"" OTHER_LEAD "\"}";
    return http(base, &c, a);
}

/* Every row asking for a session refuses a caller without one; every write
 * without its token; every visitor row a lead that is not the visit's. */
static void check_rows(const struct client *cl, const char *kiosk_csrf)
{
    struct answer a = {0};
    bool no_session = true, no_token = true, wrong_token = true, other_lead = true;
    int n_session = 0, n_post = 0, n_visitor = 0;
    for (const struct route *r = route_table; r->path; r++) {
        if (!strcmp(r->path, "/api/events") || r->csrf == ROUTE_CSRF_NONE)
            continue; /* a stream (tested below), or a page (nothing to refuse) */
        unsigned m = r->methods & ROUTE_POST ? ROUTE_POST : ROUTE_GET;
        if (r->who == ROUTE_STAFF || r->who == ROUTE_ADMIN) {
            n_session++;
            if (row_call(cl->base, r, m, kiosk_csrf, NULL, &a) != 401) {
                no_session = false;
                diag("%s without a session: %ld", r->path, a.code);
            }
        }
        if (m == ROUTE_POST && r->who != ROUTE_STAFF && r->who != ROUTE_ADMIN) {
            n_post++;
            if (row_call(cl->base, r, m, NULL, NULL, &a) != 403) {
                no_token = false;
                diag("POST %s without a token: %ld", r->path, a.code);
            }
            if (row_call(cl->base, r, m, "0123", NULL, &a) != 403) {
                wrong_token = false;
                diag("POST %s with a wrong token: %ld", r->path, a.code);
            }
        }
        if (r->who == ROUTE_VISITOR) {
            n_visitor++;
            if (row_call(cl->base, r, m, kiosk_csrf, NULL, &a) != 409) {
                other_lead = false;
                diag("%s about another lead: %ld", r->path, a.code);
            }
        }
    }
    ok(no_session && n_session >= 6, "%d session rows: 401 without a session", n_session);
    ok(no_token && n_post >= 10, "%d POST rows: 403 without a CSRF token", n_post);
    ok(wrong_token, "… and 403 with a wrong one");
    ok(other_lead && n_visitor == 7, "%d visitor rows: 409 for a lead that is not the visit's",
       n_visitor);
    buf_free(&a.body);
}

/* Unknown paths, wrong methods, bad requests: the answers they always had. */
static void check_answers(const struct client *cl, const char *kc)
{
    struct answer a = {0};
    static char big[70 * 1024];
    memset(big, ' ', sizeof big - 1);
    big[0] = '{';
    big[sizeof big - 2] = '}';
    const struct {
        struct call c;
        long want;
        const char *name;
    } cases[] = {
        {{.path = "/api/boot", .host = "evil.example"}, 421, "a foreign Host: 421"},
        {{.path = "/", .host = "evil.example:8080"}, 421, "… for a page too"},
        {{.path = "/api/events", .host = "rebound.example"}, 421, "… and the event stream"},
        {{.path = "/api/boot", .host = "localhost:1"}, 200, "Host localhost is ours"},
        {{.path = "/"}, 200, "GET / (the kiosk)"},
        {{.path = "/admin"}, 200, "GET /admin"},
        {{.method = "HEAD", .path = "/kiosk.js"}, 200, "HEAD of an asset"},
        {{.path = "/nope.js"}, 404, "an unknown file: 404"},
        {{.path = "/api"}, 404, "/api is a file name, not the API: 404"},
        {{.path = "/", .csrf = kc, .body = "{}"}, 405, "POST to a page: 405"},
        {{.method = "PUT", .path = "/kiosk.js"}, 405, "PUT to a page: 405"},
        {{.method = "PUT", .path = "/api/boot"}, 405, "PUT to the API: 405"},
        {{.method = "DELETE", .path = "/api/admin/status"}, 401, "… after the session check"},
        {{.path = "/api/boot", .csrf = kc, .body = "{}"}, 404, "POST to a GET route: 404"},
        {{.path = "/api/admin/login"}, 404, "GET of the login: 404"},
        {{.path = "/api/nope"}, 404, "an unknown API path: 404"},
        {{.path = "/api/nope", .body = "{}"}, 403, "… a POST to it still needs the token"},
        {{.path = "/api/admin/nope"}, 401, "an unknown admin path: 401 without a session"},
        {{.path = "/api/staff/nope"}, 401, "an unknown staff path: 401 without a session"},
        {{.method = "HEAD", .path = "/api/events"}, 404, "HEAD of the event stream: 404"},
        {{.path = "/api/events", .csrf = kc, .body = "{}"}, 404, "POST to the stream: 404"},
        {{.path = "/api/demo", .csrf = kc, .ctype = "text/plain", .body = "{}"},
         415,
         "a write that is not JSON: 415"},
        {{.path = "/api/demo", .csrf = kc, .body = "[1]"}, 400, "a body that is no object: 400"},
        {{.path = "/api/demo", .csrf = kc, .body = big}, 413, "a body over 64 KiB: 413"},
        {{.path = "/api/demo", .csrf = kc, .body = "{}"}, 404, "POST /api/demo (demo off): 404"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_int(http(cl->base, &cases[i].c, &a), cases[i].want, cases[i].name);
    buf_free(&a.body);
}

/* A PIN session: what it opens, its own token, its end. */
static void check_pin_session(const struct client *cl, const char *kc)
{
    struct answer a = {0};
    char cookie[80], csrf[80], body[200];
    is_int(http(cl->base, &(struct call){.path = "/api/admin/login", .body = "{\"pin\":\"2468\"}"},
                &a),
           403, "login without the kiosk's token: 403");
    is_int(
        http(cl->base,
             &(struct call){.path = "/api/admin/login", .csrf = kc, .body = "{\"pin\":\"2468\"}"},
             &a),
        200, "login with the PIN and the kiosk's token");
    snprintf(cookie, sizeof cookie, "%s", a.cookie);
    member(&a, "csrf", csrf, sizeof csrf);
    ok(strlen(cookie) == 64 && strlen(csrf) == 64, "a session cookie and its own token");
    is_int(http(cl->base, &(struct call){.path = "/api/admin/status", .cookie = cookie}, &a), 200,
           "the admin API with the session");
    snprintf(body, sizeof body, "{\"lead\":\"%s\",\"rating\":3}", cl->lead);
    is_int(
        http(cl->base,
             &(struct call){.path = "/api/staff/note", .cookie = cookie, .csrf = kc, .body = body},
             &a),
        403, "a session's write with the kiosk's token: 403");
    is_int(http(cl->base,
                &(struct call){
                    .path = "/api/staff/note", .cookie = cookie, .csrf = csrf, .body = body},
                &a),
           200, "… with the session's own: stored");
    is_int(http(cl->base,
                &(struct call){.path = "/api/admin/logout", .cookie = cookie, .body = "{}"}, &a),
           403, "logout without the session's token: 403");
    is_int(http(cl->base,
                &(struct call){
                    .path = "/api/admin/logout", .cookie = cookie, .csrf = csrf, .body = "{}"},
                &a),
           200, "logout");
    is_int(http(cl->base, &(struct call){.path = "/api/admin/status", .cookie = cookie}, &a), 401,
           "the ended session opens nothing");
    buf_free(&a.body);
}

/* A staff badge's session: staff mode, never the admin page. */
static void check_badge_session(const struct client *cl, const char *kc)
{
    struct answer a = {0};
    char token[80], body[200], cookie[80], csrf[80];
    badge_token(cl->base, token, sizeof token);
    ok(strlen(token) == 64, "a staff badge pushes a token over the event stream");
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", token);
    is_int(http(cl->base, &(struct call){.path = "/api/staff/badge", .body = body}, &a), 403,
           "the token without the kiosk's CSRF token: 403");
    is_int(http(cl->base, &(struct call){.path = "/api/staff/badge", .csrf = kc, .body = body}, &a),
           200, "the token traded for a staff session");
    snprintf(cookie, sizeof cookie, "%s", a.cookie);
    member(&a, "csrf", csrf, sizeof csrf);
    is_int(http(cl->base, &(struct call){.path = "/api/staff/badge", .csrf = kc, .body = body}, &a),
           403, "a token is used once");
    int refused = 0, rows = 0;
    for (const struct route *r = route_table; r->path; r++) {
        if (r->who != ROUTE_ADMIN && r->who != ROUTE_NOT_BADGE)
            continue;
        rows++;
        unsigned m = r->methods & ROUTE_POST || !r->methods ? ROUTE_POST : ROUTE_GET;
        refused += row_call(cl->base, r, m, csrf, cookie, &a) == 403;
    }
    ok(rows >= 4 && refused == rows, "%d of %d admin rows (and the login) refuse a badge session",
       refused, rows);
    is_int(http(cl->base, &(struct call){.path = "/api/admin/session", .cookie = cookie}, &a), 200,
           "… which may read itself");
    ok(strstr(a.body.data, "\"staff_only\":true") != NULL, "… as staff only");
    snprintf(body, sizeof body, "{\"lead\":\"%s\",\"rating\":5}", cl->lead);
    is_int(http(cl->base,
                &(struct call){
                    .path = "/api/staff/note", .cookie = cookie, .csrf = csrf, .body = body},
                &a),
           200, "… and write staff notes");
    buf_free(&a.body);
}

static void *local_client(void *ud)
{
    struct client *cl = ud;
    struct answer a = {0};
    char kc[80], body[200];
    http(cl->base, &(struct call){.path = "/api/boot"}, &a);
    member(&a, "csrf", kc, sizeof kc);
    ok(strlen(kc) == 64, "/api/boot gives the kiosk's token");
    check_answers(cl, kc);
    check_rows(cl, kc);
    snprintf(body, sizeof body, "{\"lead\":\"%s\",\"company\":\"Lamp Co Ltd\"}", cl->lead);
    is_int(http(cl->base, &(struct call){.path = "/api/lead/fields", .csrf = kc, .body = body}, &a),
           200, "the visit's own lead may be corrected");
    check_pin_session(cl, kc);
    check_badge_session(cl, kc);
    buf_free(&a.body);
    atomic_store(&cl->done, 1);
    return NULL;
}

/* ---- phase 2: a peer on the network ([ui] allow_remote) ------------------------ */

static void *remote_client(void *ud)
{
    struct client *cl = ud;
    struct answer a = {0};
    int rows = 0, refused = 0;
    for (const struct route *r = route_table; r->path; r++) {
        if (r->peer != ROUTE_LOCAL)
            continue;
        rows++;
        unsigned m = r->methods & ROUTE_POST ? ROUTE_POST : ROUTE_GET;
        if (row_call(cl->base, r, m, NULL, NULL, &a) == 403 &&
            strstr(a.body.data, "only the kiosk itself"))
            refused++;
        else
            diag("%s from the network: %ld %s", r->path, a.code, a.body.data);
    }
    ok(rows >= 14 && refused == rows, "%d of %d kiosk-only rows refuse a peer on the network",
       refused, rows);
    is_int(http(cl->base, &(struct call){.path = "/api/boot"}, &a), 200,
           "the network gets /api/boot (the login's token)");
    is_int(http(cl->base, &(struct call){.path = "/admin"}, &a), 200, "… and the admin page");
    is_int(http(cl->base, &(struct call){.path = "/api/admin/status"}, &a), 401,
           "… and the admin API, with a session");
    buf_free(&a.body);
    atomic_store(&cl->done, 1);
    return NULL;
}

/* ---- the server in the loop thread ---------------------------------------------- */

struct waiter {
    struct client *cl;
    struct bus *bus;
    struct loop_timer *t;
    int ticks;
};

static void tick(struct loop *l, void *ud)
{
    struct waiter *w = ud;
    int asked = 1;
    if (atomic_compare_exchange_strong(&badge_state, &asked, 2)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "operator", "STAFF-7");
        bus_publish(w->bus, "staff_badge", o);
        cJSON_Delete(o);
    }
    if (atomic_load(&w->cl->done) || ++w->ticks > 6000)
        loop_stop(l);
    else
        loop_timer_reset(w->t, 5);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* This machine's first IPv4 address that is not loopback, or "". */
static void network_address(char *out, size_t n)
{
    struct ifaddrs *ifs = NULL;
    out[0] = '\0';
    if (getifaddrs(&ifs) < 0)
        return;
    for (struct ifaddrs *i = ifs; i && !out[0]; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
            inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)n);
    }
    freeifaddrs(ifs);
}

/* Starts the UI on conf, runs client against it from a thread, stops. */
static void run_phase(const char *dir, const char *conf, const char *host, int port,
                      void *(*client)(void *))
{
    struct err e = {0};
    char db[300];
    snprintf(db, sizeof db, "%s/leads.db", dir);
    struct config *cfg = config_load(conf, &e);
    struct show show = {0};
    ok(cfg && show_load(cfg, "t", &show, &e) == 0, "config and show (%s)", e.msg);
    struct store *st = store_open(db, &e);
    ok(st && store_show_ensure(st, "t", "Test Show", "UTC", &e) == 0, "store (%s)", e.msg);
    struct loop *l = loop_new();
    struct bus *bus = bus_new();
    struct capture *cap = capture_new(cfg, &show, st, bus);
    struct ui_host h = {l, cfg, &show, st, bus, cap, NULL, NULL, NULL, NULL};
    struct ui *u = ui_start(&h, &e);
    ok(u != NULL, "ui starts on port %d (%s)", port, e.msg);
    /* A scan in the loop thread starts the visit the client may write to. */
    const char *badge = "MECARD:UID:R1;N:Wong,Ka Yan;ORG:Lamp Co;EMAIL:kayan@lamp.example;;";
    struct capture_in in = {.source = LEAD_SRC_SCANNER,
                            .device = "test",
                            .payload = (const uint8_t *)badge,
                            .len = strlen(badge)};
    cJSON *res = NULL;
    ok(capture_scan(cap, &in, &res, &e) == 0, "scan captured (%s)", e.msg);
    struct client cl = {0};
    snprintf(cl.base, sizeof cl.base, "http://%s:%d", host, port);
    snprintf(cl.lead, sizeof cl.lead, "%s",
             res ? cJSON_GetStringValue(cJSON_GetObjectItem(res, "id")) : "");
    cJSON_Delete(res);
    if (u) {
        pthread_t th;
        struct waiter w = {&cl, bus, NULL, 0};
        pthread_create(&th, NULL, client, &cl);
        w.t = loop_timer_add(l, 5, tick, &w);
        loop_run(l);
        pthread_join(th, NULL);
        loop_timer_del(w.t);
        ok(atomic_load(&cl.done), "the client finished in time");
    }
    ui_stop(u);
    capture_free(cap);
    bus_free(bus);
    loop_free(l);
    store_close(st);
    show_free(&show);
    config_free(cfg);
}

int main(void)
{
    char dir[] = "/tmp/mb-test-uiroute-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char conf[300], hash[PIN_HASH_MAX], cmd[400], addr[64];
    struct err e = {0};
    check_table();
    ok(pin_hash("2468", hash, sizeof hash, &e) == 0, "a PIN hash for the config");
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int port = free_port();
    snprintf(conf, sizeof conf, "%s/local.conf", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = t\ndevice_id = k1\n[ui]\nlisten = 127.0.0.1:%d\n"
            "admin_pin_hash = %s\n[show.t]\nname = Test Show\nform = board/demo/form.json\n",
            dir, port, hash);
    fclose(f);
    run_phase(dir, conf, "127.0.0.1", port, local_client);

    network_address(addr, sizeof addr);
    if (!addr[0]) {
        ok(1, "# SKIP no IPv4 address but loopback: the network peer is not tested");
    } else {
        port = free_port();
        snprintf(conf, sizeof conf, "%s/remote.conf", dir);
        f = fopen(conf, "w");
        fprintf(f,
                "[kiosk]\ndata_dir = %s\nshow = t\ndevice_id = k1\n[ui]\nlisten = 0.0.0.0:%d\n"
                "allow_remote = true\nadmin_pin_hash = %s\n[show.t]\nname = Test Show\n"
                "form = board/demo/form.json\n",
                dir, port, hash);
        fclose(f);
        diag("a peer on the network: %s", addr);
        run_phase(dir, conf, addr, port, remote_client);
    }

    curl_global_cleanup();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
