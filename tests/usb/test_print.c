// SPDX-License-Identifier: Apache-2.0
/*
 * test_print — printing that remembers, through `matchbooth run` under
 * umockdev (the real libusb path to emulated ESC/POS printers), its kiosk
 * API (libcurl) and the store:
 *
 *  - the printer is checked at start: one out of paper when the daemon
 *    starts goes "checking" then "paper out", never "ready", and the kiosk
 *    (/api/boot) reports it before anyone taps Print, which a visitor's
 *    tap would be refused with (409, nothing reaches the printer);
 *  - the print log: a slip printed is recorded and ended "done" when the
 *    printer took it; a second print for the same visitor is answered
 *    "already printed" (409, nothing printed) until the page says "again";
 *    a slip lost with its printer (unplugged while it waited) ends
 *    "failed" with the reason;
 *  - a printer in no list is not opened, and reported "not configured".
 *
 * Runs under umockdev's preload (tests/usb/print.t), like test_modes.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/ctl.h"
#include "firmware/store/store.h"
#include "firmware/store/store_handout.h"
#include "tests/tap.h"
#include "tests/usb/emu.h"

#define LISTED   "usb:04b8:0e15@1-1"
#define STRANGER "usb:1fc9:2016@1-2"

static char dir[256], conf[512], sock[512], bin[512], logpath[512], csrf[128];
static int port;

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* One control command; the reply (the caller's) or NULL. */
static cJSON *ctl(const char *cmd)
{
    cJSON *req = cJSON_CreateObject(), *reply = NULL;
    cJSON_AddStringToObject(req, "cmd", cmd);
    struct err e = {0};
    if (ctl_call(sock, req, &reply, 2000, &e) < 0)
        reply = NULL;
    cJSON_Delete(req);
    return reply;
}

/* The "devices" status member, or NULL. */
static cJSON *devices_status(void)
{
    cJSON *st = ctl("status");
    cJSON *d = cJSON_DetachItemFromObject(st, "devices");
    cJSON_Delete(st);
    return d;
}

/* The printer's state as devices.printer says it ("" for none). */
static bool printer_is(const char *state, int ms)
{
    for (int t = 0; t < ms; t += 20, nap(20)) {
        cJSON *d = devices_status();
        const char *st =
            cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "printer"), "state"));
        bool yes = st && !strcmp(st, state);
        cJSON_Delete(d);
        if (yes)
            return true;
    }
    return false;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    return buf_add(ud, p, size * n) < 0 ? 0 : size * n;
}

/* GET or POST (body not NULL) to the kiosk's API: the status, the JSON
 * answer in *out (the caller's, may be NULL). */
static long http(const char *path, const char *body, cJSON **out)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (body) {
        char tok[200];
        snprintf(tok, sizeof tok, "X-CSRF-Token: %s", csrf);
        h = curl_slist_append(curl_slist_append(h, "Content-Type: application/json"), tok);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (out)
        *out = b.data ? cJSON_Parse(b.data) : NULL;
    buf_free(&b);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* POST /api/print for lead: the status; *job gets the slip's id. */
static long print_slip(const char *lead, bool again, int64_t *job, cJSON **out)
{
    char body[400];
    snprintf(body, sizeof body,
             "{\"lead\": \"%s\", \"lang\": \"en\", \"suppliers\": [\"S1\"], \"greeting\": "
             "\"Hello\", \"footer\": \"Bye\", \"again\": %s}",
             lead, again ? "true" : "false");
    cJSON *o = NULL;
    long st = http("/api/print", body, &o);
    if (job)
        *job = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "job"));
    if (out)
        *out = o;
    else
        cJSON_Delete(o);
    return st;
}

/* The state of slip job in the print log ("" when not found), read from
 * the store file as the admin tools would. */
static void slip_state(int64_t job, char *state, size_t n, char *reason, size_t rn)
{
    char db[600];
    snprintf(db, sizeof db, "%s/leads.db", dir);
    struct err e = {0};
    struct store *s = store_open_readonly(db, &e);
    cJSON *list = NULL;
    state[0] = reason[0] = '\0';
    if (s && store_handout_list(s, NULL, 50, &list, &e) == 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, list)
        {
            if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id")) != job)
                continue;
            snprintf(state, n, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(it, "state")));
            snprintf(reason, rn, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(it, "reason")));
        }
    }
    cJSON_Delete(list);
    store_close(s);
}

static bool slip_is(int64_t job, const char *want, char *reason, size_t rn, int ms)
{
    char st[32];
    for (int t = 0; t < ms; t += 50, nap(50)) {
        slip_state(job, st, sizeof st, reason, rn);
        if (!strcmp(st, want))
            return true;
    }
    return false;
}

/* Slip bytes the printer received (its status queries left out), waited
 * for up to ms. */
static size_t printed_bytes(struct emu *p, int ms)
{
    size_t total = 0;
    for (int t = 0; t < ms; t += 50, nap(50)) {
        size_t slip = emu_take_slip(p);
        total += slip;
        if (total > 200 && slip == 0)
            break; /* a slip came and nothing more is coming */
    }
    return total;
}

static bool log_has(const char *what)
{
    gchar *text = NULL;
    bool yes = g_file_get_contents(logpath, &text, NULL, NULL) && strstr(text, what);
    g_free(text);
    return yes;
}

static GPid start_daemon(void)
{
    gchar **env = g_environ_setenv(g_get_environ(), "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
    char *argv[] = {bin, "run", "--config", conf, NULL};
    GPid pid = 0;
    GError *err = NULL;
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!g_spawn_async_with_fds(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, -1,
                                fd, fd, &err)) {
        printf("Bail out! spawn daemon: %s\n", err->message);
        exit(1);
    }
    close(fd);
    g_strfreev(env);
    for (int i = 0; i < 250; i++, nap(20)) {
        cJSON *r = ctl("ping");
        cJSON_Delete(r);
        if (r)
            return pid;
    }
    printf("Bail out! the daemon does not answer\n");
    exit(1);
}

/* The printer out of paper when the daemon starts: checked, never ready. */
static void checked_at_start(struct emu *pr)
{
    ok(printer_is("paper out", 5000), "a printer out of paper at start: \"paper out\"");
    ok(log_has(LISTED ": checking") && !log_has(LISTED ": ready"),
       "it was \"checking\" until its first status answer, never \"ready\"");
    cJSON *boot = NULL;
    ok(http("/api/boot", NULL, &boot) == 200, "the kiosk boots");
    const cJSON *p = cJSON_GetObjectItem(boot, "printer");
    ok(cJSON_IsTrue(cJSON_GetObjectItem(p, "present")) &&
           cJSON_IsFalse(cJSON_GetObjectItem(p, "ready")) &&
           !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "state")), "paper out"),
       "the kiosk knows before any tap: present, not ready, paper out");
    snprintf(csrf, sizeof csrf, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(boot, "csrf")));
    cJSON_Delete(boot);
    cJSON *d = devices_status();
    const cJSON *dp = cJSON_GetObjectItem(d, "printer");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(dp, "model")), "Epson TM-T20II",
           "the status names its model");
    cJSON_Delete(d);
    (void)pr;
}

/* The visitor's slips: refused while out of paper, printed, asked about
 * the second time, printed again; one lost with its printer. */
static void print_log(struct emu *pr, const char *lead)
{
    cJSON *o = NULL;
    ok(print_slip(lead, false, NULL, &o) == 409 &&
           strstr(cJSON_GetStringValue(cJSON_GetObjectItem(o, "error")), "paper out"),
       "a tap while out of paper: 409, paper out");
    cJSON_Delete(o);
    is_int((long long)printed_bytes(pr, 300), 0, "…and nothing reached the printer");

    emu_set_printer_status(pr, true, 0x12, 0x12);
    ok(printer_is("ready", 5000), "paper back: ready at the next status query");
    int64_t job = 0;
    char why[300];
    ok(print_slip(lead, false, &job, NULL) == 200 && job > 0, "printed: the slip has a job");
    ok(printed_bytes(pr, 5000) > 200, "the printer received the slip");
    ok(slip_is(job, "done", why, sizeof why, 5000), "the print log says done");

    ok(print_slip(lead, false, NULL, &o) == 409 &&
           !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "error")), "already printed") &&
           cJSON_GetNumberValue(cJSON_GetObjectItem(o, "printed")) == 1,
       "the same visitor again: 409 already printed (1)");
    cJSON_Delete(o);
    is_int((long long)printed_bytes(pr, 300), 0, "…nothing printed");
    int64_t again = 0;
    ok(print_slip(lead, true, &again, NULL) == 200 && again > job, "\"print again\": printed");
    ok(printed_bytes(pr, 5000) > 200 && slip_is(again, "done", why, sizeof why, 5000),
       "…the second slip arrived and is logged done");

    /* Lost: the printer stops answering (the slip waits for its status)
     * and is unplugged meanwhile. */
    emu_set_printer_status(pr, false, 0x12, 0x12);
    int64_t lost = 0;
    ok(print_slip(lead, true, &lost, NULL) == 200, "a third slip is queued");
    emu_unplug(pr);
    ok(slip_is(lost, "failed", why, sizeof why, 5000) && strstr(why, "went away"),
       "unplugged before it printed: failed in the log (%s)", why);
}

/* A printer-class device in no list: never opened, reported. */
static void not_configured(struct emu *stranger)
{
    emu_plug(stranger);
    ok(printer_is("not configured", 5000), "a printer in no list: \"not configured\"");
    cJSON *d = devices_status();
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "printer"), "id")),
           STRANGER, "…with its id");
    ok(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "printer"), "present")),
       "…and not present: the kiosk offers no Print button");
    cJSON_Delete(d);
    is_int(emu_count(stranger, "ioctl"), 0, "it was never opened");
    ok(log_has("a printer, not in the allow list"), "the log says why it is not used");
}

static void write_files(void)
{
    char form[600], cat[600];
    snprintf(form, sizeof form, "%s/form.json", dir);
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    FILE *f = fopen(form, "w");
    fprintf(f, "{\"questions\": [], \"consents\": []}");
    fclose(f);
    f = fopen(cat, "w");
    fprintf(f, "[{\"id\": \"S1\", \"name\": \"Slip Supplies Ltd\", \"url\": "
               "\"https://slip.example/\", \"categories\": [\"paper\"]}]");
    fclose(f);
    f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = p\n\n[ui]\nlisten = 127.0.0.1:%d\ncatalog = %s\n\n"
            "[devices]\nallowlist = board/allowlist.txt\nrepeat_window_ms = 0\n\n"
            "[device.counter]\nusb = 04b8:0e15\npoll_ms = 200\n\n"
            "[show.p]\nname = Print Fair\nform = %s\n",
            dir, port, cat, form);
    fclose(f);
}

int main(void)
{
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    snprintf(bin, sizeof bin, "%s/matchbooth", build);
    char tmpl[] = "/tmp/mb-print-XXXXXX";
    if (!mkdtemp(tmpl)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(dir, sizeof dir, "%s", tmpl);
    snprintf(conf, sizeof conf, "%s/matchbooth.conf", dir);
    snprintf(sock, sizeof sock, "%s/control.sock", dir);
    snprintf(logpath, sizeof logpath, "%s/daemon.log", dir);
    port = 20000 + (int)((getpid() + 11) % 20000);
    write_files();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    UMockdevTestbed *tb = umockdev_testbed_new();
    struct emu *pr = emu_new(tb, EMU_PRINTER, 0x04b8, 0x0e15, 1);
    struct emu *stranger = emu_new(tb, EMU_PRINTER, 0x1fc9, 0x2016, 2);
    emu_set_printer_status(pr, true, 0x12, 0x72); /* paper out before the daemon starts */
    emu_plug(pr);
    GPid pid = start_daemon();

    checked_at_start(pr);
    cJSON *cap = NULL;
    gchar *out = NULL;
    char *argv[] = {bin,        "capture", "MECARD:N:Lam,Mei;EMAIL:mei@example.hk;;",
                    "--config", conf,      NULL};
    int status = -1;
    ok(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                    NULL) &&
           status == 0 && (cap = cJSON_Parse(out)),
       "a visitor's badge is captured");
    g_free(out);
    const char *lead = cJSON_GetStringValue(cJSON_GetObjectItem(cap, "id"));
    print_log(pr, lead ? lead : "");
    cJSON_Delete(cap);
    not_configured(stranger);

    kill(pid, SIGTERM);
    status = -1;
    for (int i = 0; i < 250 && waitpid(pid, &status, WNOHANG) != pid; i++)
        nap(20);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon stops cleanly");
    emu_remove(pr);
    emu_remove(stranger);
    emu_free(pr);
    emu_free(stranger);
    g_object_unref(tb);
    curl_global_cleanup();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("cleanup of %s failed", dir);
    return done_testing();
}
