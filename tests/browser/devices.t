#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP wrapper: the admin page's printer state and "Enable scanner", the
# kiosk's print log (devices.test.js), in Debian's chromium through
# playwright-core against the daemon under umockdev (tests/usb/bed). Skips
# (never fails) only when the tools are not installed at all; `make check`
# installs them (board/install-deps.sh).
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 ||
	[ ! -d "$dir/node_modules/playwright-core" ] || ! command -v umockdev-run >/dev/null 2>&1; then
	echo "1..0 # SKIP chromium, node, umockdev or playwright-core missing (run make deps)"
	exit 0
fi
exec node "$dir/devices.test.js"
