// SPDX-License-Identifier: Apache-2.0
/*
 * daemon — `matchbooth run`: loads the config, opens the store, and wires
 * the event loop, the control socket, the scan sources, the UI and the sync
 * worker together. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads the
 * config (a bad new config is refused and the old one kept). Under systemd
 * it reports READY=1 and pings the watchdog.
 */
#ifndef MB_DAEMON_H
#define MB_DAEMON_H

struct cli_args;

/* The `run` command. Returns the exit status (0 after a clean stop). */
int daemon_main_cli(const struct cli_args *a);

#endif
