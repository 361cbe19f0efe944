// SPDX-License-Identifier: Apache-2.0
/*
 * camera — the business-card camera: a USB (UVC) camera through V4L2 and
 * libv4l2 (which converts whatever the camera sends to planar YUV 4:2:0, so
 * its first plane is the grey image). Every frame goes through the stillness
 * and sharpness check (firmware/card/still.h); a frame worth reading is handed to
 * on_still — the card service reads it (barcode first, then OCR).
 *
 * Runs in the loop thread: the device fd is polled like any other source.
 */
#ifndef MB_CAMERA_H
#define MB_CAMERA_H

#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/runtime/source.h"
#include "firmware/card/still.h"

struct camera;
struct cJSON;

/* A still, sharp grey frame; borrowed for the call. device: "camera:/dev/video0". */
typedef void (*camera_still_fn)(void *ud, const uint8_t *gray, int w, int h, int stride,
                                const char *device);

/*
 * Opens device (e.g. "/dev/video0") and starts capturing at up to 1280x720,
 * about ten frames a second examined. sp NULL: still defaults. Returns NULL
 * with e when the device cannot be opened or is not a V4L2 capture device.
 */
struct camera *camera_open(const struct source_host *host, const char *device,
                           const struct still_params *sp, camera_still_fn on_still, void *ud,
                           struct err *e);
void camera_close(struct camera *c); /* NULL-safe */

#endif
