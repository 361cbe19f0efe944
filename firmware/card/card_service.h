// SPDX-License-Identifier: Apache-2.0
/*
 * card_service — business cards in the daemon: keeps one card reader (the
 * warm Tesseract engine for the show's languages), reads images from the
 * control socket and from the camera, and stores cards through the same
 * capture path as every scan (capture_scan), keeping what was recognised
 * and what was corrected (card_store).
 *
 * Control commands (JSON over the control socket, see ctl.h):
 *   card_read   {"image_base64"}            -> {"card": {"read_id", "recognised",
 *               "confidence", "lines", "ms"} | {"read_id", "barcode", "decoded"}}
 *               Reads only; nothing is stored. The read is kept (in memory, the
 *               last CARD_PENDING_MAX, for CARD_PENDING_MS) for card_store.
 *   card_store  {"read_id", "fields": {lead fields as the visitor corrected them}}
 *               -> {"lead": …} (or {"scan": …} when no field identifies anyone).
 *               Stores the reviewed fields; the recognised ones are kept beside
 *               them, and the image when [show.ID] card_keep_image is set.
 *               Without "fields" the recognised fields are stored as they are.
 *   card        {"image_base64", "device"?} -> {"card": …, "lead"|"scan": …}
 *               Read and store at once, no review (`matchbooth card FILE`).
 *   card_get    {"lead"} -> {"cards": [store_card_get() rows]}
 *   card_review {"image_base64", "device"?} -> {"card": …} (+ "lead"|"scan" for a
 *               card with a barcode). Reads like card_read and hands the read to
 *               the kiosk's screen as the camera does (bus event "card_read"),
 *               also when nothing was recognised: the visitor then types. A
 *               barcode card is stored at once, as from the camera.
 *               `matchbooth card --review FILE`, for tests and for a kiosk whose
 *               camera is elsewhere.
 * A card with a QR code or barcode is captured from its payload (badge
 * decoders); OCR is skipped. A card nobody can read is not an error: empty
 * "recognised" fields, which the visitor types.
 *
 * Bus events: "card_read" (data as card_read's "card") when the camera (or
 * card_review) has read a card for review. Status member "card".
 *
 * With a loop (the daemon), the Tesseract work of card_read, card and camera
 * frames runs in one reader thread, so the event loop never waits for OCR
 * (0.1-0.5 s a card here, more on a Pi); everything else — storing, replies,
 * events — happens back in the loop thread. The in-process functions below
 * read in the caller's thread, holding the same reader lock.
 */
#ifndef MB_CARD_SERVICE_H
#define MB_CARD_SERVICE_H

#include <stdint.h>

#include "firmware/base/err.h"

struct bus;
struct cJSON;
struct capture;
struct config;
struct ctl;
struct loop;
struct show;
struct store;
struct card_service;

#define CARD_PENDING_MAX 8
#define CARD_PENDING_MS  (15 * 60 * 1000)

struct card_service_host {
    struct bus *bus;
    struct store *store;
    struct capture *capture;
    struct ctl *ctl; /* may be NULL (tests): no control commands */
    /* The daemon's loop: reads then run in a reader thread and the control
     * commands card_read and card answer when it is done (ctl_defer).
     * NULL (tests): reads run in the caller's thread. */
    struct loop *loop;
};

/* Registers the control commands and the status member. NULL on ENOMEM. */
struct card_service *card_service_new(const struct card_service_host *h, struct err *e);
void card_service_free(struct card_service *s); /* NULL-safe */

/*
 * Takes the (new) config and show: loads the reader when [card] enabled and
 * the show's languages changed. A language that cannot be loaded disables
 * card reading with a logged error (scanners keep working); it is not a
 * failure of the daemon. Both are borrowed until the next call.
 */
void card_service_configure(struct card_service *s, const struct config *cfg,
                            const struct show *show);

/* True when a reader is loaded. */
int card_service_ready(const struct card_service *s);

/*
 * A still, sharp frame from the camera (8-bit grey, borrowed): a barcode is
 * captured at once; OCR'd fields are published as "card_read" for review.
 */
void card_service_frame(struct card_service *s, const uint8_t *gray, int w, int h, int stride,
                        const char *device);

/*
 * The control commands as functions (the UI calls these in-process):
 * req/reply as described above. Return 0, or -1 with e.
 */
int card_service_read(struct card_service *s, const struct cJSON *req, struct cJSON *reply,
                      struct err *e);
int card_service_store(struct card_service *s, const struct cJSON *req, struct cJSON *reply,
                       struct err *e);
int card_service_read_store(struct card_service *s, const struct cJSON *req, struct cJSON *reply,
                            struct err *e);
int card_service_get(struct card_service *s, const struct cJSON *req, struct cJSON *reply,
                     struct err *e);
int card_service_review(struct card_service *s, const struct cJSON *req, struct cJSON *reply,
                        struct err *e);

#endif
