// SPDX-License-Identifier: Apache-2.0
/*
 * test_export — the export module on a real SQLite store filled through the
 * store API (scans, notes, answers, consents, sinks): CSV rows and sync
 * state, formula neutralisation and quoting, vCard folding of long UTF-8
 * lines, the JSON list decoder, time formatting, time zones (and that TZ is
 * restored), atomic files on a full disk (RLIMIT_FSIZE in a child), XLSX
 * through a file descriptor, and the import checks.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/export/export.h"
#include "firmware/export/export_format.h"
#include "firmware/store/store.h"
#include "firmware/store/store_import.h"
#include "tests/tap.h"

static char dir[] = "/tmp/mb-test-export-XXXXXX";

static char *lead_with(struct store *s, const char *name, const char *company, const char *email,
                       int64_t when_ms)
{
    struct lead_fields f = {0};
    f.format = strdup("mecard");
    f.full_name = strdup(name);
    f.company = company ? strdup(company) : NULL;
    strv_push(&f.emails, email);
    strv_push(&f.phones, "+85291234567");
    char payload[256];
    snprintf(payload, sizeof payload, "MECARD:N:%s;EMAIL:%s;;", name, email);
    struct store_scan sc = {.show_id = "hkef",
                            .source = LEAD_SRC_SCANNER,
                            .payload = (const uint8_t *)payload,
                            .len = strlen(payload),
                            .fields = &f};
    sc.when.real_ms = when_ms;
    sc.when.trusted = true;
    snprintf(sc.when.boot_id, sizeof sc.when.boot_id, "boot");
    struct store_scan_result res;
    struct err e = {0};
    int r = store_scan_add(s, &sc, &res, &e);
    lead_fields_free(&f);
    if (r < 0) {
        diag("scan: %s", e.msg);
        return NULL;
    }
    return strdup(res.lead_id);
}

/* Runs an export into a temporary file and returns its bytes. */
static int export_to_buf(struct store *s, struct export_request *r, struct buf *out, struct err *e)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fd-out", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int rc = export_write_fd(s, r, fd, NULL, e);
    lseek(fd, 0, SEEK_SET);
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        buf_add(out, chunk, (size_t)n);
    close(fd);
    unlink(path);
    return rc;
}

static int count_lines(const char *s, const char *eol)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, eol)); p += strlen(eol))
        n++;
    return n;
}

static int collect(const char *s, void *ud)
{
    struct buf *b = ud;
    buf_adds(b, s);
    buf_addc(b, '|');
    return 0;
}

static int dir_entries(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
    if (dp)
        closedir(dp);
    return n;
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    char dbpath[256];
    snprintf(dbpath, sizeof dbpath, "%s/leads.db", dir);
    struct err e = {0};
    struct store *s = store_open(dbpath, &e);
    ok(s != NULL, "store opens (%s)", e.msg);
    store_show_ensure(s, "hkef", "HK Fair", "Asia/Hong_Kong", &e);
    struct strv sinks = {0};
    strv_push(&sinks, "crm");
    store_set_sinks(s, &sinks);
    strv_free(&sinks);

    const int64_t t0 = 1795000000000; /* 2026-11-18T11:06:40Z */
    char *a = lead_with(s, "Jane Doe", "=cmd|' /C calc'!A0", "jane@acme.example", t0);
    char *b = lead_with(s, "張偉", "Acme, \"Asia\" Ltd", "zhang@example.cn", t0 + 60000);
    char *c = lead_with(s, "प्रिया",
                        "\xff\xfe"
                        "Bad bytes",
                        "priya@example.in", t0 + 120000);
    ok(a && b && c, "three leads captured");
    /* A re-scan of Jane: one lead, two scans. */
    free(lead_with(s, "Jane Doe", NULL, "jane@acme.example", t0 + 300000));
    ok(store_note_set(s, a, "amy", "call back\nMonday", 4, NULL, &e) == 0, "note by amy");
    ok(store_note_set(s, a, "bob", "+1 for demo", 0, NULL, &e) == 0, "note by bob");
    ok(store_answer_set(s, b, "volume", "\"large\"", &e) == 0, "answer");
    ok(store_answer_set(s, b, "gone", "[\"x\",\"y\"]", &e) == 0,
       "answer to a question not in the form");
    ok(store_consent_set(s, c, "contact", true, "2026-09-01", "hi", &e) == 0, "consent");

    cJSON *form = cJSON_Parse("{\"languages\":[\"en\"],\"questions\":[{\"id\":\"volume\","
                              "\"text\":{\"en\":\"Volume?\"},\"choices\":[{\"id\":\"large\","
                              "\"text\":{\"en\":\"1,000 or more\"}}]}],\"consents\":[]}");
    struct export_request r = {.format = "csv",
                               .show = "hkef",
                               .since_ms = INT64_MIN,
                               .until_ms = INT64_MAX,
                               .timezone = "Asia/Hong_Kong",
                               .form = form};
    setenv("TZ", "Europe/Paris", 1);
    struct buf out = {0};
    ok(export_to_buf(s, &r, &out, &e) == 0, "csv export (%s)", e.msg);
    is_str(getenv("TZ"), "Europe/Paris", "TZ is restored after the export");
    const char *csv = out.data ? out.data : "";
    ok(!memcmp(csv, "\xef\xbb\xbf", 3), "csv: BOM");
    is_int(count_lines(csv, "\r\n"), 4, "csv: header + one row per lead (a re-scan is no row)");
    ok(strstr(csv, ",Sync: crm\r\n") != NULL, "csv: a sync column per sink");
    ok(strstr(csv, ",pending\r\n") != NULL, "csv: the lead's outbox state");
    ok(strstr(csv, ",'=cmd|' /C calc'!A0,") != NULL, "csv: formula neutralised");
    ok(strstr(csv, ",\"Acme, \"\"Asia\"\" Ltd\",") != NULL, "csv: RFC 4180 quoting");
    ok(strstr(csv, ",'+85291234567,") != NULL, "csv: a leading + is neutralised too");
    ok(strstr(csv, ",\xef\xbf\xbd\xef\xbf\xbd"
                   "Bad bytes,") != NULL,
       "csv: invalid UTF-8 from a badge becomes U+FFFD");
    ok(export_utf8_valid(csv, strlen(csv)), "csv: the whole file is valid UTF-8");
    ok(strstr(csv, ",Volume?,gone,") != NULL, "csv: question title, then unknown question");
    ok(strstr(csv, ",1,000 or more") == NULL && strstr(csv, ",\"1,000 or more\",") != NULL,
       "csv: the choice label, quoted");
    ok(strstr(csv, ",x; y,") != NULL, "csv: list answers joined");
    ok(strstr(csv, ",2,2026-11-18 19:06:40,2026-11-18 11:06:40,2026-11-18 19:11:40,") != NULL,
       "csv: scans, first and last seen in Hong Kong time and UTC");
    ok(strstr(csv, "\"call back\nMonday\",4,,'+1 for demo,,") != NULL,
       "csv: notes and ratings per operator");

    /* Time range: [since, until). */
    buf_reset(&out);
    r.since_ms = t0 + 60000;
    r.until_ms = t0 + 120000;
    export_to_buf(s, &r, &out, &e);
    is_int(count_lines(out.data, "\r\n"), 2, "csv: --since/--until select one lead");
    r.since_ms = INT64_MIN;
    r.until_ms = INT64_MAX;

    /* vCard: a long UTF-8 line folded at 75 octets, never inside a character. */
    struct buf longname = {0};
    for (int i = 0; i < 40; i++)
        buf_adds(&longname, "長");
    char *d = lead_with(s, longname.data, "Company; with, specials\\", "long@example.cn", t0 + 1);
    buf_free(&longname);
    r.format = "vcf";
    buf_reset(&out);
    ok(export_to_buf(s, &r, &out, &e) == 0, "vcf export (%s)", e.msg);
    bool short_lines = true, whole_chars = true;
    for (char *p = out.data; p && *p;) {
        char *eol = strstr(p, "\r\n");
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        short_lines &= n <= 75;
        whole_chars &= export_utf8_valid(p, n);
        p += n + (eol ? 2 : 0);
    }
    ok(short_lines, "vcf: every line at most 75 octets");
    ok(whole_chars, "vcf: every physical line is whole UTF-8");
    ok(strstr(out.data, "ORG:Company\\; with\\, specials\\\\\r\n") != NULL, "vcf: escaping");
    is_int(count_lines(out.data, "BEGIN:VCARD\r\n"), 4, "vcf: one card per lead");

    /* NDJSON. */
    r.format = "ndjson";
    buf_reset(&out);
    ok(export_to_buf(s, &r, &out, &e) == 0, "ndjson export");
    is_int(count_lines(out.data, "\n"), 4, "ndjson: one line per lead");
    cJSON *first = cJSON_Parse(out.data);
    ok(first && cJSON_GetArraySize(cJSON_GetObjectItem(first, "scans")) == 2,
       "ndjson: the re-scanned lead has both raw scans");
    ok(store_import_check(first, &e) == 0, "ndjson: a line passes the import check");
    cJSON_Delete(first);
    /* Import into a second store, queued for its sink; twice: nothing new. */
    char db2[300];
    snprintf(db2, sizeof db2, "%s/second.db", dir);
    struct store *s2 = store_open(db2, &e);
    struct strv qs = {0};
    strv_push(&qs, "hq-crm");
    for (int round = 0; round < 2; round++) {
        struct store_import *im = store_import_begin(s2, "test.ndjson", &qs, &e);
        cJSON *lines[8];
        size_t nl = 0;
        for (char *p = out.data; p && *p && nl < 8;) {
            char *nlp = strchr(p, '\n');
            lines[nl++] = cJSON_ParseWithLength(p, (size_t)(nlp - p));
            p = nlp + 1;
        }
        ok(im && store_import_batch(im, lines, nl, &e) == 0, "import round %d (%s)", round + 1,
           e.msg);
        struct store_import_stats st = store_import_stats(im);
        is_int(st.added, round ? 0 : 4, round ? "second import adds nothing" : "4 leads added");
        is_int(st.queued, round ? 0 : 4, "queued once per added lead and sink");
        store_import_end(im);
        for (size_t i = 0; i < nl; i++)
            cJSON_Delete(lines[i]);
    }
    strv_free(&qs);
    struct export_request r2 = r;
    r2.format = "csv";
    struct buf out2 = {0};
    ok(export_to_buf(s2, &r2, &out2, &e) == 0 && strstr(out2.data, ",Sync: hq-crm\r\n") &&
           count_lines(out2.data, ",pending\r\n") == 4,
       "the imported leads are pending for this kiosk's sink");
    buf_free(&out2);
    store_close(s2);

    cJSON *bad = cJSON_Parse("{\"id\":\"x\",\"show\":\"s\",\"captured_at_ms\":1,"
                             "\"emails\":[1]}");
    ok(store_import_check(bad, &e) < 0 && strstr(e.msg, "emails"), "import check: bad emails");
    cJSON_Delete(bad);

    /* XLSX through a descriptor (built in tmpdir, then streamed). */
    r.format = "xlsx";
    r.tmpdir = dir;
    buf_reset(&out);
    ok(export_to_buf(s, &r, &out, &e) == 0, "xlsx export (%s)", e.msg);
    ok(out.len > 1000 && !memcmp(out.data, "PK", 2), "xlsx: a zip file");

    /* Errors. */
    r.format = "pdf";
    ok(export_to_buf(s, &r, &out, &e) < 0 && e.code == ERR_INVALID, "unknown format refused");
    r.format = "csv";
    r.timezone = "Mars/Olympus_Mons";
    ok(export_to_buf(s, &r, &out, &e) < 0 && strstr(e.msg, "time zone"), "unknown zone refused");
    r.timezone = "Asia/Hong_Kong";

    /* A full disk: the file limit makes write() fail with EFBIG. */
    char target[300], sub[280];
    snprintf(sub, sizeof sub, "%s/full", dir);
    mkdir(sub, 0700);
    snprintf(target, sizeof target, "%s/leads.csv", sub);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {200, 200};
        setrlimit(RLIMIT_FSIZE, &rl);
        struct err ce = {0};
        int rc = export_write_file(s, &r, target, NULL, &ce);
        _exit(rc < 0 && ce.code == ERR_FULL && strstr(ce.msg, "disk is full") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "full disk: ERR_FULL, a clear message");
    is_int(dir_entries(sub), 0, "full disk: no file, no temporary file left");
    struct export_result res = {0};
    ok(export_write_file(s, &r, target, &res, &e) == 0 && res.leads == 4, "atomic file export");
    struct stat sb;
    ok(stat(target, &sb) == 0 && (uint64_t)sb.st_size == res.bytes, "size reported");

    /* The JSON list decoder and the time formatter. */
    struct buf lst = {0};
    export_json_strings("[\"a\\\"b\",\"\\u00e9\\ud83d\\ude00\",\"x\\ny\"]", collect, &lst);
    is_str(lst.data, "a\"b|é😀|x\ny|", "json lists: escapes and surrogate pairs");
    buf_free(&lst);
    char tbuf[24];
    export_format_time(951782400000, tbuf);
    is_str(tbuf, "2000-02-29 00:00:00", "time: leap day");
    export_format_time(-1, tbuf);
    is_str(tbuf, "1969-12-31 23:59:59", "time: before the epoch");
    char name[64];
    export_file_name("hk/ef:2026", export_format_find("xlsx"), t0, name, sizeof name);
    is_str(name, "hk_ef_2026-20261118-110640Z.xlsx", "file name safe for FAT");

    free(a);
    free(b);
    free(c);
    free(d);
    buf_free(&out);
    cJSON_Delete(form);
    store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
