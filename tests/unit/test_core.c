// SPDX-License-Identifier: Apache-2.0
/*
 * test_core — the small core modules: config (parsing, schema, errors that
 * name file:line:key), buf and base64, strv, uuid, clock formatting, lead
 * helpers, log sanitising and the event loop's timers and fds.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/base/lead.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/base/uuid.h"
#include "tests/tap.h"

static const char *write_conf(const char *text)
{
    static char path[] = "/tmp/mb-test-conf-XXXXXX";
    strcpy(path, "/tmp/mb-test-conf-XXXXXX");
    int fd = mkstemp(path);
    if (write(fd, text, strlen(text)) < 0)
        diag("write failed");
    close(fd);
    return path;
}

static void config_fails(const char *text, const char *want, const char *name)
{
    struct err e = {0};
    const char *p = write_conf(text);
    struct config *c = config_load(p, &e);
    ok(c == NULL && strstr(e.msg, want) && strstr(e.msg, p), "%s: %s", name, e.msg);
    config_free(c);
    unlink(p);
}

static void test_config(void)
{
    struct err e = {0};
    const char *p = write_conf("; comment\n[kiosk]\ndata_dir = /tmp/x\nshow = hk\n"
                               "log_level = debug\n\n[ui]\nlisten = 127.0.0.1:9999\n"
                               "[show.hk]\nname = HK Fair\ncountry = HK\n[show.de]\nname = DE\n");
    struct config *c = config_load(p, &e);
    ok(c != NULL, "valid config loads: %s", e.msg);
    is_str(config_str(c, "kiosk", "data_dir"), "/tmp/x", "string value");
    is_str(config_str(c, "ui", "listen"), "127.0.0.1:9999", "address value");
    is_int(config_int(c, "kiosk", "clock_check_interval"), 15, "default int");
    ok(!config_bool(c, "kiosk", "dev_fifo"), "default bool");
    ok(config_isset(c, "kiosk", "show") && !config_isset(c, "kiosk", "device_id"), "isset");
    is_str(config_str(c, "show.hk", "name"), "HK Fair", "family section value");
    is_str(config_str(c, "show.de", "timezone"), "UTC", "family default");
    struct strv secs = {0};
    config_sections(c, "show.", &secs);
    ok(secs.n == 2 && !strcmp(secs.v[0], "show.hk") && !strcmp(secs.v[1], "show.de"),
       "family sections in file order");
    strv_free(&secs);
    config_free(c);
    unlink(p);

    config_fails("[kiosk]\nshow = a\n[bogus]\nx = 1\n", ":3: unknown section [bogus]",
                 "unknown section named with its line");
    config_fails("[kiosk]\nshow = a\nshwo = b\n", ":3: [kiosk] shwo: unknown key",
                 "unknown key named with file:line");
    config_fails("[kiosk]\nclock_check_interval = soon\n",
                 ":2: [kiosk] clock_check_interval: expected an integer", "bad integer");
    config_fails("[kiosk]\nclock_check_interval = 0\n", "from 1 to 3600", "integer out of range");
    config_fails("[ui]\nlisten = localhost\n", ":2: [ui] listen: expected HOST:PORT",
                 "bad address");
    config_fails("[ui]\nlisten = 1.2.3.4:99999\n", "expected HOST:PORT", "port out of range");
    config_fails("[kiosk]\ndev_fifo = maybe\n", "[kiosk] dev_fifo: expected true or false",
                 "bad bool");
    config_fails("[kiosk]\nlog_level = loud\n", "expected one of debug|info|warn|error",
                 "bad enum");
    config_fails("show = x\n", "key outside any section", "key before any section");
    config_fails("[kiosk]\nshow = a\nshow = b\n", ":3: [kiosk] show: set twice (first at line 2)",
                 "duplicate key");
    config_fails("[kiosk]\nthis line has no equals sign\n", ":2: syntax error", "syntax error");
    config_fails("[show.]\nname = x\n", "unknown section [show.]", "family without a name");
    c = config_load("/nonexistent/matchbooth.conf", &e);
    ok(!c && strstr(e.msg, "/nonexistent/matchbooth.conf"), "missing file named: %s", e.msg);

    setenv("MATCHBOOTH_CONFIG", "/from/env.conf", 1);
    is_str(config_path(NULL), "/from/env.conf", "config path from the environment");
    is_str(config_path("/cli.conf"), "/cli.conf", "--config wins over the environment");
    unsetenv("MATCHBOOTH_CONFIG");
    is_str(config_path(NULL), CONFIG_DEFAULT_PATH, "default config path");

    /* The shipped example is exactly what the program documents. */
    char *doc = NULL;
    size_t doclen = 0;
    FILE *m = open_memstream(&doc, &doclen);
    config_print_example(m);
    fclose(m);
    FILE *f = fopen("board/matchbooth.conf", "r");
    char *shipped = calloc(1, doclen + 2);
    size_t n = f ? fread(shipped, 1, doclen + 1, f) : 0;
    if (f)
        fclose(f);
    ok(n == doclen && memcmp(shipped, doc, doclen) == 0,
       "board/matchbooth.conf documents every key (regenerate with `matchbooth config example`)");
    free(shipped);
    /* And it loads (every key is commented out: all defaults). */
    c = config_load("board/matchbooth.conf", &e);
    ok(c != NULL, "the shipped example config loads: %s", e.msg);
    config_free(c);
    free(doc);
}

static void test_buf_strv(void)
{
    struct buf b = {0};
    buf_add_base64(&b, (const uint8_t *)"a\0b\xff", 4);
    is_str(b.data, "YQBi/w==", "base64 of bytes with NUL and 0xff");
    struct buf d = {0};
    ok(buf_add_unbase64(&d, b.data, b.len) == 0 && d.len == 4 && !memcmp(d.data, "a\0b\xff", 4),
       "base64 round trip");
    buf_reset(&d);
    ok(buf_add_unbase64(&d, "YQBi_w", 6) == 0 && d.len == 4, "url-safe, unpadded base64");
    ok(buf_add_unbase64(&d, "a*b", 3) < 0, "invalid base64 refused");
    buf_free(&b);
    buf_free(&d);
    buf_printf(&b, "%d-%s", 42, "x");
    buf_consume(&b, 3);
    is_str(b.data, "x", "printf and consume");
    buf_free(&b);

    struct strv sv = {0};
    strv_split(&sv, " a, b ,,c ", ',');
    ok(sv.n == 3 && !strcmp(sv.v[1], "b"), "split trims and skips empty items");
    strv_push_unique(&sv, "a");
    is_int((long long)sv.n, 3, "push_unique skips duplicates");
    strv_free(&sv);
}

static void test_uuid_clock(void)
{
    char a[UUID_STR_LEN], b[UUID_STR_LEN];
    uuid_v7(1700000000000, a);
    uuid_v7(1700000000000, b);
    ok(uuid_valid(a) && a[14] == '7' && strchr("89ab", a[19]), "UUIDv7 version and variant: %s", a);
    ok(strcmp(a, b) < 0, "ids in one ms sort in creation order");
    ok(!strncmp(a, "018bcfe5-6800", 13), "the time is in the first 48 bits: %s", a);
    ok(!uuid_valid("not-a-uuid"), "invalid uuid detected");
    char iso[40];
    clock_format_utc(1795352087919, iso, sizeof iso);
    is_str(iso, "2026-11-22T12:54:47.919Z", "ISO UTC format with ms");
    int64_t ms;
    ok(clock_parse_iso("2026-11-22T20:54:47.919+08:00", &ms) == 0 && ms == 1795352087919,
       "ISO parse with offset");
    ok(clock_parse_iso("2026-11-22", &ms) == 0 && ms == 1795305600000,
       "date alone is midnight UTC");
    ok(clock_parse_iso("22/11/2026", &ms) < 0, "non-ISO date refused");
    struct clock_stamp st;
    clock_now(&st);
    ok(st.mono_ms > 0 && strlen(st.boot_id) > 8, "stamp has boot time and boot id");
}

static void test_lead(void)
{
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    strv_push(&f.emails, "Jane@Acme.Example");
    char *id = lead_identity(&f, (const uint8_t *)"x", 1);
    is_str(id, "email:jane@acme.example", "identity from the first email, lower-cased");
    free(id);
    lead_set(&f.badge_id, "B-1");
    id = lead_identity(&f, (const uint8_t *)"x", 1);
    is_str(id, "id:B-1", "badge id wins");
    free(id);
    cJSON *o = cJSON_CreateObject();
    lead_fields_to_json(&f, o);
    struct lead_fields g = {0};
    lead_fields_from_json(&g, o);
    is_str(g.badge_id, "B-1", "JSON round trip");
    ok(cJSON_IsNull(cJSON_GetObjectItem(o, "company")), "absent field is null");
    cJSON_Delete(o);
    lead_fields_free(&f);
    lead_fields_free(&g);

    char out[64];
    log_sanitize(out, sizeof out, "a\nb\x1b[31m\xff\xe4\xb8\xad", 12);
    is_str(out, "a?b?[31m?\xe4\xb8\xad", "log sanitising drops controls and bad UTF-8");
}

static int ticks;
static void on_tick(struct loop *l, void *ud)
{
    if (++ticks == 3)
        loop_stop(l);
    else
        loop_timer_reset(ud ? *(struct loop_timer **)ud : NULL, 1);
}

/* A timer far in the future: if it fires first, the short ones were late. */
static void on_guard(struct loop *l, void *ud)
{
    *(bool *)ud = true;
    loop_stop(l);
}

static void on_pipe(struct loop *l, int fd, unsigned ev, void *ud)
{
    char c;
    if (read(fd, &c, 1) == 1)
        *(char *)ud = c;
    loop_stop(l);
}

static void test_loop(void)
{
    struct loop *l = loop_new();
    struct loop_timer *t = NULL;
    t = loop_timer_add(l, 1, on_tick, &t);
    /* Milliseconds, not seconds: the three 1 ms ticks come before a 2 s
     * timer. An order, not a wall-clock bound, so a loaded machine cannot
     * fail it. */
    bool late = false;
    struct loop_timer *guard = loop_timer_add(l, 2000, on_guard, &late);
    loop_run(l);
    is_int(ticks, 3, "a timer re-armed from its callback fires three times");
    ok(!late, "1 ms timers fire before a 2 s one (delays are in milliseconds)");
    loop_timer_del(t);
    loop_timer_del(guard);
    int p[2];
    if (pipe(p) < 0)
        diag("pipe failed");
    char got = 0;
    struct loop_fd *w = loop_fd_add(l, p[0], LOOP_READ, on_pipe, &got);
    if (write(p[1], "z", 1) != 1)
        diag("write failed");
    loop_run(l);
    is_int(got, 'z', "fd watch delivers readable data");
    loop_fd_del(w);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}

int main(void)
{
    /* Tests read board/ files: run from the repository root. */
    const char *root = getenv("MB_ROOT");
    if (root && chdir(root) != 0)
        diag("cannot chdir to %s", root);
    test_config();
    test_buf_strv();
    test_uuid_clock();
    test_lead();
    test_loop();
    return done_testing();
}
