#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# udev.t — the udev rules generated from the allow list: every VID:PID of the
# list (board/allowlist.txt, or a sample in its documented format while the
# USB branch is not merged) gets its USB, hidraw, tty and usbmisc nodes given
# to group matchbooth, mode 0660; no rule matches anything but an allow-listed
# vendor; vendor-wide '*' entries match every product; a malformed line
# stops the generator with FILE:LINE; the rules built for the package are
# the ones the current list gives. The AppStream metadata made from the same
# list (gen-rules.sh --metainfo) passes appstreamcli validate (AppStream's
# reference tool) and provides exactly the listed devices as modaliases.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
gen=$top/board/udev/gen-rules.sh
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
list=$top/board/allowlist.txt
if [ ! -f "$list" ]; then
	list=$tmp/allowlist.txt
	cat >"$list" <<'EOF2'
# sample in the documented format: VID:PID DRIVER [KEY=VALUE ...]
0c2e:0B61  hidpos  model="Honeywell Voyager 1450g (HID POS)"
05e0:1200	wedge   model="Zebra LS2208" suffix=enter   # trailing comment
04b8:*     escpos  model="any Epson" qr=native
EOF2
fi
sh "$gen" "$list" >"$tmp/rules"
ok $? "rules generated from $(basename "$list")"

ids=$(sed 's/#.*//' "$list" | awk 'NF { print tolower($1) }' | sort -u)
count=$(echo "$ids" | grep -c .)
missing=0
for id in $ids; do
	vid=${id%%:*} pid=${id#*:}
	if [ "$pid" = "*" ]; then
		m="ATTR{idVendor}==\"$vid\", GROUP"
	else
		m="ATTR{idVendor}==\"$vid\", ATTR{idProduct}==\"$pid\", GROUP"
	fi
	grep -F 'ENV{DEVTYPE}=="usb_device"' "$tmp/rules" | grep -qF "$m" || { echo "# no usb_device rule for $id"; missing=1; }
	for sub in hidraw tty usbmisc; do
		grep -F "SUBSYSTEM==\"$sub\"" "$tmp/rules" | grep -qF "ATTRS{idVendor}==\"$vid\"" ||
			{ echo "# no $sub rule for $id"; missing=1; }
	done
done
ok $missing "each of the $count allow-listed devices has its usb_device, hidraw, tty and usbmisc rules"

rules=$(grep -v '^#' "$tmp/rules" | grep -v '^$' | grep -v '^ACTION=="remove"' | grep -v '^LABEL=')
echo "$rules" | grep -v 'ATTRS\?{idVendor}=="[0-9a-f]\{4\}"' | grep -q .
[ $? -ne 0 ]
ok $? "every rule matches an allow-listed vendor id (nothing else is given away)"
echo "$rules" | grep -v 'GROUP="matchbooth", MODE="0660"$' | grep -q .
[ $? -ne 0 ]
ok $? "every rule gives group matchbooth, mode 0660, and nothing more"
! grep -v '^#' "$tmp/rules" | grep -q 'uaccess\|0666\|RUN\|OWNER'
ok $? "no uaccess, world access, RUN or OWNER"
[ "$(grep -c 'ENV{DEVTYPE}=="usb_device"' "$tmp/rules")" -eq "$count" ]
ok $? "one usb_device rule per allow-listed entry ($count)"

if grep -q '^[0-9a-fA-F]\{4\}:\*' "$list"; then
	grep -q 'ATTR{idVendor}=="[0-9a-f]\{4\}", GROUP' "$tmp/rules"
	ok $? "a vendor-wide entry matches every product of the vendor"
fi

printf '0c2e:0b61 hidpos\nzebra:1200 wedge\n' >"$tmp/bad.txt"
err=$(sh "$gen" "$tmp/bad.txt" 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] && echo "$err" | grep -q 'bad.txt:2:'
ok $? "a malformed line stops the generator with file:line ($err)"

sh "$gen" /dev/null | grep -q '^SUBSYSTEM'
[ $? -ne 0 ]
ok $? "an empty list gives no device to anyone"

built=${MB_BUILD:-$top/build}/udev/70-matchbooth.rules
if [ -f "$top/board/allowlist.txt" ] && [ -f "$built" ]; then
	sh "$gen" "$top/board/allowlist.txt" | cmp -s - "$built"
	ok $? "the built rules are those of the current allow list"
fi

# AppStream metadata from the same list.
validate() { # FILE: appstreamcli's verdict, errors and warnings count
	out=$(appstreamcli validate --no-net "$1" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
	return $rc
}
sh "$gen" --metainfo "$list" >"$tmp/metainfo.xml"
ok $? "metainfo generated from $(basename "$list")"
if command -v appstreamcli >/dev/null; then
	validate "$tmp/metainfo.xml"
	ok $? "appstreamcli validate accepts it"
	sh "$gen" --metainfo /dev/null >"$tmp/empty.xml" && validate "$tmp/empty.xml"
	ok $? "and the metainfo of an empty list (no <provides> at all)"
	# The check must be able to fail: an empty <provides> is a warning.
	sed 's|</component>|  <provides></provides>\n</component>|' "$tmp/empty.xml" >"$tmp/bad.xml"
	appstreamcli validate --no-net "$tmp/bad.xml" >/dev/null 2>&1
	[ $? -ne 0 ]
	ok $? "appstreamcli rejects an empty <provides> (so the check above can fail)"
else
	ok 1 "appstreamcli is not installed (board/install-deps.sh test)"
fi
# The modaliases, back to lower-case VID:PID, are the list's entries.
got=$(sed -n 's|.*<modalias>usb:v\([0-9A-F]\{4\}\)p\([0-9A-F]\{4\}\)d\*</modalias>.*|\1:\2|p; s|.*<modalias>usb:v\([0-9A-F]\{4\}\)p\*</modalias>.*|\1:*|p' \
	"$tmp/metainfo.xml" | tr 'A-F' 'a-f' | sort -u)
[ "$got" = "$ids" ] && [ "$(grep -c '<modalias>' "$tmp/metainfo.xml")" -eq "$count" ]
rc=$?
ok $rc "one upper-case usb:vVVVVpPPPPd* modalias per allow-listed device ($count)"
[ $rc -eq 0 ] || echo "# want:" $ids "/ got:" $got
printf '04b8:*  escpos\n' >"$tmp/vendor.txt"
sh "$gen" --metainfo "$tmp/vendor.txt" | grep -q '<modalias>usb:v04B8p\*</modalias>'
ok $? "a vendor-wide entry provides every product of the vendor (usb:v04B8p*)"
err=$(sh "$gen" --metainfo "$tmp/bad.txt" 2>&1 >/dev/null)
[ $? -ne 0 ] && echo "$err" | grep -q 'bad.txt:2:'
ok $? "a malformed line stops the metainfo too"
built=${MB_BUILD:-$top/build}/metainfo/matchbooth.metainfo.xml
if [ -f "$top/board/allowlist.txt" ] && [ -f "$built" ]; then
	cmp -s "$tmp/metainfo.xml" "$built"
	ok $? "the built metainfo is that of the current allow list"
fi
echo "1..$n"
exit $fail
