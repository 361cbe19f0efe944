#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The admin page's export downloads (GET /api/admin/export, a child process
# streamed through the daemon's loop) for N leads (default 100,000) in each
# format, beside the baseline measured in the same run: the same
# `matchbooth export` writing to a pipe with no daemon in between. While each
# download runs, /api/boot is requested every 20 ms: its latency shows that
# the loop stays free (an export inside the loop would hold it for seconds).
# N=… overrides the number of leads.
set -eu
BIN=$(cd "$(dirname "${MB_BUILD:-build}/matchbooth")" && pwd)/matchbooth
N=${N:-100000}
T=$(mktemp -d /tmp/mb-bench-uiexport-XXXXXX)
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HASH=$(echo 4321 | "$BIN" ui pin --print --config /dev/null | sed 's/^admin_pin_hash = //')
cat >"$T/mb.conf" <<CONF
[kiosk]
data_dir = $T/data
show = hkef
[ui]
listen = 127.0.0.1:$PORT
admin_pin_hash = $HASH
[card]
enabled = false
[show.hkef]
name = HK Electronics Fair
timezone = Asia/Hong_Kong
form = $ROOT/board/demo/form.json
CONF
mkdir -p "$T/data"
/usr/bin/python3 - "$N" >"$T/in.ndjson" <<'PY'
import json, sys
n = int(sys.argv[1])
t0 = 1795000000000
for i in range(n):
    ms = t0 + i * 2600
    print(json.dumps({
        "id": "01900000-0000-7000-8000-%012d" % i, "show": "hkef", "source": "scanner",
        "identity": "email:v%d@example.com" % i, "captured_at_ms": ms, "last_seen_at_ms": ms + 5000,
        "clock_trusted": True, "scan_count": 1 + i % 3, "format": "mecard",
        "full_name": "訪客 Visitor %d" % i, "given_name": "Visitor", "family_name": "%d" % i,
        "company": "Company %d, Ltd" % (i % 5000), "title": "Buyer",
        "emails": ["v%d@example.com" % i], "phones": ["+8529%07d" % i], "country": "HK",
        "answers": {"interest": ["audio", "power"], "volume": ["sample", "small", "large"][i % 3]},
        "consents": [{"purpose": "contact", "granted": True, "text_version": "2026-09-01",
                      "language": "en", "given_at_ms": ms}],
        "notes": [{"operator": "amy", "note": "met at booth", "rating": 1 + i % 5, "tags": ["vip"],
                   "updated_at_ms": ms}],
        "scans": [{"source": "scanner", "format": "mecard", "scanned_at_ms": ms,
                   "payload_base64": "TUVDQVJEOk46RG9lLEphbmU7RU1BSUw6amFuZUBhY21lLmV4YW1wbGU7Ow=="}],
    }, ensure_ascii=False))
PY
"$BIN" import --config "$T/mb.conf" "$T/in.ndjson" >/dev/null
"$BIN" run --config "$T/mb.conf" >"$T/daemon.log" 2>&1 &
DPID=$!
/usr/bin/python3 - "$BIN" "$T/mb.conf" "$PORT" "$N" <<'PY'
import http.client, json, subprocess, sys, threading, time
binary, conf, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for _ in range(200):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/boot")
        boot = json.loads(c.getresponse().read())
        break
    except OSError:
        time.sleep(0.05)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
c.request("POST", "/api/admin/login", body=json.dumps({"pin": "4321"}),
          headers={"Content-Type": "application/json", "X-CSRF-Token": boot["csrf"]})
r = c.getresponse()
r.read()
cookie = r.getheader("Set-Cookie").split(";")[0]

def baseline(fmt):
    t = time.time()
    p = subprocess.Popen([binary, "export", "--config", conf, "--format", fmt], stdout=subprocess.PIPE)
    size = 0
    while True:
        b = p.stdout.read(65536)
        if not b:
            break
        size += len(b)
    p.wait()
    return time.time() - t, size

def download(fmt, res):
    t = time.time()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", "/api/admin/export?format=" + fmt, headers={"Cookie": cookie})
    r = c.getresponse()
    first = time.time() - t
    size = 0
    while True:
        b = r.read(65536)
        if not b:
            break
        size += len(b)
    res.update(status=r.status, first=first, total=time.time() - t, size=size)

print("%d leads; baseline: `matchbooth export` to a pipe, no daemon (same run)" % n)
print("%-7s %10s %10s %8s %6s %11s %18s" % ("format", "baseline s", "download s", "ratio",
                                               "MB", "1st byte s", "/api/boot med/max"))
for fmt in ("csv", "xlsx", "vcf", "ndjson"):
    bt, bsize = baseline(fmt)
    res = {}
    th = threading.Thread(target=download, args=(fmt, res))
    th.start()
    lat = []
    while th.is_alive():
        t = time.time()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/api/boot")
        c.getresponse().read()
        lat.append((time.time() - t) * 1000)
        time.sleep(0.02)
    th.join()
    lat.sort()
    assert res["status"] == 200, res
    print("%-7s %10.2f %10.2f %7.2fx %6.1f %11.2f %9.1f/%5.1f ms" % (
        fmt, bt, res["total"], res["total"] / bt, res["size"] / 1e6, res["first"],
        lat[len(lat) // 2] if lat else 0, lat[-1] if lat else 0))
PY
