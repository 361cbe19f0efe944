// SPDX-License-Identifier: Apache-2.0
/*
 * campaign — opaque lead references (HMAC with a per-device secret, kept in
 * the store's meta table through store_meta) and the supplier links built
 * from them.
 */
#include "firmware/match/campaign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/store/store_meta.h"

static const char hexd[] = "0123456789abcdef";

#define SECRET_KEY "ui.ref_secret"

/* Reads the device secret, making and storing one on first use (or when
 * the stored one is not 64 hex digits). A store that cannot be read is an
 * error, never a reason to replace the secret. */
static int secret_get(struct store *s, unsigned char key[32], struct err *e)
{
    char *v = NULL;
    int rc = store_meta_get(s, SECRET_KEY, &v, e), have = 0;
    if (rc < 0)
        return err_wrap(e, "campaign: read secret");
    if (rc == 0 && strlen(v) == 64) {
        have = 1;
        for (int i = 0; i < 32; i++) {
            const char *hi = strchr(hexd, v[2 * i]), *lo = strchr(hexd, v[2 * i + 1]);
            if (!hi || !lo || !*hi || !*lo) {
                have = 0;
                break;
            }
            key[i] = (unsigned char)(((hi - hexd) << 4) | (lo - hexd));
        }
    }
    free(v);
    if (have)
        return 0;
    if (RAND_bytes(key, 32) != 1)
        return err_set(e, ERR_INTERNAL, "campaign: no random bytes from OpenSSL");
    char h[65];
    for (int i = 0; i < 32; i++) {
        h[2 * i] = hexd[key[i] >> 4];
        h[2 * i + 1] = hexd[key[i] & 15];
    }
    h[64] = '\0';
    if (store_meta_set(s, SECRET_KEY, h, e) < 0)
        return err_wrap(e, "campaign: save secret");
    return 0;
}

int campaign_ref(struct store *s, const char *lead_id, char ref[CAMPAIGN_REF_LEN], struct err *e)
{
    unsigned char key[32], mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    if (secret_get(s, key, e) < 0)
        return -1;
    if (!HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)lead_id, strlen(lead_id), mac,
              &maclen) ||
        maclen < 12)
        return err_set(e, ERR_INTERNAL, "campaign: HMAC failed");
    for (int i = 0; i < 12; i++) {
        ref[2 * i] = hexd[mac[i] >> 4];
        ref[2 * i + 1] = hexd[mac[i] & 15];
    }
    ref[24] = '\0';
    return 0;
}

/* RFC 3986 unreserved characters pass; everything else is %XX. */
static int add_encoded(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            if (buf_addc(b, (char)c) < 0)
                return -1;
        } else if (buf_printf(b, "%%%02X", c) < 0) {
            return -1;
        }
    }
    return 0;
}

int campaign_url(const char *url, const char *show, const char *kiosk, const char *ref,
                 struct buf *out, struct err *e)
{
    if (!url || (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
        return err_set(e, ERR_INVALID, "campaign: supplier URL is not http(s)");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return err_set(e, ERR_INVALID, "campaign: supplier URL has a space or quote");
    const char *hash = strchr(url, '#');
    size_t base = hash ? (size_t)(hash - url) : strlen(url);
    const char *q = memchr(url, '?', base);
    int rc = buf_add(out, url, base);
    rc |= buf_adds(out,
                   q ? (base > 0 && url[base - 1] != '?' && url[base - 1] != '&' ? "&" : "") : "?");
    rc |= buf_adds(out, "utm_source=matchbooth&utm_medium=kiosk&utm_campaign=");
    rc |= add_encoded(out, show ? show : "");
    rc |= buf_adds(out, "&mb_kiosk=");
    rc |= add_encoded(out, kiosk ? kiosk : "");
    rc |= buf_adds(out, "&mb_ref=");
    rc |= add_encoded(out, ref ? ref : "");
    if (hash)
        rc |= buf_adds(out, hash);
    return rc ? err_set(e, ERR_INTERNAL, "campaign: out of memory") : 0;
}

int campaign_link(struct store *s, const char *lead_id, const char *supplier_id, const char *url,
                  const char *show, const char *kiosk, struct buf *out, struct err *e)
{
    char ref[CAMPAIGN_REF_LEN];
    if (!supplier_id)
        return err_set(e, ERR_INVALID, "campaign: a link needs its supplier");
    if (campaign_ref(s, lead_id, ref, e) < 0)
        return -1;
    return campaign_url(url, show, kiosk, ref, out, e);
}
