#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""card.t — business cards through the real binary and daemon.

`matchbooth card FILE` stores through the daemon (QR card via the badge
decoders, Chinese card via OCR with the show's languages); the review round
trip over the control socket (card_read, then card_store with corrections:
recognised and corrected both kept, the image only because the show says
so, all deleted with the lead); an unreadable card is no error and the
visitor's typed fields are stored; bad input is refused; a missing camera
does not stop the daemon; --dry-run needs neither daemon nor config; the
daemon runs with OMP_THREAD_LIMIT=1.
"""

import base64
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()
CARDS = os.path.join(mbtest.ROOT, "tests", "cards")


def card(name):
    return os.path.join(CARDS, name)


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


SHOW = mbtest.SHOW + "card_languages = chi_tra\ncard_keep_image = true\n"
CARD = "[card]\ncamera = /nonexistent/video9\n"

# --- without a daemon --------------------------------------------------------------
env = dict(os.environ, MATCHBOOTH_CONFIG="/nonexistent/matchbooth.conf")
rc, out, err = mbtest.run(["card", "--dry-run", "--json", "--country", "US",
                           card("card03-en-right_block-noisy.jpg")], env=env)
t.is_(rc, 0, "card --dry-run works with no daemon and no config file")
try:
    dry = json.loads(out)["card"]
except (ValueError, KeyError):
    dry = {}
    t.diag(out + err)
rec = dry.get("recognised", {})
t.is_(rec.get("full_name"), "Sarah O'Neill", "dry run: name recognised")
t.is_(rec.get("phones"), ["+12125550187"], "dry run: phone in E.164 with --country")
t.ok(0 < dry.get("confidence", {}).get("full_name", 0) <= 1, "dry run: a confidence per field")
rc, out, err = mbtest.run(["card", "--dry-run", card("card01-en-left-clean.png")], env=env)
t.ok(rc == 0 and "Alice Johnson" in out and "full_name" in out, "dry run: human-readable output")
rc, out, err = mbtest.run(["card", card("card01-en-left-clean.png")], env=env)
t.ok(rc != 0 and "matchbooth card" in err, "without a daemon and without --dry-run: an error")
rc, out, err = mbtest.run(["card", "--dry-run", "/nonexistent/card.png"], env=env)
t.ok(rc == 1 and "/nonexistent/card.png" in err, "missing file named")
rc, out, err = mbtest.run(["card", "--dry-run", os.path.abspath(__file__)], env=env)
t.ok(rc == 1 and "not an image" in err, "a file that is not an image is refused: " + err.strip())

with mbtest.Daemon(show=SHOW, extra=CARD) as d:
    st = d.request({"cmd": "status"})
    c = st.get("card", {})
    t.ok(c.get("ready") and c.get("languages") == "chi_tra+eng",
         "status: card reader warm with the show's languages (%s)" % c.get("languages"))
    t.ok("camera" not in st and "card camera not started" in d.read_log(),
         "a missing camera is logged and the daemon runs on")
    with open("/proc/%d/environ" % d.proc.pid, "rb") as f:
        environ = f.read().split(b"\0")
    t.ok(b"OMP_THREAD_LIMIT=1" in environ, "the daemon runs with OMP_THREAD_LIMIT=1")

    # --- matchbooth card FILE: stored by the daemon -------------------------------
    rc, out, err = d.cli("card", "--json", card("card69-en-left-clean.png"))
    r = json.loads(out) if rc == 0 else {}
    lead = r.get("lead", {})
    t.ok(rc == 0 and lead.get("format") == "mecard" and lead.get("source") == "card",
         "QR card: stored from its payload by the decoders, source card")
    t.ok("barcode" in r.get("card", {}) and "recognised" not in r.get("card", {}),
         "QR card: OCR skipped")
    rc, out, err = d.cli("card", "--json", card("card17-zh_hant-left-clean.png"))
    r = json.loads(out) if rc == 0 else {}
    lead = r.get("lead", {})
    t.is_(lead.get("full_name"), "陳大文", "Chinese card stored: name")
    t.is_(lead.get("company"), "香港貿易有限公司", "Chinese card stored: company")
    t.is_(lead.get("phones"), ["+85221234567"], "Chinese card stored: phone")
    cards = d.request({"cmd": "card_get", "lead": lead.get("id", "")}).get("cards", [])
    t.ok(len(cards) == 1 and cards[0]["corrected"] is None and cards[0]["changed"] == [],
         "unreviewed card: recognised kept, nothing corrected")
    t.ok(cards and cards[0]["image_bytes"] > 1000 and cards[0]["image_type"] == "image/png",
         "the card image is kept (card_keep_image = true)")

    # --- review: read, correct, store -------------------------------------------------
    r = d.request({"cmd": "card_read", "image_base64": b64(card("card01-en-left-clean.png"))},
                  timeout=60)
    t.ok(r.get("ok"), "card_read: ok")
    rd = r.get("card", {})
    rec = rd.get("recognised", {})
    t.is_(rec.get("full_name"), "Alice Johnson", "card_read: name recognised")
    n_leads = len(d.leads())
    t.is_(n_leads, 2, "card_read stores nothing")
    fixed = dict(rec)
    fixed["full_name"] = "Alice Johnson-Smith"
    fixed["emails"] = ["alice.johnson@brightwave.com"]
    r = d.request({"cmd": "card_store", "read_id": rd.get("read_id"), "fields": fixed})
    lead = r.get("lead", {})
    t.ok(r.get("ok") and lead.get("full_name") == "Alice Johnson-Smith",
         "card_store: the corrected name is stored")
    t.ok(lead.get("created") is False and lead.get("format") == "mecard",
         "same email as the QR card: merged into that lead, and the correction wins")
    t.is_(lead.get("emails"), ["alice.johnson@brightwave.com"], "card_store: corrected email")
    cards = d.request({"cmd": "card_get", "lead": lead.get("id", "")}).get("cards", [])
    c0 = cards[0] if cards else {}
    t.is_(c0.get("recognised", {}).get("full_name"), "Alice Johnson",
          "what was recognised is kept beside the correction")
    t.is_(c0.get("corrected", {}).get("full_name"), "Alice Johnson-Smith", "and what was corrected")
    t.ok("full_name" in c0.get("changed", []) and "company" not in c0.get("changed", []),
         "changed lists the corrected fields: %s" % c0.get("changed"))
    t.ok(0 < c0.get("confidence", {}).get("full_name", 0) <= 1, "confidences kept")
    r = d.request({"cmd": "card_store", "read_id": rd.get("read_id"), "fields": fixed})
    t.ok(not r.get("ok") and "no card read" in r.get("error", ""),
         "a read is stored once: %s" % r.get("error"))

    # --- a card nobody can read -------------------------------------------------------------
    blank = subprocess.run(["convert", "-size", "1050x600", "xc:white", "png:-"],
                           capture_output=True).stdout
    r = d.request({"cmd": "card_read", "image_base64": base64.b64encode(blank).decode()})
    rec = r.get("card", {}).get("recognised", {})
    t.ok(r.get("ok") and not rec.get("full_name") and rec.get("emails") == [],
         "a blank card is no error: empty fields")
    r = d.request({"cmd": "card_store", "read_id": r.get("card", {}).get("read_id"),
                   "fields": {"full_name": "Typed By Hand", "emails": ["typed@example.com"]}})
    t.ok(r.get("ok") and r.get("lead", {}).get("full_name") == "Typed By Hand",
         "the fields the visitor typed are stored")

    # --- bad input ------------------------------------------------------------------------
    r = d.request({"cmd": "card_read", "image_base64": base64.b64encode(b"hello").decode()})
    t.ok(not r.get("ok") and "not an image" in r.get("error", ""), "not an image: refused")
    r = d.request({"cmd": "card_read"})
    t.ok(not r.get("ok") and "image_base64" in r.get("error", ""), "no image: refused")
    r = d.request({"cmd": "card_store", "read_id": 999})
    t.ok(not r.get("ok"), "unknown read_id: refused")
    big = os.path.join(d.dir, "huge.jpg")
    with open(big, "wb") as f:
        f.write(mbtest.seeded_random().randbytes(3500000))
    rc, out, err = d.cli("card", big)
    t.ok(rc == 1 and "too large for the control socket" in err,
         "an image too large for the control socket is refused by the CLI")
    t.ok(d.request({"cmd": "ping"}).get("ok"), "the daemon is still serving")
    leads = d.leads()
    t.is_(len(leads), 3, "three leads stored (Alice twice, merged)")
    alice = [l for l in leads if l.get("full_name") == "Alice Johnson-Smith"][0]
    d.stop()

    # --- deleted with the lead -------------------------------------------------------------
    db = sqlite3.connect(os.path.join(d.data, "leads.db"))
    db.execute("PRAGMA foreign_keys = ON")
    before = db.execute("SELECT count(*), count(image) FROM card_reads").fetchone()
    t.is_(before, (3, 3), "three card reads, each with its image")
    db.execute("DELETE FROM leads WHERE id = ?", (alice["id"],))
    db.commit()
    after = db.execute("SELECT count(*) FROM card_reads WHERE lead_id = ?",
                       (alice["id"],)).fetchone()[0]
    t.is_(after, 0, "the card read and its image go with the lead")
    t.is_(db.execute("SELECT count(*) FROM card_reads").fetchone()[0], 2, "the others stay")
    db.close()

# Images are kept only when the show says so.
with mbtest.Daemon() as d:
    rc, out, err = d.cli("card", "--json", card("card09-en-left-clean.png"))
    lead = json.loads(out).get("lead", {}) if rc == 0 else {}
    cards = d.request({"cmd": "card_get", "lead": lead.get("id", "")}).get("cards", [])
    t.ok(rc == 0 and cards and cards[0]["image_bytes"] == 0 and cards[0]["image_type"] is None,
         "default show: no card image kept")
    t.is_(lead.get("phones"), ["+85291234567"], "local number with the show's country (HK)")

t.done()
