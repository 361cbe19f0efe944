// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_enrol — `matchbooth enrol [FILE]`.
 *
 * Without FILE it looks for the enrolment file on the boot partition
 * (enrol_boot_files, under --root if given) and does nothing, successfully,
 * when there is none: that is every boot but the first. The destination is
 * the config the daemon reads (--config, $MATCHBOOTH_CONFIG or the default).
 */
#include "firmware/cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/config/enrol.h"

int cmd_enrol_run(const struct cli_args *a)
{
    const char *dest = config_path(a->config);
    char *src = a->argc > 0 ? NULL : enrol_find(cli_opt(a, "root"));
    const char *from = a->argc > 0 ? a->argv[0] : src;
    if (!from) {
        printf("no enrolment file (");
        for (const char *const *f = enrol_boot_files; *f; f++)
            printf("%s%s%s", f == enrol_boot_files ? "" : ", ",
                   cli_opt(a, "root") ? cli_opt(a, "root") : "", *f);
        printf("): nothing to do\n");
        return 0;
    }
    struct err e = {0};
    int rc = enrol_apply(from, dest, !cli_flag(a, "keep"), &e);
    if (rc < 0) {
        int r = cli_fail(a, "%s (nothing was changed)", e.msg);
        free(src);
        return r;
    }
    printf("enrolled: %s installed as %s%s\n", from, dest,
           cli_flag(a, "keep") ? ""
           : rc == 0           ? ", and removed"
                               : "");
    if (rc > 0)
        fprintf(stderr, "matchbooth enrol: warning: %s\n", e.msg);
    printf("a running daemon picks it up with `systemctl restart matchbooth`\n");
    free(src);
    return 0;
}
