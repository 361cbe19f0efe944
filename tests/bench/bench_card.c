// SPDX-License-Identifier: Apache-2.0
/*
 * bench_card — time per business card through the card reader (zbar, then
 * Leptonica cleanup, Tesseract with the warm engine, the field rules), for
 * English cards with "eng" and Chinese cards with "chi_tra"/"chi_sim" +
 * English, against baselines measured in the same run on the same images:
 *   - the `tesseract` command line (package tesseract-ocr), which loads its
 *     models for every card, as a script would, with OMP_THREAD_LIMIT=1;
 *   - the same command line with OpenMP left at its default, to show what
 *     the OMP_THREAD_LIMIT=1 re-execution in main() buys.
 * Targets (issue 9): under 0.5 s per English card, under 1 s per English +
 * Chinese card, on this machine.
 *
 * Usage: bench_card [CARDS_DIR] [ROUNDS]   (default tests/cards, 1)
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firmware/card/card.h"
#include "firmware/card/ocr.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the tesseract CLI on path; returns seconds, or -1 if it failed. */
static double tesseract_cli(const char *path, const char *langs, const char *omp_limit)
{
    fflush(stdout); /* or the child's freopen writes our buffer out again */
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        if (omp_limit)
            setenv("OMP_THREAD_LIMIT", omp_limit, 1);
        else
            unsetenv("OMP_THREAD_LIMIT");
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("tesseract", "tesseract", path, "-", "-l", langs, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_s() - t0;
}

struct set {
    const char *name, *match, *langs, *cli_langs;
    double target_s;
};

int main(int argc, char **argv)
{
    ocr_env_ensure(argv);
    const char *dir = argc > 1 ? argv[1] : "tests/cards";
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    static const struct set sets[] = {
        {"English", "-en-", "eng", "eng", 0.5},
        {"Trad. Chinese + English", "-zh_hant-", "chi_tra", "chi_tra+eng", 1.0},
        {"Simpl. Chinese + English", "-zh_hans-", "chi_sim", "chi_sim+eng", 1.0},
    };
    bool have_cli = system("command -v tesseract >/dev/null 2>&1") == 0;
    int fails = 0;
    printf("%-26s %6s %12s %14s %16s %8s\n", "cards", "n", "matchbooth", "tesseract CLI",
           "CLI, OpenMP on", "ratio");
    for (size_t si = 0; si < sizeof sets / sizeof sets[0]; si++) {
        const struct set *S = &sets[si];
        struct err e = {0};
        double t0 = now_s();
        struct card_reader *r = card_reader_new(S->langs, &e);
        double init = now_s() - t0;
        if (!r) {
            printf("%s: %s\n", S->name, e.msg);
            fails++;
            continue;
        }
        DIR *d = opendir(dir);
        struct dirent *de;
        char files[64][512];
        int n = 0;
        while (d && (de = readdir(d)) && n < 64)
            if (strstr(de->d_name, S->match) && !strstr(de->d_name, ".json"))
                snprintf(files[n++], sizeof files[0], "%s/%s", dir, de->d_name);
        if (d)
            closedir(d);
        /* Read every card once to warm caches, then time `rounds` rounds. */
        double ours = 0, cli = 0, cli_omp = 0;
        int timed = 0, cli_n = 0;
        bool coded[64] = {false};
        for (int round = 0; round <= rounds; round++)
            for (int i = 0; i < n; i++) {
                PIX *pix = pixRead(files[i]);
                struct card_read rd = {0};
                double t = now_s();
                int rc = pix ? card_reader_read(r, pix, NULL, &rd, &e) : -1;
                t = now_s() - t;
                /* Cards with a QR code skip OCR: not what is measured here. */
                coded[i] = rd.coded;
                pixDestroy(&pix);
                card_read_free(&rd);
                if (rc < 0 || coded[i])
                    continue;
                if (round > 0) {
                    ours += t;
                    timed++;
                }
            }
        /* The CLI baselines once per card (they load the models each time). */
        for (int i = 0; have_cli && i < n; i++) {
            if (coded[i])
                continue;
            double a = tesseract_cli(files[i], S->cli_langs, "1");
            double b = tesseract_cli(files[i], S->cli_langs, NULL);
            if (a > 0 && b > 0) {
                cli += a;
                cli_omp += b;
                cli_n++;
            }
        }
        double per = timed ? ours / timed : 0;
        printf("%-26s %6d %9.0f ms %11.0f ms %13.0f ms %7.1fx\n", S->name,
               timed / (rounds > 0 ? rounds : 1), per * 1e3, cli_n ? cli / cli_n * 1e3 : 0,
               cli_n ? cli_omp / cli_n * 1e3 : 0, cli_n && per > 0 ? (cli / cli_n) / per : 0);
        printf("  (engine load once: %.0f ms; target %.1f s per card: %s)\n", init * 1e3,
               S->target_s, per < S->target_s ? "met" : "MISSED");
        card_reader_free(r);
    }
    if (!have_cli)
        printf("tesseract CLI not installed (package tesseract-ocr): no baseline\n");
    return fails ? 1 : 0;
}
