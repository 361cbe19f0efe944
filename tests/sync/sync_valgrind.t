#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The sync worker's main paths under valgrind (memcheck, full leak check):
# HTTPS webhook batches with gzip and HMAC, a 500 and a reset retried, a 400
# parked and re-queued, an untrusted certificate, a spool, the heartbeat, a
# show-form pull with ETag, a SIGHUP reload (worker stopped and started with
# transfers in flight), and a clean stop. Any definite or indirect leak, or
# any memory error, fails the test.
import os
import signal
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from synclib import *  # noqa: E402,F403

if not shutil.which("valgrind"):
    print("1..0 # SKIP valgrind not installed")
    sys.exit(0)

t = tmpdir("sync-vg")
certs = Certs(t)
srv = RecordingServer(certs)
st = srv.state
st.secret = "vg"
st.fault_path = st.secret_path = "/hook"
form = os.path.join(t, "form.json")
with open(form, "w") as f:
    f.write('{"questions": [], "consents": []}')
st.files["/form.json"] = (b'{"questions": [{"id": "q1", "type": "text"}], "consents": []}', '"f1"')
spool = os.path.join(t, "spool")
os.makedirs(spool)
conf = """[sync]
ca_bundle = %(ca)s
backoff_base_ms = 100
backoff_max = 1
low_speed_time = 1
heartbeat_url = %(url)s/hb
heartbeat_interval = 5
show_url = %(url)s/form.json

[sink.hook]
type = webhook
url = %(url)s/hook
secret = vg
batch_size = 5
batch_max_age = 0

[sink.usb]
type = spool
dir = %(spool)s
batch_max_age = 0
""" % {"ca": certs.ca, "url": srv.url, "spool": spool}
vlog = os.path.join(t, "valgrind.log")
d = Daemon(t, conf, wrapper=["valgrind", "--leak-check=full",
                              "--show-leak-kinds=definite,indirect",
                              "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                              "-q", "--log-file=" + vlog])
with open(d.conf, "r+") as f:
    c = f.read().replace("name = Test show\n", "name = Test show\nform = %s\n" % form)
    f.seek(0)
    f.write(c)
try:
    d.start()
    ok(wait_for(lambda: "q1" in open(form).read(), 30), "show form pulled")
    time.sleep(1)
    st.faults = ["500", "reset", "400", "400"]  # a batch refused, then one lead of it
    leads = [d.capture(mecard(i))["lead"] for i in range(12)]
    ok(wait_for(lambda: d.call({"cmd": "sync_status"})["rejected"] >= 1, 60), "a lead parked")
    d.cli("sync", "retry")
    ok(wait_for(lambda: all(l["id"] in st.leads for l in leads), 60), "all delivered")
    srv.set_untrusted(True)
    more = [d.capture(mecard(100 + i))["lead"] for i in range(3)]
    wait_for(lambda: (d.call({"cmd": "sync_status"})["sinks"][0]["last_error"] or "")
             .lower().find("certificate") >= 0, 30)
    srv.set_untrusted(False)
    mark = len(open(os.path.join(t, "daemon.log"), errors="replace").read())
    d.proc.send_signal(signal.SIGHUP)  # reload with work queued
    ok(wait_for(lambda: "config reloaded" in open(os.path.join(t, "daemon.log"),
                                                  errors="replace").read()[mark:], 60),
       "reloaded under valgrind")
    d.cli("sync", "now")
    ok(wait_for(lambda: all(l["id"] in st.leads for l in more), 60), "delivered after reload")
    ok(wait_for(lambda: d.call({"cmd": "sync_status"})["pending"] == 0, 30), "spool drained too")
    ok(any(r["path"] == "/hb" for r in st.requests), "heartbeat sent")
finally:
    rc = d.stop()
    srv.close()
is_(rc, 0, "daemon exits 0 under valgrind (no leak, no memory error)")
if rc != 0 and os.path.exists(vlog):
    diag(open(vlog).read()[-4000:])
done()
