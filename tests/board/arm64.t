#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# arm64.t — the arm64 build is a real aarch64 program that works: under
# qemu-aarch64-static it prints its version, checks a config, runs as the
# daemon (Type=notify code path included) and stores a lead sent by the
# native CLI over the control socket, and its `db check` passes on that
# store; `make deb ARCH=arm64` packages it with Depends from the arm64
# libraries. (The arm64 unit tests run beside this, one wrapper each.)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
a64=${MB_ARM64_BUILD:-$top/build/arm64}
bin=$a64/matchbooth
native=${MB_BUILD:-$top/build}/matchbooth
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
q() { qemu-aarch64-static "$bin" "$@"; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT

file "$bin" | grep -q 'ARM aarch64'
ok $? "build/arm64/matchbooth is an aarch64 program"
v=$(q --version 2>&1)
echo "$v" | grep -q '^matchbooth [0-9]'
ok $? "runs under qemu: $v"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/m.conf" <<CONF
[kiosk]
data_dir = $tmp/data
show = fair
[ui]
listen = 127.0.0.1:$port
[show.fair]
name = Fair
CONF
out=$(q config check --config "$tmp/m.conf" 2>&1)
echo "$out" | grep -q '^OK'
ok $? "config check: $out"

qemu-aarch64-static "$bin" run --config "$tmp/m.conf" >"$tmp/daemon.log" 2>&1 &
pid=$!
i=0
# Up to 60 s: qemu on a loaded machine is slow to start the daemon.
while [ $i -lt 600 ] && ! "$native" status --config "$tmp/m.conf" >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
st=$("$native" status --json --config "$tmp/m.conf" 2>&1)
echo "$st" | grep -q '"enrolled":[[:space:]]*false'
ok $? "the arm64 daemon answers the native CLI (status, not enrolled)"
lead=$("$native" capture --config "$tmp/m.conf" 'MECARD:N:Chan,Tai Man;ORG:Acme;EMAIL:tm@example.hk;;' 2>&1)
echo "$lead" | grep -q 'Chan'
ok $? "a lead captured by the arm64 daemon"
kill -TERM $pid
wait $pid
rc=$?
ok $rc "the arm64 daemon stops cleanly on SIGTERM (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/daemon.log"
pid=
out=$(q db check --config "$tmp/m.conf" 2>&1)
ok $? "db check of the arm64 build on its store: $(echo "$out" | head -1)"
out=$("$native" leads --json --config "$tmp/m.conf" 2>&1)
echo "$out" | grep -q 'Tai Man'
ok $? "the native build reads the store the arm64 build wrote"

# make's own exit status (a pipe into tail would report tail's).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" deb ARCH=arm64 >"$tmp/deb.out" 2>"$tmp/deb.err"
rc=$?
deb=$(tail -1 "$tmp/deb.out")
ok $rc "make deb ARCH=arm64: $(basename "$deb")"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/deb.err" | tail -20
info=$(dpkg-deb -f "$deb" Architecture Depends 2>&1)
echo "$info" | grep -q '^Architecture: arm64' && echo "$info" | grep -q 'libc6 (>='
ok $? "arm64 package with computed Depends"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/matchbooth >"$tmp/bin" && file "$tmp/bin" | grep -q 'ARM aarch64.*stripped'
ok $? "it holds the stripped aarch64 binary"
echo "1..$n"
exit $fail
