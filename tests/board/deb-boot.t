#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# deb-boot.t — the package under a real systemd: a Debian 12 root (the
# debootstrap root of deb-chroot.t, cached in build/chroot/base) with the
# .deb installed and an enrolment file on its /boot/firmware is booted with
# systemd-nspawn (private network). A probe unit ordered after the daemon
# checks, from inside, and powers the container off:
#   first boot applied the enrolment before the daemon started; the daemon is
#   Type=notify, active, running as user matchbooth with no capabilities,
#   NoNewPrivs and a seccomp filter; a lead is captured; `systemctl reload`
#   keeps the process; a crash is restarted; a hung daemon (SIGSTOP) is
#   killed by the watchdog and restarted; the lead survives all of it. A
#   second boot with a broken enrolment file keeps the enrolled config.
# Needs root, systemd-nspawn (systemd-container) and a Debian mirror; ~60 s.
#
# Not root: a TAP skip that says so (the harness prints it). Root without
# systemd-nspawn or debootstrap: a failure, not a skip (make check installs
# them).
set -u
# shellcheck source=tests/board/tap.sh
. "$(dirname "$0")/tap.sh"
needs_root "debootstrap, chroot and booting a container with systemd-nspawn"
needs_tool systemd-nspawn
needs_tool debootstrap
deb_under_test
t0=$(date +%s)
# The base root of deb-chroot.t (made here when this runs alone).
debian_base

root=$(mktemp -d "$cache/boot-XXXXXX")
cleanup() {
	umount -l "$root/proc" 2>/dev/null
	umount -l "$root/dev" 2>/dev/null
	if grep -q " $root/" /proc/mounts; then
		echo "# $root is still mounted: not removed"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
cp -a "$cache/base/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
cp "$deb" "$root/tmp/matchbooth.deb"
mount --bind /proc "$root/proc" && mount --bind /dev "$root/dev"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 sh -c '
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends /tmp/matchbooth.deb' >"$cache/boot-apt.log" 2>&1
rc=$?
umount -l "$root/proc"
umount -l "$root/dev"
ok $rc "package installed into the root to boot"
[ $rc -eq 0 ] || { tail -20 "$cache/boot-apt.log" | sed 's/^/# /'; exit 1; }

# The SD card as prepared on a laptop.
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

# A short watchdog, so that a hung daemon is caught within the test.
mkdir -p "$root/etc/systemd/system/matchbooth.service.d"
printf '[Service]\nWatchdogSec=4s\nTimeoutAbortSec=3s\n' >"$root/etc/systemd/system/matchbooth.service.d/test.conf"

cat >"$root/usr/local/sbin/mb-probe" <<'PROBE'
#!/bin/bash
# Runs inside the booted container; one "key value" line per fact.
out=/var/tmp/mb-probe.out
exec 3>"$out"
say() { echo "$*" >&3; }
prop() { systemctl show -P "$2" "$1"; }
wait_active() { # unit, old pid (or empty): waits for active with another pid
	for _ in $(seq 1 100); do
		if [ "$(systemctl is-active "$1")" = active ] && [ "$(prop "$1" MainPID)" != "${2:-x}" ] &&
			[ "$(prop "$1" MainPID)" != 0 ]; then return 0; fi
		sleep 0.2
	done
	return 1
}
mb() { runuser -u matchbooth -- matchbooth "$@"; }
wait_active matchbooth.service
say active "$(systemctl is-active matchbooth.service)"
say type "$(prop matchbooth.service Type)"
say enrol_result "$(prop matchbooth-enrol.service Result)"
say boot_file "$([ -e /boot/firmware/matchbooth.conf ] && echo present || echo gone)"
say conf "$(stat -c '%a %U:%G' /etc/matchbooth/matchbooth.conf)"
say status_text "$(prop matchbooth.service StatusText)"
st=$(mb status --json)
say enrolled "$(echo "$st" | grep -o '"enrolled":[a-z]*' | head -1)"
say show "$(echo "$st" | grep -o '"id":"expo"' | head -1)"
pid=$(prop matchbooth.service MainPID)
say user "$(ps -o user= -p "$pid")"
say nonewprivs "$(awk '/^NoNewPrivs/ {print $2}' /proc/"$pid"/status)"
say capeff "$(awk '/^CapEff/ {print $2}' /proc/"$pid"/status)"
say seccomp "$(awk '/^Seccomp:/ {print $2}' /proc/"$pid"/status)"
mb capture 'MECARD:N:Doe,Jane;ORG:Acme;EMAIL:jane@example.com;;' >/dev/null
say capture $?
systemctl reload matchbooth.service
sleep 1
say reload "$(systemctl is-active matchbooth.service) $([ "$(prop matchbooth.service MainPID)" = "$pid" ] && echo same-pid || echo new-pid)"
kill -SEGV "$pid"
wait_active matchbooth.service "$pid"
say crash "$(systemctl is-active matchbooth.service) restarts=$(prop matchbooth.service NRestarts)"
pid=$(prop matchbooth.service MainPID)
kill -STOP "$pid"
wait_active matchbooth.service "$pid"
say hang "$(systemctl is-active matchbooth.service) restarts=$(prop matchbooth.service NRestarts)"
say watchdog_log "$(journalctl -u matchbooth.service --no-pager | grep -c -i 'watchdog timeout')"
say leads "$(mb leads --json | wc -l)"
say kiosk "$(systemctl is-active matchbooth-kiosk.service)"
journalctl -u matchbooth-enrol -u matchbooth --no-pager | tail -25 | sed 's/^/log /' >&3
PROBE
chmod 0755 "$root/usr/local/sbin/mb-probe"
cat >"$root/etc/systemd/system/mb-probe.service" <<'UNIT'
[Unit]
Description=matchbooth boot test probe
After=matchbooth.service matchbooth-enrol.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/mb-probe
ExecStopPost=/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/mb-probe.service "$root/etc/systemd/system/multi-user.target.wants/"

s=$(date +%s)
timeout -k 5 180 systemd-nspawn --register=no --keep-unit --private-network -q -D "$root" -b \
	</dev/null >"$cache/boot-console.log" 2>&1
diag "booted, probed and powered off in $(($(date +%s) - s)) s"
res=$root/var/tmp/mb-probe.out
if [ ! -f "$res" ]; then
	bail "the probe did not run (console: $cache/boot-console.log)"
fi
get() { sed -n "s/^$1 //p" "$res" | head -1; }
is() { # key want name
	got=$(get "$1")
	[ "$got" = "$2" ]
	ok $? "$3 ($1: $got)"
}
is active active "matchbooth.service active after boot"
is type notify "Type=notify"
is enrol_result success "first boot: the enrolment oneshot succeeded"
is boot_file gone "the enrolment file is gone from /boot/firmware"
is conf "640 root:matchbooth" "the enrolled config is 640 root:matchbooth"
is enrolled '"enrolled":true' "the daemon reports enrolled"
is show '"id":"expo"' "and runs the enrolled show"
is status_text "show expo" "systemctl status shows the show"
is user matchbooth "the daemon runs as user matchbooth"
is nonewprivs 1 "NoNewPrivs"
is capeff 0000000000000000 "no effective capabilities"
is seccomp 2 "a seccomp filter"
is capture 0 "a lead is captured"
is reload "active same-pid" "systemctl reload keeps the process"
is crash "active restarts=1" "a crash (SIGSEGV) is restarted"
is hang "active restarts=2" "a hung daemon (SIGSTOP) is killed by the watchdog and restarted"
got=$(get watchdog_log)
[ "${got:-0}" -ge 1 ]
ok $? "the journal names the watchdog timeout"
got=$(get leads)
[ "${got:-0}" -ge 1 ]
ok $? "the lead is still there after crash and watchdog restarts ($got)"
diag "kiosk unit in a container without a screen: $(get kiosk)"
[ $fail -eq 0 ] || sed -n 's/^log /# /p' "$res"

# Second boot with a broken enrolment file: refused, left in place for the
# next try, and the device keeps running with the config it had.
printf '[kiosk]\ndevice_id = booth-99\nshow = nope\n' >"$root/boot/firmware/matchbooth.conf"
rm -f "$res"
timeout -k 5 180 systemd-nspawn --register=no --keep-unit --private-network -q -D "$root" -b \
	</dev/null >>"$cache/boot-console.log" 2>&1
if [ ! -f "$res" ]; then
	bail "the probe did not run on the second boot"
fi
is enrol_result exit-code "second boot, broken enrolment file: the oneshot fails"
is boot_file present "the broken file stays on the boot partition"
is active active "the daemon starts all the same"
is show '"id":"expo"' "with the config it had"
[ $fail -eq 0 ] || sed -n 's/^log /# /p' "$res"
diag "deb-boot.t took $(($(date +%s) - t0)) s"
done_testing
