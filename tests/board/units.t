#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# units.t — the systemd units: `systemd-analyze verify` passes on every one
# with no warning at all (unknown keys only warn, so output fails the test),
# the daemon's unit has the settings the board relies on, and the offline
# security review rates the daemon and the enrolment oneshot "OK".
#
# verify needs the programs named in ExecStart to exist: each unit is checked
# as a temporary copy pointing at the built binary and the repository's
# kiosk-browser (cage is a Debian package, installed by install-deps). It
# needs no running systemd, so it works in a container or a chroot.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MB_BUILD:-$top/build}/matchbooth
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
if ! command -v systemd-analyze >/dev/null; then
	echo "1..0 # SKIP systemd-analyze is not installed"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=$(ls "$top"/board/systemd/*.service)
for u in $units; do
	sed -e "s|/usr/bin/matchbooth|$bin|g" \
		-e "s|/usr/lib/matchbooth/kiosk-browser|$top/board/kiosk/kiosk-browser|g" "$u" >"$tmp/${u##*/}"
done
for u in $units; do
	name=${u##*/}
	out=$(cd "$tmp" && systemd-analyze verify --man=false "$tmp/$name" 2>&1)
	rc=$?
	[ -z "$out" ] || rc=1
	ok $rc "systemd-analyze verify $name"
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
done

# A unit pointing at a missing program, or with an unknown key, must fail:
# the check above would otherwise prove nothing.
printf '[Service]\nExecStart=/nonexistent/matchbooth\n' >"$tmp/broken.service"
out=$(systemd-analyze verify --man=false "$tmp/broken.service" 2>&1)
[ $? -ne 0 ] && [ -n "$out" ]
ok $? "verify rejects a unit whose program is missing"
printf '[Service]\nExecStart=/bin/true\nWatchdogSecs=3\n' >"$tmp/typo.service"
out=$(systemd-analyze verify --man=false "$tmp/typo.service" 2>&1)
[ -n "$out" ]
ok $? "verify reports an unknown key (which the test counts as a failure)"

svc=$top/board/systemd/matchbooth.service
for want in Type=notify WatchdogSec= Restart=on-failure User=matchbooth Group=matchbooth \
	ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes ReadWritePaths=/var/lib/matchbooth \
	StateDirectory=matchbooth ConfigurationDirectory=matchbooth 'ExecStart=/usr/bin/matchbooth run' \
	'ExecReload=/bin/kill -HUP $MAINPID' DevicePolicy=closed 'CapabilityBoundingSet=$' \
	StandardError=journal; do
	grep -q "^$want" "$svc"
	ok $? "matchbooth.service: $want"
done
grep -q '^Before=matchbooth.service' "$top/board/systemd/matchbooth-enrol.service" &&
	grep -q '^Type=oneshot' "$top/board/systemd/matchbooth-enrol.service"
ok $? "enrolment is a oneshot ordered before the daemon"
k=$top/board/systemd/matchbooth-kiosk.service
grep -q '^Restart=always' "$k" && grep -q '^ExecStart=/usr/bin/cage .*kiosk-browser' "$k" &&
	grep -q '^User=matchbooth-kiosk' "$k" && grep -q '^IPAddressDeny=any' "$k"
ok $? "kiosk: cage + kiosk-browser as matchbooth-kiosk, relaunched always, no network but localhost"

for name in matchbooth.service matchbooth-enrol.service; do
	line=$(systemd-analyze security --offline=true "$tmp/$name" 2>&1 | tail -1)
	echo "$line" | grep -q ' OK '
	ok $? "security review: $line"
done
echo "1..$n"
exit $fail
