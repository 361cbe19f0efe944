#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The CRM upsert sinks against loopback stand-ins that check what the real
# APIs check (tests/integration/crmsim.py, which cites the documentation):
#
#  * salesforce_rest: the JWT bearer token flow (the assertion verified by
#    PyJWT against the connected app's key), the token kept across batches
#    and renewed after a revocation, sObject Collections upsert on the
#    external id, a record Salesforce refuses parked with its reason while
#    the others go, a lead changed after its first delivery updating its
#    record (no second record), a refused assertion parking nothing, and the
#    API limits: near the org's daily limit the sink pauses, and
#    REQUEST_LIMIT_EXCEEDED parks nothing.
#  * hubspot_crm: the batch upsert keyed by e-mail with a private app token,
#    two leads with one e-mail never in one batch, a lead without e-mail
#    parked without being sent, a 207 naming one input parking only that
#    lead, a note updating the same contact, the burst limit kept client-side
#    and the daily limit pausing the sink, a wrong token parking nothing.
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403
from crmsim import HubSpotSim, SalesforceSim  # noqa: E402

t = tmpdir("crm")
key = os.path.join(t, "sf.key")
subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", key], check=True, capture_output=True)
pub = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], check=True,
                     capture_output=True).stdout
os.chmod(key, 0o600)
sf = SalesforceSim(pub, "3MVG9-consumer-key", ["kiosk@acme.example"])
hs = HubSpotSim("pat-eu1-secret", burst_max=4, window_s=2)
conf = """[sync]
backoff_base_ms = 100
backoff_max = 1

[sink.sf]
type = salesforce_rest
login_url = %(sf)s
client_id = 3MVG9-consumer-key
username = kiosk@acme.example
private_key = %(key)s
fields = LastName=family_name,FirstName=given_name,Company=company,Email=email,Description=notes,LeadSource=show
batch_size = 10
batch_max_age = 1

[sink.sfbad]
type = salesforce_rest
login_url = %(sf)s
client_id = 3MVG9-consumer-key
username = intruder@acme.example
private_key = %(key)s
fields = LastName=family_name,Company=company

[sink.hs]
type = hubspot_crm
url = %(hs)s
token = pat-eu1-secret
fields = email=email,firstname=given_name,lastname=family_name,company=company,matchbooth_notes=notes,matchbooth_rating=rating,matchbooth_lead_id=id
batch_size = 10
batch_max_age = 1
rate_limit = 4
rate_window = 2

[sink.hsbad]
type = hubspot_crm
url = %(hs)s
token = pat-wrong
fields = email=email
""" % {"sf": sf.url, "hs": hs.url, "key": key}
d = Daemon(t, conf)


def sink(name):
    return next(s for s in d.call({"cmd": "sync_status", "detail": True})["sinks"]
                if s["name"] == name)


def card(i, org=True, email=None):
    return "MECARD:N:Tester%d,Jo;%sEMAIL:%s;UID:C%06d;;" % (
        i, "ORG:Acme %d;" % i if org else "", email or "jo%d@example.com" % i, i)


try:
    d.start()
    leads = [d.capture(card(i))["lead"] for i in range(12)]
    no_org = d.capture("MECARD:N:Nocompany,Ann;EMAIL:ann@example.com;UID:C900001;;")["lead"]
    no_mail = d.capture("MECARD:N:Nomail,Bo;ORG:Acme;UID:C900002;;")["lead"]
    same_mail = d.capture(card(900003, email="jo9@example.com"))["lead"]
    blocked = d.capture(card(900004, email="blocked@example.com"))["lead"]
    everyone = leads + [no_org, no_mail, same_mail, blocked]

    # ---- Salesforce ---------------------------------------------------------------------
    ok(wait_for(lambda: sink("sf")["pending"] == 0, 30), "salesforce: queue drained")
    ok(sf.exchanges == 1, "one token exchange for %d records (%d)" % (len(sf.records),
                                                                      sf.exchanges))
    with_org = [l for l in everyone if l is not no_org]
    is_(set(sf.records), {l["id"] for l in with_org},
        "every lead with a company is a Lead, keyed by the lead's id")
    r = sf.records[leads[0]["id"]]
    ok(r["LastName"] == "Tester0" and r["Company"] == "Acme 0" and r["LeadSource"] == "t1"
       and "Description" not in r, "mapped fields; absent ones left out")
    s = sink("sf")
    rej = {x["lead"]: x["reason"] for x in s["rejected_leads"]}
    is_(list(rej), [no_org["id"]], "the record Salesforce refused is parked, alone")
    ok("REQUIRED_FIELD_MISSING" in rej.get(no_org["id"], ""),
       "with Salesforce's reason: %s" % rej.get(no_org["id"]))
    ok(s["confirms_delivery"] is True, "status: this sink confirms delivery")
    patches = [x for x in sf.log if x["method"] == "PATCH" and x["status"] == 200]
    ok(patches and all(x["body"]["allOrNone"] is False and len(x["body"]["records"]) <= 10
                       for x in patches), "allOrNone false, batches of batch_size")
    sb = sink("sfbad")
    ok(wait_for(lambda: sink("sfbad")["attempts"] > 0, 10) and sink("sfbad")["rejected"] == 0
       and sink("sfbad")["pending"] == len(everyone),
       "a refused assertion parks nothing: every lead still pending")
    ok("invalid_grant" in (sink("sfbad")["last_error"] or ""),
       "and status says why: %s" % sink("sfbad")["last_error"])

    # An update after the first delivery: the same record, not a second one.
    n = len(sf.records)
    d.call({"cmd": "note", "lead": leads[1]["id"], "operator": "ann", "note": "wants a demo"})
    ok(wait_for(lambda: "wants a demo" in sf.records[leads[1]["id"]].get("Description", ""), 15),
       "a note goes out as an update of the same Lead")
    is_(len(sf.records), n, "no second record")
    last = [x for x in sf.log if x["method"] == "PATCH" and x["status"] == 200][-1]
    ok(any(rec["Matchbooth_Id__c"] == leads[1]["id"] for rec in last["body"]["records"]),
       "upserted on the external id")

    # The token is revoked: 401, a new assertion, the batch goes.
    sf.revoke_all()
    d.call({"cmd": "note", "lead": leads[2]["id"], "operator": "ann", "note": "after revoke"})
    ok(wait_for(lambda: "after revoke" in sf.records[leads[2]["id"]].get("Description", ""), 15),
       "after a revoked token: renewed and delivered")
    is_(sf.exchanges, 2, "one more token exchange")

    # Near the org's daily API limit: the sink pauses (nothing parked).
    with sf.lock:
        sf.api_max = sf.api_used + 1  # the next answer says 100 %
    d.call({"cmd": "note", "lead": leads[3]["id"], "operator": "ann", "note": "at the limit"})
    ok(wait_for(lambda: "at the limit" in sf.records[leads[3]["id"]].get("Description", ""), 15),
       "delivered while under the limit")
    ok(wait_for(lambda: sink("sf")["retry_in_s"] > 3000, 5),
       "then the sink pauses for an hour (Sforce-Limit-Info at the limit): %s s"
       % sink("sf")["retry_in_s"])
    d.call({"cmd": "note", "lead": leads[4]["id"], "operator": "ann", "note": "held back"})
    time.sleep(2)
    ok("held back" not in sf.records[leads[4]["id"]].get("Description", "")
       and sink("sf")["pending"] == 1, "a change waits out the pause")
    # Over the limit: 403 REQUEST_LIMIT_EXCEEDED parks nothing.
    d.cli("sync", "now")  # skips the pause, as an operator may
    ok(wait_for(lambda: "REQUEST_LIMIT_EXCEEDED" in (sink("sf")["last_error"] or ""), 10),
       "REQUEST_LIMIT_EXCEEDED: %s" % sink("sf")["last_error"])
    s = sink("sf")
    ok(s["pending"] == 1 and s["rejected"] == 1 and s["retry_in_s"] > 3000,
       "nothing more parked; paused again")

    # ---- HubSpot ------------------------------------------------------------------------
    ok(wait_for(lambda: sink("hs")["pending"] == 0, 30), "hubspot: queue drained")
    mails = {l["emails"][0].lower() for l in everyone if l["emails"] and l is not blocked}
    is_(set(hs.contacts), mails, "one contact per e-mail")
    ups = [x for x in hs.log if x["status"] in (200, 207)]
    ok(all(len({i["id"].lower() for i in x["body"]["inputs"]}) == len(x["body"]["inputs"])
           for x in ups), "no batch carries one e-mail twice (HubSpot refuses that)")
    ok(not any(x["status"] == 400 for x in hs.log), "HubSpot refused no request as malformed")
    c = hs.contacts["jo9@example.com"]
    is_(c["properties"]["matchbooth_lead_id"], same_mail["id"],
        "the later lead with the same e-mail updated the contact")
    s = sink("hs")
    rej = {x["lead"]: x["reason"] for x in s["rejected_leads"]}
    is_(sorted(rej), sorted([no_mail["id"], blocked["id"]]),
        "parked: the lead without e-mail and the one HubSpot refused")
    ok("no e-mail" in rej.get(no_mail["id"], ""), "the first not sent at all: %s"
       % rej.get(no_mail["id"]))
    ok(not any(i["properties"].get("lastname") == "Nomail" for x in hs.log if x["body"]
               for i in x["body"].get("inputs", [])), "(it never reached HubSpot)")
    ok("is invalid" in rej.get(blocked["id"], ""), "the second with HubSpot's message: %s"
       % rej.get(blocked["id"]))
    is_(hs.burst_refused, 0, "the burst limit kept client-side: no 429")
    n = len(hs.contacts)
    d.call({"cmd": "note", "lead": leads[5]["id"], "operator": "bo", "note": "send pricing",
            "rating": 4})
    ok(wait_for(lambda: "send pricing" in hs.contacts["jo5@example.com"]["properties"]
                .get("matchbooth_notes", ""), 15), "a note updates the same contact")
    is_(hs.contacts["jo5@example.com"]["properties"].get("matchbooth_rating"), "4",
        "with the rating")
    is_(len(hs.contacts), n, "no second contact")
    ok(wait_for(lambda: sink("hsbad")["attempts"] > 0, 10) and sink("hsbad")["rejected"] == 1
       and sink("hsbad")["pending"] == len(everyone) - 1,
       "a wrong token parks nothing but the lead without e-mail (%s)"
       % sink("hsbad")["last_error"])
    # The daily limit: paused, nothing parked.
    with hs.lock:
        hs.daily_max = hs.daily
    d.call({"cmd": "note", "lead": leads[6]["id"], "operator": "bo", "note": "daily"})
    ok(wait_for(lambda: sink("hs")["retry_in_s"] > 3000, 15),
       "HubSpot's daily limit pauses the sink for an hour")
    s = sink("hs")
    ok(s["pending"] == 1 and s["rejected"] == 2, "and parks nothing")
finally:
    rc = d.stop()
    sf.close()
    hs.close()
is_(rc, 0, "daemon stops cleanly")
done()
