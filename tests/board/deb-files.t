#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# deb-files.t — the package holds what `make install PREFIX=/usr` installs,
# and only that plus what Debian asks for, so the two ways of installing
# cannot drift apart (debian/rules uses `make install`, but the systemd units
# and udev rules reach the package through dh_installsystemd and
# dh_installudev, and dh_compress renames documents):
#   - the same files, after undoing dh_compress's .gz, except that the
#     package has no /var/lib/matchbooth (postinst makes it; purge keeps it)
#     and adds copyright, changelog and matchbooth.conf.example to the docs;
#   - the units, udev rules, kiosk files, metainfo and demo data are the same
#     bytes and modes; the executables are executable in both;
#   - no Python script ships (the demo catalog's generator stays in the tree);
#   - the conffiles are exactly the files under /etc.
# Needs the .deb (make deb) and the build (make); no root.
set -u
# shellcheck source=tests/board/tap.sh
. "$(dirname "$0")/tap.sh"
deb_under_test
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" install PREFIX=/usr DESTDIR="$tmp/inst" \
	BUILD="$build" >"$tmp/make.log" 2>&1
rc=$?
ok $rc "make install PREFIX=/usr DESTDIR=…"
[ $rc -eq 0 ] || { sed 's/^/# /' "$tmp/make.log" | tail -20; bail "make install failed"; }
mkdir "$tmp/pkg"
dpkg-deb -x "$deb" "$tmp/pkg"
ok $? "dpkg-deb -x $(basename "$deb")"

files() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort); }
# dh_compress's renaming undone, for the comparison.
files "$tmp/pkg" | sed -E 's#^(/usr/share/(doc|man)/.*)\.gz$#\1#' >"$tmp/pkg.list"
{
	files "$tmp/inst" | grep -v '^/var/'
	printf '%s\n' /usr/share/doc/matchbooth/copyright /usr/share/doc/matchbooth/changelog \
		/usr/share/doc/matchbooth/matchbooth.conf.example
} | sort >"$tmp/inst.list"
diff -u "$tmp/inst.list" "$tmp/pkg.list" >"$tmp/diff"
ok $? "the package's files are make install's, plus copyright, changelog, the example config ($(wc -l <"$tmp/pkg.list") files)"
grep '^[-+]/' "$tmp/diff" | sed -e 's/^-/# only in make install: /' -e 's/^+/# only in the package: /'
[ -d "$tmp/inst/var/lib/matchbooth" ] && [ ! -e "$tmp/pkg/var" ]
ok $? "make install makes /var/lib/matchbooth, the package does not ship it"

same=0
differ=0
while read -r f; do
	case "$f" in
	/usr/bin/matchbooth) continue ;;                   # stripped by dh_strip
	/etc/matchbooth/matchbooth.conf) continue ;;        # the device's config
	/usr/share/doc/* | /usr/share/man/*) continue ;;    # compressed
	esac
	[ -e "$tmp/pkg$f" ] || continue
	if cmp -s "$tmp/inst$f" "$tmp/pkg$f" &&
		[ "$(stat -c %a "$tmp/inst$f")" = "$(stat -c %a "$tmp/pkg$f")" ]; then
		same=$((same + 1))
	else
		echo "# differs: $f (mode $(stat -c %a "$tmp/inst$f") vs $(stat -c %a "$tmp/pkg$f"))"
		differ=$((differ + 1))
	fi
done <"$tmp/inst.list"
[ "$differ" -eq 0 ] && [ "$same" -gt 10 ]
ok $? "units, udev rules, kiosk files, metainfo, demo data: same bytes and modes ($same same, $differ differ)"
for f in /lib/systemd/system/matchbooth.service /lib/udev/rules.d/70-matchbooth.rules \
	/lib/udev/rules.d/99-matchbooth-usb-export.rules /lib/systemd/system/matchbooth-usb-export@.service; do
	[ -f "$tmp/pkg$f" ] && cmp -s "$tmp/inst$f" "$tmp/pkg$f"
	ok $? "$f from dh_installsystemd/dh_installudev is make install's"
done
cmp -s "$top/board/device.conf" "$tmp/pkg/etc/matchbooth/matchbooth.conf" &&
	cmp -s "$top/board/matchbooth.conf" "$tmp/pkg/usr/share/doc/matchbooth/matchbooth.conf.example"
ok $? "the package's config is board/device.conf, the documented one is the example"
[ -x "$tmp/pkg/usr/bin/matchbooth" ] && [ -x "$tmp/pkg/usr/lib/matchbooth/kiosk-browser" ]
ok $? "the programs are executable"

py=$(cd "$tmp/pkg" && grep -rlI '^#!.*python' . 2>/dev/null)
[ -z "$py" ]
ok $? "no Python script in the package (no python3 dependency needed) $py"

conffiles=$(dpkg-deb --info "$deb" conffiles 2>/dev/null | sort)
etc=$(cd "$tmp/pkg" && find ./etc -type f | sed 's|^\.||' | sort)
[ -n "$etc" ] && [ "$conffiles" = "$etc" ]
ok $? "the conffiles are the files under /etc: $(echo $conffiles)"
done_testing
