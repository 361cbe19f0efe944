#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The follow-up e-mail (sink type smtp) against real SMTP servers on loopback
# (Debian's python3-aiosmtpd, tests/integration/smtpsim.py): submission with
# STARTTLS and AUTH required, and smtps. Visitors go through the kiosk's own
# API (answers, consents) as the page does; what arrives is parsed with
# Python's email package:
#   - a visitor who ticked "followup" gets one message: From, To and Subject
#     decoded right for a Chinese and a Hindi name (the raw headers stay
#     7-bit, in encoded words), Content-Language, multipart/alternative with
#     a text and an HTML part, each matched supplier with its name, country
#     and one line, and every link the same as the kiosk's QR link for that
#     supplier (no name, e-mail or lead id in any of them), an unsubscribe
#     line and List-Unsubscribe; only over TLS, after AUTH;
#   - sent once: a later change of the lead (a staff note) sends nothing;
#     no consent, or no matched supplier, sends nothing;
#   - the answer lost after the server took the message: sent again with the
#     same Message-ID, so the visitor's mail system keeps one;
#   - a recipient refused for good (550) is parked with the server's code, a
#     temporary refusal (451) is retried and delivered;
#   - no STARTTLS offered, or a wrong password: nothing is sent, nothing
#     parked, the sink says why.
import email
import email.policy
import html.parser
import json
import os
import re
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import Certs, Daemon, diag, done, free_port, is_, ok, tmpdir, wait_for  # noqa: E402
from smtpsim import Kiosk, Server, kiosk_visit, write_show  # noqa: E402

t = tmpdir("smtp")
certs = Certs(t)
sub = Server(free_port(), "starttls", certs.crt, certs.key, "kiosk", "s3cret pass")
smtps = Server(free_port(), "smtps", certs.crt, certs.key, "kiosk", "s3cret pass")
plain = Server(free_port(), "plain")  # offers no STARTTLS: the kiosk must not send

SHOW_NAME = "Hong Kong Electronics Fair (Autumn Edition) 2026, Hall 3"  # over one encoded word
form_path, cat_path = write_show(t)

ui_port = free_port()
conf = """[kiosk]
data_dir = %(data)s
show = fair
device_id = test-kiosk

[ui]
listen = 127.0.0.1:%(ui)d
catalog = %(cat)s

[show.fair]
name = %(show)s
form = %(form)s

[sync]
ca_bundle = %(ca)s
backoff_base_ms = 100
backoff_max = 1
offline_after = 100
poll_interval = 1

[sink.mail]
type = smtp
url = smtp://127.0.0.1:%(sub)d/kiosk.test
username = kiosk
password = s3cret pass
from = booth@fair.example
reply_to = visitors@fair.example
unsubscribe = https://fair.example/unsubscribe
batch_max_age = 0

[sink.mails]
type = smtp
url = smtps://127.0.0.1:%(smtps)d
username = kiosk
password = s3cret pass
from = booth@fair.example
from_name = Fair Booth 7
reply_to = visitors@fair.example
unsubscribe = https://fair.example/unsubscribe
batch_max_age = 0

[sink.notls]
type = smtp
url = smtp://127.0.0.1:%(plain)d
from = booth@fair.example
batch_max_age = 0

[sink.badpass]
type = smtp
url = smtp://127.0.0.1:%(sub)d
username = kiosk
password = wrong
from = booth@fair.example
batch_max_age = 0
"""
d = Daemon(t, "", show="fair")
with open(d.conf, "w") as f:  # this test's own config, whole
    f.write(conf % dict(data=d.data, ui=ui_port, cat=cat_path, show=SHOW_NAME, form=form_path,
                        ca=certs.ca, sub=sub.port, smtps=smtps.port, plain=plain.port))
d.start()


k = Kiosk(ui_port)


def visit(card, answers, consents, lang):
    return kiosk_visit(d, k, card, answers, consents, lang)


def handout_of(lead):
    """The state of lead's e-mail in the handouts table (None: none)."""
    db = sqlite3.connect(os.path.join(d.data, "leads.db"), timeout=10)
    try:
        row = db.execute("SELECT state FROM handouts WHERE lead_id = ? AND kind = 'mail' AND "
                         "channel = 'mail' ORDER BY id DESC LIMIT 1", (lead,)).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def sink(name):
    return next(s for s in d.call({"cmd": "sync_status", "detail": True})["sinks"]
                if s["name"] == name)


def settled(*names):
    return all(sink(n)["pending"] == 0 for n in names)


class Links(html.parser.HTMLParser):
    """The HTML part as a browser reads it: its links and its text."""

    def __init__(self):
        super().__init__()
        self.links = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_data(self, data):
        self.text += data


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_message(m, lead, name, addr, lang, subject, suppliers, label):
    """The message m of lead: headers, both parts, every link."""
    raw = m["content"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    ok(all(b < 0x80 for b in head) and all(len(l) <= 998 for l in raw.split(b"\r\n")),
       "%s: the raw headers are 7-bit, no line over 998 bytes" % label)
    ok(b"=?UTF-8?B?" in head, "%s: non-ASCII header text as RFC 2047 encoded words" % label)
    msg = parse(raw)
    to = msg["To"].addresses[0]
    is_((to.display_name, to.addr_spec), (name, addr), "%s: To decodes to the visitor's name "
        "and address" % label)
    is_(str(msg["Subject"]), subject, "%s: the subject decodes, in the visitor's language" % label)
    is_(msg["Content-Language"], lang, "%s: Content-Language %s" % (label, lang))
    ok(msg["Message-ID"] and re.fullmatch(r"<[0-9a-f]{32}\.test-kiosk@fair\.example>",
                                           msg["Message-ID"]),
       "%s: a Message-ID from the lead and its version, the lead id not in it" % label)
    ok(lead not in str(msg["Message-ID"]), "%s: (the lead id is not shown)" % label)
    is_(msg.get_content_type(), "multipart/alternative", "%s: multipart/alternative" % label)
    parts = [p.get_content_type() for p in msg.iter_parts()]
    is_(parts, ["text/plain", "text/html"], "%s: a text and an HTML part" % label)
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    ok(all(p.get_content_charset() == "utf-8" for p in msg.iter_parts()), "%s: UTF-8" % label)
    # What the kiosk shows this visitor: the same suppliers, the same links.
    shown = k.get("/api/matches?lead=%s&lang=%s" % (lead, urllib.parse.quote(lang)))["suppliers"]
    is_(sorted(s["id"] for s in shown), sorted(suppliers), "%s: the kiosk matched %s"
        % (label, ",".join(suppliers)))
    links = Links()
    links.feed(page)
    body_links = [l for l in links.links if not l.startswith("https://fair.example/") and
                  not l.startswith("mailto:")]
    is_(sorted(body_links), sorted(s["link"] for s in shown),
        "%s: every supplier link of the HTML part is the QR code's link" % label)
    ok(all(s["link"] in text for s in shown), "%s: …and of the text part" % label)
    ok(all(s["name"] in text and s["name"] in links.text and s["country"] in text and
           s["country"] in links.text and s["description"] in text and
           s["description"] in links.text for s in shown),
       "%s: each with its name, country and one line, in both parts" % label)
    ok(all("mb_ref=" in s["link"] and addr not in s["link"] and lead not in s["link"] and
           urllib.parse.quote(name) not in s["link"] for s in shown),
       "%s: the links carry the opaque reference, no personal data" % label)
    ok("https://fair.example/unsubscribe" in text and
       "https://fair.example/unsubscribe" in links.links,
       "%s: an unsubscribe line in both parts" % label)
    is_(msg["List-Unsubscribe"], "<https://fair.example/unsubscribe>",
        "%s: List-Unsubscribe" % label)
    is_(str(msg["From"].addresses[0].display_name), SHOW_NAME,
        "%s: from the show (its name as the sender)" % label)
    is_(msg["Reply-To"].addresses[0].addr_spec, "visitors@fair.example", "%s: Reply-To" % label)
    return msg


try:
    # ---- a Chinese visitor, then a Hindi one ------------------------------------------------
    chan = visit("MECARD:N:陳,大文;EMAIL:tai.man@example.hk;UID:HK1;;", {"interest": ["audio"]},
                 {"contact": False, "followup": True}, "zh-Hant")
    ok(wait_for(lambda: sub.rec.taken("tai.man@example.hk"), 15), "zh-Hant: the e-mail arrived")
    m = sub.rec.taken("tai.man@example.hk")[0]
    ok(m["tls"] and m["login"] == "kiosk", "zh-Hant: over STARTTLS, after AUTH")
    is_((m["mail_from"], m["rcpt"]), ("booth@fair.example", ["tai.man@example.hk"]),
        "zh-Hant: the envelope")
    msg = check_message(m, chan, "陳大文", "tai.man@example.hk", "zh-Hant",
                        "您在%s配對的供應商" % SHOW_NAME, ["A1", "A2"], "zh-Hant")
    page = msg.get_body(("html",)).get_content()
    ok("九龍音響 &amp; 子 &lt;香港&gt;" in page and "<香港>" not in page,
       "zh-Hant: names in the visitor's language, escaped in the HTML part")
    ok('lang="zh-Hant"' in page, "zh-Hant: the HTML says its language")

    priya = visit("MECARD:N:शर्मा,प्रिया;EMAIL:priya@example.in;UID:IN1;;",
                  {"interest": ["power"]}, {"contact": True, "followup": True}, "hi")
    ok(wait_for(lambda: sub.rec.taken("priya@example.in"), 15), "hi: the e-mail arrived")
    check_message(sub.rec.taken("priya@example.in")[0], priya, "प्रिया शर्मा",
                  "priya@example.in", "hi", "%s से आपके आपूर्तिकर्ता" % SHOW_NAME, ["A2", "P1"], "hi")

    # ---- smtps: TLS from the first byte ----------------------------------------------------
    ok(wait_for(lambda: len(smtps.rec.taken()) == 2, 15), "smtps: both e-mails arrived")
    ok(all(x["tls"] and x["login"] == "kiosk" for x in smtps.rec.taken()), "smtps: over TLS, "
       "after AUTH")
    is_(parse(smtps.rec.taken("tai.man@example.hk")[0]["content"])["From"].addresses[0]
        .display_name, "Fair Booth 7", "smtps: from_name sets the sender's name")

    # ---- once: a later change sends nothing; no consent, no match: nothing -----------------
    d.call({"cmd": "note", "lead": chan, "operator": "amy", "note": "call back"})
    nobody = visit("MECARD:N:Doe,John;EMAIL:john@example.com;UID:US1;;", {"interest": ["audio"]},
                   {"contact": True, "followup": False}, "en")
    nomatch = visit("MECARD:N:Roe,Jane;EMAIL:jane@example.com;UID:US2;;", {"interest": ["toys"]},
                    {"followup": True}, "en")
    ok(wait_for(lambda: settled("mail", "mails"), 15), "the changes and the other visitors are "
       "looked at")
    is_(len(sub.rec.taken("tai.man@example.hk")), 1, "a note after the e-mail sends no second one")
    is_(len(sub.rec.taken("john@example.com")) + len(sub.rec.taken("jane@example.com")), 0,
        "no consent, or no matched supplier: no e-mail")
    is_(sink("mail")["rejected"], 0, "…and nothing parked")

    # ---- the answer lost after the server took the message ---------------------------------
    sub.rec.drop_once.add("lee@example.sg")
    lee = visit("MECARD:N:Lee,Ann;EMAIL:lee@example.sg;UID:SG1;;", {"interest": ["audio"]},
                {"followup": True}, "en")
    ok(wait_for(lambda: len(sub.rec.taken("lee@example.sg")) == 2, 20),
       "the line cut before the server's 250: the message is sent again")
    twice = [parse(x["content"]) for x in sub.rec.taken("lee@example.sg")]
    is_(twice[0]["Message-ID"], twice[1]["Message-ID"], "…with the same Message-ID (one message "
        "to the visitor's mail system)")
    is_(len({str(x["Message-ID"]) for x in twice}), 1, "de-duplicated by Message-ID: one e-mail")
    d.call({"cmd": "note", "lead": lee, "operator": "amy", "note": "retried"})
    ok(wait_for(lambda: settled("mail"), 15), "a later note is looked at")
    is_(len(sub.rec.taken("lee@example.sg")), 2, "…and sends nothing more")

    # ---- refused for good, refused for now --------------------------------------------------
    sub.rec.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: no such user"
    gone = visit("MECARD:N:Gone,Guy;EMAIL:gone@example.com;UID:X1;;", {"interest": ["audio"]},
                 {"followup": True}, "en")
    ok(wait_for(lambda: sink("mail")["rejected"] == 1, 15), "550 to RCPT: parked")
    rej = sink("mail")["rejected_leads"]
    ok(rej and rej[0]["lead"] == gone and "550" in rej[0]["reason"],
       "…with the server's code in the reason (%s)" % (rej[0]["reason"] if rej else None))
    sub.rec.refuse["later@example.com"] = "451 4.7.1 try again later"
    visit("MECARD:N:Later,Liz;EMAIL:later@example.com;UID:X2;;", {"interest": ["audio"]},
          {"followup": True}, "en")
    ok(wait_for(lambda: "451" in str(sink("mail").get("last_error")), 15), "451: retried, the "
       "sink says why")
    del sub.rec.refuse["later@example.com"]
    ok(wait_for(lambda: sub.rec.taken("later@example.com"), 15), "…and delivered once the server "
       "takes it")
    # The consent withdrawn while the e-mail waits for a retry: never sent.
    sub.rec.refuse["changed@example.com"] = "451 4.7.1 try again later"
    changed = visit("MECARD:N:Mind,Max;EMAIL:changed@example.com;UID:X3;;",
                    {"interest": ["audio"]}, {"followup": True}, "en")
    ok(wait_for(lambda: handout_of(changed) == "trying", 15), "451: the e-mail waits, trying")
    k.post("/api/lead/consents", {"lead": changed, "lang": "en", "consents": {"followup": False}})
    ok(wait_for(lambda: handout_of(changed) == "failed", 15), "the consent withdrawn meanwhile: "
       "it ends failed")
    del sub.rec.refuse["changed@example.com"]
    time.sleep(1.5)
    is_(len(sub.rec.taken("changed@example.com")), 0, "…and is never sent")

    # ---- the configuration's faults: no STARTTLS, a wrong password --------------------------
    ns, bp = sink("notls"), sink("badpass")
    ok(ns["pending"] > 0 and ns["rejected"] == 0 and "STARTTLS" in str(ns["last_error"]),
       "no STARTTLS offered: the lead waits, nothing parked, the sink says why (%s)"
       % ns["last_error"])
    is_(plain.rec.mail_from_seen, 0, "…and no MAIL FROM ever reached that server")
    ok(bp["pending"] > 0 and bp["rejected"] == 0 and "535" in str(bp["last_error"]),
       "a wrong password: the lead waits, nothing parked, the sink says why (%s)"
       % bp["last_error"])
    is_(len(sub.rec.taken()), 5, "the submission server took four e-mails of the right sink "
        "(one of them twice), none of the wrong password's")
    ok(any(not good for _, _, good in sub.rec.logins), "…the server refused its login")

    # ---- the handouts table --------------------------------------------------------------------
    db = sqlite3.connect(os.path.join(d.data, "leads.db"))
    rows = db.execute("SELECT lead_id, channel, ref, state FROM handouts WHERE kind = 'mail' "
                      "ORDER BY id").fetchall()
    db.close()
    mine = [r for r in rows if r[1] == "mail"]
    states = {r[0]: r[3] for r in mine}
    is_((states.get(chan), states.get(lee), states.get(gone), states.get(nobody),
         states.get(nomatch)), ("done", "done", "failed", None, None),
        "handouts: one per e-mailed lead, done or failed; none for those not e-mailed")
    is_(next(r[2] for r in mine if r[0] == lee), str(twice[0]["Message-ID"]),
        "the handout keeps the Message-ID both attempts carried")
finally:
    rc = d.stop()
    for s in (sub, smtps, plain):
        s.stop()
is_(rc, 0, "daemon stops cleanly")
done()
