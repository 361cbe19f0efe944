#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The sync worker's main paths under valgrind (memcheck, full leak check):
# HTTPS webhook batches with gzip and HMAC, a 500 and a reset retried, a 400
# parked and re-queued, an untrusted certificate, a spool, the heartbeat, a
# show-form pull with ETag, a SIGHUP reload (worker stopped and started with
# transfers in flight), and a clean stop; the sinks' answer ops too: a
# Standard Webhooks sink, S3 with a lost answer (412) and the heartbeat put
# into the bucket, the Salesforce REST sink (JWT signed with the key, token
# exchange, per-record errors) and the HubSpot CRM upsert (207, a lead
# without e-mail). Any definite or indirect leak, or any memory error, fails
# the test.
import os
import signal
import subprocess
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from synclib import *  # noqa: E402,F403
from crmsim import HubSpotSim, SalesforceSim  # noqa: E402
from s3check import S3CheckServer  # noqa: E402

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
s3 = S3CheckServer(os.path.join(t, "s3"), {"AKVG": "vg-secret"})
s3.state.fault_prefix = "show="
s3.state.faults = ["lost"]
key = os.path.join(t, "sf.key")
subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", key], check=True,
               capture_output=True)
pub = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], check=True,
                     capture_output=True).stdout
sf = SalesforceSim(pub, "vg-client", ["vg@example.com"])
hs = HubSpotSim("vg-token")
conf = """[sync]
ca_bundle = %(ca)s
backoff_base_ms = 100
backoff_max = 1
low_speed_time = 1
heartbeat_url = %(url)s/hb
heartbeat_interval = 5
heartbeat_sink = s3
show_url = %(url)s/form.json

[sink.hook]
type = webhook
url = %(url)s/hook
secret = vg
signature = hmac-hex
batch_size = 5
batch_max_age = 0

[sink.usb]
type = spool
dir = %(spool)s
batch_max_age = 0

[sink.std]
type = webhook
url = %(url)s/std
secret = whsec_dmFsZ3JpbmQtc2VjcmV0LWtleS0xMjM0NTY=
batch_size = 5
batch_max_age = 0

[sink.s3]
type = s3
url = %(s3)s
bucket = b
access_key = AKVG
secret_key = vg-secret
batch_max_age = 0

[sink.sf]
type = salesforce_rest
login_url = %(sf)s
client_id = vg-client
username = vg@example.com
private_key = %(key)s
fields = LastName=family_name,Company=company,Description=notes
batch_max_age = 0

[sink.hs]
type = hubspot_crm
url = %(hs)s
token = vg-token
fields = email=email,lastname=family_name,matchbooth_notes=notes
batch_max_age = 0
""" % {"ca": certs.ca, "url": srv.url, "spool": spool, "s3": s3.url, "sf": sf.url, "key": key,
       "hs": hs.url}
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
    d.capture("MECARD:N:Nocompany,Ann;EMAIL:ann@example.com;UID:V1;;")  # refused by Salesforce
    d.capture("MECARD:N:Nomail,Bo;ORG:Acme;UID:V2;;")  # parked by hubspot_crm, never sent
    ok(wait_for(lambda: all(s["pending"] == 0 for s in d.call({"cmd": "sync_status"})["sinks"]
                            if s["name"] in ("std", "s3", "sf", "hs")), 90),
       "webhook (standard), s3, salesforce_rest and hubspot_crm drained")
    ok(any(r["status"] == 412 for r in s3.state.requests), "s3: a lost answer, then 412")
    ok(wait_for(lambda: s3.objects("b") and any(k.startswith("fleet/") for k in s3.objects("b")),
                30), "heartbeat put into the bucket")
    ok(sf.exchanges >= 1 and len(sf.records) == 16,
       "salesforce: token and 16 records (one refused)")
    ok(len(hs.contacts) == 16, "hubspot: 16 contacts (one without e-mail)")
finally:
    rc = d.stop()
    srv.close()
    s3.close()
    sf.close()
    hs.close()
is_(rc, 0, "daemon exits 0 under valgrind (no leak, no memory error)")
if rc != 0 and os.path.exists(vlog):
    diag(open(vlog).read()[-4000:])
done()
