/*
 * card_service — the daemon's card reader, its control commands and the
 * review round trip (see card_service.h).
 */
#include "firmware/card_service.h"

#include <cjson/cJSON.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/buf.h"
#include "firmware/bus.h"
#include "firmware/capture.h"
#include "firmware/card.h"
#include "firmware/card_store.h"
#include "firmware/clock.h"
#include "firmware/config.h"
#include "firmware/ctl.h"
#include "firmware/decode.h"
#include "firmware/log.h"
#include "firmware/show.h"
#include "firmware/store.h"

/* A read waiting for the visitor's review. */
struct pending {
    int64_t id; /* 0: free slot */
    int64_t at_ms;
    struct card_read rd;
    cJSON *json; /* the "card" reply (read_id, recognised …) */
    char *device;
    uint8_t *image; /* only when the show keeps images */
    size_t image_len;
};

struct card_service {
    struct card_service_host h;
    const struct config *cfg;
    const struct show *show;
    struct card_reader *reader;
    char *languages; /* what the reader was loaded with (the config's list) */
    char *error;     /* why there is no reader */
    bool enabled, keep_image;
    int64_t next_id;
    struct pending pending[CARD_PENDING_MAX];
    long reads, stored;
    double last_ms;
};

static int64_t mono_ms(void)
{
    struct clock_stamp now;
    clock_now(&now);
    return now.mono_ms;
}

static void pending_clear(struct pending *p)
{
    card_read_free(&p->rd);
    cJSON_Delete(p->json);
    free(p->device);
    free(p->image);
    memset(p, 0, sizeof *p);
}

static struct pending *pending_find(struct card_service *s, int64_t id)
{
    int64_t now = mono_ms();
    struct pending *found = NULL;
    for (int i = 0; i < CARD_PENDING_MAX; i++) {
        struct pending *p = &s->pending[i];
        if (p->id && now - p->at_ms > CARD_PENDING_MS)
            pending_clear(p); /* the visitor walked away */
        else if (p->id && p->id == id)
            found = p;
    }
    return found;
}

/* A free slot, or the oldest one (dropped). */
static struct pending *pending_slot(struct card_service *s)
{
    struct pending *best = &s->pending[0];
    for (int i = 0; i < CARD_PENDING_MAX; i++) {
        if (!s->pending[i].id)
            return &s->pending[i];
        if (s->pending[i].at_ms < best->at_ms)
            best = &s->pending[i];
    }
    pending_clear(best);
    return best;
}

static const char *country(const struct card_service *s)
{
    return s->show && s->show->country && *s->show->country ? s->show->country : NULL;
}

static int need_reader(struct card_service *s, struct err *e)
{
    if (s->reader)
        return 0;
    return err_set(e, ERR_BUSY, "card reading is not available: %s",
                   s->error ? s->error : "disabled in [card] enabled");
}

/* ---- reading ---------------------------------------------------------------- */

/*
 * Reads image (encoded bytes, or pix when image is NULL) into a new pending
 * slot and builds its "card" JSON. On a barcode, "decoded" holds what the
 * show's decoders make of it. Returns the slot or NULL with e.
 */
static struct pending *read_into_pending(struct card_service *s, const uint8_t *image, size_t len,
                                         PIX *pix, const char *device, struct err *e)
{
    if (need_reader(s, e) < 0)
        return NULL;
    struct pending *p = pending_slot(s);
    int rc = image ? card_reader_read_mem(s->reader, image, len, country(s), &p->rd, e)
                   : card_reader_read(s->reader, pix, country(s), &p->rd, e);
    if (rc < 0) {
        pending_clear(p);
        return NULL;
    }
    p->id = ++s->next_id;
    p->at_ms = mono_ms();
    p->device = strdup(device ? device : "card");
    p->json = cJSON_CreateObject();
    if (!p->device || !p->json || !cJSON_AddNumberToObject(p->json, "read_id", (double)p->id) ||
        card_read_to_json(&p->rd, p->json) < 0)
        goto nomem;
    if (p->rd.coded) {
        struct lead_fields f = {0};
        struct decode_ctx ctx = {s->cfg, s->show ? s->show->section : NULL, store_db(s->h.store)};
        cJSON *dec = cJSON_AddObjectToObject(p->json, "decoded");
        if (!dec || decode_payload(&ctx, p->rd.payload, p->rd.len, &f, e) < 0 ||
            lead_fields_to_json(&f, dec) < 0) {
            lead_fields_free(&f);
            pending_clear(p);
            return NULL;
        }
        lead_fields_free(&f);
    }
    if (s->keep_image && image && len) {
        if (!(p->image = malloc(len)))
            goto nomem;
        memcpy(p->image, image, len);
        p->image_len = len;
    } else if (s->keep_image && pix) {
        /* Camera frames are kept as JPEG: a tenth of the raw size. */
        l_uint8 *jpg = NULL;
        size_t jn = 0;
        if (pixWriteMem(&jpg, &jn, pix, IFF_JFIF_JPEG) == 0) {
            p->image = jpg;
            p->image_len = jn;
        }
    }
    s->reads++;
    s->last_ms = p->rd.ms;
    log_info("card", "card read %lld: %s in %.0f ms", (long long)p->id,
             p->rd.coded ? "barcode" : (lead_fields_empty(&p->rd.fields) ? "nothing" : "text"),
             p->rd.ms);
    return p;
nomem:
    pending_clear(p);
    err_set(e, ERR_INTERNAL, "card: out of memory");
    return NULL;
}

static int decode_image_arg(const cJSON *req, struct buf *img, struct err *e)
{
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(req, "image_base64");
    if (!cJSON_IsString(b64))
        return err_set(e, ERR_INVALID, "needs \"image_base64\" (a PNG or JPEG image)");
    if (buf_add_unbase64(img, b64->valuestring, strlen(b64->valuestring)) < 0)
        return err_set(e, ERR_INVALID, "image_base64 is not valid base64");
    if (!img->len)
        return err_set(e, ERR_INVALID, "the image is empty");
    return 0;
}

/* ---- storing ------------------------------------------------------------------ */

/*
 * Stores pending read p: the barcode payload through the decoders, or the
 * fields (corrected, or as recognised when NULL) with the OCR text as the
 * scan's raw bytes; then the card_reads row. Adds "lead" or "scan" to reply.
 */
static int store_pending(struct card_service *s, struct pending *p, const cJSON *corrected,
                         cJSON *reply, struct err *e)
{
    struct lead_fields fields = {0};
    char *text = NULL;
    cJSON *res = NULL;
    int rc = -1;
    struct capture_in in = {.source = LEAD_SRC_CARD, .device = p->device};
    if (p->rd.coded) {
        in.symbology = p->rd.symbology;
        in.payload = p->rd.payload;
        in.len = p->rd.len;
    } else {
        if (corrected) {
            if (lead_fields_from_json(&fields, corrected) < 0) {
                err_set(e, ERR_INVALID, "\"fields\" are not lead fields");
                goto out;
            }
            lead_set(&fields.format, "ocr");
        }
        if (!(text = card_read_text(&p->rd))) {
            err_set(e, ERR_INTERNAL, "card: out of memory");
            goto out;
        }
        in.symbology = "ocr";
        in.payload = (const uint8_t *)text;
        in.len = strlen(text);
        in.fields = corrected ? &fields : &p->rd.fields;
    }
    if (capture_scan(s->h.capture, &in, &res, e) < 0)
        goto out;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    const cJSON *scan = cJSON_GetObjectItemCaseSensitive(res, "scan_id");
    /* Copies: res may be replaced below. */
    char lead_id_buf[64] = "";
    const char *lead_id = NULL;
    int64_t scan_id = cJSON_IsNumber(scan) ? (int64_t)scan->valuedouble : 0;
    if (cJSON_IsString(id)) {
        snprintf(lead_id_buf, sizeof lead_id_buf, "%s", id->valuestring);
        lead_id = lead_id_buf;
    }
    /* A re-scan merges into the visitor's lead, which keeps what it had:
     * what the visitor corrected now must win. */
    if (lead_id && corrected && !cJSON_IsTrue(cJSON_GetObjectItem(res, "created"))) {
        if (store_lead_update(s->h.store, lead_id, &fields, e) < 0)
            goto out;
        cJSON *fresh = NULL;
        if (store_lead_json(s->h.store, lead_id, false, &fresh, e) == 0) {
            cJSON_AddBoolToObject(fresh, "created", 0);
            cJSON_AddNumberToObject(fresh, "scan_id", (double)scan_id);
            cJSON_Delete(res);
            res = fresh;
        }
    }
    if (!p->rd.coded) {
        cJSON *rec = cJSON_GetObjectItem(p->json, "recognised");
        cJSON *conf = cJSON_GetObjectItem(p->json, "confidence");
        cJSON *cor = NULL;
        if (corrected) {
            cor = cJSON_CreateObject();
            if (!cor || lead_fields_to_json(&fields, cor) < 0) {
                cJSON_Delete(cor);
                err_set(e, ERR_INTERNAL, "card: out of memory");
                goto out;
            }
        }
        struct card_store_rec r = {.scan_id = scan_id,
                                   .lead_id = lead_id,
                                   .languages = card_reader_langs(s->reader),
                                   .recognised = rec,
                                   .confidence = conf,
                                   .corrected = cor,
                                   .image = p->image,
                                   .image_len = p->image_len};
        int64_t cid = card_store_save(s->h.store, &r, e);
        cJSON_Delete(cor);
        if (cid < 0) {
            /* The lead itself is stored; only the review record is lost. */
            log_error("card", "card read of scan %lld not recorded: %s", (long long)r.scan_id,
                      e->msg);
            err_clear(e);
        }
    }
    s->stored++;
    cJSON_AddItemToObject(reply, lead_id ? "lead" : "scan", res);
    res = NULL;
    rc = 0;
out:
    cJSON_Delete(res);
    lead_fields_free(&fields);
    free(text);
    return rc;
}

/* ---- control commands ----------------------------------------------------------- */

int card_service_read(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    struct buf img = {0};
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(req, "device");
    struct pending *p = NULL;
    if (decode_image_arg(req, &img, e) == 0)
        p = read_into_pending(s, (const uint8_t *)img.data, img.len, NULL,
                              cJSON_IsString(dev) ? dev->valuestring : "ui", e);
    buf_free(&img);
    if (!p)
        return -1;
    cJSON *copy = cJSON_Duplicate(p->json, 1);
    if (!copy)
        return err_set(e, ERR_INTERNAL, "card: out of memory");
    cJSON_AddItemToObject(reply, "card", copy);
    return 0;
}

int card_service_store(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(req, "read_id");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(req, "fields");
    if (!cJSON_IsNumber(rid))
        return err_set(e, ERR_INVALID, "card_store needs \"read_id\" (from card_read)");
    if (fields && !cJSON_IsObject(fields))
        return err_set(e, ERR_INVALID, "\"fields\" must be an object of lead fields");
    struct pending *p = pending_find(s, (int64_t)rid->valuedouble);
    if (!p)
        return err_set(e, ERR_NOTFOUND, "no card read %lld waiting (stored already, or expired)",
                       (long long)rid->valuedouble);
    if (store_pending(s, p, fields, reply, e) < 0)
        return -1;
    pending_clear(p);
    return 0;
}

int card_service_read_store(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    struct buf img = {0};
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(req, "device");
    struct pending *p = NULL;
    if (decode_image_arg(req, &img, e) == 0)
        p = read_into_pending(s, (const uint8_t *)img.data, img.len, NULL,
                              cJSON_IsString(dev) ? dev->valuestring : "file", e);
    buf_free(&img);
    if (!p)
        return -1;
    cJSON *copy = cJSON_Duplicate(p->json, 1);
    int rc = copy ? store_pending(s, p, NULL, reply, e) : -1;
    if (!copy)
        err_set(e, ERR_INTERNAL, "card: out of memory");
    if (rc == 0)
        cJSON_AddItemToObject(reply, "card", copy);
    else
        cJSON_Delete(copy);
    pending_clear(p);
    return rc;
}

int card_service_get(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    const cJSON *lead = cJSON_GetObjectItemCaseSensitive(req, "lead");
    cJSON *cards = NULL;
    if (!cJSON_IsString(lead))
        return err_set(e, ERR_INVALID, "card_get needs \"lead\"");
    if (card_store_get(s->h.store, lead->valuestring, &cards, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "cards", cards);
    return 0;
}

static int ctl_card_read(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_read(ud, req, reply, e);
}

static int ctl_card_store(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_store(ud, req, reply, e);
}

static int ctl_card(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_read_store(ud, req, reply, e);
}

static int ctl_card_get(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_get(ud, req, reply, e);
}

/* ---- camera frames ------------------------------------------------------------- */

void card_service_frame(struct card_service *s, const uint8_t *gray, int w, int h, int stride,
                        const char *device)
{
    struct err e = {0};
    PIX *pix = pixCreate(w, h, 8);
    if (!pix || !s->reader) {
        pixDestroy(&pix);
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            pixSetPixel(pix, x, y, gray[(size_t)y * stride + x]);
    struct pending *p = read_into_pending(s, NULL, 0, pix, device, &e);
    pixDestroy(&pix);
    if (!p) {
        log_error("card", "camera frame not read: %s", e.msg);
        return;
    }
    if (p->rd.coded) {
        /* A QR code needs no review: it is the visitor's own data. */
        cJSON *reply = cJSON_CreateObject();
        if (store_pending(s, p, NULL, reply, &e) < 0)
            log_error("card", "card barcode NOT stored: %s", e.msg);
        cJSON_Delete(reply);
        pending_clear(p);
    } else if (lead_fields_empty(&p->rd.fields)) {
        pending_clear(p); /* the empty spot, a hand, a blank back: nothing to show */
    } else {
        bus_publish(s->h.bus, "card_read", p->json);
    }
}

/* ---- life cycle ---------------------------------------------------------------- */

static void status(cJSON *obj, void *ud)
{
    struct card_service *s = ud;
    cJSON_AddBoolToObject(obj, "enabled", s->enabled);
    cJSON_AddBoolToObject(obj, "ready", s->reader != NULL);
    if (s->reader)
        cJSON_AddStringToObject(obj, "languages", card_reader_langs(s->reader));
    if (s->error)
        cJSON_AddStringToObject(obj, "error", s->error);
    cJSON_AddBoolToObject(obj, "keep_image", s->keep_image);
    cJSON_AddNumberToObject(obj, "reads", (double)s->reads);
    cJSON_AddNumberToObject(obj, "stored", (double)s->stored);
    cJSON_AddNumberToObject(obj, "last_read_ms", s->last_ms);
}

struct card_service *card_service_new(const struct card_service_host *h, struct err *e)
{
    struct card_service *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, ERR_INTERNAL, "card: out of memory");
        return NULL;
    }
    s->h = *h;
    if ((h->ctl && (ctl_register(h->ctl, "card_read", ctl_card_read, s) < 0 ||
                    ctl_register(h->ctl, "card_store", ctl_card_store, s) < 0 ||
                    ctl_register(h->ctl, "card", ctl_card, s) < 0 ||
                    ctl_register(h->ctl, "card_get", ctl_card_get, s) < 0)) ||
        bus_status_add(h->bus, "card", status, s) < 0) {
        card_service_free(s);
        err_set(e, ERR_INTERNAL, "card: out of memory");
        return NULL;
    }
    return s;
}

void card_service_free(struct card_service *s)
{
    if (!s)
        return;
    bus_status_remove(s->h.bus, "card");
    for (int i = 0; i < CARD_PENDING_MAX; i++)
        pending_clear(&s->pending[i]);
    card_reader_free(s->reader);
    free(s->languages);
    free(s->error);
    free(s);
}

void card_service_configure(struct card_service *s, const struct config *cfg,
                            const struct show *show)
{
    s->cfg = cfg;
    s->show = show;
    const char *sec = show && show->section ? show->section : NULL;
    s->enabled = config_bool(cfg, "card", "enabled");
    s->keep_image = sec && config_bool(cfg, sec, "card_keep_image");
    const char *langs = sec ? config_str(cfg, sec, "card_languages") : "eng";
    if (!s->enabled) {
        card_reader_free(s->reader);
        s->reader = NULL;
        free(s->languages);
        s->languages = NULL;
        return;
    }
    if (s->reader && s->languages && !strcmp(s->languages, langs))
        return; /* warm already */
    struct err e = {0};
    card_reader_free(s->reader);
    free(s->languages);
    free(s->error);
    s->error = NULL;
    s->languages = strdup(langs);
    s->reader = card_reader_new(langs, &e);
    if (!s->reader) {
        s->error = strdup(e.msg);
        log_error("card", "business cards cannot be read: %s", e.msg);
    } else {
        log_info("card", "card reader ready: %s", card_reader_langs(s->reader));
    }
}

int card_service_ready(const struct card_service *s)
{
    return s->reader != NULL;
}
