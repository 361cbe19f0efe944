// SPDX-License-Identifier: Apache-2.0
/*
 * still — decides when a camera frame is worth reading: the card lies still
 * (frame difference) and the image is sharp (variance of the Laplacian), and
 * this card has not been read yet (after a take, the scene must change —
 * card removed or replaced — before the next one).
 *
 * Works on 8-bit grey frames (the Y plane of YUYV, or GREY), so the camera
 * driver needs no image library; the tests feed it card images.
 */
#ifndef MB_STILL_H
#define MB_STILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct still_params {
    double sharp_min;  /* still_frame_sharpness() a frame needs to be read */
    double diff_max;   /* mean |difference| (0..255) under which two frames are "the same" */
    double rearm_diff; /* difference from the last frame read that means a new card */
    int still_frames;  /* consecutive still frames before a take */
};

/* Defaults measured on the card test set at 300 dpi (see test_still.c). */
void still_params_default(struct still_params *p);

/*
 * Variance of the 4-neighbour Laplacian over the frame (borders skipped):
 * high for sharp edges, low for blur or an empty surface. gray[y*stride+x].
 */
double still_sharpness(const uint8_t *gray, int w, int h, int stride);

/*
 * The sharpness still_feed() judges a frame by: still_sharpness() of the
 * frame binned 2x2 (averaging four pixels halves the sensor noise, which
 * the Laplacian would otherwise take for detail). 0 on ENOMEM.
 */
double still_frame_sharpness(const uint8_t *gray, int w, int h, int stride);

/* Mean absolute difference of two frames of the same size, 0..255. */
double still_difference(const uint8_t *a, const uint8_t *b, int w, int h, int stride);

enum still_verdict {
    STILL_MOVING,   /* differs from the previous frame */
    STILL_SETTLING, /* still, but not yet for still_frames frames */
    STILL_BLURRED,  /* still, but not sharp enough (or nothing there) */
    STILL_TAKE,     /* read this frame */
    STILL_DONE      /* still and sharp, but this card was read already */
};

struct still {
    struct still_params p;
    uint8_t *prev, *taken;        /* downscaled previous frame and last frame read */
    int sw, sh;                   /* their size */
    int fw, fh;                   /* size of the frames fed */
    int count;                    /* consecutive still frames */
    bool armed;                   /* a take is allowed (no card read since the last change) */
    double sharpness, difference; /* of the last frame fed, for status and tuning */
};

/* p NULL: defaults. The struct is the caller's; still_free releases its buffers. */
void still_init(struct still *s, const struct still_params *p);
void still_free(struct still *s);

/* Feeds one frame; returns what to do with it. STILL_MOVING on ENOMEM. */
enum still_verdict still_feed(struct still *s, const uint8_t *gray, int w, int h, int stride);

const char *still_verdict_name(enum still_verdict v);

#endif
