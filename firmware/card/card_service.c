// SPDX-License-Identifier: Apache-2.0
/*
 * card_service — the daemon's card reader, its control commands and the
 * review round trip (see card_service.h).
 */
#include "firmware/card/card_service.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <leptonica/allheaders.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/card/card.h"
#include "firmware/store/store_card.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/decode/decode.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"

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

/* Work for the reader thread: an image to read, then what to do with it. */
enum job_kind { JOB_READ, JOB_READ_STORE, JOB_FRAME, JOB_REVIEW };

struct job {
    enum job_kind kind;
    uint8_t *image; /* encoded image (JOB_READ*), or NULL */
    size_t len;
    PIX *pix; /* camera frame (JOB_FRAME) */
    char *device;
    char *country;
    struct ctl_defer *defer; /* the control client waiting, or NULL */
    struct card_read rd;     /* filled by the reader thread */
    int rc;
    struct err e;
    struct job *next;
};

/*
 * The reader thread: Tesseract takes 0.1-0.5 s a card here (more on a
 * Pi), which the event loop must never wait for. The loop queues jobs; the
 * thread reads them with the reader held under reader_mu and hands them
 * back through an eventfd, and the loop finishes them (store, reply,
 * publish) in its own thread, where the store lives.
 */
struct worker {
    pthread_t th;
    pthread_mutex_t mu; /* the two queues and quit */
    pthread_cond_t cv;
    struct job *todo, *done;
    int queued; /* jobs in todo plus the one being read */
    int frames; /* camera frames among them */
    bool quit;
    int efd;
    struct loop_fd *w;
};

#define CARD_QUEUE_MAX 4

struct card_service {
    struct card_service_host h;
    pthread_mutex_t reader_mu; /* held while the reader reads or is replaced */
    struct worker *worker;     /* NULL: reads run in the caller's thread */
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

/* Reads image (encoded bytes, or pix when image is NULL) into rd, holding
 * the reader. Any thread. */
static int read_image(struct card_service *s, const uint8_t *image, size_t len, PIX *pix,
                      const char *ctry, struct card_read *rd, struct err *e)
{
    pthread_mutex_lock(&s->reader_mu);
    int rc;
    if (!s->reader)
        rc = need_reader(s, e);
    else
        rc = image ? card_reader_read_mem(s->reader, image, len, ctry, rd, e)
                   : card_reader_read(s->reader, pix, ctry, rd, e);
    pthread_mutex_unlock(&s->reader_mu);
    return rc;
}

/*
 * Turns a finished read (moved from rd, which is left empty) into a new
 * pending slot with its "card" JSON. On a barcode, "decoded" holds what the
 * show's decoders make of it. Loop thread. Returns the slot or NULL with e.
 */
static struct pending *finish_read(struct card_service *s, struct card_read *rd,
                                   const uint8_t *image, size_t len, PIX *pix, const char *device,
                                   struct err *e)
{
    struct pending *p = pending_slot(s);
    p->rd = *rd;
    memset(rd, 0, sizeof *rd);
    p->id = ++s->next_id;
    p->at_ms = mono_ms();
    p->device = strdup(device ? device : "card");
    p->json = cJSON_CreateObject();
    if (!p->device || !p->json || !cJSON_AddNumberToObject(p->json, "read_id", (double)p->id) ||
        card_read_to_json(&p->rd, p->json) < 0)
        goto nomem;
    if (p->rd.coded) {
        struct lead_fields f = {0};
        struct decode_ctx ctx = {s->cfg, s->show ? s->show->section : NULL, s->h.store};
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

/* Reads and finishes in the caller's thread (in-process callers, tests). */
static struct pending *read_into_pending(struct card_service *s, const uint8_t *image, size_t len,
                                         PIX *pix, const char *device, struct err *e)
{
    struct card_read rd = {0};
    if (need_reader(s, e) < 0 || read_image(s, image, len, pix, country(s), &rd, e) < 0) {
        card_read_free(&rd);
        return NULL;
    }
    return finish_read(s, &rd, image, len, pix, device, e);
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
        struct store_card_rec r = {.scan_id = scan_id,
                                   .lead_id = lead_id,
                                   .languages = card_reader_langs(s->reader),
                                   .recognised = rec,
                                   .confidence = conf,
                                   .corrected = cor,
                                   .image = p->image,
                                   .image_len = p->image_len};
        int64_t cid = store_card_save(s->h.store, &r, e);
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

/* A read handed to the kiosk's screen (card_review): a barcode is stored
 * at once, as from the camera; text — or nothing, unlike the camera: the
 * visitor then types — is published as "card_read" for review. Loop thread. */
static int review_read(struct card_service *s, struct pending *p, cJSON *reply, struct err *e)
{
    cJSON *copy = cJSON_Duplicate(p->json, 1);
    if (!copy)
        return err_set(e, ERR_INTERNAL, "card: out of memory");
    cJSON_AddItemToObject(reply, "card", copy);
    if (p->rd.coded) {
        int rc = store_pending(s, p, NULL, reply, e);
        pending_clear(p);
        return rc;
    }
    bus_publish(s->h.bus, "card_read", p->json);
    return 0;
}

int card_service_review(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    struct buf img = {0};
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(req, "device");
    struct pending *p = NULL;
    if (decode_image_arg(req, &img, e) == 0)
        p = read_into_pending(s, (const uint8_t *)img.data, img.len, NULL,
                              cJSON_IsString(dev) ? dev->valuestring : "review", e);
    buf_free(&img);
    return p ? review_read(s, p, reply, e) : -1;
}

int card_service_get(struct card_service *s, const cJSON *req, cJSON *reply, struct err *e)
{
    const cJSON *lead = cJSON_GetObjectItemCaseSensitive(req, "lead");
    cJSON *cards = NULL;
    if (!cJSON_IsString(lead))
        return err_set(e, ERR_INVALID, "card_get needs \"lead\"");
    if (store_card_get(s->h.store, lead->valuestring, &cards, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "cards", cards);
    return 0;
}

/* ---- the reader thread ------------------------------------------------------- */

static void job_free(struct job *j)
{
    if (!j)
        return;
    free(j->image);
    pixDestroy(&j->pix);
    free(j->device);
    free(j->country);
    card_read_free(&j->rd);
    free(j);
}

static void *worker_main(void *arg)
{
    struct card_service *s = arg;
    struct worker *w = s->worker;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        struct job *j = w->todo;
        w->todo = j->next;
        pthread_mutex_unlock(&w->mu);
        j->rc = read_image(s, j->image, j->len, j->pix, j->country, &j->rd, &j->e);
        pthread_mutex_lock(&w->mu);
        j->next = NULL;
        struct job **tail = &w->done;
        while (*tail)
            tail = &(*tail)->next;
        *tail = j;
        uint64_t one = 1;
        if (write(w->efd, &one, sizeof one) < 0)
            log_error("card", "cannot wake the loop: %s", strerror(errno));
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void job_finish(struct card_service *s, struct job *j);
static void frame_read(struct card_service *s, struct pending *p);

/* Loop thread: the reader thread finished one or more jobs. */
static void on_jobs_done(struct loop *l, int fd, unsigned events, void *ud)
{
    struct card_service *s = ud;
    struct worker *w = s->worker;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
        log_error("card", "eventfd: %s", strerror(errno));
    pthread_mutex_lock(&w->mu);
    struct job *list = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    while (list) {
        struct job *j = list;
        list = j->next;
        pthread_mutex_lock(&w->mu);
        w->queued--;
        if (j->kind == JOB_FRAME)
            w->frames--;
        pthread_mutex_unlock(&w->mu);
        job_finish(s, j);
        job_free(j);
    }
}

static int worker_start(struct card_service *s, struct loop *l, struct err *e)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, ERR_INTERNAL, "card: out of memory");
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd < 0) {
        free(w);
        return err_set(e, ERR_IO, "card: eventfd: %s", strerror(errno));
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    s->worker = w;
    /* The thread takes no signals: they belong to the loop's signalfd, and
     * one delivered here would kill the daemon without a clean stop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = (w->w = loop_fd_add(l, w->efd, LOOP_READ, on_jobs_done, s)) == NULL
                 ? -1
                 : pthread_create(&w->th, NULL, worker_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        loop_fd_del(w->w);
        close(w->efd);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        s->worker = NULL;
        return err_set(e, ERR_INTERNAL, "card: cannot start the reader thread");
    }
    return 0;
}

static void worker_stop(struct card_service *s)
{
    struct worker *w = s->worker;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    /* Whatever was still queued or finished is answered with an error. */
    struct err e;
    err_set(&e, ERR_BUSY, "the daemon is stopping: card not read");
    struct job *lists[2] = {w->todo, w->done};
    for (int i = 0; i < 2; i++)
        while (lists[i]) {
            struct job *j = lists[i];
            lists[i] = j->next;
            ctl_defer_done(j->defer, NULL, &e);
            job_free(j);
        }
    loop_fd_del(w->w);
    close(w->efd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    s->worker = NULL;
}

/* Queues j (taking it) for the reader thread. -1 with e when busy. */
static int enqueue(struct card_service *s, struct job *j, struct err *e)
{
    struct worker *w = s->worker;
    pthread_mutex_lock(&w->mu);
    /* One camera frame at a time is plenty: the next still frame comes. */
    bool full = w->queued >= CARD_QUEUE_MAX || (j->kind == JOB_FRAME && w->frames > 0);
    if (!full) {
        struct job **tail = &w->todo;
        while (*tail)
            tail = &(*tail)->next;
        *tail = j;
        w->queued++;
        if (j->kind == JOB_FRAME)
            w->frames++;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (full) {
        job_free(j);
        return err_set(e, ERR_BUSY, "the card reader is busy: try again in a moment");
    }
    return 0;
}

/* Loop thread: what a finished job means (reply, store, publish). */
static void job_finish(struct card_service *s, struct job *j)
{
    struct err e = {0};
    cJSON *reply = cJSON_CreateObject();
    struct pending *p = NULL;
    if (j->rc == 0)
        p = finish_read(s, &j->rd, j->image, j->len, j->pix, j->device, &e);
    else
        e = j->e;
    if (!reply) {
        err_set(&e, ERR_INTERNAL, "card: out of memory");
    } else if (p && j->kind == JOB_READ) {
        cJSON *copy = cJSON_Duplicate(p->json, 1);
        if (!copy)
            err_set(&e, ERR_INTERNAL, "card: out of memory");
        else
            cJSON_AddItemToObject(reply, "card", copy);
    } else if (p && j->kind == JOB_READ_STORE) {
        cJSON *copy = cJSON_Duplicate(p->json, 1);
        if (!copy)
            err_set(&e, ERR_INTERNAL, "card: out of memory");
        else if (store_pending(s, p, NULL, reply, &e) < 0)
            cJSON_Delete(copy);
        else
            cJSON_AddItemToObject(reply, "card", copy);
        pending_clear(p);
    } else if (p && j->kind == JOB_REVIEW) {
        review_read(s, p, reply, &e);
    } else if (p && j->kind == JOB_FRAME) {
        frame_read(s, p);
    } else if (j->kind == JOB_FRAME) {
        log_error("card", "camera frame not read: %s", e.msg);
    }
    if (j->defer)
        ctl_defer_done(j->defer, reply, e.code != ERR_OK ? &e : NULL);
    j->defer = NULL;
    cJSON_Delete(reply);
}

/* A control command that reads an image: queued to the reader thread and
 * answered later; without a thread (tests), run at once. */
static int ctl_queue_read(struct card_service *s, enum job_kind kind, const cJSON *req,
                          struct err *e)
{
    if (need_reader(s, e) < 0)
        return -1;
    struct buf img = {0};
    if (decode_image_arg(req, &img, e) < 0) {
        buf_free(&img);
        return -1;
    }
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(req, "device");
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        buf_free(&img);
        return err_set(e, ERR_INTERNAL, "card: out of memory");
    }
    j->kind = kind;
    j->len = img.len;
    j->image = (uint8_t *)buf_steal(&img);
    j->device = strdup(cJSON_IsString(dev)  ? dev->valuestring
                       : kind == JOB_READ   ? "ui"
                       : kind == JOB_REVIEW ? "review"
                                            : "file");
    j->country = country(s) ? strdup(country(s)) : NULL;
    struct ctl_defer *d = j->device ? ctl_defer(s->h.ctl) : NULL;
    if (!d) {
        job_free(j);
        return err_set(e, ERR_INTERNAL, "card: out of memory");
    }
    /* The job only comes back through the loop, which is busy here until
     * this handler returns, so j->defer is set before anyone reads it. */
    j->defer = d;
    if (enqueue(s, j, e) < 0) {
        ctl_defer_cancel(d); /* answered now, with e */
        return -1;
    }
    return CTL_DEFERRED;
}

static int ctl_card_read(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct card_service *s = ud;
    if (s->worker)
        return ctl_queue_read(s, JOB_READ, req, e);
    return card_service_read(ud, req, reply, e);
}

static int ctl_card_store(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_store(ud, req, reply, e);
}

static int ctl_card(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct card_service *s = ud;
    if (s->worker)
        return ctl_queue_read(s, JOB_READ_STORE, req, e);
    return card_service_read_store(ud, req, reply, e);
}

static int ctl_card_get(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    return card_service_get(ud, req, reply, e);
}

static int ctl_card_review(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct card_service *s = ud;
    if (s->worker)
        return ctl_queue_read(s, JOB_REVIEW, req, e);
    return card_service_review(ud, req, reply, e);
}

/* ---- camera frames ------------------------------------------------------------- */

/* A camera read finished (loop thread): store a barcode, offer text for
 * review. */
static void frame_read(struct card_service *s, struct pending *p)
{
    struct err e = {0};
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

void card_service_frame(struct card_service *s, const uint8_t *gray, int w, int h, int stride,
                        const char *device)
{
    struct err e = {0};
    PIX *pix = pixCreate(w, h, 8);
    if (!pix || !s->reader) {
        pixDestroy(&pix);
        return;
    }
    for (int y = 0; y < h; y++) {
        l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
        for (int x = 0; x < w; x++)
            SET_DATA_BYTE(line, x, gray[(size_t)y * stride + x]);
    }
    if (s->worker) {
        struct job *j = calloc(1, sizeof *j);
        if (!j || !(j->device = strdup(device ? device : "camera"))) {
            free(j);
            pixDestroy(&pix);
            return;
        }
        j->kind = JOB_FRAME;
        j->pix = pix;
        j->country = country(s) ? strdup(country(s)) : NULL;
        if (enqueue(s, j, &e) < 0)
            log_debug("card", "camera frame dropped: %s", e.msg);
        return;
    }
    struct pending *p = read_into_pending(s, NULL, 0, pix, device, &e);
    pixDestroy(&pix);
    if (!p) {
        log_error("card", "camera frame not read: %s", e.msg);
        return;
    }
    frame_read(s, p);
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
    pthread_mutex_init(&s->reader_mu, NULL);
    if (h->loop && worker_start(s, h->loop, e) < 0) {
        card_service_free(s);
        return NULL;
    }
    if ((h->ctl && (ctl_register(h->ctl, "card_read", ctl_card_read, s) < 0 ||
                    ctl_register(h->ctl, "card_store", ctl_card_store, s) < 0 ||
                    ctl_register(h->ctl, "card", ctl_card, s) < 0 ||
                    ctl_register(h->ctl, "card_get", ctl_card_get, s) < 0 ||
                    ctl_register(h->ctl, "card_review", ctl_card_review, s) < 0)) ||
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
    worker_stop(s);
    bus_status_remove(s->h.bus, "card");
    for (int i = 0; i < CARD_PENDING_MAX; i++)
        pending_clear(&s->pending[i]);
    card_reader_free(s->reader); /* the reader thread has stopped */
    free(s->languages);
    free(s->error);
    pthread_mutex_destroy(&s->reader_mu);
    free(s);
}

/* Replaces the reader once no read is using it (loop thread). */
static void set_reader(struct card_service *s, struct card_reader *r)
{
    pthread_mutex_lock(&s->reader_mu);
    struct card_reader *old = s->reader;
    s->reader = r;
    pthread_mutex_unlock(&s->reader_mu);
    card_reader_free(old);
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
        set_reader(s, NULL);
        free(s->languages);
        s->languages = NULL;
        return;
    }
    if (s->reader && s->languages && !strcmp(s->languages, langs))
        return; /* warm already */
    struct err e = {0};
    free(s->languages);
    free(s->error);
    s->error = NULL;
    s->languages = strdup(langs);
    /* Loaded before the swap, so a read in progress goes on meanwhile. */
    struct card_reader *r = card_reader_new(langs, &e);
    set_reader(s, r);
    if (!r) {
        s->error = strdup(e.msg);
        log_error("card", "business cards cannot be read: %s", e.msg);
    } else {
        log_info("card", "card reader ready: %s", card_reader_langs(r));
    }
}

int card_service_ready(const struct card_service *s)
{
    return s->reader != NULL;
}
