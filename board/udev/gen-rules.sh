#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-rules.sh — writes the udev rules that give the group of the matchbooth
# service read/write access to the USB scanners and printers of the allow
# list, and to no other device. Run at build time (mk/board.mk), so the
# rules and board/allowlist.txt cannot drift apart.
#
# Usage: board/udev/gen-rules.sh ALLOWLIST [GROUP] > 70-matchbooth.rules
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

list=${1:?usage: gen-rules.sh ALLOWLIST [GROUP]}
group=${2:-matchbooth}

awk -v group="$group" -v file="$list" '
BEGIN {
	print "# 70-matchbooth.rules — generated from allowlist.txt by board/udev/gen-rules.sh;"
	print "# do not edit. Gives group " group " access to the allow-listed scanners and"
	print "# printers only (no uaccess, no other devices)."
	print ""
	print "ACTION==\"remove\", GOTO=\"matchbooth_end\""
	print ""
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
	m = "ATTR{idVendor}==\"" vid "\""
	if (pid != "*") m = m ", ATTR{idProduct}==\"" pid "\""
	pm = m
	gsub(/ATTR\{/, "ATTRS{", pm)
	printf "# %s\n", id
	printf "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", %s, GROUP=\"%s\", MODE=\"0660\"\n", m, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"hidraw\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"tty\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
	printf "SUBSYSTEMS==\"usb\", SUBSYSTEM==\"usbmisc\", %s, GROUP=\"%s\", MODE=\"0660\"\n", pm, group
	n++
}
END {
	if (bad) exit 1
	print ""
	print "LABEL=\"matchbooth_end\""
	printf "# %d devices\n", n
}' "$list"
