#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP wrapper: runs the kiosk's browser test (kiosk.test.js) in Debian's
# chromium through playwright-core. Skips (never fails) only when the tools
# are not installed at all; `make check` installs them (board/install-deps.sh).
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 ||
	[ ! -d "$dir/node_modules/playwright-core" ] || ! command -v zbarimg >/dev/null 2>&1; then
	echo "1..0 # SKIP chromium, node, zbarimg or playwright-core missing (run make deps)"
	exit 0
fi
exec node "$dir/kiosk.test.js"
