#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/integration/sync_smtp.t again, against the daemon built with
# ASan+UBSan ($MB_BUILD/asan/matchbooth, built by `make asan-tests`): any
# memory error or leak makes the daemon exit non-zero, which the test checks.
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$MB_BUILD/asan/matchbooth" ] || { echo "1..0 # SKIP no ASan build"; exit 0; }
MB_BUILD="$MB_BUILD/asan" exec "$here/../integration/sync_smtp.t"
