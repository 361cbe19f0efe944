// SPDX-License-Identifier: Apache-2.0
/*
 * test_afile — the one atomic-file writer: the target is the old file or the
 * whole new one, the mode is applied, nothing is left behind on failure, the
 * three temporary-name forms, release/commit for writers that take a path,
 * and a full disk reported as ERR_FULL (on /dev/full, the kernel's own
 * ENOSPC device).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "tests/tap.h"

static char dir[64];

static char *slurp(const char *path)
{
    static char data[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(data, 1, sizeof data - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

/* Number of directory entries other than . and .. */
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    struct err e = {0};
    char path[128], tmpl[160];
    snprintf(dir, sizeof dir, "/tmp/mb-test-afile-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/out.txt", dir);

    ok(afile_replace(path, NULL, 0640, "one", 3, &e) == 0, "replace creates the file");
    is_str(slurp(path), "one", "with its bytes");
    struct stat st;
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "with the mode asked for");

    struct afile f;
    ok(afile_open(&f, path, NULL, 0600, &e) == 0, "open a second version");
    ok(afile_write(&f, "two", 3, &e) == 0, "write it");
    is_str(slurp(path), "one", "the target is unchanged before commit");
    ok(strstr(f.tmp, "/.out.txt.") != NULL, "the default temporary name is hidden, next to it");
    afile_abort(&f);
    is_str(slurp(path), "one", "abort keeps the old file");
    is_int(entries(), 1, "and leaves no temporary file");
    afile_abort(&f); /* a second abort is harmless */

    snprintf(tmpl, sizeof tmpl, "%s/out.txt.enrol-XXXXXX", dir);
    ok(afile_open(&f, path, tmpl, 0600, &e) == 0 && strstr(f.tmp, ".enrol-") &&
           !strstr(f.tmp, "XXXXXX"),
       "a template is filled in");
    ok(afile_write(&f, "three", 5, &e) == 0 && afile_commit(&f, &e) == 0, "commit");
    is_str(slurp(path), "three", "the target is the new file");
    is_int(entries(), 1, "no temporary file after commit");
    afile_abort(&f); /* after commit: a no-op */
    is_str(slurp(path), "three", "abort after commit changes nothing");

    snprintf(tmpl, sizeof tmpl, "%s/.fixed.tmp", dir);
    ok(afile_open(&f, path, tmpl, 0600, &e) == 0, "a fixed temporary name");
    struct afile g;
    ok(afile_open(&g, path, tmpl, 0600, &e) < 0 && e.code == ERR_IO,
       "a fixed name that exists is refused");
    afile_abort(&f);

    ok(afile_open(&f, path, NULL, 0600, &e) == 0 && afile_release(&f, &e) == 0,
       "release the descriptor");
    FILE *w = fopen(f.tmp, "w");
    if (w) {
        fputs("four", w);
        fclose(w);
    }
    ok(afile_commit(&f, &e) == 0, "commit reopens a file written by path");
    is_str(slurp(path), "four", "and installs it");

    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x", dir);
    ok(afile_replace(missing, NULL, 0600, "x", 1, &e) < 0 && e.code == ERR_IO &&
           strstr(e.msg, "No such file"),
       "a missing directory is ERR_IO with the system's text: %s", e.msg);
    ok(afile_open(&f, dir, NULL, 0600, &e) < 0 && e.code == ERR_INVALID,
       "a directory is not a file to replace");
    char trailing[80];
    snprintf(trailing, sizeof trailing, "%s/", dir);
    ok(afile_open(&f, trailing, NULL, 0600, &e) < 0 && e.code == ERR_INVALID,
       "a path ending in / is refused");

    ok(afile_replace("/dev/null", NULL, 0600, "x", 1, &e) < 0 && e.code == ERR_INVALID,
       "a device node is never replaced: %s", e.msg);
    struct stat dn;
    ok(stat("/dev/null", &dn) == 0 && S_ISCHR(dn.st_mode), "and /dev/null is still a device");
    char link[160];
    snprintf(link, sizeof link, "%s/link", dir);
    ok(symlink(path, link) == 0 && afile_replace(link, NULL, 0600, "x", 1, &e) < 0 &&
           e.code == ERR_INVALID,
       "a symlink is not replaced");
    unlink(link);

    /* /dev/full fails every write with ENOSPC: the full-disk path. */
    ok(afile_open(&f, "/dev/full-target", "/dev/full", 0600, &e) < 0, "an existing fixed name");
    f.fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    f.tmp[0] = '\0'; /* never unlink /dev/full */
    ok(f.fd >= 0 && afile_write(&f, "x", 1, &e) < 0 && e.code == ERR_FULL,
       "a full disk is ERR_FULL: %s", e.msg);
    afile_abort(&f);

    unlink(path);
    rmdir(dir);
    return done_testing();
}
