#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Standard Webhooks, the webhook sink's default signature, checked by the
# specification's own library (npm standardwebhooks, installed by
# board/install-deps.sh into tests/sync) as a receiver would use it:
#
#  * every request the server records (JSON and NDJSON, gzipped or not,
#    first attempts and retries) verifies with the whsec_ secret;
#  * a retry of the same rows carries the same webhook-id (a receiver
#    de-duplicates on it) but its own timestamp and signature;
#  * the same requests replayed six minutes later are refused for their
#    timestamp, and a changed body is refused for its signature;
#  * a secret that is not whsec_ + base64 stops the daemon with the key named.
import base64
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403

here = os.path.dirname(os.path.abspath(__file__))
sdir = os.path.join(here, "..", "sync")
if not os.path.isdir(os.path.join(sdir, "node_modules", "standardwebhooks")) or \
        not shutil.which("node"):
    print("1..0 # SKIP standardwebhooks not installed (board/install-deps.sh test)")
    sys.exit(0)

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
t = tmpdir("whstd")
srv = RecordingServer()
st = srv.state
conf = """[sync]
backoff_base_ms = 100
backoff_max = 1

[sink.json]
type = webhook
url = %(url)s/json
secret = %(secret)s
batch_size = 5
batch_max_age = 0

[sink.nd]
type = webhook
url = %(url)s/nd
format = ndjson
gzip = false
secret = %(secret)s
batch_size = 7
batch_max_age = 0
""" % {"url": srv.url, "secret": SECRET}
d = Daemon(t, conf)


def verify(reqs, offset=0):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=t)
    json.dump([{"headers": r["headers"], "body_b64": base64.b64encode(r["body"]).decode()}
               for r in reqs], f)
    f.close()
    args = ["node", os.path.join(sdir, "verify-webhooks.js"), SECRET, f.name]
    out = subprocess.run(args + ([str(offset)] if offset else []), capture_output=True,
                         text=True, timeout=60, cwd=sdir)
    if out.returncode:
        diag(out.stderr)
    return [json.loads(x) for x in out.stdout.splitlines()]


def posts(prefix):
    with st.lock:
        return [r for r in st.requests if r["path"].startswith(prefix) and "body" in r]


try:
    # The first answer of /json is lost after the server took the batch.
    st.fault_path = "/json"
    st.faults = ["lost"]
    d.start()
    leads = [d.capture(mecard(i))["lead"] for i in range(20)]
    ok(wait_for(lambda: all(l["id"] in st.leads for l in leads) and
                len(posts("/nd")) >= 3, 20), "20 leads delivered to both sinks")
    d.call({"cmd": "note", "lead": leads[3]["id"], "operator": "ann", "note": "Grüße, 再见"})
    ok(wait_for(lambda: st.leads[leads[3]["id"]]["version"] == 2, 10), "an update goes out")
    reqs = posts("/json") + posts("/nd")
    ok(any(r["headers"].get("Content-Encoding") == "gzip" for r in reqs),
       "some bodies were gzipped (the signature covers the uncompressed body)")
    res = verify(reqs)
    is_(len(res), len(reqs), "the library looked at every request (%d)" % len(reqs))
    bad = [(r["path"], v["error"]) for r, v in zip(reqs, res) if not v["ok"]]
    is_(bad, [], "standardwebhooks verifies every request")
    ok(all(r["headers"].get("webhook-id") and r["headers"].get("webhook-timestamp")
           and r["headers"]["webhook-signature"].startswith("v1,") for r in reqs),
       "webhook-id, webhook-timestamp and webhook-signature: v1,… on each")
    ok(not any("X-Matchbooth-Signature" in r["headers"] for r in reqs),
       "no old X-Matchbooth-Signature header by default")
    js = posts("/json")
    first, second = js[0], js[1]
    is_(second["headers"]["webhook-id"], first["headers"]["webhook-id"],
        "the retry after the lost answer carries the same webhook-id")
    is_(json.loads(second["body"])["leads"], json.loads(first["body"])["leads"],
        "and the same leads")
    ok(second["headers"]["webhook-signature"] != first["headers"]["webhook-signature"]
       or second["headers"]["webhook-timestamp"] == first["headers"]["webhook-timestamp"],
       "signed again for its own timestamp")
    is_(first["headers"]["webhook-id"], first["headers"]["Idempotency-Key"],
        "webhook-id is the batch's Idempotency-Key")
    ids = [r["headers"]["webhook-id"] for r in js[1:]]
    is_(len(set(ids)), len(ids), "other batches, other ids")

    # A replay of the captured requests six minutes later.
    late = verify(reqs, 360)
    ok(late and all(not v["ok"] and "too old" in v["error"] for v in late),
       "replayed 6 minutes later: refused for the timestamp (%s)"
       % (late[0]["error"] if late else "no result"))
    forged = dict(reqs[0])
    forged["body"] = reqs[0]["body"].replace(b"Tester", b"Mallory", 1)
    res = verify([forged])
    ok(res and not res[0]["ok"] and "signature" in res[0]["error"].lower(),
       "a changed body: refused for the signature (%s)" % (res[0]["error"] if res else ""))
finally:
    rc = d.stop()
    srv.close()
is_(rc, 0, "daemon stops cleanly")

# A secret that is not a Standard Webhooks secret is a config error.
t2 = tmpdir("whbad")
d2 = Daemon(t2, "[sink.x]\ntype = webhook\nurl = %s/x\nsecret = plain-text\n" % srv.url)
try:
    d2.start()
    ok(False, "the daemon refuses a secret that is not whsec_ + base64")
except RuntimeError:
    log = open(os.path.join(t2, "daemon.log")).read()
    ok("[sink.x] secret" in log and "whsec_" in log,
       "the daemon refuses a secret that is not whsec_ + base64, naming the key")
finally:
    d2.stop()
done()
