// SPDX-License-Identifier: Apache-2.0
/*
 * test_mail — the follow-up e-mail's parts that need no server: addresses
 * accepted and refused, header text as RFC 2047 encoded words (each at most
 * 75 characters, never a character split, decoding back to the input; CR
 * and LF never reach a header), the language chosen for a tag, a whole
 * message (headers, both parts, escaping of a name that is HTML), its
 * refusals, the form lookups the e-mail and the kiosk share, and the sink
 * table's smtp type. sync_smtp.t checks the messages with Python's email
 * package against a real server.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/base/strv.h"
#include "firmware/config/show.h"
#include "sync/mail.h"
#include "sync/mail_text.h"
#include "sync/sink.h"
#include "tests/tap.h"

static void test_addresses(void)
{
    static const char *const good[] = {"jane@example.com", "j.o'neil+expo@mail.example.co.uk",
                                       "x@localhost", "a_b-c@1.example"};
    static const char *const bad[] = {"",
                                      "jane",
                                      "@example.com",
                                      "jane@",
                                      "ja ne@example.com",
                                      "\"jane\"@example.com",
                                      "jane..doe@example.com",
                                      ".jane@example.com",
                                      "jane.@example.com",
                                      "jane@exa mple.com",
                                      "jane@-example.com",
                                      "jane@example.com\r\nBcc: x@y",
                                      "jané@example.com",
                                      "jane@例子.广告",
                                      "<jane@example.com>",
                                      "jane@example..com"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ok(mail_addr_ok(good[i]), "address accepted: %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(!mail_addr_ok(bad[i]), "address refused: #%zu", i);
    ok(!mail_addr_ok(NULL), "NULL refused");
    char longest[300];
    memset(longest, 'a', sizeof longest);
    strcpy(longest + 250, "@x.io");
    ok(!mail_addr_ok(longest), "over 254 bytes refused");
    is_str(mail_domain("a@b.example"), "b.example", "the domain");
}

/* Decodes the encoded words of h (B, UTF-8, folded) back to text. */
static char *words_decode(const char *h, int *max_word, int *words)
{
    struct buf out = {0};
    *max_word = *words = 0;
    for (const char *p = h; (p = strstr(p, "=?UTF-8?B?"));) {
        const char *end = strstr(p + 10, "?=");
        if (!end)
            break;
        int len = (int)(end + 2 - p);
        if (len > *max_word)
            *max_word = len;
        (*words)++;
        buf_add_unbase64(&out, p + 10, (size_t)(end - p - 10));
        p = end + 2;
    }
    return buf_steal(&out);
}

static void test_header_text(void)
{
    struct buf b = {0};
    ok(mail_header_text(&b, "Jane Doe") == 0, "plain ASCII");
    is_str(b.data, "Jane Doe", "stays as it is");
    buf_reset(&b);
    /* 40 Han characters (120 bytes) and Devanagari with combining marks. */
    const char *han = "陳大文九龍音響有限公司香港電子展秋季版陳大文九龍音響有限公司香港電子展秋季版"
                      "陳大文九龍音響有限公司香港";
    const char *hindi = "प्रिया शर्मा — स्टूडियो हेडफ़ोन निर्माता";
    const char *inputs[] = {han, hindi, "Müller, \"Zoë\" <z@x>"};
    for (size_t i = 0; i < 3; i++) {
        buf_reset(&b);
        ok(mail_header_text(&b, inputs[i]) == 0, "encoded: %zu", i);
        int max_word, words;
        char *back = words_decode(b.data, &max_word, &words);
        is_str(back, inputs[i], "decodes back to the same text");
        ok(max_word <= 75 && words >= 1, "%d words, none over 75 characters (%d)", words, max_word);
        ok(!strpbrk(b.data, "\n") || strstr(b.data, "\r\n =?UTF-8?B?"),
           "folded only between words, with CRLF SPACE");
        free(back);
    }
    buf_reset(&b);
    ok(mail_header_text(&b, "Eve\r\nBcc: all@example.com") == 0, "a value with CR LF");
    is_str(b.data, "Eve  Bcc: all@example.com", "cannot start a header of its own: one line");
    buf_reset(&b);
    ok(mail_header_text(&b, "Fair (Autumn), Hall 3") == 0 &&
           !strcmp(b.data, "Fair (Autumn), Hall 3"),
       "printable ASCII stays as it is");
    int mw, nw;
    char *back;
    buf_reset(&b);
    ok(mail_header_text(&b, "bad \xff\xfe utf8") == 0, "invalid UTF-8");
    back = words_decode(b.data, &mw, &nw);
    is_str(back, "bad \xef\xbf\xbd\xef\xbf\xbd utf8", "…becomes U+FFFD");
    free(back);
    buf_free(&b);
}

static void test_languages(void)
{
    static const char *const map[][2] = {
        {"zh-Hant", "zh-Hant"}, {"zh-HK", "zh-Hant"},   {"zh-TW", "zh-Hant"}, {"zh", "zh-Hans"},
        {"zh-CN", "zh-Hans"},   {"zh-Hans", "zh-Hans"}, {"hi-IN", "hi"},      {"de-AT", "de"},
        {"fr", "fr"},           {"es-MX", "es"},        {"ja", "en"},         {"", "en"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        is_str(mail_text_for(map[i][0])->lang, map[i][1], map[i][0]);
    is_str(mail_text_for(NULL)->lang, "en", "NULL: English");
}

static void test_compose(void)
{
    struct mail_supplier sup[] = {
        {"<script>alert(1)</script> & Co", "HK", "Line \"one\"", "https://s.example/?a=1&b=2"},
        {"Plain Ltd", NULL, NULL, "https://p.example/"},
    };
    struct mail_msg m = {.from = "booth@fair.example",
                         .from_name = "Fair \"2026\" (Hall 3), \\o/",
                         .to = "visitor@example.com",
                         .to_name = "<b>Eve</b>",
                         .message_id = "<abc.k1@fair.example>",
                         .date_ms = 1790000000000LL,
                         .lang = "en",
                         .show = "Fair 2026",
                         .unsubscribe = "mailto:booth@fair.example?subject=unsubscribe",
                         .suppliers = sup,
                         .n = 2};
    struct buf b = {0};
    struct err e = {0};
    ok(mail_compose(&m, &b, &e) == 0, "a message");
    ok(strstr(b.data, "Date: Mon, 21 Sep 2026 14:13:20 +0000\r\n") != NULL, "the Date header");
    ok(strstr(b.data, "From: \"Fair \\\"2026\\\" (Hall 3), \\\\o/\" <booth@fair.example>\r\n") !=
           NULL,
       "an ASCII sender's name as a quoted string, \" and \\ escaped");
    ok(strstr(b.data, "To: =?UTF-8?B?") == NULL && strstr(b.data, "To: \"<b>Eve</b>\" <") != NULL,
       "the visitor's name too");
    ok(strstr(b.data, "Message-ID: <abc.k1@fair.example>\r\n") != NULL, "the Message-ID");
    ok(strstr(b.data, "MIME-Version: 1.0\r\n") && strstr(b.data, "multipart/alternative"),
       "MIME, multipart/alternative");
    ok(strstr(b.data, "List-Unsubscribe: <mailto:booth@fair.example?subject=unsubscribe>\r\n") !=
           NULL,
       "List-Unsubscribe");
    bool crlf = true;
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\n' && (i == 0 || b.data[i - 1] != '\r'))
            crlf = false;
    ok(crlf, "every line ends in CRLF");
    /* The HTML part, decoded. */
    const char *p = strstr(b.data, "Content-Type: text/html; charset=UTF-8\r\n"
                                   "Content-Transfer-Encoding: base64\r\n\r\n");
    ok(p != NULL, "an HTML part in base64");
    struct buf html = {0};
    if (p) {
        p = strstr(p, "\r\n\r\n") + 4;
        const char *end = strstr(p, "\r\n--");
        buf_add_unbase64(&html, p, (size_t)(end - p));
    }
    ok(html.data && strstr(html.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co") &&
           !strstr(html.data, "<script>"),
       "a supplier name that is HTML is escaped");
    ok(html.data && strstr(html.data, "Hello &lt;b&gt;Eve&lt;/b&gt;,"), "so is the visitor's");
    ok(html.data && strstr(html.data, "href=\"https://s.example/?a=1&amp;b=2\""),
       "links as attributes, & escaped");
    buf_free(&html);

    struct mail_msg bad = m;
    bad.to = "not an address";
    buf_reset(&b);
    ok(mail_compose(&bad, &b, &e) < 0 && e.code == ERR_INVALID, "a bad address is refused");
    bad = m;
    bad.unsubscribe = "javascript:alert(1)";
    ok(mail_compose(&bad, &b, &e) < 0, "an unsubscribe link that is not mailto:/https:");
    bad.unsubscribe = "https://x.example/\"><img";
    ok(mail_compose(&bad, &b, &e) < 0, "…or has a quote");
    bad = m;
    bad.message_id = "abc@x\r\nBcc: y";
    ok(mail_compose(&bad, &b, &e) < 0, "a Message-ID with CR LF");
    buf_free(&b);
}

static void test_form(void)
{
    cJSON *form = cJSON_Parse(
        "{\"questions\": [{\"id\": \"interest\", \"type\": \"multi\", \"choices\": ["
        "{\"id\": \"audio\", \"category\": \"audio\"}, {\"id\": \"power\", \"category\": "
        "\"power\"}, {\"id\": \"none\"}]}, {\"id\": \"volume\", \"type\": \"single\", "
        "\"choices\": [{\"id\": \"big\", \"category\": \"audio\"}]}],"
        "\"consents\": [{\"purpose\": \"followup\", \"version\": \"v2\"}]}");
    cJSON *lead = cJSON_Parse("{\"answers\": {\"interest\": [\"audio\", \"none\", \"power\"], "
                              "\"volume\": \"big\", \"gone\": \"x\"}}");
    struct strv cats = {0};
    show_categories(form, lead, &cats);
    ok(cats.n == 2 && !strcmp(cats.v[0], "audio") && !strcmp(cats.v[1], "power"),
       "categories of the picked choices, once each");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(show_consent(form, "followup"), "version")),
           "v2", "the followup purpose");
    ok(show_consent(form, "nope") == NULL && show_consent(NULL, "followup") == NULL,
       "no such purpose, no form");
    ok(show_choice(show_question(form, "interest"), "power") != NULL, "question and choice");
    strv_free(&cats);
    cJSON_Delete(form);
    cJSON_Delete(lead);
}

int main(void)
{
    test_addresses();
    test_header_text();
    test_languages();
    test_compose();
    test_form();
    const struct sink_type *t = sink_find("smtp");
    ok(t && t->max_batch == 1 && t->classify && t->answer, "smtp is in the sink table: one lead "
                                                           "per message, its own reply codes");
    ok(t && t->classify(CURLE_OK, 250, "") == SINK_ROW_DONE, "250: done");
    ok(t && t->classify(CURLE_SEND_ERROR, 550, "RCPT failed: 550") == SINK_ROW_REJECT,
       "550 to RCPT: parked");
    ok(t && t->classify(CURLE_SEND_ERROR, 451, "RCPT failed: 451") == SINK_ROW_AGAIN, "451: again");
    ok(t && t->classify(CURLE_LOGIN_DENIED, 535, "Login denied") == SINK_ROW_AGAIN,
       "535 (login): again, the configuration's");
    ok(t && t->classify(CURLE_SEND_ERROR, 530, "MAIL failed: 530") == SINK_ROW_AGAIN,
       "530 to MAIL FROM: again, the configuration's");
    ok(t && t->classify(CURLE_COULDNT_CONNECT, 0, "Failed to connect") == SINK_ROW_AGAIN,
       "no connection: again");
    return done_testing();
}
