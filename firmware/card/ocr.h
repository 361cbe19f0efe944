// SPDX-License-Identifier: Apache-2.0
/*
 * ocr — the on-device text recogniser for business cards: Leptonica to
 * clean the image (grey, deskew, binarise on a normalised background), then
 * Tesseract's C API to read it as lines of UTF-8 with a confidence and a box.
 *
 * One struct ocr is one initialised Tesseract engine for one set of
 * languages; loading the models costs far more than reading a card, so the
 * daemon keeps one warm (init once, recognise many). An engine is used by
 * one thread at a time.
 *
 * Tesseract is built with OpenMP, which on a two-core kiosk makes it about
 * eight times slower unless OMP_THREAD_LIMIT=1 is in the environment when
 * libgomp initialises (its constructor runs before main()): see
 * ocr_env_ensure().
 */
#ifndef MB_OCR_H
#define MB_OCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct Pix;
struct ocr;

/* One recognised text line. */
struct ocr_line {
    char *text;     /* UTF-8, trimmed, spaces between CJK characters removed */
    float conf;     /* Tesseract's line confidence, 0..100 */
    int x, y, w, h; /* box in the preprocessed image, pixels */
};

struct ocr_result {
    struct ocr_line *lines; /* in reading order */
    size_t n;
    float skew_deg; /* the skew that was corrected, degrees (0 if none found) */
    int width, height;
};

/*
 * Makes sure OMP_THREAD_LIMIT is set before libgomp reads it: when it is not
 * in the environment, sets it to "1" and re-executes /proc/self/exe with
 * argv (so libgomp's constructor sees it; not under valgrind, which would
 * not follow the exec). Returns only when no re-exec was
 * needed or the exec failed (then OCR is just slower; a warning is logged).
 * Call first thing in main(), before any thread exists.
 */
void ocr_env_ensure(char **argv);

/*
 * Loads Tesseract with langs ("eng", "eng+chi_tra" …; NULL or "" = "eng"),
 * models from Tesseract's default tessdata directory or $TESSDATA_PREFIX.
 * Returns NULL with e naming the languages when a model is missing.
 */
struct ocr *ocr_new(const char *langs, struct err *e);
void ocr_free(struct ocr *o); /* NULL-safe */

/* The languages the engine was loaded with. */
const char *ocr_langs(const struct ocr *o);

/*
 * Reads image into out (zeroed by the caller, freed with ocr_result_free).
 * The image is only borrowed; any depth or size. A card with no readable
 * text gives n == 0 and returns 0: that is not an error. Returns -1 with e
 * only when the image cannot be processed at all (ENOMEM, a library error).
 */
int ocr_read(struct ocr *o, struct Pix *image, struct ocr_result *out, struct err *e);

void ocr_result_free(struct ocr_result *r);

/*
 * Cleans an image for recognition: 8-bit grey, scaled down when larger than
 * a 400 dpi card, deskewed (up to ~7°),
 * binarised to 1 bpp on a normalised background. Returns a new Pix (the
 * caller's, pixDestroy) or NULL; *skew_deg (may be NULL) gets the angle.
 */
struct Pix *ocr_preprocess(struct Pix *image, float *skew_deg);

/*
 * Removes, in place, the ASCII spaces Tesseract puts between CJK characters
 * (and between a CJK character and a digit): "陳 大 文" -> "陳大文". Spaces
 * between Latin words are kept.
 */
void ocr_strip_cjk_spaces(char *s);

#endif
