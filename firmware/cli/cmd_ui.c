// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_ui — the admin PIN from the command line. The PIN is read from stdin
 * (one line), never from argv, so it does not show in `ps` or the shell
 * history; only its PBKDF2 hash is kept.
 */
#include "firmware/cli/cmd.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"
#include "ui/pin.h"

int cmd_ui_pin(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    char pin[128] = "", hash[PIN_HASH_MAX];
    struct err e = {0};
    int rc = 1;
    struct store *s = NULL;
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "new admin PIN (4 to 64 characters): ");
    if (!fgets(pin, sizeof pin, stdin)) {
        cli_fail(a, "no PIN on standard input");
        goto out;
    }
    pin[strcspn(pin, "\r\n")] = '\0';
    if (pin_hash(pin, hash, sizeof hash, &e) < 0) {
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    if (cli_flag(a, "print")) {
        printf("admin_pin_hash = %s\n", hash);
        rc = 0;
        goto out;
    }
    char *path = cli_store_path(cfg);
    s = path ? store_open(path, &e) : NULL;
    free(path);
    if (!s || pin_save(s, hash, &e) < 0) {
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    if (config_str(cfg, "ui", "admin_pin_hash")[0])
        fprintf(stderr, "note: [ui] admin_pin_hash is set in %s and takes precedence\n",
                config_file(cfg));
    fprintf(stderr, "admin PIN saved (hashed) in the lead store\n");
    rc = 0;
out:
    OPENSSL_cleanse(pin, sizeof pin);
    store_close(s);
    config_free(cfg);
    return rc;
}
