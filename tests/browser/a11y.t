#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP wrapper: axe-core on every screen of the kiosk in three languages and
# three screen sizes, and the accessibility behaviours axe does not check
# (a11y.test.js). Skips (never fails) only when the tools are not installed
# at all; `make check` installs them (board/install-deps.sh).
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 ||
	[ ! -d "$dir/node_modules/playwright-core" ] || [ ! -d "$dir/node_modules/axe-core" ]; then
	echo "1..0 # SKIP chromium, node, playwright-core or axe-core missing (run make deps)"
	exit 0
fi
exec node "$dir/a11y.test.js"
