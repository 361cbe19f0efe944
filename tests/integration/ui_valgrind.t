#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ui_valgrind.t — the kiosk UI's newer paths in the daemon under valgrind's
memcheck: the admin export downloads (a child process streamed through the
loop: complete, failing before its first byte, abandoned by the client, in
progress at shutdown), a staff badge's token traded for a staff session and a
note under its operator, a business card handed to the screen for review
(`card --review`) and stored from the page; then a clean SIGTERM with no
leaks and no memory errors."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()
if not shutil.which("valgrind"):
    print("1..0 # SKIP valgrind is not installed")
    sys.exit(0)

VG = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
      "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "-q"]
CARD = os.path.join(mbtest.ROOT, "tests", "cards", "card01-en-left-clean.png")

rc, out, err = mbtest.run(["ui", "pin", "--print", "--config", "/dev/null"], input=b"4321\n")
pin_hash = out.strip().split(" = ", 1)[1]


class Events:
    """The kiosk's SSE stream, read in a thread."""

    def __init__(self, port):
        self.events = []
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", "/api/events")
        self.resp = self.conn.getresponse()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        ev = None
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    ev = line[7:]
                elif line.startswith("data: ") and ev:
                    self.events.append((ev, json.loads(line[6:])))
                    ev = None
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def wait(self, name, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            for e, data in self.events:
                if e == name:
                    return data
            time.sleep(0.05)
        return None


def http_req(port, method, path, body=None, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, r.getheaders(), data


# The config writer puts `show` then `extra` right after [ui]: admin_pin_hash
# goes first so that it lands in [ui].
with mbtest.Daemon(kiosk="staff_badges = ^STAFF-[0-9]+$", show="",
                   extra="admin_pin_hash = %s\n%s\n[card]\nenabled = true\n"
                   % (pin_hash, mbtest.SHOW), start=False) as d:
    vlog = os.path.join(d.dir, "valgrind.log")
    d.logf = open(d.log, "ab")
    d.proc = subprocess.Popen(VG + ["--log-file=" + vlog, mbtest.BIN, "run", "--config", d.conf],
                              stdout=d.logf, stderr=d.logf, stdin=subprocess.DEVNULL)
    d.wait_ready(timeout=90)
    for i in range(300):
        d.capture("MECARD:UID:V%d;N:Visitor,No%d;ORG:Co %d;EMAIL:v%d@example.com;;" % (i, i, i, i))
    st, _, body = http_req(d.port, "GET", "/api/boot")
    csrf = json.loads(body)["csrf"]
    K = {"X-CSRF-Token": csrf}
    st, hdrs, body = http_req(d.port, "POST", "/api/admin/login", {"pin": "4321"}, K)
    t.is_(st, 200, "admin login")
    cookie = dict(hdrs)["Set-Cookie"].split(";")[0]
    A = {"Cookie": cookie}

    for fmt in ("csv", "xlsx", "vcf", "ndjson"):
        st, hdrs, body = http_req(d.port, "GET", "/api/admin/export?format=" + fmt, headers=A)
        t.ok(st == 200 and len(body) > 1000, "%s download under valgrind (%d bytes)" % (fmt, len(body)))
    st, _, body = http_req(d.port, "GET", "/api/admin/export?format=csv&show=nope", headers=A)
    t.is_(st, 500, "an export failing at once: 500 with its message")
    # The client leaves after the first bytes: the child is killed and reaped.
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
    c.request("GET", "/api/admin/export?format=ndjson", headers=A)
    r = c.getresponse()
    r.read(100)
    c.close()
    # Killed (or, for a small export, already done): either way reaped, no
    # child left behind. A zombie is still listed as a child.
    end = time.time() + 60
    while time.time() < end and d.children():
        time.sleep(0.1)
    t.ok(not d.children(), "a download left halfway leaves no export child behind (%s)"
         % (d.children() or "none"))

    ev = Events(d.port)
    d.capture("STAFF-0042")
    tok = ev.wait("staff_badge")
    t.ok(tok is not None, "staff badge: token pushed on the event stream")
    st, hdrs, body = http_req(d.port, "POST", "/api/staff/badge", {"token": (tok or {}).get("token")}, K)
    t.is_(st, 200, "staff badge: token traded for a staff session")
    scookie = dict(hdrs).get("Set-Cookie", "").split(";")[0]
    scsrf = json.loads(body).get("csrf", "")
    lead = d.capture("MECARD:UID:S1;N:Booth,Anna;ORG:Alpha;EMAIL:anna@alpha.example;;")
    st, _, _ = http_req(d.port, "POST", "/api/staff/note", {"lead": lead["id"], "rating": 4, "note": "x"},
                        {"Cookie": scookie, "X-CSRF-Token": scsrf})
    t.is_(st, 200, "staff badge session: note saved")

    rc, out, err = d.cli("card", "--review", CARD, timeout=120)
    t.is_(rc, 0, "card --review accepted")
    card = ev.wait("card_read", timeout=120)
    t.ok(card is not None, "card_read pushed to the page")
    st, _, body = http_req(d.port, "POST", "/api/card/store",
                           {"read_id": (card or {}).get("read_id"),
                            "fields": {"full_name": "Alice Johnson", "emails": ["alice@example.com"]}}, K)
    t.is_(st, 200, "reviewed card stored from the page")

    # An export in progress when the daemon stops.
    th = threading.Thread(target=lambda: http_req(d.port, "GET", "/api/admin/export?format=xlsx",
                                                  headers=A))
    th.start()
    end = time.time() + 60  # SIGTERM once the export child is really running
    while time.time() < end and not d.children() and th.is_alive():
        time.sleep(0.005)
    # Not a point (it is a precondition, and 300 leads may export faster than
    # a poll sees): said, so the log shows whether the path was taken.
    t.diag("SIGTERM with an export child running: %s" % (d.children() or "no, it was done"))
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(timeout=90)
    th.join(timeout=30)
    with open(vlog) as f:
        report = "\n".join(l for l in f.read().splitlines()
                           if "unhandled amd64-linux syscall" not in l and not l.startswith("--"))
    t.is_(rc, 0, "daemon under valgrind exits 0 after SIGTERM (99 = leaks or errors)")
    t.ok(report.strip() == "", "valgrind reports nothing for the daemon")
    if report.strip():
        t.diag(report[:4000])
t.done()
