// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_service — the card service on a real SQLite store, without the
 * daemon: review round trip (read, correct, store; recognised and corrected
 * both kept), camera frames (text -> "card_read" event for review, QR ->
 * captured at once, blank -> nothing), card reading disabled.
 */
#include <cjson/cJSON.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/card/card_service.h"
#include "firmware/config/config.h"
#include "firmware/card/ocr.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"
#include "tests/tap.h"

static int events;
static char last_name[128];

static void on_event(const char *type, const cJSON *data, void *ud)
{
    if (strcmp(type, "card_read"))
        return;
    events++;
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(data, "recognised"), "full_name");
    snprintf(last_name, sizeof last_name, "%s", cJSON_IsString(n) ? n->valuestring : "");
}

static cJSON *image_req(const char *path)
{
    struct buf raw = {0}, b64 = {0};
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&raw, chunk, n);
    if (f)
        fclose(f);
    buf_add_base64(&b64, (const uint8_t *)raw.data, raw.len);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "image_base64", b64.data ? b64.data : "");
    buf_free(&raw);
    buf_free(&b64);
    return req;
}

/* Feeds an image file as a grey camera frame. */
static void feed_frame(struct card_service *s, const char *path)
{
    PIX *p = pixRead(path), *g = p ? pixConvertTo8(p, 0) : NULL;
    l_uint8 *data = NULL;
    size_t n = 0;
    if (g && pixGetRasterData(g, &data, &n) == 0)
        card_service_frame(s, data, (int)pixGetWidth(g), (int)pixGetHeight(g), (int)pixGetWidth(g),
                           "camera:test");
    free(data);
    pixDestroy(&g);
    pixDestroy(&p);
}

int main(int argc, char **argv)
{
    ocr_env_ensure(argv); /* Tesseract at full speed: see ocr.h */
    struct err e = {0};
    char dir[] = "/tmp/mb-card-XXXXXX", path[256];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return done_testing();
    snprintf(path, sizeof path, "%s/leads.db", dir);
    struct store *st = store_open(path, &e);
    struct config *cfg = config_defaults();
    struct show show = {
        .id = "demo", .section = "show.demo", .name = "Demo", .timezone = "UTC", .country = "HK"};
    struct bus *bus = bus_new();
    ok(st && store_show_ensure(st, "demo", "Demo", "UTC", &e) == 0, "store ready %s", e.msg);
    struct capture *cap = capture_new(cfg, &show, st, bus);
    ok(capture_set_show(cap, cfg, &show, &e) == 0, "capture pipeline configured %s", e.msg);
    struct card_service *s =
        card_service_new(&(struct card_service_host){bus, st, cap, NULL, NULL}, &e);
    bus_subscribe(bus, on_event, NULL);
    card_service_configure(s, cfg, &show);
    ok(card_service_ready(s), "reader loaded with the default languages");

    /* Review round trip. */
    cJSON *req = image_req("tests/cards/card09-en-left-clean.png"), *reply = cJSON_CreateObject();
    ok(card_service_read(s, req, reply, &e) == 0, "read %s", e.msg);
    const cJSON *card = cJSON_GetObjectItem(reply, "card");
    const cJSON *rec = cJSON_GetObjectItem(card, "recognised");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(rec, "full_name")), "Grace Lee",
           "recognised name");
    double read_id = cJSON_GetNumberValue(cJSON_GetObjectItem(card, "read_id"));
    cJSON *sreq = cJSON_CreateObject();
    cJSON_AddNumberToObject(sreq, "read_id", read_id);
    cJSON *fields = cJSON_AddObjectToObject(sreq, "fields");
    cJSON_AddStringToObject(fields, "full_name", "Grace Lee Mei-Ling");
    cJSON *emails = cJSON_AddArrayToObject(fields, "emails");
    cJSON_AddItemToArray(emails, cJSON_CreateString("grace.lee@pacificrim.com.hk"));
    cJSON *sreply = cJSON_CreateObject();
    ok(card_service_store(s, sreq, sreply, &e) == 0, "store reviewed %s", e.msg);
    const cJSON *lead = cJSON_GetObjectItem(sreply, "lead");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(lead, "full_name")), "Grace Lee Mei-Ling",
           "stored with the correction");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(lead, "source")), "card", "source card");
    cJSON *greq = cJSON_CreateObject(), *greply = cJSON_CreateObject();
    cJSON_AddStringToObject(greq, "lead", cJSON_GetStringValue(cJSON_GetObjectItem(lead, "id")));
    ok(card_service_get(s, greq, greply, &e) == 0, "get %s", e.msg);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(greply, "cards"), 0);
    is_str(cJSON_GetStringValue(
               cJSON_GetObjectItem(cJSON_GetObjectItem(c0, "recognised"), "full_name")),
           "Grace Lee", "recognised kept");
    const cJSON *changed = cJSON_GetObjectItem(c0, "changed");
    ok(cJSON_GetArraySize(changed) >= 1 &&
           !strcmp(cJSON_GetArrayItem(changed, 0)->valuestring, "full_name"),
       "changed names the corrected field");
    cJSON *again = cJSON_CreateObject();
    ok(card_service_store(s, sreq, again, &e) < 0 && e.code == ERR_NOTFOUND, "stored once only: %s",
       e.msg);
    err_clear(&e);
    cJSON_Delete(again);

    /* A photo at three times the resolution of a scan reads the same. */
    PIX *orig = pixRead("tests/cards/card01-en-left-clean.png");
    PIX *big = orig ? pixScale(orig, 3.0f, 3.0f) : NULL;
    pixWrite("/tmp/mb-card-big.jpg", big, IFF_JFIF_JPEG);
    pixDestroy(&orig);
    pixDestroy(&big);
    cJSON *breq = image_req("/tmp/mb-card-big.jpg"), *breply = cJSON_CreateObject();
    unlink("/tmp/mb-card-big.jpg");
    ok(card_service_read(s, breq, breply, &e) == 0, "read a 3150 px photo %s", e.msg);
    is_str(
        cJSON_GetStringValue(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(breply, "card"), "recognised"), "full_name")),
        "Alice Johnson", "a large photo is scaled down and read");
    cJSON_Delete(breq);
    cJSON_Delete(breply);

    /* Camera frames. */
    feed_frame(s, "tests/cards/card01-en-left-clean.png");
    is_int(events, 1, "a card with text: one card_read event for review");
    is_str(last_name, "Alice Johnson", "the event carries the recognised fields");
    feed_frame(s, "tests/cards/card70-en-bar-rotated.jpg");
    is_int(events, 1, "a card with a QR code: no review event");
    cJSON *stats = NULL;
    store_stats(st, &stats, &e);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(stats, "leads")), 2,
           "the QR card was captured at once (2 leads)");
    cJSON_Delete(stats);
    PIX *blank = pixCreate(800, 500, 8);
    pixSetAllArbitrary(blank, 250);
    pixWrite("/tmp/mb-card-blank.png", blank, IFF_PNG);
    pixDestroy(&blank);
    feed_frame(s, "/tmp/mb-card-blank.png");
    unlink("/tmp/mb-card-blank.png");
    is_int(events, 1, "a blank frame: nothing to review");

    /* card_review (`matchbooth card --review`): like the camera, but an
     * unreadable card is offered too (the visitor types), and the read waits
     * for card_store. */
    cJSON *vreq = image_req("tests/cards/card01-en-left-clean.png"), *vrep = cJSON_CreateObject();
    ok(card_service_review(s, vreq, vrep, &e) == 0, "review: read %s", e.msg);
    is_int(events, 2, "review: one card_read event");
    is_str(last_name, "Alice Johnson", "review: with the recognised fields");
    ok(!cJSON_GetObjectItem(vrep, "lead"), "review: nothing stored yet");
    const cJSON *vid = cJSON_GetObjectItem(cJSON_GetObjectItem(vrep, "card"), "read_id");
    cJSON *vs = cJSON_CreateObject(), *vsr = cJSON_CreateObject();
    cJSON_AddNumberToObject(vs, "read_id", cJSON_GetNumberValue(vid));
    cJSON_AddItemToObject(vs, "fields", cJSON_Parse("{\"full_name\":\"Alice J. Johnson\"}"));
    ok(card_service_store(s, vs, vsr, &e) == 0 && cJSON_GetObjectItem(vsr, "lead"),
       "review: then stored with the visitor's fields %s", e.msg);
    PIX *blank2 = pixCreate(800, 500, 8);
    pixSetAllArbitrary(blank2, 250);
    snprintf(path, sizeof path, "%s/blank2.png", dir);
    pixWrite(path, blank2, IFF_PNG);
    pixDestroy(&blank2);
    cJSON *breq2 = image_req(path), *brep2 = cJSON_CreateObject();
    unlink(path);
    ok(card_service_review(s, breq2, brep2, &e) == 0, "review of a blank card is no error %s",
       e.msg);
    is_int(events, 3, "review of a blank card: offered for typing");
    is_str(last_name, "", "…with nothing recognised");
    cJSON_Delete(vreq);
    cJSON_Delete(vrep);
    cJSON_Delete(vs);
    cJSON_Delete(vsr);
    cJSON_Delete(breq2);
    cJSON_Delete(brep2);

    /* Disabled. */
    FILE *f;
    snprintf(path, sizeof path, "%s/off.conf", dir);
    if ((f = fopen(path, "w"))) {
        fputs("[card]\nenabled = false\n", f);
        fclose(f);
    }
    struct config *off = config_load(path, &e);
    card_service_configure(s, off, &show);
    ok(!card_service_ready(s), "[card] enabled = false unloads the reader");
    cJSON *r2 = cJSON_CreateObject();
    ok(card_service_read(s, req, r2, &e) < 0 && e.code == ERR_BUSY, "then reading says so: %s",
       e.msg);
    unlink(path);

    cJSON_Delete(r2);
    cJSON_Delete(req);
    cJSON_Delete(reply);
    cJSON_Delete(sreq);
    cJSON_Delete(sreply);
    cJSON_Delete(greq);
    cJSON_Delete(greply);
    card_service_free(s);
    capture_free(cap);
    bus_free(bus);
    store_close(st);
    config_free(cfg);
    config_free(off);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
