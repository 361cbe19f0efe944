/*
 * cmd_card — `matchbooth card FILE.png|jpg`: feeds a business-card image
 * through the card pipeline. With a daemon running, the card is read and
 * stored by it (control command "card"); with --dry-run nothing is stored
 * and no daemon is needed: the recognised fields are printed.
 */
#ifndef MB_CMD_CARD_H
#define MB_CMD_CARD_H

struct cli_args;

int cmd_card_run(const struct cli_args *a);

#endif
