// SPDX-License-Identifier: Apache-2.0
/*
 * still — frame difference and sharpness for the card camera (see still.h).
 */
#include "firmware/card/still.h"

#include <stdlib.h>
#include <string.h>

/* Frames are compared at about this width: enough to see a card move,
 * cheap enough for every frame, and blind to sensor noise. */
#define CMP_WIDTH 160

void still_params_default(struct still_params *p)
{
    /* Measured on tests/cards (test_still.c): a sharp card ~4900, out of
     * focus (9x9 blur) ~110-230, an empty noisy surface < 300. */
    p->sharp_min = 1000.0;
    p->diff_max = 3.0;
    p->rearm_diff = 12.0;
    p->still_frames = 3;
}

double still_sharpness(const uint8_t *g, int w, int h, int stride)
{
    double sum = 0, sum2 = 0;
    long n = 0;
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *r = g + (size_t)y * stride;
        for (int x = 1; x < w - 1; x++) {
            int lap = r[x - 1] + r[x + 1] + r[x - stride] + r[x + stride] - 4 * r[x];
            sum += lap;
            sum2 += (double)lap * lap;
            n++;
        }
    }
    if (!n)
        return 0;
    double mean = sum / (double)n;
    return sum2 / (double)n - mean * mean;
}

double still_frame_sharpness(const uint8_t *g, int w, int h, int stride)
{
    int bw = w / 2, bh = h / 2;
    if (bw < 3 || bh < 3)
        return still_sharpness(g, w, h, stride);
    uint8_t *b = malloc((size_t)bw * bh);
    if (!b)
        return 0;
    for (int y = 0; y < bh; y++) {
        const uint8_t *r0 = g + (size_t)(2 * y) * stride, *r1 = r0 + stride;
        for (int x = 0; x < bw; x++)
            b[(size_t)y * bw + x] =
                (uint8_t)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) / 4);
    }
    double v = still_sharpness(b, bw, bh, bw);
    free(b);
    return v;
}

double still_difference(const uint8_t *a, const uint8_t *b, int w, int h, int stride)
{
    double sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int d = a[(size_t)y * stride + x] - b[(size_t)y * stride + x];
            sum += d < 0 ? -d : d;
        }
    return w > 0 && h > 0 ? sum / ((double)w * h) : 0;
}

void still_init(struct still *s, const struct still_params *p)
{
    memset(s, 0, sizeof *s);
    if (p)
        s->p = *p;
    else
        still_params_default(&s->p);
    s->armed = true;
}

void still_free(struct still *s)
{
    free(s->prev);
    free(s->taken);
    s->prev = s->taken = NULL;
}

/* Box-filters the frame down to sw x sh into out. */
static void downscale(const uint8_t *g, int w, int h, int stride, uint8_t *out, int sw, int sh)
{
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            int x0 = x * w / sw, x1 = (x + 1) * w / sw, y0 = y * h / sh, y1 = (y + 1) * h / sh;
            unsigned sum = 0, n = 0;
            for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++, n++)
                    sum += g[(size_t)yy * stride + xx];
            out[y * sw + x] = (uint8_t)(n ? sum / n : 0);
        }
}

enum still_verdict still_feed(struct still *s, const uint8_t *g, int w, int h, int stride)
{
    int sw = w < CMP_WIDTH ? w : CMP_WIDTH;
    int sh = w > 0 ? (int)((long)h * sw / w) : 0;
    if (sw <= 0 || sh <= 0)
        return STILL_MOVING;
    if (w != s->fw || h != s->fh) {
        /* First frame, or the camera changed mode: start over. */
        still_free(s);
        s->prev = malloc((size_t)sw * sh);
        s->taken = malloc((size_t)sw * sh);
        s->sw = sw;
        s->sh = sh;
        s->fw = w;
        s->fh = h;
        s->count = 0;
        s->armed = true;
        if (!s->prev || !s->taken) {
            still_free(s);
            s->sw = s->sh = s->fw = s->fh = 0;
            return STILL_MOVING;
        }
        downscale(g, w, h, stride, s->prev, sw, sh);
        s->difference = 255;
        return STILL_MOVING;
    }
    uint8_t small[CMP_WIDTH * CMP_WIDTH * 2];
    if ((size_t)sw * sh > sizeof small)
        return STILL_MOVING; /* a frame taller than 2:1: not a camera */
    downscale(g, w, h, stride, small, sw, sh);
    s->difference = still_difference(small, s->prev, sw, sh, sw);
    memcpy(s->prev, small, (size_t)sw * sh);
    /* The card read last has gone (or another one lies there): read again. */
    if (!s->armed && still_difference(small, s->taken, sw, sh, sw) > s->p.rearm_diff)
        s->armed = true;
    if (s->difference > s->p.diff_max) {
        s->count = 0;
        return STILL_MOVING;
    }
    if (++s->count < s->p.still_frames)
        return STILL_SETTLING;
    if (!s->armed)
        return STILL_DONE;
    s->sharpness = still_frame_sharpness(g, w, h, stride);
    if (s->sharpness < s->p.sharp_min)
        return STILL_BLURRED;
    s->armed = false;
    memcpy(s->taken, small, (size_t)sw * sh);
    return STILL_TAKE;
}

const char *still_verdict_name(enum still_verdict v)
{
    static const char *const names[] = {"moving", "settling", "blurred", "take", "done"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}
