#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The head-office lake, queried by DuckDB (npm @duckdb/node-api, installed by
# board/install-deps.sh into tests/sync) as it lies: three kiosks (two shows)
# write the same spool folder and the same bucket (the botocore-checked S3
# endpoint of s3check.py, answers lost on the way), leads change after their
# first delivery (newer versions in newer files), and the folder also holds
# the duplicate a kiosk of the old kind made when it retried a batch under a
# fresh name. The query README.md gives must return exactly one row per lead,
# its newest version, from the spool and from the bucket alike; the fleet
# heartbeats (fleet/DEVICE.json) read the same way.
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403
from s3check import S3CheckServer  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sdir = os.path.join(here, "..", "sync")
if not os.path.isdir(os.path.join(sdir, "node_modules", "@duckdb", "node-api")) or \
        not shutil.which("node"):
    print("1..0 # SKIP @duckdb/node-api not installed (board/install-deps.sh test)")
    sys.exit(0)


def duckdb(sql):
    r = subprocess.run(["node", os.path.join(sdir, "lake-query.js"), sql], capture_output=True,
                       text=True, timeout=120, cwd=sdir)
    if r.returncode:
        diag(r.stderr)
        return None
    return [json.loads(x) for x in r.stdout.splitlines()]


# The query exactly as README.md shows it, with its bucket path swapped for ours.
readme = open(os.path.join(here, "..", "..", "README.md")).read()
m = re.search(r"```sql\n(-- One row per lead.*?)```", readme, re.S)
ok(m is not None, "README.md has the DuckDB query")
QUERY = m.group(1) if m else ""
LAKE_URL = "s3://acme-leads/lake/"
ok(LAKE_URL in QUERY, "and it reads %s…" % LAKE_URL)

t = tmpdir("lake")
spool = os.path.join(t, "spool")
os.makedirs(spool)
SECRET = "lake-secret-key"
s3 = S3CheckServer(os.path.join(t, "s3"), {"AKIDLAKE": SECRET})
s3.state.fault_prefix = "lake/show="
s3.state.faults = ["lost", "lost"]
kiosks = []
for dev, show in (("kiosk-a", "t1"), ("kiosk-b", "t1"), ("kiosk-c", "t2")):
    kdir = os.path.join(t, dev)
    os.makedirs(kdir)
    d = Daemon(kdir, """
[sync]
backoff_base_ms = 100
backoff_max = 1
heartbeat_sink = bucket
heartbeat_interval = 5

[sink.usb]
type = spool
dir = %s
batch_size = 8
batch_max_age = 0

[sink.bucket]
type = s3
url = %s
bucket = acme-leads
access_key = AKIDLAKE
secret_key = %s
prefix = lake/
batch_size = 8
batch_max_age = 1
""" % (spool, s3.url, SECRET), show=show)
    with open(d.conf, "r+") as f:
        c = f.read().replace("device_id = test-kiosk", "device_id = " + dev)
        f.seek(0)
        f.write(c)
        f.truncate()
    kiosks.append(d)

want = {}  # id -> (version, given name)
try:
    for d in kiosks:
        d.start()
    n = 0
    for k, d in enumerate(kiosks):
        for i in range(20 - 5 * k):
            n += 1
            lead = d.capture(mecard(1000 * k + i))["lead"]
            want[lead["id"]] = [1, lead["given_name"], d]
    # Changes after the first delivery: newer versions in newer files.
    ids = list(want)
    for lid in ids[::4]:
        d = want[lid][2]
        wait_for(lambda: d.call({"cmd": "sync_status"})["pending"] == 0, 20)
        d.call({"cmd": "note", "lead": lid, "operator": "ann", "note": "call back"})
        want[lid][0] += 1
    lid = ids[-1]
    for note in ("first", "second"):
        wait_for(lambda: kiosks[2].call({"cmd": "sync_status"})["pending"] == 0, 20)
        kiosks[2].call({"cmd": "note", "lead": lid, "operator": "bo", "note": note})
        want[lid][0] += 1
    ok(all(wait_for(lambda: d.call({"cmd": "sync_status"})["pending"] == 0, 30) for d in kiosks),
       "three kiosks drained %d leads to the spool and the bucket" % n)
    # What a kiosk of the old kind left: a retried batch under a fresh name.
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(spool) for f in fs)
    dup = [f for f in files if "device=kiosk-b" in f][0]
    shutil.copy(dup, os.path.join(os.path.dirname(dup), "20261203T101500000Z-retry.ndjson"))
    rows = sum(1 for f in files for _ in open(f)) + sum(1 for _ in open(dup))
    ok(rows > len(want), "the spool holds %d lines for %d leads (versions, duplicates)"
       % (rows, len(want)))
    ok(any(r.get("fault") == "lost" and r.get("status") == 200 for r in s3.state.requests),
       "the bucket lost answers on the way")
    is_([r["refused"] for r in s3.state.requests if r["refused"]], [],
        "botocore verified every upload")

    for name, root in (("spool", spool), ("bucket", os.path.join(t, "s3", "acme-leads", "lake"))):
        got = duckdb(QUERY.replace(LAKE_URL, root + "/"))
        ok(got is not None, "%s: DuckDB runs the README query" % name)
        got = got or []
        is_(len(got), len(want), "%s: one row per lead" % name)
        is_({r["id"]: int(r["version"]) for r in got}, {k: v[0] for k, v in want.items()},
            "%s: each lead at its newest version" % name)
        ok(all(r["given_name"] == want[r["id"]][1] for r in got if r["id"] in want),
           "%s: with its fields" % name)
        byshow = {}
        for r in got:
            byshow[(r["show"], r["device"])] = byshow.get((r["show"], r["device"]), 0) + 1
        is_(byshow, {("t1", "kiosk-a"): 20, ("t1", "kiosk-b"): 15, ("t2", "kiosk-c"): 10},
            "%s: show and device from the partitions" % name)

    # The fleet: one document per kiosk, read with the same tools.
    fleet = os.path.join(t, "s3", "acme-leads", "lake", "fleet")
    ok(wait_for(lambda: os.path.isdir(fleet) and len(os.listdir(fleet)) == 3, 15),
       "every kiosk's heartbeat is in the bucket")

    def fleet_rows():
        return duckdb("SELECT device, queue_depth, last_success FROM read_json_auto('%s/*.json') "
                      "ORDER BY device" % fleet) or []
    ok(wait_for(lambda: [int(r["queue_depth"]) for r in fleet_rows()] == [0, 0, 0], 15),
       "DuckDB reads the fleet: three kiosks, queues empty")
    ok(all(r["last_success"] for r in fleet_rows()), "each with its last contact")
finally:
    for d in kiosks:
        d.stop()
    s3.close()
done()
