#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP wrapper: the kiosk's layouts at 1280x800, 1080x1920 and 800x480 in
# three languages, checked from element boxes, with screenshots
# (layout.test.js). Skips (never fails) only when the tools are not
# installed at all; `make check` installs them (board/install-deps.sh).
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 ||
	[ ! -d "$dir/node_modules/playwright-core" ]; then
	echo "1..0 # SKIP chromium, node or playwright-core missing (run make deps)"
	exit 0
fi
exec node "$dir/layout.test.js"
