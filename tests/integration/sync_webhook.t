#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The webhook sink against a real HTTPS server on loopback: signed (the old
# hex HMAC, signature = hmac-hex; Standard Webhooks, the default, is checked
# by sync_webhook_std.t with the standardwebhooks library), gzipped
# batches with an Idempotency-Key, capture times as captured, updates sent
# again, and each fault the server injects (500, 503 + Retry-After, 429,
# reset mid-body, stalled response, untrusted CA, 400 with a reason) handled:
# retried, or parked as rejected, shown by `sync status` and sent again by
# `sync retry`.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403

t = tmpdir("webhook")
certs = Certs(t)
srv = RecordingServer(certs)
st = srv.state
st.secret = "k3y-for-hmac"
conf = """[sync]
ca_bundle = %s
backoff_base_ms = 100
backoff_max = 2
low_speed_time = 1
offline_after = 2

[sink.hook]
type = webhook
url = %s/hook
secret = k3y-for-hmac
signature = hmac-hex
pinned_pubkey = %s
batch_size = 5
batch_max_age = 0
""" % (certs.ca, srv.url, pubkey_pin(certs.crt))
d = Daemon(t, conf)
d.start()
n_lead = [0]


def capture():
    n_lead[0] += 1
    return d.capture(mecard(n_lead[0]))["lead"]


def posts():
    with st.lock:
        return [r for r in st.requests if r["method"] == "POST"]


def delivered(lid):
    return wait_for(lambda: lid in st.leads, 15)


try:
    # --- plain delivery ----------------------------------------------------------
    leads = [capture() for _ in range(12)]
    ok(wait_for(lambda: all(l["id"] in st.leads for l in leads), 10), "12 leads delivered")
    ok(all(st.leads.get(l["id"], {}).get("captured_at_ms") == l["captured_at_ms"] for l in leads),
       "each lead keeps its capture time")
    # The server records refused requests too (sig_ok False), so this sees
    # every request that arrived, not only the ones it accepted.
    ok(posts() and all(r["sig_ok"] for r in posts()),
       "every request carries a valid HMAC-SHA256 signature (%d checked, %d bad)"
       % (len(posts()), st.bad_signatures))
    ok(all(r["headers"].get("Content-Encoding") == "gzip" for r in posts()
           if r["raw_len"] > 256), "bodies are gzipped")
    keys = [r["headers"].get("Idempotency-Key") for r in posts()]
    ok(all(k and len(k) == 64 for k in keys) and len(set(keys)) == len(keys),
       "one distinct Idempotency-Key per batch")
    ok(max(r["leads"] for r in posts()) <= 5, "batches respect batch_size")
    ok(st.deliveries and max(st.deliveries.values()) == 1, "no lead sent twice without a fault")

    # --- an update goes out again as a new version ---------------------------------
    r = d.call({"cmd": "note", "lead": leads[0]["id"], "operator": "ann", "note": "call back",
                "rating": 4})
    ok(r.get("ok"), "note stored")
    ok(wait_for(lambda: st.leads.get(leads[0]["id"], {}).get("version") == 2, 10),
       "the note goes out as version 2 of the same lead")
    is_(st.leads.get(leads[0]["id"], {}).get("captured_at_ms"), leads[0]["captured_at_ms"],
        "the update keeps the capture time")

    # --- a change while its previous version is in flight: sent again ------------------
    st.stall_s = 1.5
    st.faults = ["slow"]
    l = capture()
    ok(wait_for(lambda: any(r["fault"] == "slow" for r in posts()) or st.inflight, 5),
       "version 1 is on its way (slow answer)")
    wait_for(lambda: st.inflight > 0, 5)
    d.call({"cmd": "note", "lead": l["id"], "operator": "bob", "note": "changed in flight"})
    ok(wait_for(lambda: l["id"] in st.leads and st.leads[l["id"]]["version"] == 2, 10),
       "the row was not marked sent for version 1: version 2 follows")
    is_(st.deliveries.get(l["id"]), 2, "version 1 and version 2, once each")

    # --- 500: retried with the same Idempotency-Key ----------------------------------
    before = len(posts())
    st.faults = ["500"]
    l = capture()
    ok(delivered(l["id"]), "500: delivered after a retry")
    rs = posts()[before:]
    ok(rs[0]["fault"] == "500" and rs[-1]["fault"] is None, "500: a failed then a good request")
    is_(rs[0]["headers"].get("Idempotency-Key"), rs[-1]["headers"].get("Idempotency-Key"),
        "500: the retry carries the same Idempotency-Key")

    # --- 503 + Retry-After: the wait is honoured -------------------------------------
    before = len(posts())
    st.retry_after = "2"
    st.faults = ["503"]
    l = capture()
    ok(delivered(l["id"]), "503: delivered after the Retry-After")
    rs = posts()[before:]
    gap = rs[-1]["time"] - rs[0]["time"]
    ok(gap >= 1.9, "503: retried only after Retry-After: 2 (%.2f s)" % gap)
    st.retry_after = "1"

    # --- 429 and 408 ---------------------------------------------------------------------
    for code in ("429", "408"):
        st.faults = [code]
        l = capture()
        ok(delivered(l["id"]), "%s: delivered after a retry" % code)

    # --- connection reset in the middle of the request body --------------------------------
    before = len(posts())
    st.faults = ["reset"]
    l = capture()
    ok(delivered(l["id"]), "reset mid-body: delivered on a new connection")

    # --- a stalled response: the low-speed timeout aborts it ---------------------------------
    st.stall_s = 4
    t0 = time.time()
    st.faults = ["stall"]
    l = capture()
    ok(delivered(l["id"]), "stalled response: aborted and retried (%.1f s)" % (time.time() - t0))

    # --- the answer was lost after the server stored the batch: a duplicate, same id ----------
    st.faults = ["lost"]
    l = capture()
    ok(wait_for(lambda: st.deliveries.get(l["id"], 0) >= 2, 10),
       "lost answer: the batch is sent again (at least once)")
    is_(len([x for x in st.leads if x == l["id"]]), 1, "lost answer: one lead after de-dup by id")

    # --- a certificate from an untrusted CA: nothing sent, error shown, then recovered -------
    srv.set_untrusted(True)
    before = len(posts())
    impostors = srv.state.impostor_conns
    l = capture()

    def tls_error():
        e = (d.call({"cmd": "sync_status"})["sinks"][0]["last_error"] or "").lower()
        return ("certificate" in e or "ssl" in e) and srv.state.impostor_conns > impostors

    # Wait for the attempt itself (a connection to the impostor and the error
    # it caused), not for a fixed time, before looking at what arrived.
    ok(wait_for(tls_error, 15), "untrusted CA: the sink tried, and status says why: %s"
       % d.call({"cmd": "sync_status"})["sinks"][0]["last_error"])
    ok(l["id"] not in st.leads and len(posts()) == before,
       "untrusted CA: nothing is sent to the impostor")
    ok(wait_for(lambda: d.call({"cmd": "status"})["sync"]["network"] == "offline", 10),
       "repeated transport failures: status shows offline")
    srv.set_untrusted(False)
    d.cli("sync", "now")
    ok(delivered(l["id"]), "untrusted CA: delivered once the right certificate is back")
    is_(d.call({"cmd": "status"})["sync"]["network"], "offline",
        "hysteresis: one answer is not enough to show online again")
    l = capture()
    ok(delivered(l["id"]), "next lead delivered")
    ok(wait_for(lambda: d.call({"cmd": "status"})["sync"]["network"] == "online", 10),
       "back online in status after online_after answers")

    # --- 400 with a reason: parked, shown, sent again on `sync retry` ---------------------------
    st.faults = ["400"]
    l = capture()
    ok(wait_for(lambda: d.call({"cmd": "sync_status"})["rejected"] == 1, 10),
       "400: the lead is parked as rejected")
    out = d.cli("sync", "status").stdout
    ok("field 'email' is not valid" in out and l["id"] in out,
       "400: sync status shows the lead and the server's reason")
    ok(l["id"] not in st.leads, "400: not delivered")
    l2 = capture()
    ok(delivered(l2["id"]), "a rejected lead does not hold back the next one")
    r = d.cli("sync", "retry")
    ok(r.returncode == 0 and "1 rejected" in r.stdout, "sync retry re-queues it")
    ok(delivered(l["id"]), "400: delivered after sync retry")
    is_(d.call({"cmd": "sync_status"})["rejected"], 0, "nothing left rejected")

    # --- a batch with one bad lead: split, and only that lead is parked -------------------------
    # A 503 with Retry-After holds the sink back while five leads queue up
    # (its retry carries only the lead it failed with: same rows, same key);
    # then the batch of five is refused with 400, then sent lead by lead.
    st.retry_after = "2"
    st.faults = ["503", None, "400", None, "400", None, None, None]
    n503 = len([r for r in posts() if r["fault"] == "503"])
    holder = capture()
    wait_for(lambda: len([r for r in posts() if r["fault"] == "503"]) > n503, 10)
    many = [capture() for _ in range(5)]
    ok(wait_for(lambda: d.call({"cmd": "sync_status"})["pending"] == 0, 15),
       "a rejected batch is split and drained")
    rej = d.call({"cmd": "sync_status"})["sinks"][0]["rejected_leads"]
    is_([r["lead"] for r in rej], [many[1]["id"]], "only the lead the server refused is parked")
    ok(all(m["id"] in st.leads for m in many if m is not many[1]), "the other four delivered")
    d.cli("sync", "retry")
    ok(wait_for(lambda: all(m["id"] in st.leads for m in many), 10), "all delivered after retry")
    if not all(m["id"] in st.leads for m in many):
        diag(d.cli("sync", "status").stdout)
        diag(st.faults)
    ok(st.bad_signatures == 0, "no bad signature in the whole run")
    ok(all(st.leads[x]["captured_at_ms"] > 0 for x in st.leads), "capture times present")
finally:
    rc = d.stop()
    srv.close()
is_(rc, 0, "daemon stops cleanly")
done()
