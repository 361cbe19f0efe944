#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-rules.sh — writes the udev rules that give the group of the matchbooth
# service read/write access to the USB scanners and printers of the allow
# list, and to no other device. Run at build time (mk/board.mk), so the
# rules and board/allowlist.txt cannot drift apart.
#
# Usage: board/udev/gen-rules.sh ALLOWLIST [GROUP] > 70-matchbooth.rules
#        board/udev/gen-rules.sh --metainfo ALLOWLIST > matchbooth.metainfo.xml
#
# --metainfo writes the package's AppStream metadata instead: the same
# devices as "modalias" provides (usb:vVVVVpPPPPd*, upper-case hex, as the
# kernel writes them), so that `appstreamcli what-provides modalias …` and
# software centres find the package for a plugged-in scanner. One parser for
# both keeps the two lists identical.
#
# Input format (documented at the top of board/allowlist.txt): one device per
# line, "VID:PID DRIVER [KEY=VALUE ...]", '#' starts a comment, VID and PID
# are 4 hex digits, PID '*' admits every product of the vendor. Only VID:PID
# is used here. A malformed line stops the build with FILE:LINE.
#
# Each device gets its USB device node (/dev/bus/usb/…, what libusb opens,
# also to detach the kernel's keyboard or usblp driver), and the hidraw, tty
# (CDC-ACM serial mode) and usbmisc (usblp) nodes that belong to it.
set -eu

mode=rules
if [ "${1:-}" = --metainfo ]; then
	mode=metainfo
	shift
fi
list=${1:?usage: gen-rules.sh [--metainfo] ALLOWLIST [GROUP]}
group=${2:-matchbooth}

awk -v group="$group" -v file="$list" -v mode="$mode" '
BEGIN {
	if (mode == "metainfo") {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<!-- SPDX-License-Identifier: Apache-2.0 -->"
		print "<!-- matchbooth.metainfo.xml — generated from allowlist.txt by"
		print "     board/udev/gen-rules.sh; do not edit. The devices matchbooth drives. -->"
		print "<component type=\"service\">"
		print "  <id>example.matchbooth.matchbooth</id>"
		print "  <metadata_license>CC0-1.0</metadata_license>"
		print "  <project_license>Apache-2.0</project_license>"
		print "  <name>matchbooth</name>"
		print "  <summary>Lead-capture kiosk for trade shows</summary>"
		print "  <description>"
		print "    <p>Turns a small Linux board with a touch screen, a USB barcode scanner and an"
		print "    optional receipt printer into a trade-show lead-capture kiosk. Only the scanners"
		print "    and printers listed here are claimed.</p>"
		print "  </description>"
		print "  <launchable type=\"service\">matchbooth.service</launchable>"
	} else {
		print "# 70-matchbooth.rules — generated from allowlist.txt by board/udev/gen-rules.sh;"
		print "# do not edit. Gives group " group " access to the allow-listed scanners and"
		print "# printers only (no uaccess, no other devices)."
		print ""
		print "ACTION==\"remove\", GOTO=\"matchbooth_end\""
		print ""
	}
}
{
	line = $0
	sub(/#.*/, "", line)
	if (line ~ /^[ \t]*$/) next
	split(line, f, /[ \t]+/)
	id = (f[1] == "") ? f[2] : f[1]
	if (id !~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]:([0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]|\*)$/) {
		printf "%s:%d: expected VID:PID (4 hex digits each, PID may be *), got \"%s\"\n", file, NR, id > "/dev/stderr"
		bad = 1
		exit 1
	}
	vid = tolower(substr(id, 1, 4))
	pid = tolower(substr(id, 6))
	if (seen[vid ":" pid]++) next
	n++
	if (mode == "metainfo") {
		mods = mods sprintf("    <modalias>usb:v%sp%s</modalias>\n", toupper(vid), (pid == "*") ? "*" : toupper(pid) "d*")
		next
	}
	m = "ATTR{idVendor}==\"" vid "\""
	if (pid != "*") m = m ", ATTR{idProduct}==\"" pid "\""
	pm = m
	gsub(/ATTR\{/, "ATTRS{", pm)
	printf "# %s\n", id
	printf "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", %s, GROUP=\"%s\", MODE=\"0660\"\n", m, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"hidraw\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"tty\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"usbmisc\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
}
END {
	if (bad) exit 1
	if (mode == "metainfo") {
		# An empty <provides> is invalid AppStream: none for an empty list.
		if (n) printf "  <provides>\n%s  </provides>\n", mods
		print "</component>"
		exit
	}
	print ""
	print "LABEL=\"matchbooth_end\""
	printf "# %d devices\n", n
}' "$list"
