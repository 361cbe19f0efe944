#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# deb-chroot.t — the Debian package on a clean Debian 12: a minbase root from
# debootstrap (built once, cached in build/chroot/base), the .deb installed
# there with apt (so its Depends resolve), then: files, users, permissions,
# enabled units, `matchbooth --version`, `config check`, `db check`, the
# daemon running as its user with the packaged config (in a private network
# namespace), first-boot enrolment, purge keeping the leads, reinstall finding
# them again. Needs root, debootstrap and a Debian mirror (apt's). Run by
# `make check` and `make check-deb`; ~65 s for debootstrap the first time,
# then ~15 s.
#
# Not root: a TAP skip that says so (the harness prints it). Root without
# debootstrap: a failure, not a skip (make check installs it).
set -u
# shellcheck source=tests/board/tap.sh
. "$(dirname "$0")/tap.sh"
needs_root "debootstrap, chroot and bind mounts of /proc and /dev"
needs_tool debootstrap
deb_under_test
t0=$(date +%s)
check() { # check 'shell test' NAME
	eval "$1" >/dev/null 2>&1
	ok $? "$2"
}

# 1. The base root, once (deb-boot.t shares it).
debian_base
root=$(mktemp -d "$cache/run-XXXXXX")
cleanup() {
	umount -l "$root/proc" 2>/dev/null
	umount -l "$root/dev" 2>/dev/null
	# Never delete through a bind mount of the host's /dev or /proc.
	if grep -q " $root/" /proc/mounts; then
		echo "# $root is still mounted: not removed"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
cp -a "$cache/base/." "$root/"
mount --bind /proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

# 2. Install with apt, as a person would (Recommends left out: no screen here).
cp "$deb" "$root/tmp/matchbooth.deb"
s=$(date +%s)
in_root apt-get update -q >"$root/tmp/apt.log" 2>&1
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	/tmp/matchbooth.deb >>"$root/tmp/apt.log" 2>&1
rc=$?
ok $rc "apt installs the package and its Depends on a clean Debian 12"
[ $rc -eq 0 ] || { sed 's/^/# /' "$root/tmp/apt.log" | tail -30; exit 1; }
diag "apt-get install: $(($(date +%s) - s)) s"
check 'in_root dpkg-query -W -f="\${Status}" matchbooth | grep -q "install ok installed"' "dpkg says installed"

# 3. Files.
for f in /usr/bin/matchbooth /lib/systemd/system/matchbooth.service \
	/lib/systemd/system/matchbooth-kiosk.service /lib/systemd/system/matchbooth-enrol.service \
	/lib/udev/rules.d/70-matchbooth.rules /usr/lib/matchbooth/kiosk-browser \
	/lib/systemd/system/matchbooth-usb-export@.service /lib/udev/rules.d/99-matchbooth-usb-export.rules \
	/etc/pam.d/matchbooth-kiosk /etc/matchbooth/matchbooth.conf \
	/usr/share/matchbooth/demo/form.json /usr/share/doc/matchbooth/matchbooth.conf.example \
	/usr/share/doc/matchbooth/copyright /usr/share/doc/matchbooth/changelog.gz \
	/usr/share/man/man1/matchbooth.1.gz /usr/share/metainfo/matchbooth.metainfo.xml; do
	check "[ -e '$root$f' ]" "file $f"
done
check '[ -x "$root/usr/bin/matchbooth" ] && [ -x "$root/usr/lib/matchbooth/kiosk-browser" ]' "programs are executable"
check 'in_root dpkg-query -W -f="\${Conffiles}" matchbooth | grep -q /etc/matchbooth/matchbooth.conf' \
	"the config is a conffile"

# 4. Users and permissions.
pw=$(in_root getent passwd matchbooth)
uid=$(echo "$pw" | cut -d: -f3)
check '[ -n "$uid" ] && [ "$uid" -lt 1000 ]' "system user matchbooth (uid $uid)"
check 'echo "$pw" | grep -q ":/var/lib/matchbooth:/usr/sbin/nologin$"' "no login, home is the state directory"
check 'in_root getent group matchbooth' "group matchbooth"
check 'in_root getent passwd matchbooth-kiosk | grep -q nologin' "kiosk screen user matchbooth-kiosk"
mode() { in_root stat -c '%a %U:%G' "$1"; }
check '[ "$(mode /etc/matchbooth)" = "750 root:matchbooth" ]' "/etc/matchbooth 750 root:matchbooth ($(mode /etc/matchbooth))"
check '[ "$(mode /etc/matchbooth/matchbooth.conf)" = "640 root:matchbooth" ]' \
	"config 640 root:matchbooth ($(mode /etc/matchbooth/matchbooth.conf))"
check '[ "$(mode /var/lib/matchbooth)" = "750 matchbooth:matchbooth" ]' \
	"/var/lib/matchbooth 750 matchbooth:matchbooth ($(mode /var/lib/matchbooth))"
check '[ "$(mode /usr/bin/matchbooth)" = "755 root:root" ]' "binary 755 root:root"
for u in matchbooth matchbooth-kiosk matchbooth-enrol; do
	check "[ -L '$root/etc/systemd/system/multi-user.target.wants/$u.service' ]" "$u.service enabled"
done
check 'grep -q "GROUP=\"matchbooth\"" "$root/lib/udev/rules.d/70-matchbooth.rules" || ! grep -q "^SUBSYSTEM" "$root/lib/udev/rules.d/70-matchbooth.rules"' \
	"udev rules give devices to group matchbooth"

out=$(in_root systemd-analyze verify --man=false /lib/systemd/system/matchbooth.service \
	/lib/systemd/system/matchbooth-enrol.service matchbooth-usb-export@sda1.service 2>&1)
rc=$?
[ -z "$out" ] || rc=1
ok $rc "systemd-analyze verify of the installed units, inside the Debian root"
[ -z "$out" ] || echo "$out" | sed 's/^/# /'

# 5. The binary runs there.
v=$(in_root matchbooth --version 2>&1)
check 'echo "$v" | grep -q "^matchbooth [0-9]"' "matchbooth --version: $v"
as_mb() { chroot --userspec=matchbooth:matchbooth "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/matchbooth LC_ALL=C.UTF-8 sh -c "cd /etc/matchbooth && $*"; }
out=$(as_mb matchbooth config check 2>&1)
check 'echo "$out" | grep -q "^OK"' "packaged config checks as user matchbooth: $out"

# 6. The daemon with the packaged config, as its user, in a private network
# namespace (its UI port 8080 must not meet anything on this machine).
out=$(unshare -n sh -c '
	ip link set lo up
	chroot --userspec=matchbooth:matchbooth "$0" /usr/bin/env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 \
		sh -c "cd /etc/matchbooth && exec matchbooth run" >"$0/tmp/daemon.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! chroot --userspec=matchbooth:matchbooth "$0" matchbooth status --json >/dev/null 2>&1; do
		sleep 0.1; i=$((i + 1)); done
	chroot --userspec=matchbooth:matchbooth "$0" matchbooth status --json
	chroot --userspec=matchbooth:matchbooth "$0" matchbooth capture "MECARD:N:Doe,Jane;ORG:Acme;EMAIL:jane@example.com;;" >/dev/null
	echo "CAPTURE $?"
	kill $pid; wait $pid' "$root" 2>&1)
check 'echo "$out" | grep -q "\"enrolled\":[[:space:]]*false"' "daemon runs the demo show, status says not enrolled"
check 'echo "$out" | grep -q "CAPTURE 0"' "a lead is captured into /var/lib/matchbooth"
check '[ -S "$root/var/lib/matchbooth/control.sock" ] || [ -f "$root/var/lib/matchbooth/leads.db" ]' "state in /var/lib/matchbooth"
out=$(as_mb matchbooth db check 2>&1)
ok $? "matchbooth db check as user matchbooth: $(echo "$out" | head -1)"
leads_before=$(as_mb matchbooth leads --json 2>/dev/null | wc -l)
check '[ "$leads_before" -ge 1 ]' "matchbooth leads lists it ($leads_before)"

# 7. First boot: the enrolment file on the boot partition.
mkdir -p "$root/boot/firmware"
cat >"$root/boot/firmware/matchbooth.conf" <<'CONF'
[kiosk]
data_dir = /var/lib/matchbooth
device_id = booth-07
show = expo
[show.expo]
name = Expo 2027
timezone = Europe/Berlin
form = expo.json
CONF
echo '{"questions": []}' >"$root/boot/firmware/expo.json"
out=$(in_root matchbooth enrol 2>&1)
ok $? "matchbooth enrol (as matchbooth-enrol.service runs it): $(echo "$out" | head -1)"
check '[ ! -e "$root/boot/firmware/matchbooth.conf" ]' "enrolment file removed from the boot partition"
check '[ "$(mode /etc/matchbooth/matchbooth.conf)" = "640 root:matchbooth" ]' "enrolled config keeps 640 root:matchbooth"
out=$(as_mb matchbooth config check 2>&1)
check 'echo "$out" | grep -q "show expo"' "the daemon user reads the enrolled config: $out"

# 8. An upgrade (the same package again) keeps the enrolled config.
in_root dpkg -i --force-confold /tmp/matchbooth.deb >/dev/null 2>&1
ok $? "upgrade in place (dpkg -i --force-confold)"
check 'grep -q booth-07 "$root/etc/matchbooth/matchbooth.conf"' "the enrolled config survives the upgrade"
check '[ "$(mode /etc/matchbooth/expo.json)" = "640 root:matchbooth" ]' "enrolled files belong to the daemon's group"

# 9. Remove: the program goes, config and leads stay.
in_root dpkg --remove matchbooth >/dev/null 2>&1
ok $? "dpkg --remove"
check '[ ! -e "$root/usr/bin/matchbooth" ] && [ -f "$root/etc/matchbooth/matchbooth.conf" ] && [ -f "$root/var/lib/matchbooth/leads.db" ]' \
	"after remove: no program, config and leads kept"

# 10. Purge: everything goes but the leads (and the users who own them).
out=$(in_root dpkg --purge matchbooth 2>&1)
ok $? "dpkg --purge"
diag "$(echo "$out" | grep -i kept)"
for f in /usr/bin/matchbooth /lib/systemd/system/matchbooth.service /etc/matchbooth \
	/lib/udev/rules.d/70-matchbooth.rules /etc/pam.d/matchbooth-kiosk \
	/etc/systemd/system/multi-user.target.wants/matchbooth.service /usr/share/matchbooth; do
	check "[ ! -e '$root$f' ] && [ ! -L '$root$f' ]" "purged: $f"
done
check '[ -f "$root/var/lib/matchbooth/leads.db" ]' "the lead store stays in /var/lib/matchbooth"
check '[ ! -S "$root/var/lib/matchbooth/control.sock" ]' "the control socket does not"
check 'echo "$out" | grep -q "kept .* lead data"' "purge says where the leads were kept"

# 11. Reinstalled, the package finds the leads again.
in_root dpkg -i /tmp/matchbooth.deb >/dev/null 2>&1
ok $? "reinstall with dpkg -i"
leads_after=$(as_mb matchbooth leads --json 2>/dev/null | wc -l)
check '[ "$leads_after" -eq "$leads_before" ]' "the kept leads are there after reinstall ($leads_after)"
check '[ "$(in_root getent passwd matchbooth | cut -d: -f3)" = "$uid" ]' "same uid for matchbooth"

diag "deb-chroot.t took $(($(date +%s) - t0)) s"
done_testing
