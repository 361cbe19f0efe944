// SPDX-License-Identifier: Apache-2.0
/*
 * test_still — the camera's stillness and sharpness logic on real card
 * images (tests/cards): sharp vs blurred, still vs moved, one take per card,
 * a new take only after the card changed, an empty surface never taken.
 */
#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/card/still.h"
#include "tests/tap.h"

/* An 8-bit grey copy of a Pix as a packed buffer (the caller frees). */
static uint8_t *gray_of(PIX *p, int *w, int *h)
{
    PIX *g = pixConvertTo8(p, 0);
    l_uint8 *data = NULL;
    size_t n = 0;
    if (!g || pixGetRasterData(g, &data, &n) != 0) {
        pixDestroy(&g);
        return NULL;
    }
    *w = (int)pixGetWidth(g);
    *h = (int)pixGetHeight(g);
    pixDestroy(&g);
    return data;
}

static enum still_verdict feed(struct still *s, PIX *p)
{
    int w, h;
    uint8_t *g = gray_of(p, &w, &h);
    enum still_verdict v = g ? still_feed(s, g, w, h, w) : STILL_MOVING;
    free(g);
    return v;
}

int main(void)
{
    PIX *card = pixRead("tests/cards/card01-en-left-clean.png");
    PIX *card2 = pixRead("tests/cards/card02-en-center-clean.png");
    if (!ok(card && card2, "card images load"))
        return done_testing();
    PIX *g8 = pixConvertTo8(card, 0);
    PIX *blurred = pixBlockconv(g8, 4, 4); /* 9x9 box: a camera out of focus */
    PIX *moved = pixTranslate(NULL, g8, 25, 10, L_BRING_IN_WHITE);
    PIX *empty = pixCreate(pixGetWidth(g8), pixGetHeight(g8), 8);
    pixSetAllArbitrary(empty, 235); /* a plain surface, slightly grey */

    int w, h;
    uint8_t *a = gray_of(g8, &w, &h), *b = gray_of(blurred, &w, &h), *m = gray_of(moved, &w, &h);
    double sharp = still_frame_sharpness(a, w, h, w), soft = still_frame_sharpness(b, w, h, w);
    struct still_params p;
    still_params_default(&p);
    diag("sharpness: card %.0f, blurred %.0f (threshold %.0f)", sharp, soft, p.sharp_min);
    ok(sharp > p.sharp_min, "a sharp card passes the sharpness threshold");
    ok(soft < p.sharp_min, "the same card blurred does not");
    ok(sharp > 10 * soft, "blur lowers the variance of the Laplacian tenfold");
    ok(still_sharpness(a, w, h, w) > 10 * still_sharpness(b, w, h, w), "… at full resolution too");
    is_int((long long)still_difference(a, a, w, h, w), 0, "a frame does not differ from itself");
    double moved_diff = still_difference(a, m, w, h, w);
    diag("difference after a 25 px move: %.1f", moved_diff);
    ok(moved_diff > p.diff_max, "a moved card differs");
    uint8_t flat[16] = {0};
    is_int((long long)still_sharpness(flat, 4, 4, 4), 0, "a flat frame has no sharpness");
    free(a);
    free(b);
    free(m);

    struct still s;
    still_init(&s, NULL);
    is_int(feed(&s, moved), STILL_MOVING, "first frame: nothing to compare with");
    is_int(feed(&s, g8), STILL_MOVING, "the card slides into place: moving");
    is_int(feed(&s, g8), STILL_SETTLING, "still for one frame: settling");
    is_int(feed(&s, g8), STILL_SETTLING, "still for two frames: settling");
    is_int(feed(&s, g8), STILL_TAKE, "still for three frames and sharp: take");
    is_int(feed(&s, g8), STILL_DONE, "the same card stays: not read again");
    is_int(feed(&s, g8), STILL_DONE, "… and again not");
    is_int(feed(&s, empty), STILL_MOVING, "card removed: moving");
    for (int i = 0; i < 4; i++)
        feed(&s, empty);
    is_int(feed(&s, empty), STILL_BLURRED, "an empty surface is never taken");
    is_int(feed(&s, card2), STILL_MOVING, "a new card arrives");
    is_int(feed(&s, card2), STILL_SETTLING, "the new card lies still: settling");
    feed(&s, card2);
    is_int(feed(&s, card2), STILL_TAKE, "the new card is read once it lies still");

    /* A card that stays out of focus is not read; once focused it is. */
    struct still s2;
    still_init(&s2, NULL);
    for (int i = 0; i < 4; i++)
        feed(&s2, blurred);
    is_int(feed(&s2, blurred), STILL_BLURRED, "still but blurred: wait");
    enum still_verdict v = feed(&s2, g8);
    ok(v == STILL_MOVING || v == STILL_SETTLING, "focus changes the frame (%s)",
       still_verdict_name(v));
    feed(&s2, g8);
    feed(&s2, g8);
    is_int(feed(&s2, g8), STILL_TAKE, "focused and still: take");

    /* A camera's sensor noise differs in every frame: still is still. */
    struct still s3;
    still_init(&s3, NULL);
    PIX *bg = pixCreate(1280, 720, 8);
    pixSetAllArbitrary(bg, 90); /* a dark mat under the card */
    pixRasterop(bg, 115, 60, (int)pixGetWidth(g8), (int)pixGetHeight(g8), PIX_SRC, g8, 0, 0);
    int takes = 0;
    for (int i = 0; i < 6; i++) {
        PIX *noisy = pixAddGaussianNoise(bg, 6.0f); /* independent noise per frame */
        takes += feed(&s3, noisy) == STILL_TAKE;
        pixDestroy(&noisy);
    }
    diag("noisy frames: difference %.2f, sharpness %.0f", s3.difference, s3.sharpness);
    is_int(takes, 1, "sensor noise (sigma 6) on a still card: one take");
    /* … and noise is no detail: an empty noisy mat, or a blurred card with
     * noise, is not taken. */
    struct still s4;
    still_init(&s4, NULL);
    PIX *mat = pixCreate(1280, 720, 8), *bnoisy = NULL;
    pixSetAllArbitrary(mat, 200);
    takes = 0;
    for (int i = 0; i < 6; i++) {
        PIX *noisy = pixAddGaussianNoise(mat, 8.0f);
        takes += feed(&s4, noisy) == STILL_TAKE;
        pixDestroy(&noisy);
    }
    diag("empty noisy mat: sharpness %.0f", s4.sharpness);
    is_int(takes, 0, "an empty surface with sensor noise (sigma 8) is not taken");
    still_free(&s4);
    still_init(&s4, NULL);
    for (int i = 0; i < 6; i++) {
        bnoisy = pixAddGaussianNoise(blurred, 8.0f);
        takes += feed(&s4, bnoisy) == STILL_TAKE;
        pixDestroy(&bnoisy);
    }
    diag("blurred noisy card: sharpness %.0f", s4.sharpness);
    is_int(takes, 0, "a blurred card with sensor noise is not taken");
    still_free(&s4);
    pixDestroy(&mat);
    still_free(&s3);
    pixDestroy(&bg);

    /* A different frame size (camera mode change) starts over. */
    PIX *half = pixScale(g8, 0.5f, 0.5f);
    is_int(feed(&s2, half), STILL_MOVING, "a frame of another size starts over");
    still_free(&s);
    still_free(&s2);
    pixDestroy(&half);
    pixDestroy(&card);
    pixDestroy(&card2);
    pixDestroy(&g8);
    pixDestroy(&blurred);
    pixDestroy(&moved);
    pixDestroy(&empty);
    return done_testing();
}
