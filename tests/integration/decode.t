#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""decode.t — decoding through the real binary and a real daemon.

Scanning the same badge twice at one show gives one lead; an unknown payload
becomes an unknown scan (raw bytes kept) and the next valid scan is still
captured; a roster imported with `matchbooth roster import` names a bare id;
a bad decoding profile stops the daemon with the key's name;
`matchbooth decode` prints the documented JSON with and without a config.
"""

import base64
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()
CORPUS = os.path.join(mbtest.ROOT, "tests", "decode")

PROFILE = """decoders = vcard, mecard, json, url, delimited, roster
id_pattern = ^(SB[0-9]{5})$
delimited_map = Name_Company^PersonID
"""
SHOW = mbtest.SHOW + PROFILE

with mbtest.Daemon(show=SHOW) as d:
    # --- the same badge twice: one lead --------------------------------------
    badge = "MECARD:UID:187WCI5;N:Doe,Jane;ORG:Acme;TEL:+85291234567;EMAIL:jane@acme.example;;"
    a = d.capture(badge)
    b = d.capture(badge)
    t.ok(a.get("created") is True, "first scan of a badge creates a lead")
    t.ok(b.get("created") is False, "second scan of the same badge does not")
    t.is_(a.get("id"), b.get("id"), "both scans name the same lead")
    t.is_(b.get("scan_count"), 2, "the lead counts two scans")
    t.is_(a.get("badge_id"), "187WCI5", "badge id from the MeCard UID")
    t.is_(a.get("given_name"), "Jane", "given name split from N")

    # a vCard without id, twice: one lead (same e-mail)
    vcard = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Wong;Mei;;;\r\nORG:Kowloon Ltd\r\n"
             "EMAIL;TYPE=WORK:mei@kowloon.example\r\nTEL;TYPE=CELL:9123 4567\r\nEND:VCARD\r\n")
    a = d.capture(vcard.encode(), "--symbology", "qr")
    b = d.capture(vcard.encode())
    t.ok(a.get("created") and not b.get("created") and a.get("id") == b.get("id"),
         "a vCard scanned twice is one lead")
    t.is_(a.get("phones"), ["+85291234567"], "phone in E.164 with the show's country (HK)")
    t.is_(a.get("full_name"), "Mei Wong", "full name built from N")

    # --- unknown, then valid ---------------------------------------------------
    junk = b"\x00\xff\x13garbage \x1b[31m not a badge"
    u = d.capture(base64.b64encode(junk).decode(), "--base64")
    t.ok(u.get("unknown") is True, "an unknown payload becomes an unknown scan")
    t.is_(u.get("raw_base64"), base64.b64encode(junk).decode(), "its raw bytes are kept exactly")
    v = d.capture("MECARD:N:Next,Valid;EMAIL:next@valid.example;;")
    t.ok(v.get("created") is True and v.get("full_name") == "Valid Next",
         "the next valid scan is still captured")
    e = d.capture(b"")
    t.ok(e.get("unknown") is True, "an empty scan is kept as unknown too")
    w = d.capture("Jane Roe_Roe GmbH^2427")
    t.ok(w.get("created") is True and w.get("badge_id") == "2427" and w.get("company") == "Roe GmbH",
         "a delimited badge after unknown ones is captured")

    # --- roster: import, then a bare id ------------------------------------------
    rc, out, err = d.cli("roster", "import", "--show", "demo", os.path.join(CORPUS, "roster.csv"))
    t.is_(rc, 0, "roster import exits 0 (%s)" % err.strip())
    stats = json.loads(out) if rc == 0 else {}
    t.is_(stats.get("rows"), 3, "roster import counts its rows")
    r = d.capture("SB12345")
    t.ok(r.get("created") is True and r.get("full_name") == "Jane Doe"
         and r.get("company") == "Acme HK", "a bare id is named from the roster")
    r2 = d.capture("SB12345\r\n")
    t.ok(r2.get("created") is False and r2.get("id") == r.get("id"),
         "the same bare id again is the same lead")
    n = d.capture("SB99999")
    t.ok(n.get("created") is True and n.get("badge_id") == "SB99999"
         and "roster: id not in the roster" in (n.get("warnings") or []),
         "an id not in the roster is still a lead, with a warning")
    leads = d.leads()
    t.is_(len(leads), 6, "six leads in all (%s)" % [l.get("badge_id") or l.get("full_name")
                                                   for l in leads])
    t.ok(all(l.get("format") != "unknown" for l in leads), "unknown scans are not leads")

    # --- decode on the daemon's config reads the same roster -----------------------
    rc, out, err = d.cli("decode", "-", input=b"SB12345")
    o = json.loads(out) if rc == 0 else {}
    t.ok(rc == 0 and o.get("full_name") == "Jane Doe", "matchbooth decode uses the show's roster")

# --- a bad decoding profile stops the daemon, naming the key --------------------------
bad = mbtest.Daemon(show=mbtest.SHOW + "id_pattern = ([unclosed\n", start=False)
rc, out, err = mbtest.run(["run", "--config", bad.conf], timeout=20)
t.ok(rc != 0 and "[show.demo] id_pattern" in err, "bad id_pattern refused: %s" % err.strip())
bad.__exit__(None, None, None)
bad = mbtest.Daemon(show=mbtest.SHOW + "decoders = vcard, qrbill\n", start=False)
rc, out, err = mbtest.run(["config", "check", "--config", bad.conf], timeout=20)
t.ok(rc != 0 and "unknown decoder 'qrbill'" in err, "unknown decoder refused: %s" % err.strip())
bad.__exit__(None, None, None)

# --- matchbooth decode -------------------------------------------------------------
conf = os.path.join(CORPUS, "decode.conf")
KEYS = ["format", "badge_id", "full_name", "given_name", "family_name", "company", "title",
        "emails", "phones", "urls", "address", "country", "raw_base64", "warnings"]
checked = 0
for show in sorted(os.listdir(CORPUS)):
    sdir = os.path.join(CORPUS, show)
    if not os.path.isdir(sdir) or show in ("ids", "code39", "pdf") or show.startswith("_"):
        continue  # shows whose cases need the roster in a store
    for name in sorted(os.listdir(sdir)):
        if not name.endswith(".in"):
            continue
        path = os.path.join(sdir, name)
        args = ["decode", path] if show == "default" else \
            ["decode", "--config", conf, "--show", show, path]
        env = dict(os.environ)
        env.pop("MATCHBOOTH_CONFIG", None)
        p = mbtest.subprocess.run([mbtest.BIN] + args, capture_output=True, env=env, timeout=30)
        want = json.load(open(path[:-3] + ".json", encoding="utf-8"))
        with open(path, "rb") as f:
            want["raw_base64"] = base64.b64encode(f.read()).decode()
        try:
            got = json.loads(p.stdout)
        except ValueError:
            got = None
        same = p.returncode == 0 and got == want and list(got.keys()) == KEYS
        if not same:
            t.ok(False, "decode %s/%s" % (show, name))
            t.diag("rc %d stderr %s" % (p.returncode, p.stderr.decode("utf-8", "replace")))
            t.diag("got  %s" % p.stdout.decode("utf-8", "replace")[:2000])
            t.diag("want %s" % json.dumps(want, ensure_ascii=False)[:2000])
        checked += 1
t.ok(checked >= 80, "matchbooth decode matches the corpus, keys in order (%d payloads)" % checked)

env = dict(os.environ)
env.pop("MATCHBOOTH_CONFIG", None)
p = mbtest.subprocess.run([mbtest.BIN, "decode"], input=b"", capture_output=True, env=env)
o = json.loads(p.stdout or b"{}")
t.ok(p.returncode == 0 and o.get("format") == "unknown" and o.get("raw_base64") == "",
     "empty stdin: unknown, exit 0")
p = mbtest.subprocess.run([mbtest.BIN, "decode", "/nonexistent/payload"], capture_output=True,
                          env=env)
t.ok(p.returncode != 0 and b"No such file" in p.stderr, "an unreadable input exits non-zero")
p = mbtest.subprocess.run([mbtest.BIN, "decode", "--config", "/nonexistent.conf"], input=b"x",
                          capture_output=True, env=env)
t.ok(p.returncode != 0, "an explicit config that cannot be read exits non-zero")
p = mbtest.subprocess.run([mbtest.BIN, "decode", "--config", conf, "--show", "nope"], input=b"x",
                          capture_output=True, env=env)
t.ok(p.returncode != 0 and b"[show.nope]" in p.stderr, "an unknown --show exits non-zero")
with tempfile.TemporaryDirectory() as td:
    big = os.path.join(td, "big.bin")
    with open(big, "wb") as f:
        f.write(mbtest.seeded_random().randbytes(300000))
    p = mbtest.subprocess.run([mbtest.BIN, "decode", big], capture_output=True, env=env)
    o = json.loads(p.stdout or b"{}")
    t.ok(p.returncode == 0 and o.get("format") == "unknown"
         and len(base64.b64decode(o.get("raw_base64", ""))) == 300000,
         "300 KB of random bytes: unknown, every byte kept")
t.done()
