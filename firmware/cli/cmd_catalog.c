// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_catalog — import and search the supplier catalog from the command
 * line. Both open the store file directly (WAL lets the daemon run on).
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"
#include "ui/catalog.h"

int cmd_catalog_import(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, true);
    struct err e = {0};
    int n = 0, rc = 1;
    if (s && catalog_import_file(s, a->argv[0], &n, &e) < 0)
        cli_fail(a, "%s", e.msg);
    else if (s) {
        printf("imported %d suppliers\n", n);
        rc = 0;
    }
    store_close(s);
    config_free(cfg);
    return rc;
}

int cmd_catalog_search(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, true);
    struct err e = {0};
    cJSON *out = NULL;
    int rc = 1;
    const char *lang = cli_opt(a, "lang");
    if (s && catalog_search(s, a->argv[0], lang ? lang : "en", 50, &out, &e) < 0)
        cli_fail(a, "%s", e.msg);
    else if (s) {
        const cJSON *it;
        cJSON_ArrayForEach(it, out)
        {
            printf("%s\t%s\t%s\n", cJSON_GetObjectItem(it, "id")->valuestring,
                   cJSON_GetObjectItem(it, "country")->valuestring,
                   cJSON_GetObjectItem(it, "name")->valuestring);
        }
        rc = 0;
    }
    cJSON_Delete(out);
    store_close(s);
    config_free(cfg);
    return rc;
}
