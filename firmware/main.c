/*
 * main — the matchbooth binary's entry point: everything is a subcommand
 * (see cli.c).
 */
#include "firmware/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
