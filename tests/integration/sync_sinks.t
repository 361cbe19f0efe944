#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The other sink types and the worker's side jobs, against real servers on
# loopback: spool (atomic NDJSON files in the lake layout, a missing
# directory retried, stale temp files swept), hubspot
# (field mapping, legalConsentOptions from the lead's consents, submittedAt =
# capture time, 50 requests per 10 s kept client-side), salesforce
# (Web-to-Lead form posts, status says it cannot confirm), one dead sink not
# holding the others back, the heartbeat, and the show form / catalog pulls
# with ETag that keep the old file when a download is invalid.
import os
import re
import signal
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403

t = tmpdir("sinks")
srv = RecordingServer()
st = srv.state
spool = os.path.join(t, "stick", "leads")
form = os.path.join(t, "form.json")
catalog = os.path.join(t, "catalog.json")
with open(form, "w") as f:
    f.write('{"questions": [], "consents": []}')
st.files["/form.json"] = (b'{"questions": [{"id": "interest", "type": "text"}], "consents": []}',
                          '"form-v1"')
st.files["/catalog.json"] = (json.dumps([{"id": "s1", "name": "Widget Works",
                                           "url": "https://widget.example/", "country": "HK",
                                           "categories": ["printers"]}]).encode(), '"cat-v1"')
dead = free_port()  # nothing listens there
certs = Certs(t)
tls = RecordingServer(certs)  # for public-key pinning
conf = """[sync]
ca_bundle = %(ca)s
backoff_base_ms = 100
backoff_max = 1
offline_after = 100
heartbeat_url = %(url)s/hb
heartbeat_interval = 5
show_url = %(url)s/form.json
catalog_url = %(url)s/catalog.json
catalog_file = %(catalog)s

[sink.spool]
type = spool
dir = %(spool)s
batch_size = 20
batch_max_age = 0

[sink.hs]
type = hubspot
url = %(url)s/submissions/v3/integration/submit
portal_id = 12345
form_guid = 0b1e2d3c-aaaa-bbbb-cccc-000000000001
fields = email=email,firstname=given_name,lastname=family_name,company=company
consent_process = process
consent_subscriptions = newsletter=999
consent_text = I agree to be contacted.

[sink.sf]
type = salesforce
url = %(url)s/servlet/servlet.WebToLead?encoding=UTF-8
oid = 00D000000000001
fields = first_name=given_name,last_name=family_name,email=email,company=company,lead_source=show

[sink.pinned]
type = webhook
url = %(tls)s/pinned
pinned_pubkey = %(badpin)s

[sink.goodpin]
type = webhook
url = %(tls)s/goodpin
pinned_pubkey = %(goodpin)s
batch_max_age = 0

[sink.dead]
type = webhook
url = http://127.0.0.1:%(dead)d/hook
connect_timeout = 1
""" % {"url": srv.url, "spool": spool, "catalog": catalog, "dead": dead, "ca": certs.ca,
       "tls": tls.url, "badpin": pubkey_pin(certs.evil_crt), "goodpin": pubkey_pin(certs.crt)}
conf = conf.replace("connect_timeout = 1\n", "")
with open(os.path.join(t, "form-path"), "w"):
    pass
d = Daemon(t, conf)
with open(d.conf, "r+") as f:
    c = f.read().replace("name = Test show\n", "name = Test show\nform = %s\n" % form)
    f.seek(0)
    f.write(c)


def sink(name):
    return next(s for s in d.call({"cmd": "sync_status"})["sinks"] if s["name"] == name)


def reqs(prefix):
    with st.lock:
        return [r for r in st.requests if r["path"].startswith(prefix)]


try:
    d.start()
    # ---- pulls: on start, with ETag; 304 keeps; invalid keeps -----------------------------
    ok(wait_for(lambda: "interest" in open(form).read(), 10), "show form pulled and swapped in")
    ok(wait_for(lambda: b"config reloaded" in open(os.path.join(t, "daemon.log"), "rb").read(), 10),
       "the daemon reloads to bring the new form in")
    ok(wait_for(lambda: os.path.exists(catalog) and "Widget" in open(catalog).read(), 10),
       "catalog pulled to catalog_file")
    ok(wait_for(lambda: b"catalog updated: 1 suppliers"
                in open(os.path.join(t, "daemon.log"), "rb").read(), 10),
       "and imported into the store")
    ok("Widget Works" in d.cli("catalog", "search", "Widget").stdout, "catalog search finds it")
    # Valid JSON the importer refuses (no url): the file is swapped, the
    # import is refused in one transaction, and the old catalog stays.
    st.files["/catalog.json"] = (b'[{"id": "s2", "name": "No Url Ltd"}]', '"cat-v2"')
    d.cli("sync", "now")
    ok(wait_for(lambda: b"pulled catalog refused"
                in open(os.path.join(t, "daemon.log"), "rb").read(), 10),
       "a catalog the importer refuses is reported")
    ok("Widget Works" in d.cli("catalog", "search", "Widget").stdout,
       "and the old catalog stays in use")
    d.cli("sync", "now")
    ok(wait_for(lambda: any(r["headers"].get("If-None-Match") == '"form-v1"'
                            for r in reqs("/form.json")), 10),
       "the next pull sends If-None-Match with the ETag")
    st.files["/form.json"] = (b'{"questions": [ broken', '"form-v2"')
    before = len(reqs("/form.json"))
    d.cli("sync", "now")
    wait_for(lambda: len(reqs("/form.json")) > before, 10)
    # The daemon says it refused the download: only then is "kept" meaningful.
    ok(wait_for(lambda: "download is not valid" in open(os.path.join(t, "daemon.log"),
                                                         errors="replace").read(), 10),
       "the invalid download is refused (logged)")
    ok("interest" in open(form).read(), "an invalid download keeps the old form")
    ok(not [f for f in os.listdir(t) if f.startswith("form.json.new")], "no temp file left")

    # ---- heartbeat ------------------------------------------------------------------------
    ok(wait_for(lambda: reqs("/hb"), 10), "heartbeat sent")
    hb = json.loads(reqs("/hb")[0]["body"])
    ok(hb["device"] == "test-kiosk" and hb["version"] and "queue_depth" in hb
       and "last_success" in hb, "heartbeat has device, version, queue depth, last success")

    # ---- spool: the stick is missing, then plugged in --------------------------------------
    leads = [d.capture(mecard(i))["lead"] for i in range(30)]
    ok(wait_for(lambda: sink("spool")["attempts"] > 0, 10), "spool: missing directory retried")
    ok("No such file" in (sink("spool")["last_error"] or ""), "spool: status says why")
    os.makedirs(spool)
    ok(wait_for(lambda: sink("spool")["pending"] == 0, 10), "spool: drained once the stick is in")
    # A temp file as a crash between write and rename leaves it: swept at
    # start; another kiosk's temp file in the shared folder is not ours.
    olddir = os.path.join(spool, "show=t1", "date=2026-01-01", "device=test-kiosk")
    otherdir = os.path.join(spool, "show=t1", "date=2026-01-01", "device=other-kiosk")
    os.makedirs(olddir)
    os.makedirs(otherdir)
    stale = os.path.join(olddir, "." + "0" * 64 + ".ndjson.tmp")
    other = os.path.join(otherdir, "." + "1" * 64 + ".ndjson.tmp")
    open(stale, "w").write('{"half":')
    open(other, "w").write('{"half":')
    d.proc.send_signal(signal.SIGHUP)  # reload: the worker starts again
    ok(wait_for(lambda: not os.path.exists(stale), 10), "spool: a stale temp file is swept")
    ok(os.path.exists(other), "spool: another kiosk's temp file is left alone")
    os.unlink(other)
    files = sorted(os.path.relpath(os.path.join(dp, f), spool)
                   for dp, _, fs in os.walk(spool) for f in fs)
    ok(files and all(re.match(r"^show=t1/date=\d{4}-\d\d-\d\d/device=test-kiosk/[0-9a-f]{64}"
                              r"\.ndjson$", f) for f in files),
       "spool: show=SHOW/date=DAY/device=DEVICE/BATCH.ndjson, no temp files")
    got = {}
    for f in files:
        for line in open(os.path.join(spool, f)):
            doc = json.loads(line)
            got[doc["id"]] = doc
    is_(set(got), {l["id"] for l in leads}, "spool: every lead in the files")
    ok(all(got[l["id"]]["captured_at_ms"] == l["captured_at_ms"] for l in leads),
       "spool: capture times as captured")

    # ---- a dead sink does not hold the others back -------------------------------------------
    wait_for(lambda: sink("dead")["attempts"] > 1, 10)
    dd = sink("dead")
    ok(dd["pending"] == 30 and dd["attempts"] > 0 and dd["last_error"],
       "dead sink: everything still pending, retried, error shown (%s)" % dd["last_error"])

    # ---- public-key pinning ----------------------------------------------------------------
    ok(wait_for(lambda: sink("goodpin")["pending"] == 0, 10)
       and {l["id"] for l in leads} <= set(tls.state.leads), "the right pin: delivered")
    wait_for(lambda: sink("pinned")["attempts"] > 0, 10)
    pe = sink("pinned")
    ok(pe["pending"] == 30 and "pinned" in (pe["last_error"] or "").lower(),
       "a certificate the CA trusts but the pin does not: nothing sent (%s)" % pe["last_error"])
    ok(not any(r["path"].startswith("/pinned") for r in tls.state.requests),
       "no request reached the server past the pin")

    # ---- salesforce ----------------------------------------------------------------------------
    ok(wait_for(lambda: sink("sf")["pending"] == 0, 20), "salesforce: all posted")
    sf = reqs("/servlet/")
    is_(len(sf), 30, "salesforce: one form post per lead")
    form0 = urllib.parse.parse_qs(sf[0]["body"].decode())
    ok(form0["oid"] == ["00D000000000001"] and form0["last_name"][0].startswith("Tester")
       and form0["email"][0].endswith("@example.com") and form0["lead_source"] == ["t1"],
       "salesforce: oid and the mapped fields, form-encoded")
    ok(sf[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded",
       "salesforce: form content type")
    s = sink("sf")
    ok(s["confirms_delivery"] is False and "does not confirm" in s["note"],
       "salesforce: status says Web-to-Lead cannot confirm creation")
    ok("does not confirm" in d.cli("sync", "status").stdout, "and so does `sync status`")

    # ---- hubspot: fields, submittedAt, 50 per 10 s -------------------------------------------
    ok(wait_for(lambda: len(reqs("/submissions/")) >= 30, 20), "hubspot: 30 submissions")
    hs = reqs("/submissions/")
    ok(all(r["path"] == "/submissions/v3/integration/submit/12345/"
           "0b1e2d3c-aaaa-bbbb-cccc-000000000001" for r in hs), "hubspot: portal and form in URL")
    b0 = json.loads(hs[0]["body"])
    names = {f["name"]: f["value"] for f in b0["fields"]}
    ok(set(names) == {"email", "firstname", "lastname", "company"}
       and all(f["objectTypeId"] == "0-1" for f in b0["fields"]), "hubspot: mapped fields only")
    by_email = {l["emails"][0]: l for l in leads}
    ok(all(json.loads(r["body"])["submittedAt"]
           == by_email[{f["name"]: f["value"] for f in json.loads(r["body"])["fields"]}["email"]]
           ["captured_at_ms"] for r in hs), "hubspot: submittedAt is the capture time")
    ok("legalConsentOptions" not in b0, "hubspot: no consent block for a lead never asked")
    # 25 more: 55 in all; no more than 50 may start within any 10 s.
    more = [d.capture(mecard(100 + i))["lead"] for i in range(25)]
    ok(wait_for(lambda: sink("hs")["pending"] == 0, 25), "hubspot: 55 submitted")
    times = sorted(r["time"] for r in reqs("/submissions/"))
    worst = max(sum(1 for x in times if a <= x < a + 10) for a in times)
    ok(worst <= 50, "hubspot: at most 50 requests in any 10 s (%d)" % worst)

    # ---- hubspot: consents become legalConsentOptions ------------------------------------------
    lid = leads[0]["id"]
    db = sqlite3.connect(os.path.join(d.data, "leads.db"), timeout=10)
    db.execute("INSERT INTO consents VALUES (?, 'process', 1, 'v3', 'en', 1)", (lid,))
    db.execute("INSERT INTO consents VALUES (?, 'newsletter', 0, 'v3', 'en', 1)", (lid,))
    db.commit()
    db.close()
    d.call({"cmd": "note", "lead": lid, "operator": "op", "note": "met at booth"})
    ok(wait_for(lambda: sink("hs")["pending"] == 0 and len(reqs("/submissions/")) == 56, 15),
       "hubspot: the update is submitted")
    lc = json.loads(reqs("/submissions/")[-1]["body"]).get("legalConsentOptions")
    is_(lc, {"consent": {"consentToProcess": True, "text": "I agree to be contacted.",
                         "communications": [{"value": False, "subscriptionTypeId": 999,
                                             "text": "I agree to be contacted."}]}},
        "hubspot: legalConsentOptions from the lead's consents")
    is_(sink("dead")["pending"], 55, "the dead sink still holds its queue (the update raised "
        "its pending row)")
finally:
    rc = d.stop()
    srv.close()
    tls.close()
is_(rc, 0, "daemon stops cleanly")
done()
