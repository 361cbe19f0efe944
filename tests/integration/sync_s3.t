#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The s3 sink against s3rver (an S3-compatible server from npm, installed by
# board/install-deps.sh into tests/s3): one NDJSON object per batch under
# PREFIX DEVICE/DAY/TIME-BATCH.ndjson, keys that never collide, every lead
# with its capture time. s3rver does not check SigV4 signatures itself, so a
# second s3 sink goes to the recording server, which does (canonical request,
# scope, payload hash), and a third with an unknown access key is refused by
# s3rver and parked with its reason.
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403

here = os.path.dirname(os.path.abspath(__file__))
s3bin = os.path.join(here, "..", "s3", "node_modules", ".bin", "s3rver")
if not os.path.exists(s3bin) or not shutil.which("node"):
    print("1..0 # SKIP s3rver not installed (board/install-deps.sh test)")
    sys.exit(0)
try:
    import botocore.auth  # noqa: F401  the independent SigV4 check
except ImportError:
    print("1..0 # SKIP python3-botocore not installed (board/install-deps.sh test)")
    sys.exit(0)

t = tmpdir("s3")
s3dir = os.path.join(t, "s3rver")
os.makedirs(s3dir)
port = free_port()
s3 = subprocess.Popen([s3bin, "-d", s3dir, "-a", "127.0.0.1", "-p", str(port), "--silent",
                       "--configure-bucket", "leads"],
                      stdout=subprocess.DEVNULL, stderr=open(os.path.join(t, "s3rver.log"), "w"))
ok(wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 20), "s3rver is up")
check = RecordingServer()
check.state.sigv4 = ("AKIDTEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
conf = """[sync]
backoff_base_ms = 100
backoff_max = 1

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

[sink.s3check]
type = s3
url = %s/
bucket = leads
region = eu-central-1
access_key = AKIDTEST
secret_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
batch_size = 10
batch_max_age = 1

[sink.s3forged]
type = s3
url = %s
bucket = forged
region = eu-central-1
access_key = AKIDTEST
secret_key = not-the-secret
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
""" % (port, check.url, check.url, port)
d = Daemon(t, conf)
try:
    d.start()
    leads = [d.capture(mecard(i))["lead"] for i in range(35)]
    ids = {l["id"]: l for l in leads}

    def sink(name):
        return next(s for s in d.call({"cmd": "sync_status"})["sinks"] if s["name"] == name)

    ok(wait_for(lambda: sink("s3")["pending"] == 0 and sink("s3check")["pending"] == 0, 20),
       "both s3 sinks drained")
    objs = sorted(glob.glob(os.path.join(s3dir, "leads", "**", "*._S3rver_object"),
                            recursive=True))
    keys = [os.path.relpath(o, os.path.join(s3dir, "leads"))[:-len("._S3rver_object")]
            for o in objs]
    ok(len(keys) >= 4, "one object per batch (%d objects for 35 leads, batches of 10)" % len(keys))
    pat = re.compile(r"^kiosks/test-kiosk/\d{4}-\d\d-\d\d/\d{8}T\d{6}\d{3}Z-[0-9a-f-]{36}\.ndjson$")
    bad = [k for k in keys if not pat.match(k)]
    is_(bad, [], "keys are PREFIX DEVICE/DAY/TIME-BATCH.ndjson")
    is_(len(set(keys)), len(keys), "no two batches share a key")
    got = {}
    for o in objs:
        for line in open(o):
            doc = json.loads(line)
            got[doc["id"]] = doc
    is_(set(got), set(ids), "every lead is in s3rver's objects")
    ok(all(got[i]["captured_at_ms"] == ids[i]["captured_at_ms"] for i in ids),
       "capture times as captured")
    # The checker records every request it got, refused ones included, and
    # checks each signature with botocore's SigV4 (an implementation that is
    # not ours): bucket "leads" is s3check's, bucket "forged" s3forged's.
    ok(wait_for(lambda: sink("s3forged")["rejected"] > 0, 10), "the forged sink is parked")
    puts = [r for r in check.state.requests if r["method"] == "PUT"]
    good = [r for r in puts if r["path"].startswith("/leads/")]
    forged = [r for r in puts if r["path"].startswith("/forged/")]
    ok(len(good) >= 4 and all(r["sigv4_ok"] for r in good),
       "every PUT signed with the right secret has a valid SigV4 signature (botocore: %d of %d)"
       % (len([r for r in good if r["sigv4_ok"]]), len(good)))
    ok(forged and not any(r["sigv4_ok"] for r in forged),
       "every PUT signed with the wrong secret fails botocore's check and is refused (%d)"
       % len(forged))
    is_(len(puts), len(good) + len(forged), "no other PUT reached the checker")
    ok(all(r["path"].startswith("/leads/test-kiosk/") for r in good), "path-style URLs")
    ok(set(check.state.leads) == set(ids),
       "the signature-checking endpoint accepted every lead (%d of %d)"
       % (len(set(check.state.leads) & set(ids)), len(ids)))
    ok(wait_for(lambda: sink("s3bad")["rejected"] > 0, 10), "an unknown access key is refused")
    ok("InvalidAccessKeyId" in (sink("s3bad")["last_error"] or "") or
       "Access Key" in (sink("s3bad")["last_error"] or ""),
       "and the server's reason is kept: %s" % sink("s3bad")["last_error"])
finally:
    d.stop()
    s3.terminate()
    s3.wait()
    check.close()
done()
