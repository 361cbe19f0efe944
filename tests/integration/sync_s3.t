#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The s3 sink against two servers that are not ours:
#
#  * s3check (tests/integration/s3check.py): every request's SigV4 signature
#    recomputed by botocore from what arrived, with MinIO's rule for a signed
#    Expect that was not sent; objects kept as files, If-None-Match: *
#    honoured, and answers lost on demand. Every upload must be accepted,
#    keys must be Hive-style (show=/date=/device=) and derived from the rows,
#    and a retry after a lost answer must never make a second object;
#  * s3rver (npm, installed by board/install-deps.sh into tests/s3), an
#    S3-compatible server someone else wrote: the objects land under the
#    same keys, and an unknown access key is refused with its reason.
#
# A batch over 1 MiB makes libcurl ask for 100-continue itself (unsigned),
# which must pass too; a sink with the wrong secret is refused and parked.
import datetime
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403
from s3check import S3CheckServer, verify  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
t = tmpdir("s3")

# ---- the verifier itself refuses what MinIO refuses ----------------------------------
# A request signed with botocore's own client, then the same request signed
# with an empty Expect that is not sent (what libcurl 7.88 did).
from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from email.message import Message  # noqa: E402


def signed_by_botocore(extra):
    req = AWSRequest(method="PUT", url="http://127.0.0.1:9/b/show%3Dx/k.ndjson", data=b"{}\n",
                     headers=dict({"Host": "127.0.0.1:9"}, **extra))
    S3SigV4Auth(Credentials("AK", "SK"), "s3", "us-east-1").add_auth(req)
    return req


def as_received(req, drop=()):
    m = Message()
    for k, v in req.headers.items():
        if k.lower() not in drop:
            m[k] = v
    return m


req = signed_by_botocore({})
is_(verify("PUT", "/b/show%3Dx/k.ndjson", as_received(req), b"{}\n", {"AK": "SK"}), None,
    "verifier: botocore's own signature passes")
is_(verify("PUT", "/b/show%3Dx/k.ndjson", as_received(req), b"{}\n", {"AK": "XX"}),
    "SignatureDoesNotMatch", "verifier: the wrong secret is refused")
is_(verify("PUT", "/b/show%3Dx/k.ndjson", as_received(req), b"{}!\n", {"AK": "SK"}),
    "XAmzContentSHA256Mismatch", "verifier: another body is refused")
# Hand-made: libcurl's old request listed `expect` with an empty value.
auth = req.headers["Authorization"].replace("SignedHeaders=", "SignedHeaders=expect;")
m = as_received(req)
del m["Authorization"]
m["Authorization"] = auth
is_(verify("PUT", "/b/show%3Dx/k.ndjson", m, b"{}\n", {"AK": "SK"}), "SignatureDoesNotMatch",
    "verifier: a signed Expect that was not sent counts as 100-continue and fails (MinIO)")

# ---- the daemon against s3check and s3rver -------------------------------------------------
s3bin = os.path.join(here, "..", "s3", "node_modules", ".bin", "s3rver")
have_s3rver = os.path.exists(s3bin) and shutil.which("node")
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
check = S3CheckServer(os.path.join(t, "check"), {"AKIDTEST": SECRET})
s3dir = os.path.join(t, "s3rver")
os.makedirs(s3dir)
port = free_port()
s3 = None
if have_s3rver:
    s3 = subprocess.Popen([s3bin, "-d", s3dir, "-a", "127.0.0.1", "-p", str(port), "--silent",
                           "--configure-bucket", "leads"], stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(t, "s3rver.log"), "w"))
    ok(wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 20), "s3rver is up")
conf = """[sync]
backoff_base_ms = 100
backoff_max = 1
heartbeat_sink = s3check
heartbeat_interval = 5

[sink.s3check]
type = s3
url = %(check)s/
bucket = leads
region = eu-central-1
access_key = AKIDTEST
secret_key = %(secret)s
prefix = lake/
batch_size = 10
batch_max_age = 1

[sink.s3big]
type = s3
url = %(check)s
bucket = big
region = eu-central-1
access_key = AKIDTEST
secret_key = %(secret)s
batch_size = 5000
batch_max_age = 3600

[sink.s3forged]
type = s3
url = %(check)s
bucket = forged
region = eu-central-1
access_key = AKIDTEST
secret_key = not-the-secret
batch_size = 10
batch_max_age = 1
""" % {"check": check.url, "secret": SECRET}
if have_s3rver:
    conf += """
[sink.s3]
type = s3
url = http://127.0.0.1:%d
bucket = leads
region = us-east-1
access_key = S3RVER
secret_key = S3RVER
prefix = kiosks/
batch_size = 10
batch_max_age = 1

[sink.s3bad]
type = s3
url = http://127.0.0.1:%d
bucket = leads
access_key = NOBODY
secret_key = x
batch_size = 10
batch_max_age = 1
""" % (port, port)
d = Daemon(t, conf)
KEY = re.compile(r"^lake/show=t1/date=\d{4}-\d\d-\d\d/device=test-kiosk/[0-9a-f]{64}\.ndjson$")


def sink(name):
    return next(s for s in d.call({"cmd": "sync_status"})["sinks"] if s["name"] == name)


def lines(root, bucket, keys):
    out = []
    for k in keys:
        with open(os.path.join(root, bucket, k)) as f:
            out += [json.loads(x) for x in f if x.strip()]
    return out


try:
    # Three answers lost and one 500 on the first PUTs of s3check's lake.
    check.state.fault_prefix = "lake/show="
    check.state.faults = ["lost", "500", "lost", "lost"]
    d.start()
    leads = [d.capture(mecard(i))["lead"] for i in range(35)]
    ids = {l["id"]: l for l in leads}
    ok(wait_for(lambda: sink("s3check")["pending"] == 0, 30), "s3check: drained despite faults")
    with check.state.lock:
        puts = [r for r in check.state.requests if r["method"] == "PUT" and r["bucket"] == "leads"
                and r["key"].startswith("lake/show=")]
        good = [r for r in puts if not r["refused"]]
    keys = [k for k in check.objects("leads") if k.startswith("lake/show=")]
    ok(len(good) >= 4 and len(good) == len(puts),
       "botocore verified every PUT of the right key (%d)" % len(good))
    is_([r["key"] for r in good if not KEY.match(r["key"])], [],
        "keys are PREFIX show=SHOW/date=DAY/device=DEVICE/BATCH.ndjson")
    ok(all(r["headers"].get("If-None-Match") == "*" for r in good), "every PUT: If-None-Match: *")
    ok(not any("Expect" in r["headers"] for r in good), "no Expect header on small uploads")
    lost = [i for i, r in enumerate(good) if r.get("fault") == "lost" and r["status"] == 200]
    ok(len(lost) >= 2 and all(any(r["key"] == good[i]["key"] and r["status"] == 412
                                  for r in good[i + 1:]) for i in lost),
       "each retry after a lost answer puts the same key again and gets 412 (%d)" % len(lost))
    docs = lines(check.state.root, "leads", keys)
    seen = {}
    for doc in docs:
        seen[(doc["id"], doc["version"])] = seen.get((doc["id"], doc["version"]), 0) + 1
    is_(set(i for i, _ in seen), set(ids), "every lead is in the lake")
    is_(max(seen.values()), 1, "no lead version is in two objects (%d objects)" % len(keys))
    ok(all(doc["captured_at_ms"] == ids[doc["id"]]["captured_at_ms"] for doc in docs),
       "capture times as captured")
    for k in keys:
        body = open(os.path.join(check.state.root, "leads", k), "rb").read()
        first = json.loads(body.splitlines()[0])
        day = datetime.datetime.utcfromtimestamp(first["captured_at_ms"] / 1000).strftime("%Y-%m-%d")
        if "date=%s/" % day not in k:
            ok(False, "the key's date is the capture day: %s" % k)
            break
    else:
        ok(True, "every key's date is its leads' capture day (UTC)")

    # An update: a new version in a new object; the old one stays.
    lid = leads[0]["id"]
    d.call({"cmd": "note", "lead": lid, "operator": "op", "note": "call back"})
    ok(wait_for(lambda: any(doc["id"] == lid and doc["version"] == 2 for doc in
                            lines(check.state.root, "leads", [k for k in check.objects("leads")
                                                              if k.startswith("lake/show=")])), 15),
       "an update lands as version 2 in a new object")

    # The fleet heartbeat: fleet/DEVICE.json, overwritten.
    ok(wait_for(lambda: os.path.exists(os.path.join(check.state.root, "leads", "lake", "fleet",
                                                    "test-kiosk.json")), 15),
       "heartbeat put at PREFIX fleet/DEVICE.json")
    hb = json.load(open(os.path.join(check.state.root, "leads", "lake", "fleet",
                                     "test-kiosk.json")))
    ok(hb["device"] == "test-kiosk" and "queue_depth" in hb and "last_success" in hb
       and hb["sent_at"], "with device, queue depth, last success, sent_at")
    with check.state.lock:
        hbs = [r for r in check.state.requests if r["key"].endswith("fleet/test-kiosk.json")]
    ok(hbs and all(r["refused"] is None for r in hbs), "signed like every upload")

    # Over 1 MiB: libcurl's own Expect: 100-continue, unsigned, accepted.
    cap = Capturer(d)
    for i in range(1400):
        cap.capture(mecard(1000 + i).replace(";;", ";ADR:%s;;" % ("Kowloon Bay " * 60)))
    d.cli("sync", "now")
    ok(wait_for(lambda: sink("s3big")["pending"] == 0, 60), "s3big: one batch of 1435 leads sent")
    with check.state.lock:
        big = [r for r in check.state.requests if r["bucket"] == "big"]
    ok(big and big[-1]["len"] > 1024 * 1024 and big[-1]["refused"] is None,
       "a %d-byte upload passes botocore's check" % (big[-1]["len"] if big else 0))
    ok(big and big[-1].get("expect") == "100-continue"
       and "expect" not in big[-1]["headers"].get("Authorization", ""),
       "with libcurl's own Expect: 100-continue, which it does not sign")

    # The wrong secret: refused, parked with the reason.
    ok(wait_for(lambda: sink("s3forged")["rejected"] > 0, 15), "the wrong secret is refused")
    ok("SignatureDoesNotMatch" in (sink("s3forged")["last_error"] or ""),
       "and the reason is kept: %s" % sink("s3forged")["last_error"])

    if have_s3rver:
        ok(wait_for(lambda: sink("s3")["pending"] == 0, 30), "s3rver: drained")
        objs = sorted(glob.glob(os.path.join(s3dir, "leads", "**", "*._S3rver_object"),
                                recursive=True))
        skeys = [os.path.relpath(o, os.path.join(s3dir, "leads"))[:-len("._S3rver_object")]
                 for o in objs]
        pat = re.compile(r"^kiosks/show=t1/date=\d{4}-\d\d-\d\d/device=test-kiosk/[0-9a-f]{64}"
                         r"\.ndjson$")
        is_([k for k in skeys if not pat.match(k)], [], "s3rver: Hive-style keys")
        got = set()
        for o in objs:
            got |= {json.loads(x)["id"] for x in open(o) if x.strip()}
        ok(set(ids) <= got, "s3rver: every lead in its objects")
        ok(wait_for(lambda: sink("s3bad")["rejected"] > 0, 15), "an unknown access key is refused")
        ok("InvalidAccessKeyId" in (sink("s3bad")["last_error"] or "") or
           "Access Key" in (sink("s3bad")["last_error"] or ""),
           "and the server's reason is kept: %s" % sink("s3bad")["last_error"])
    else:
        diag("s3rver not installed (board/install-deps.sh test): its part skipped")
    # A lost answer, failed retries, more leads, a SIGKILL and a restart: the
    # retry still carries exactly the rows of the lost attempt (the partial
    # batch's size is kept in the store), so it finds its object.
    with check.state.lock:
        check.state.faults = ["lost"] + ["500"] * 200
        mark = len(check.state.requests)
    first = [d.capture(mecard(5000 + i))["lead"] for i in range(3)]
    ok(wait_for(lambda: any(r.get("fault") == "lost" for r in check.state.requests[mark:]), 15),
       "a partial batch of 3 is stored but its answer lost")
    ok(wait_for(lambda: any(r.get("fault") == "500" for r in check.state.requests[mark:]), 15),
       "its retries fail")
    later = [d.capture(mecard(6000 + i))["lead"] for i in range(5)]
    d.kill()
    with check.state.lock:
        check.state.faults = []
    d.start()
    ok(wait_for(lambda: sink("s3check")["pending"] == 0, 30), "after a restart: drained")
    with check.state.lock:
        after = [r for r in check.state.requests[mark:] if r["bucket"] == "leads"
                 and r["key"].startswith("lake/show=") and not r["refused"]]
    lost_key = next(r["key"] for r in after if r.get("fault") == "lost")
    ok(all(r["key"] == lost_key for r in after if r.get("fault") in ("lost", "500")),
       "every retry before the restart put the same key")
    ok(any(r["key"] == lost_key and r["status"] == 412 for r in after),
       "and the retry after the restart too: 412")
    docs = lines(check.state.root, "leads", [k for k in check.objects("leads")
                                             if k.startswith("lake/show=")])
    seen = {}
    for doc in docs:
        seen[(doc["id"], doc["version"])] = seen.get((doc["id"], doc["version"]), 0) + 1
    ok({l["id"] for l in first + later} <= {i for i, _ in seen}, "all 8 leads in the lake")
    is_(max(seen.values()), 1, "still no lead version in two objects")

    refused = [r for r in check.state.requests if r["refused"] and r["bucket"] != "forged"]
    is_(refused, [], "nothing but the forged sink was refused")
finally:
    rc = d.stop()
    if s3:
        s3.terminate()
        s3.wait()
    check.close()
is_(rc, 0, "daemon stops cleanly")
done()
