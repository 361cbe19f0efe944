// SPDX-License-Identifier: Apache-2.0
/*
 * main — the matchbooth binary's entry point: everything is a subcommand
 * (see cli.c).
 */
#include <string.h>

#include "firmware/cli/cli.h"
#include "firmware/card/ocr.h"

int main(int argc, char **argv)
{
    /* The commands that run Tesseract need OMP_THREAD_LIMIT=1 in the
     * environment before libgomp's constructor (ocr.h): they re-execute
     * themselves with it once. The others do not pay for the exec. */
    if (argc > 1 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "card")))
        ocr_env_ensure(argv);
    return cli_main(argc, argv);
}
