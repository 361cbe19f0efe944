// SPDX-License-Identifier: Apache-2.0
/*
 * test_catalog — supplier catalog import (CSV quirks, JSON shapes, atomic
 * replace), FTS5 trigram search in Latin, Chinese (two-character words
 * too) and Devanagari, and matching by category; on a real SQLite file.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/store/store.h"
#include "firmware/base/strv.h"
#include "tests/tap.h"
#include "ui/catalog.h"

static const char csv[] =
    "\xEF\xBB\xBFid,name_en,name_zh-Hant,name_hi,description_en,categories,country,url\r\n"
    "A1,\"Acme Audio, Ltd.\",九龍耳機有限公司,एक्मे ऑडियो,\"Says \"\"hi\"\"\nover two lines\","
    "audio;power,HK,https://a.example/1\r\n"
    "B2,Bright Lights,光明照明,ब्राइट लाइट्स,LED panels,lighting,TW,https://b.example/2?x=1\r\n"
    "\r\n"
    "C3,Cell Power,電池充電器廠,सेल बैटरी पावर,Batteries,power,IN,http://c.example/\r\n";

static int ids(cJSON *arr, char *out, size_t n)
{
    out[0] = '\0';
    const cJSON *it;
    int c = 0;
    cJSON_ArrayForEach(it, arr)
    {
        strncat(out, cJSON_GetObjectItem(it, "id")->valuestring, n - strlen(out) - 1);
        strncat(out, " ", n - strlen(out) - 1);
        c++;
    }
    return c;
}

static int search(struct store *s, const char *q, char *out, size_t n)
{
    cJSON *arr = NULL;
    struct err e = {0};
    if (catalog_search(s, q, "en", 20, &arr, &e) < 0) {
        diag("search %s: %s", q, e.msg);
        return -1;
    }
    int c = ids(arr, out, n);
    cJSON_Delete(arr);
    return c;
}

int main(void)
{
    char path[] = "/tmp/mb-test-catalog-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct err e = {0};
    struct store *s = store_open(path, &e);
    ok(s != NULL, "store opens (%s)", e.msg);
    int n = 0;
    ok(catalog_import_text(s, csv, sizeof csv - 1, 0, &n, &e) == 0, "CSV imports (%s)", e.msg);
    is_int(n, 3, "three suppliers (blank line skipped)");
    is_int(catalog_count(s), 3, "count");

    cJSON *one = NULL;
    ok(catalog_get(s, "A1", "zh-Hant", &one, &e) == 0, "get A1");
    is_str(cJSON_GetObjectItem(one, "name")->valuestring, "九龍耳機有限公司", "name in zh-Hant");
    is_str(cJSON_GetObjectItem(one, "description")->valuestring, "Says \"hi\"\nover two lines",
           "quoted field with \"\" and a newline; missing language falls back to en");
    cJSON_Delete(one);
    ok(catalog_get(s, "A1", "de", &one, &e) == 0, "get A1 in de");
    is_str(cJSON_GetObjectItem(one, "name")->valuestring, "Acme Audio, Ltd.",
           "de falls back to en");
    cJSON_Delete(one);
    ok(catalog_get(s, "ZZ", "en", &one, &e) < 0 && e.code == ERR_NOTFOUND, "unknown id: not found");

    char got[256];
    is_int(search(s, "耳機", got, sizeof got), 1, "two Han characters find a supplier");
    is_str(got, "A1 ", "... the right one");
    is_int(search(s, "充電器", got, sizeof got), 1, "three Han characters (trigram index)");
    is_str(got, "C3 ", "... the right one");
    is_int(search(s, "बैटरी", got, sizeof got), 1, "Devanagari word");
    is_str(got, "C3 ", "... the right one");
    is_int(search(s, "acme", got, sizeof got), 1, "case-insensitive Latin");
    is_int(search(s, "power HK", got, sizeof got), 1, "every word must match (long and short)");
    is_str(got, "A1 ", "... the right one");
    is_int(search(s, "nothing-like-this", got, sizeof got), 0, "no hit");
    is_int(search(s, "\"hi", got, sizeof got), 1, "a quote is just a character");
    is_str(got, "A1 ", "... found in the quoted description");
    is_int(search(s, "\"\"\" OR *", got, sizeof got), 0, "FTS syntax is not interpreted");
    is_int(search(s, "  ", got, sizeof got), 0, "blank query: nothing");
    is_int(search(s, "%", got, sizeof got), 0, "% alone is no query (not a wildcard)");
    is_int(search(s, "a_b", got, sizeof got), 0, "_ is not a wildcard");

    struct strv cats = {0};
    strv_push(&cats, "power");
    strv_push(&cats, "Audio");
    cJSON *m = NULL;
    ok(catalog_match(s, &cats, "en", 10, 7, &m, &e) == 0, "match");
    is_int(ids(m, got, sizeof got), 2, "two suppliers in audio or power");
    ok(!strncmp(got, "A1 ", 3), "the one with both categories first (%s)", got);
    cJSON_Delete(m);
    strv_free(&cats);

    /* A bad file changes nothing. */
    static const char bad[] = "id,name,url\nX1,Good,https://x.example\nX2,No URL,\n";
    ok(catalog_import_text(s, bad, sizeof bad - 1, 0, &n, &e) < 0, "a supplier without url fails");
    ok(strstr(e.msg, "X2") != NULL, "the error names it (%s)", e.msg);
    is_int(catalog_count(s), 3, "the old catalog is still there");
    static const char unterminated[] = "id,name,url\n\"X1,Good,https://x.example\n";
    ok(catalog_import_text(s, unterminated, sizeof unterminated - 1, 0, &n, &e) < 0,
       "unterminated quote fails");
    static const char js[] =
        "{\"suppliers\":[{\"id\":42,\"name\":{\"en\":\"Numeric\",\"hi\":\"संख्या\"},"
        "\"categories\":\"audio|power\",\"url\":\"https://n.example\"},"
        "{\"id\":\"S2\",\"name\":\"Plain\",\"description\":\"d\","
        "\"categories\":[\"lighting\"],\"url\":\"https://p.example\"}]}";
    ok(catalog_import_text(s, js, sizeof js - 1, 1, &n, &e) == 0, "JSON imports (%s)", e.msg);
    is_int(catalog_count(s), 2, "JSON replaced the catalog");
    ok(catalog_get(s, "42", "hi", &one, &e) == 0, "numeric id kept as text");
    is_str(cJSON_GetObjectItem(one, "name")->valuestring, "संख्या", "name in hi");
    cJSON_Delete(one);
    ok(catalog_import_text(s, "[1,", 3, 1, &n, &e) < 0, "broken JSON fails");

    ok(catalog_import_file(s, "board/demo/catalog.json", &n, &e) == 0, "demo catalog imports (%s)",
       e.msg);
    ok(n >= 200, "demo catalog has at least 200 suppliers (%d)", n);
    ok(search(s, "耳機", got, sizeof got) > 0, "demo catalog: Chinese search");
    ok(search(s, "बैटरी", got, sizeof got) > 0, "demo catalog: Hindi search");

    store_close(s);
    char p2[300];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    return done_testing();
}
