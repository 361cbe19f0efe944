/*
 * cmd_ui — `matchbooth ui pin`: sets the admin PIN of the kiosk's web UI
 * (kept hashed in the lead store, or printed for [ui] admin_pin_hash).
 */
#ifndef MB_CMD_UI_H
#define MB_CMD_UI_H

struct cli_args;

int cmd_ui_pin(const struct cli_args *a);

#endif
