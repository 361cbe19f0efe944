#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install.t — `make install PREFIX=/usr DESTDIR=…` lays files out the way a
# Debian package does, and the installed binary runs.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/mb-install-XXXXXX)
n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
make -s -C "$root" install PREFIX=/usr DESTDIR="$dest" BUILD="${MB_BUILD:-$root/build}" >/dev/null 2>&1
check '[ -x "$dest/usr/bin/matchbooth" ]' "binary in /usr/bin"
check '[ -f "$dest/etc/matchbooth/matchbooth.conf" ]' "default config in /etc/matchbooth"
check '[ -d "$dest/var/lib/matchbooth" ]' "state directory /var/lib/matchbooth"
check '[ -f "$dest/usr/share/matchbooth/demo/matchbooth.conf" ]' "demo data in /usr/share/matchbooth"
check '[ -f "$dest/usr/share/doc/matchbooth/ARCHITECTURE.md" ]' "docs in /usr/share/doc/matchbooth"
check '"$dest/usr/bin/matchbooth" --version | grep -q "^matchbooth "' "installed binary runs"
check '"$dest/usr/bin/matchbooth" config check --config "$dest/etc/matchbooth/matchbooth.conf" 2>&1 | grep -q "no show is set"' \
	"installed default config parses (and asks for a show)"
rm -rf "$dest"
echo "1..$n"
exit $fail
