// SPDX-License-Identifier: Apache-2.0
/*
 * test_ui_http — the web server inside a real event loop, driven over HTTP
 * by libcurl from a second thread (the loop thread owns the store, as in the
 * daemon). Runs under ASan+UBSan too, so the request paths of ui.c are
 * checked for memory errors. Covers what the browser test cannot reach:
 * a printer reported by a "devices" status provider (drivers/devices.c's
 * shape: ready, paper out, absent), the "print" bus event and its shape,
 * matches by category, and the guards of the visit API.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"
#include "tests/tap.h"
#include "ui/catalog.h"
#include "ui/ui.h"

struct client {
    int port;
    char lead[64];
    /* results, read by the main thread after the join */
    long boot_code, matches_code, print_code, print_other_code, qr_code, answers_code;
    bool boot_printer;
    char paper_boot[160], none_boot[160], paper_print[200], none_print[200];
    long paper_print_code, none_print_code;
    int n_matches;
    bool matches_in_category;
    char qr_head[8];
    atomic_int done;
};

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    buf_add(ud, p, sz * n);
    return sz * n;
}

/* One request; returns the HTTP status and the body in out. */
static long req(int port, const char *path, const char *csrf, const char *json, struct buf *out)
{
    CURL *c = curl_easy_init();
    char url[512];
    long code = 0;
    struct curl_slist *h = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (json) {
        char hdr[128];
        snprintf(hdr, sizeof hdr, "X-CSRF-Token: %s", csrf ? csrf : "");
        h = curl_slist_append(h, "Content-Type: application/json");
        h = curl_slist_append(h, hdr);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}

/* What the fake "devices" status provider reports (set by the client). */
enum { PRINTER_READY, PRINTER_PAPER_OUT, PRINTER_NONE };
static atomic_int printer_mode = PRINTER_READY;

/* The "printer" member of a /api/boot reply, as compact JSON. */
static void printer_of(const struct buf *b, char *out, size_t n)
{
    cJSON *o = cJSON_Parse(b->data ? b->data : "");
    char *t = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "printer"));
    snprintf(out, n, "%s", t ? t : "(none)");
    free(t);
    cJSON_Delete(o);
}

static void *client_main(void *ud)
{
    struct client *cl = ud;
    struct buf b = {0};
    char csrf[80] = "", body[1024], path[256];
    cl->boot_code = req(cl->port, "/api/boot", NULL, NULL, &b);
    cJSON *boot = cJSON_Parse(b.data ? b.data : "");
    const cJSON *t = cJSON_GetObjectItem(boot, "csrf");
    if (cJSON_IsString(t))
        snprintf(csrf, sizeof csrf, "%s", t->valuestring);
    const cJSON *bp = cJSON_GetObjectItem(boot, "printer");
    cl->boot_printer = cJSON_IsTrue(cJSON_GetObjectItem(bp, "present")) &&
                       cJSON_IsTrue(cJSON_GetObjectItem(bp, "ready"));
    cJSON_Delete(boot);

    snprintf(body, sizeof body, "{\"lead\":\"%s\",\"answers\":{\"interest\":[\"lighting\"]}}",
             cl->lead);
    cl->answers_code = req(cl->port, "/api/lead/answers", csrf, body, &b);

    snprintf(path, sizeof path, "/api/matches?lead=%s&lang=zh-Hant", cl->lead);
    cl->matches_code = req(cl->port, path, NULL, NULL, &b);
    cJSON *m = cJSON_Parse(b.data ? b.data : "");
    const cJSON *s, *list = cJSON_GetObjectItem(m, "suppliers");
    struct buf ids = {0};
    cl->matches_in_category = true;
    cJSON_ArrayForEach(s, list)
    {
        cl->n_matches++;
        bool lit = false;
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "categories"))
        {
            lit |= cJSON_IsString(c) && !strcmp(c->valuestring, "lighting");
        }
        cl->matches_in_category &= lit;
        buf_printf(&ids, "%s\"%s\"", ids.len ? "," : "", cJSON_GetObjectItem(s, "id")->valuestring);
    }
    if (cJSON_GetArraySize(list) > 0) {
        snprintf(path, sizeof path, "/api/qr?lead=%s&supplier=%s", cl->lead,
                 cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuestring);
        cl->qr_code = req(cl->port, path, NULL, NULL, &b);
        snprintf(cl->qr_head, sizeof cl->qr_head, "%.5s", b.data ? b.data : "");
    }
    cJSON_Delete(m);

    snprintf(body, sizeof body,
             "{\"lead\":\"%s\",\"lang\":\"zh-Hant\",\"greeting\":\"Hello\",\"footer\":\"Bye\","
             "\"suppliers\":[%s]}",
             cl->lead, ids.data ? ids.data : "");
    cl->print_code = req(cl->port, "/api/print", csrf, body, &b);
    cl->print_other_code = req(cl->port, "/api/print", csrf,
                               "{\"lead\":\"01900000-0000-7000-8000-000000000000\"}", &b);

    /* Paper out, then no printer at all: what the page is told, and a slip
     * asked for anyway is refused with the reason. */
    atomic_store(&printer_mode, PRINTER_PAPER_OUT);
    req(cl->port, "/api/boot", NULL, NULL, &b);
    printer_of(&b, cl->paper_boot, sizeof cl->paper_boot);
    cl->paper_print_code = req(cl->port, "/api/print", csrf, body, &b);
    snprintf(cl->paper_print, sizeof cl->paper_print, "%.190s", b.data ? b.data : "");
    atomic_store(&printer_mode, PRINTER_NONE);
    req(cl->port, "/api/boot", NULL, NULL, &b);
    printer_of(&b, cl->none_boot, sizeof cl->none_boot);
    cl->none_print_code = req(cl->port, "/api/print", csrf, body, &b);
    snprintf(cl->none_print, sizeof cl->none_print, "%.190s", b.data ? b.data : "");
    buf_free(&ids);
    buf_free(&b);
    atomic_store(&cl->done, 1);
    return NULL;
}

/* The shape drivers/devices.c reports: devices.printer is {id, state,
 * present, ready} or false, beside a device list in which a removed
 * printer still appears (it must not count as present). */
static void devices_status(cJSON *obj, void *ud)
{
    int mode = atomic_load(&printer_mode);
    cJSON_AddStringToObject(obj, "usb", "ok");
    cJSON_AddNumberToObject(obj, "scanners", 0);
    cJSON_AddNumberToObject(obj, "printers", mode == PRINTER_NONE ? 0 : 1);
    if (mode == PRINTER_NONE) {
        cJSON_AddBoolToObject(obj, "printer", 0);
    } else {
        cJSON *p = cJSON_AddObjectToObject(obj, "printer");
        const char *state = mode == PRINTER_READY ? "ready" : "paper out";
        cJSON_AddStringToObject(p, "id", "usb-1-4");
        cJSON_AddStringToObject(p, "state", state);
        cJSON_AddBoolToObject(p, "present", 1);
        cJSON_AddBoolToObject(p, "ready", mode == PRINTER_READY);
    }
    cJSON *list = cJSON_AddArrayToObject(obj, "devices");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", "usb-1-4");
    cJSON_AddStringToObject(d, "kind", "printer");
    cJSON_AddStringToObject(d, "state", mode == PRINTER_NONE ? "removed" : "ready");
    cJSON_AddItemToArray(list, d);
}

static void on_event(const char *type, const cJSON *data, void *ud)
{
    cJSON **print = ud;
    if (!strcmp(type, "print") && !*print)
        *print = cJSON_Duplicate(data, 1);
}

struct waiter {
    struct client *cl;
    struct loop_timer *t;
    int ticks;
};

static void poll_done(struct loop *l, void *ud)
{
    struct waiter *w = ud;
    if (atomic_load(&w->cl->done) || ++w->ticks > 3000)
        loop_stop(l);
    else
        loop_timer_reset(w->t, 5);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

int main(void)
{
    char dir[] = "/tmp/mb-test-uihttp-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char conf[300], db[300], cmd[400];
    int port = free_port();
    snprintf(conf, sizeof conf, "%s/m.conf", dir);
    snprintf(db, sizeof db, "%s/leads.db", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = t\ndevice_id = k1\n[ui]\nlisten = 127.0.0.1:%d\n"
            "catalog = board/demo/catalog.json\n[show.t]\nname = Test Show\n"
            "form = board/demo/form.json\n",
            dir, port);
    fclose(f);
    struct err e = {0};
    struct config *cfg = config_load(conf, &e);
    ok(cfg != NULL, "config (%s)", e.msg);
    struct show show = {0};
    ok(show_load(cfg, "t", &show, &e) == 0, "show (%s)", e.msg);
    struct store *st = store_open(db, &e);
    ok(st && store_show_ensure(st, "t", "Test Show", "UTC", &e) == 0, "store");
    struct loop *l = loop_new();
    struct bus *bus = bus_new();
    struct capture *cap = capture_new(cfg, &show, st, bus);
    cJSON *print = NULL;
    bus_status_add(bus, "devices", devices_status, NULL);
    int sub = bus_subscribe(bus, on_event, &print);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    struct ui_host h = {l, cfg, &show, st, bus, cap, NULL, NULL, NULL, NULL};
    struct ui *u = ui_start(&h, &e);
    ok(u != NULL, "ui starts on port %d (%s)", port, e.msg);
    ok(catalog_count(st) >= 200, "[ui] catalog imported at start");

    /* A scan in the loop thread starts the visit the client then drives. */
    const char *badge = "MECARD:UID:H1;N:Wong,Ka Yan;ORG:Lamp Co;TEL:+85299998888;"
                        "EMAIL:kayan@lamp.example;;";
    struct capture_in in = {.source = LEAD_SRC_SCANNER,
                            .device = "test",
                            .payload = (const uint8_t *)badge,
                            .len = strlen(badge)};
    cJSON *res = NULL;
    ok(capture_scan(cap, &in, &res, &e) == 0, "scan captured");
    struct client cl = {.port = port};
    snprintf(cl.lead, sizeof cl.lead, "%s", cJSON_GetObjectItem(res, "id")->valuestring);
    cJSON_Delete(res);

    pthread_t th;
    pthread_create(&th, NULL, client_main, &cl);
    struct waiter w = {&cl, NULL, 0};
    w.t = loop_timer_add(l, 5, poll_done, &w);
    loop_run(l);
    pthread_join(th, NULL);
    loop_timer_del(w.t);

    is_int(cl.boot_code, 200, "GET /api/boot");
    ok(cl.boot_printer, "boot says a printer is attached (from the devices status)");
    is_int(cl.answers_code, 200, "answers stored");
    is_int(cl.matches_code, 200, "GET /api/matches");
    is_int(cl.n_matches, 6, "six matches ([ui] matches default)");
    ok(cl.matches_in_category, "every match is in the chosen category");
    is_int(cl.qr_code, 200, "GET /api/qr");
    is_str(cl.qr_head, "<svg ", "the QR is SVG");
    is_int(cl.print_code, 200, "POST /api/print");
    is_int(cl.print_other_code, 409, "printing for another lead is refused");
    ok(print != NULL, "bus event 'print' published");
    is_str(cl.paper_boot, "{\"present\":true,\"ready\":false,\"state\":\"paper out\"}",
           "paper out: boot says present, not ready, and why");
    is_int(cl.paper_print_code, 409, "paper out: a slip is refused");
    ok(strstr(cl.paper_print, "paper out") != NULL, "…saying why (%s)", cl.paper_print);
    is_str(cl.none_boot, "{\"present\":false,\"ready\":false,\"state\":\"\"}",
           "printer removed (still in the device list): boot says none");
    is_int(cl.none_print_code, 409, "no printer: a slip is refused");
    ok(strstr(cl.none_print, "no printer") != NULL, "…saying so (%s)", cl.none_print);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(print, "show")), "Test Show", "print: show");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(print, "greeting")), "Hello",
           "print: greeting");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(print, "footer")), "Bye", "print: footer");
    const cJSON *sups = cJSON_GetObjectItem(print, "suppliers"), *s;
    is_int(cJSON_GetArraySize(sups), 6, "print: six suppliers");
    bool shape = cJSON_GetArraySize(sups) > 0, clean = true;
    cJSON_ArrayForEach(s, sups)
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(s, "name"));
        const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(s, "url"));
        shape &= name && *name && url && !strncmp(url, "https://suppliers.example/", 26) &&
                 strstr(url, "mb_ref=") && strstr(url, "mb_kiosk=k1");
        clean &= url && !strstr(url, "kayan") && !strstr(url, "Wong") && !strstr(url, "9999") &&
                 !strstr(url, cl.lead) && !strstr(url, "H1");
    }
    ok(shape, "print: each supplier has a name and its campaign link");
    ok(clean, "print: links hold no personal data and not the lead id");
    ok(cJSON_GetObjectItem(sups->child, "name") &&
           (unsigned char)cJSON_GetObjectItem(sups->child, "name")->valuestring[0] >= 0x80,
       "print: names in the visitor's language (zh-Hant)");
    cJSON_Delete(print);

    ui_stop(u);
    bus_unsubscribe(bus, sub);
    capture_free(cap);
    bus_free(bus);
    loop_free(l);
    store_close(st);
    show_free(&show);
    config_free(cfg);
    curl_global_cleanup();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
