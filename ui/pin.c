// SPDX-License-Identifier: Apache-2.0
/*
 * pin — PBKDF2 hashing and checking of the admin PIN, and its row in the
 * store's meta table.
 */
#include "ui/pin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/store/store_meta.h"

#define SALT_LEN 16
#define DK_LEN   32
#define PIN_KEY  "ui.admin_pin_hash"

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int unhex(const char *s, size_t len, unsigned char *out, size_t outsz)
{
    if (len % 2 || len / 2 > outsz)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        out[i] = (unsigned char)v;
    }
    return (int)(len / 2);
}

int pin_hash(const char *pin, char *out, size_t outsz, struct err *e)
{
    size_t pl = pin ? strlen(pin) : 0;
    if (pl < 4 || pl > 64)
        return err_set(e, ERR_INVALID, "the PIN must have 4 to 64 characters");
    if (outsz < PIN_HASH_MAX)
        return err_set(e, ERR_INTERNAL, "pin_hash: output buffer too small");
    unsigned char salt[SALT_LEN], dk[DK_LEN];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return err_set(e, ERR_INTERNAL, "pin: no random bytes from OpenSSL");
    if (PKCS5_PBKDF2_HMAC(pin, (int)pl, salt, sizeof salt, PIN_ITERATIONS, EVP_sha256(), sizeof dk,
                          dk) != 1)
        return err_set(e, ERR_INTERNAL, "pin: PBKDF2 failed");
    char sh[2 * SALT_LEN + 1], dh[2 * DK_LEN + 1];
    hex(salt, sizeof salt, sh);
    hex(dk, sizeof dk, dh);
    snprintf(out, outsz, "pbkdf2-sha256$%d$%s$%s", PIN_ITERATIONS, sh, dh);
    OPENSSL_cleanse(dk, sizeof dk);
    return 0;
}

int pin_verify(const char *pin, const char *stored)
{
    const char *pfx = "pbkdf2-sha256$";
    if (!pin || !stored || strncmp(stored, pfx, strlen(pfx)) != 0)
        return -1;
    const char *p = stored + strlen(pfx);
    char *end;
    long iter = strtol(p, &end, 10);
    if (end == p || *end != '$' || iter < 1000 || iter > 10000000)
        return -1;
    const char *salt_s = end + 1, *dollar = strchr(salt_s, '$');
    if (!dollar)
        return -1;
    unsigned char salt[64], want[64], got[64];
    int sl = unhex(salt_s, (size_t)(dollar - salt_s), salt, sizeof salt);
    int dl = unhex(dollar + 1, strlen(dollar + 1), want, sizeof want);
    if (sl < 8 || dl < 16)
        return -1;
    if (PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, sl, (int)iter, EVP_sha256(), dl, got) != 1)
        return -1;
    int same = CRYPTO_memcmp(got, want, (size_t)dl) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return same;
}

char *pin_load(struct store *s)
{
    char *out = NULL;
    store_meta_get(s, PIN_KEY, &out, NULL);
    return out;
}

int pin_save(struct store *s, const char *hash, struct err *e)
{
    if (store_meta_set(s, PIN_KEY, hash, e) < 0)
        return err_wrap(e, "save PIN");
    return 0;
}
