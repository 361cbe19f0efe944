// SPDX-License-Identifier: Apache-2.0
/*
 * ocr — Leptonica preprocessing and the Tesseract engine (see ocr.h).
 */
#include "firmware/card/ocr.h"

#include <ctype.h>
#include <errno.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <unistd.h>

#include "firmware/base/log.h"

/*
 * The resolution Tesseract is told. Cards are captured at about 300 dpi,
 * but at 300 Tesseract dropped or misread the large name lines (its layout
 * analysis takes 12 pt bold CJK for non-text); at 200 it keeps them and
 * reads the small print as well (measured on tests/cards).
 */
#define OCR_DPI 200

/* Images whose longer side exceeds OCR_MAX_SIDE are scaled to OCR_TARGET_SIDE
 * (a card 3.5 in wide at 300-400 dpi). */
#define OCR_MAX_SIDE    1800
#define OCR_TARGET_SIDE 1300

/* Lines read with less confidence than this are read again by each
 * non-English language alone (see retry_line). */
#define RETRY_CONF 80.0f
#define MAX_SINGLE 4

struct ocr {
    TessBaseAPI *api;
    char *langs;
    /* One engine per non-English language, for single-line retries. */
    TessBaseAPI *single[MAX_SINGLE];
    int nsingle;
    /* English alone, single line, for contact lines (see reread_contacts);
     * NULL when the main engine is English alone. */
    TessBaseAPI *ascii;
};

void ocr_env_ensure(char **argv)
{
    if (getenv("OMP_THREAD_LIMIT"))
        return;
    /* libgomp read its environment in a constructor before main(), so
     * setting the variable now changes nothing for this process image: run
     * ourselves again with it set. */
    if (setenv("OMP_THREAD_LIMIT", "1", 1) < 0)
        return;
    /* Not under valgrind: the exec would leave it (valgrind follows no
     * children by default) and the checks would see nothing. Valgrind
     * preloads its vgpreload_*.so into the program it runs. */
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    execv(exe, argv);
    log_warn("ocr", "cannot re-execute with OMP_THREAD_LIMIT=1 (%s): OCR will be slower",
             strerror(errno));
}

struct ocr *ocr_new(const char *langs, struct err *e)
{
    if (!langs || !*langs)
        langs = "eng";
    struct ocr *o = calloc(1, sizeof *o);
    if (!o || !(o->langs = strdup(langs)) || !(o->api = TessBaseAPICreate())) {
        ocr_free(o);
        err_set(e, ERR_INTERNAL, "ocr: out of memory");
        return NULL;
    }
    /* Leptonica and Tesseract print to stderr on their own; a kiosk logs
     * through log.c, and a missing model is reported by the return code. */
    setMsgSeverity(L_SEVERITY_NONE);
    if (TessBaseAPIInit3(o->api, NULL, langs) != 0) {
        err_set(e, ERR_NOTFOUND,
                "ocr: cannot load Tesseract languages '%s' (is tesseract-ocr-<lang> installed?)",
                langs);
        ocr_free(o);
        return NULL;
    }
    /* A card is sparse text in blocks: automatic segmentation, no OSD. */
    TessBaseAPISetPageSegMode(o->api, PSM_AUTO);
    /* Tesseract's own debug output would end up in the journal. */
    TessBaseAPISetVariable(o->api, "debug_file", "/dev/null");
    /* With several languages, Tesseract sometimes reads a large non-Latin
     * line (a Chinese or Hindi name) as Latin look-alikes with a low
     * confidence; the language alone on that line alone gets it right. */
    if (strchr(langs, '+')) {
        const char *p = langs;
        while (*p && o->nsingle < MAX_SINGLE) {
            size_t l = strcspn(p, "+");
            char one[32];
            if (l && l < sizeof one && !(l == 3 && !strncmp(p, "eng", 3))) {
                memcpy(one, p, l);
                one[l] = 0;
                TessBaseAPI *s = TessBaseAPICreate();
                if (s && TessBaseAPIInit3(s, NULL, one) == 0) {
                    TessBaseAPISetPageSegMode(s, PSM_SINGLE_LINE);
                    TessBaseAPISetVariable(s, "debug_file", "/dev/null");
                    o->single[o->nsingle++] = s;
                } else if (s) {
                    TessBaseAPIDelete(s);
                }
            }
            p += l + (p[l] == '+');
        }
    }
    if (strcmp(langs, "eng") != 0) {
        TessBaseAPI *a = TessBaseAPICreate();
        if (a && TessBaseAPIInit3(a, NULL, "eng") == 0) {
            TessBaseAPISetPageSegMode(a, PSM_SINGLE_LINE);
            TessBaseAPISetVariable(a, "debug_file", "/dev/null");
            o->ascii = a;
        } else if (a) {
            TessBaseAPIDelete(a);
        }
    }
    return o;
}

void ocr_free(struct ocr *o)
{
    if (!o)
        return;
    if (o->api) {
        TessBaseAPIEnd(o->api);
        TessBaseAPIDelete(o->api);
    }
    for (int i = 0; i < o->nsingle; i++) {
        TessBaseAPIEnd(o->single[i]);
        TessBaseAPIDelete(o->single[i]);
    }
    if (o->ascii) {
        TessBaseAPIEnd(o->ascii);
        TessBaseAPIDelete(o->ascii);
    }
    free(o->langs);
    free(o);
}

const char *ocr_langs(const struct ocr *o)
{
    return o->langs;
}

/* ocr_preprocess(), also handing back the deskewed grey image (*grey, the
 * caller's) when grey is not NULL. */
static PIX *preprocess(PIX *image, float *skew_deg, PIX **grey)
{
    PIX *gray = NULL, *desk = NULL, *bin = NULL;
    l_float32 angle = 0, conf = 0;
    if (skew_deg)
        *skew_deg = 0;
    if (!image || !(gray = pixConvertTo8(image, 0)))
        return NULL;
    /* A phone photo or a camera at full resolution gives a card thousands
     * of pixels wide; Tesseract reads best (and fastest) at about the size
     * of a 300 dpi scan, so larger images are scaled down to that. */
    int w = (int)pixGetWidth(gray), h = (int)pixGetHeight(gray);
    int longest = w > h ? w : h;
    if (longest > OCR_MAX_SIDE) {
        float f = (float)OCR_TARGET_SIDE / (float)longest;
        PIX *small = pixScaleGrayLI(gray, f, f);
        if (small) {
            pixDestroy(&gray);
            gray = small;
        }
    }
    /* Measure the skew on a binarised copy (Leptonica's sweep search covers
     * ±7°, enough for a card laid on a marked spot), then rotate the grey
     * image so that binarisation sees straight strokes. */
    PIX *b1 = pixConvertTo1(gray, 150);
    if (b1 && pixFindSkew(b1, &angle, &conf) == 0 && conf >= 2.5f && fabsf(angle) >= 0.1f) {
        desk = pixRotate(gray, angle * 3.14159265f / 180.0f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0,
                         0);
        if (skew_deg)
            *skew_deg = angle;
    }
    pixDestroy(&b1);
    if (!desk)
        desk = pixClone(gray);
    pixDestroy(&gray);
    /* Background normalisation then Otsu: copes with camera vignetting and
     * uneven light as well as with scanned files. */
    bin = pixOtsuThreshOnBackgroundNorm(desk, NULL, 10, 15, 100, 50, 255, 2, 2, 0.1f, NULL);
    if (!bin)
        bin = pixConvertTo1(desk, 128);
    if (grey && bin)
        *grey = pixClone(desk);
    pixDestroy(&desk);
    return bin;
}

PIX *ocr_preprocess(PIX *image, float *skew_deg)
{
    return preprocess(image, skew_deg, NULL);
}

static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80)
        return *cp = s[0], 1;
    if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80)
        return *cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f), 2;
    if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
        return *cp =
                   ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f),
               3;
    if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80)
        return *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
                     ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f),
               4;
    return *cp = 0xfffd, 1;
}

/* Han, kana, Hangul, CJK punctuation and full-width forms. */
static bool is_cjk(uint32_t c)
{
    return (c >= 0x2e80 && c <= 0x303f) || (c >= 0x3040 && c <= 0x30ff) ||
           (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) ||
           (c >= 0xff00 && c <= 0xffef) || (c >= 0x20000 && c <= 0x2ffff);
}

static bool is_hangul(uint32_t c)
{
    return c >= 0xac00 && c <= 0xd7af;
}

void ocr_strip_cjk_spaces(char *s)
{
    if (!s)
        return;
    unsigned char *r = (unsigned char *)s, *w = r;
    uint32_t prev = 0;
    while (*r) {
        if (*r == ' ') {
            unsigned char *q = r;
            while (*q == ' ')
                q++;
            uint32_t next = 0;
            if (*q)
                utf8_decode(q, &next);
            bool pd = prev >= '0' && prev <= '9', nd = next >= '0' && next <= '9';
            /* Korean writes spaces between words: Hangul keeps them. */
            bool hangul = is_hangul(prev) && is_hangul(next);
            bool drop = prev && next && !hangul &&
                        ((is_cjk(prev) && (is_cjk(next) || nd)) || (is_cjk(next) && pd));
            if (!drop)
                while (r < q)
                    *w++ = *r++;
            r = q;
            continue;
        }
        size_t n = utf8_decode(r, &prev);
        for (size_t i = 0; i < n && *r; i++)
            *w++ = *r++;
    }
    *w = '\0';
}

/* Trims ASCII white space (Tesseract ends every line with "\n"). */
static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    memmove(s, s + i, n - i + 1);
}

static size_t count_non_ascii(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) == 0xc0; /* UTF-8 lead bytes */
    return n;
}

/* Gives engine api the image pix, cut to line l with a margin of a
 * quarter of its height. */
static void set_line(TessBaseAPI *api, PIX *pix, const struct ocr_line *l)
{
    int pad = l->h / 4 + 2;
    int x = l->x > pad ? l->x - pad : 0, y = l->y > pad ? l->y - pad : 0;
    int w = l->w + 2 * pad, h = l->h + 2 * pad;
    if (x + w > (int)pixGetWidth(pix))
        w = (int)pixGetWidth(pix) - x;
    if (y + h > (int)pixGetHeight(pix))
        h = (int)pixGetHeight(pix) - y;
    TessBaseAPISetImage2(api, pix);
    TessBaseAPISetSourceResolution(api, OCR_DPI);
    TessBaseAPISetRectangle(api, x, y, w, h);
}

/* Reads line l again with each single-language engine; keeps the best read
 * when it is in that language's script and clearly more confident. */
static void retry_line(struct ocr *o, PIX *clean, struct ocr_line *l)
{
    for (int i = 0; i < o->nsingle; i++) {
        TessBaseAPI *s = o->single[i];
        set_line(s, clean, l);
        char *t = TessBaseAPIGetUTF8Text(s);
        float conf = (float)TessBaseAPIMeanTextConf(s);
        if (t && conf > l->conf + 10 && count_non_ascii(t) >= 2) {
            char *text = strdup(t);
            if (text) {
                trim(text);
                ocr_strip_cjk_spaces(text);
                if (*text) {
                    free(l->text);
                    l->text = text;
                    l->conf = conf;
                } else {
                    free(text);
                }
            }
        }
        TessDeleteText(t);
        TessBaseAPIClear(s);
    }
}

void ocr_result_free(struct ocr_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->lines[i].text);
    free(r->lines);
    memset(r, 0, sizeof *r);
}

/* Recognises the image set on o->api with page segmentation mode psm and
 * appends its lines to out. 0, or -1 on ENOMEM (out keeps what it had). */
static int collect(struct ocr *o, int psm, struct ocr_result *out)
{
    size_t cap = out->n;
    TessBaseAPISetPageSegMode(o->api, psm);
    /* Tesseract fails on an empty page; for a kiosk that is no text. */
    TessResultIterator *ri =
        TessBaseAPIRecognize(o->api, NULL) == 0 ? TessBaseAPIGetIterator(o->api) : NULL;
    TessBaseAPISetPageSegMode(o->api, PSM_AUTO);
    if (!ri)
        return 0;
    const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(ri);
    int rc = 0;
    do {
        char *t = TessResultIteratorGetUTF8Text(ri, RIL_TEXTLINE);
        if (!t)
            continue;
        char *text = strdup(t);
        TessDeleteText(t);
        if (!text) {
            rc = -1;
            break;
        }
        trim(text);
        ocr_strip_cjk_spaces(text);
        if (!*text) {
            free(text);
            continue;
        }
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct ocr_line *nl = realloc(out->lines, nc * sizeof *nl);
            if (!nl) {
                free(text);
                rc = -1;
                break;
            }
            out->lines = nl;
            cap = nc;
        }
        struct ocr_line *l = &out->lines[out->n++];
        int left = 0, top = 0, right = 0, bottom = 0;
        TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &left, &top, &right, &bottom);
        *l = (struct ocr_line){text,         TessResultIteratorConfidence(ri, RIL_TEXTLINE),
                               left,         top,
                               right - left, bottom - top};
    } while (TessResultIteratorNext(ri, RIL_TEXTLINE));
    TessResultIteratorDelete(ri);
    return rc;
}

/* Characters of the lines, to compare two readings of a card. */
static size_t text_len(const struct ocr_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strlen(r->lines[i].text);
    return n;
}

/*
 * A line that holds an e-mail address or a web address: one with '@', or
 * in ASCII with a dot or in one word (after a label). Such text is ASCII
 * whatever the card's language.
 */
static bool contact_like(const char *s)
{
    if (strchr(s, '@'))
        return true;
    const char *v = strchr(s, ':');
    v = v ? v + 1 : s;
    while (*v == ' ')
        v++;
    bool letter = false, dot = false;
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            return false;
        letter = letter || isalpha((unsigned char)*p);
        dot = dot || (*p == '.' && p > v && isalnum((unsigned char)p[-1]));
    }
    return letter && (dot || !strchr(v, ' ')) && strlen(v) >= 6;
}

/* Dots, and the ':' or ',' between two letters or digits that OCR reads
 * for a dot ("t:yamada"), which card_fields puts right. */
static size_t dots(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '.' || ((*p == ':' || *p == ',') && p > s && isalnum((unsigned char)p[-1]) &&
                           isalnum((unsigned char)p[1]));
    return n;
}

/*
 * Re-reads contact lines with English alone, from the grey image: the Latin script model drops
 * the dot of "h.moreau@…", and models of other scripts read addresses as
 * look-alike letters ("а,зтипоуа@…").
 */
static void reread_contacts(struct ocr *o, PIX *grey, struct ocr_result *out)
{
    for (size_t i = 0; o->ascii && i < out->n; i++) {
        struct ocr_line *l = &out->lines[i];
        if (!contact_like(l->text))
            continue;
        set_line(o->ascii, grey, l);
        char *t = TessBaseAPIGetUTF8Text(o->ascii);
        char *text = t ? strdup(t) : NULL;
        TessDeleteText(t);
        TessBaseAPIClear(o->ascii);
        if (!text)
            continue;
        trim(text);
        /* An e-mail line read in another script's letters is replaced by
         * any ASCII reading with its '@'; otherwise only a reading with
         * more dots wins (English invents no dots, but drops letters as
         * often as the others: "alice.jjohnson"). */
        bool email = strchr(l->text, '@') != NULL;
        bool more = dots(text) > dots(l->text);
        bool better = email ? strchr(text, '@') && (count_non_ascii(l->text) > 0 || more) : more;
        if (better && count_non_ascii(text) == 0) {
            free(l->text);
            l->text = text;
        } else {
            free(text);
        }
    }
}

/* Fewer lines than a card has (name, title, company, phone, e-mail, web,
 * address): the page layout analysis may have taken large text for a
 * picture (a header beside a logo, a rotated header); sparse-text
 * segmentation is tried too, and the reading with more text kept. */
#define FEW_LINES 7

int ocr_read(struct ocr *o, PIX *image, struct ocr_result *out, struct err *e)
{
    PIX *grey = NULL;
    PIX *clean = preprocess(image, &out->skew_deg, &grey);
    if (!clean)
        return err_set(e, ERR_INTERNAL, "ocr: cannot preprocess the image (%s)",
                       image ? "out of memory" : "no image");
    out->width = (int)pixGetWidth(clean);
    out->height = (int)pixGetHeight(clean);
    TessBaseAPISetImage2(o->api, clean);
    TessBaseAPISetSourceResolution(o->api, OCR_DPI);
    int rc = collect(o, PSM_AUTO, out);
    if (rc == 0 && out->n < FEW_LINES) {
        struct ocr_result sparse = {0};
        rc = collect(o, PSM_SPARSE_TEXT, &sparse);
        if (rc == 0 && sparse.n > out->n && text_len(&sparse) > text_len(out)) {
            struct ocr_result first = *out;
            out->lines = sparse.lines;
            out->n = sparse.n;
            ocr_result_free(&first);
        } else {
            ocr_result_free(&sparse);
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < out->n; i++)
            if (out->lines[i].conf < RETRY_CONF)
                retry_line(o, clean, &out->lines[i]);
        /* The grey image: Tesseract's own thresholding of a small line
         * keeps the dots that the page-wide binarisation merges. */
        reread_contacts(o, grey ? grey : clean, out);
    } else {
        ocr_result_free(out);
        err_set(e, ERR_INTERNAL, "ocr: out of memory");
    }
    TessBaseAPIClear(o->api);
    pixDestroy(&clean);
    pixDestroy(&grey);
    return rc;
}
