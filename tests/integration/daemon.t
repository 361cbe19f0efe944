#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""daemon.t — the foundation end to end, through the real binary.

Acknowledged captures survive a crash of the daemon (SIGKILL right after
capture returns; a power cut, which also loses the page cache, is
tests/powercut/powercut.t), re-scan merge, per-operator notes, bad configs
refused with file:line:key, a control-socket client sending garbage or a
huge message, the FIFO source, SIGHUP reload, clean SIGTERM, clock
correction, --help for every command.

Waits are polls with generous deadlines, never fixed sleeps: a slow machine
makes the test slower, not wrong.
"""

import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()

# --- help -----------------------------------------------------------------------
rc, out, err = mbtest.run(["--help"])
t.is_(rc, 0, "--help exits 0")
commands = re.findall(r"^  (\S+(?: (?:check|stats|example|check))?)\s", out, re.M)
want = ["run", "capture", "status", "leads", "note", "db check", "db stats"]
missing = [c for c in want if not re.search(r"^  %s\b" % re.escape(c), out, re.M)]
t.is_(missing, [], "--help lists the core commands (%s)" % ", ".join(want))
listed = [l.split()[0] + ((" " + l.split()[1]) if l.split()[0] in ("db", "config", "sync",
          "roster", "catalog", "ui") and len(l.split()) > 1 else "")
          for l in out.splitlines() if l.startswith("  ") and l.strip()]
bad = []
for cmd in listed:
    rc, cout, _ = mbtest.run(cmd.split() + ["--help"])
    if not (rc == 0 and "--config FILE" in cout and "usage: matchbooth " + cmd in cout):
        bad.append(cmd)
t.ok(len(listed) >= len(want) and not bad,
     "each of the %d commands' --help prints its usage and options%s"
     % (len(listed), ": not " + ", ".join(bad) if bad else ""))
rc, out, _ = mbtest.run(["--version"])
t.ok(rc == 0 and out.startswith("matchbooth "), "--version")
rc, _, err = mbtest.run(["frobnicate"])
t.ok(rc == 2 and "unknown command" in err, "unknown command refused")
rc, _, err = mbtest.run(["leads", "--bogus"])
t.ok(rc == 2 and "--bogus" in err, "unknown option refused and named")

# --- bad configs: each names file:line:key and the daemon refuses to start -------
BAD = [
    ("[kiosk]\nshow = demo\ndata_dir = /tmp/x\nwhat = 1\n", r":4: \[kiosk\] what: unknown key"),
    ("[kiosk]\nshow = demo\n[kisok]\n", r":3: unknown section \[kisok\]"),
    ("[kiosk]\nshow = demo\n[ui]\nlisten = everywhere\n", r":4: \[ui\] listen: expected HOST:PORT"),
    ("[kiosk]\nshow = demo\nclock_check_interval = -5\n",
     r":3: \[kiosk\] clock_check_interval: expected an integer from 1"),
    ("[kiosk]\nshow = demo\ndev_fifo = perhaps\n", r":3: \[kiosk\] dev_fifo: expected true or false"),
    ("[kiosk]\nshow = demo\nshow = other\n", r":3: \[kiosk\] show: set twice"),
    ("[kiosk]\nshow = nowhere\n", r"\[kiosk\] show: no section \[show.nowhere\]"),
]
tmpd = mbtest.tempfile.mkdtemp(prefix="mb-badconf-")
for i, (text, want) in enumerate(BAD):
    path = os.path.join(tmpd, "bad%d.conf" % i)
    with open(path, "w") as f:
        f.write(text + "[show.demo]\nname = D\n" if "nowhere" not in text else text)
    start = time.time()
    rc, out, err = mbtest.run(["run", "--config", path], timeout=20)
    t.ok(rc != 0 and re.search(re.escape(path) + ".*" + want if want.startswith(":") else want, err)
         and time.time() - start < 10, "bad config %d refused: %s" % (i, err.strip()))
with mbtest.Daemon(start=False) as d:
    # A non-loopback UI address needs an explicit opt-in.
    d.write_config(extra="")
    with open(d.conf) as f:
        text = f.read().replace("listen = 127.0.0.1:%d" % d.port, "listen = 0.0.0.0:%d" % d.port)
    with open(d.conf, "w") as f:
        f.write(text)
    rc, out, err = mbtest.run(["run", "--config", d.conf], timeout=20)
    t.ok(rc != 0 and "allow_remote" in err, "non-loopback UI refused without allow_remote")

# --- durable acknowledgement --------------------------------------------------------
with mbtest.Daemon() as d:
    ids = []
    for i in range(5):
        lead = d.capture("MECARD:UID:K%d;N:Kill,Test%d;ORG:Durable Ltd;;" % (i, i))
        d.kill(signal.SIGKILL)  # right after capture returned
        ids.append(lead["id"])
        d.start()
    found = {l["id"] for l in d.leads()}
    t.ok(all(i in found for i in ids),
         "every lead acknowledged before a SIGKILL of the daemon is there after restart (%d/%d)"
         % (len([i for i in ids if i in found]), len(ids)))
    rc, out, _ = d.cli("db", "check")
    t.ok(rc == 0 and out.startswith("OK"), "db check after 5 SIGKILLs: %s" % out.strip())

# --- capture, merge, notes, unknown, FIFO, status ---------------------------------------
with mbtest.Daemon(kiosk="dev_fifo = true") as d:
    a = d.capture("MECARD:N:Doe,Jane;ORG:Acme;EMAIL:jane@acme.example;;")
    t.ok(a["created"] and re.match(r"^[0-9a-f-]{36}$", a["id"]), "capture prints the new lead")
    t.is_(a["full_name"], "Jane Doe", "decoded name")
    b = d.capture("MECARD:N:Doe,Jane;TEL:+85291234567;EMAIL:JANE@acme.example;;")
    t.is_(b["id"], a["id"], "re-scan of the same visitor gives the same lead")
    t.is_(b["scan_count"], 2, "scan count 2")
    t.is_(b["captured_at_ms"], a["captured_at_ms"], "first capture time unchanged")
    t.is_(b["phones"], ["+85291234567"], "new phone merged")
    t.is_(len(d.leads()), 1, "one lead stored")

    unk = d.capture(b"\x00\xffnot a badge")
    t.ok(unk.get("unknown") and unk["raw_base64"] == "AP9ub3QgYSBiYWRnZQ==",
         "unknown payload kept with its exact bytes")
    c = d.capture("MECARD:N:Next,Visitor;ORG:Beta;;")
    t.ok(c["created"], "the next valid scan after an unknown one is captured")

    rc, out, err = d.cli("note", a["id"], "--operator", "alice", "--text", "hot lead",
                         "--rating", "5", "--tags", "vip,asia")
    t.is_(rc, 0, "alice's note saved")
    rc, out, err = d.cli("note", "--operator", "bob", a["id"], "--text", "call Monday")
    lead = json.loads(out)
    notes = {n["operator"]: n for n in lead["notes"]}
    t.ok(notes["alice"]["note"] == "hot lead" and notes["alice"]["rating"] == 5
         and notes["alice"]["tags"] == ["vip", "asia"], "alice's note intact after bob's")
    t.is_(notes["bob"]["note"], "call Monday", "bob's note is his own (options after words)")
    rc, _, err = d.cli("note", a["id"], "--operator", "eve", "--rating", "7")
    t.ok(rc != 0 and "1 to 5" in err, "rating out of range refused")

    fifo = os.path.join(d.data, "scan.fifo")
    with open(fifo, "w") as f:
        f.write("MECARD:N:Fifo,Frank;ORG:Pipe Co;;\n")
    deadline = time.time() + 5
    while time.time() < deadline and not any(l["full_name"] == "Frank Fifo" for l in d.leads()):
        time.sleep(0.05)
    t.ok(any(l["full_name"] == "Frank Fifo" for l in d.leads()), "a line in the FIFO is a scan")

    rc, out, _ = d.cli("status", "--json")
    st = json.loads(out)
    t.ok(rc == 0 and st["show"]["id"] == "demo" and st["store"]["leads"] == 3,
         "status --json reports the show and counts")
    rc, out, _ = d.cli("db", "stats", "--json")
    t.ok(rc == 0 and json.loads(out)["unknown_scans"] == 1, "db stats counts the unknown scan")
    log = d.read_log()
    t.ok("Jane" not in log and "acme.example" not in log,
         "no personal data in the daemon's info log")

    # --- garbage and huge messages on the control socket ---
    def raw(data, read=True):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(d.socket_path)
        try:
            s.sendall(data)
        except OSError:
            pass
        out = b""
        if read:
            try:
                while not out.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except OSError:
                pass
        s.close()
        return out

    r = json.loads(raw(b"this is not json\n"))
    t.ok(r["ok"] is False and "bad request" in r["error"], "garbage gets an error reply")
    r = json.loads(raw(b'{"cmd": "launch-missiles"}\n'))
    t.ok(r["ok"] is False and "unknown command" in r["error"], "unknown command gets an error")
    r = json.loads(raw(b'[1,2,3]\n'))
    t.ok(r["ok"] is False, "a JSON array is refused")
    r = json.loads(raw(b'{"cmd":"capture"}\n'))
    t.ok(r["ok"] is False and "payload" in r["error"], "capture without payload refused")
    hang = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hang.connect(d.socket_path)
    hang.sendall(b'{"cmd": "sta')  # a client that stalls mid-line
    r = raw(b"x" * (5 * 1024 * 1024))
    t.ok(b"too large" in r, "a 5 MB line gets 'request too large'")
    t.ok(d.request({"cmd": "status"})["ok"], "the daemon keeps serving others meanwhile")
    hang.close()
    t.ok(d.proc.poll() is None, "the daemon is still running")

    # --- SIGHUP reload ---
    with open(d.conf) as f:
        good = f.read()
    with open(d.conf, "w") as f:
        f.write(good.replace("name = Demo Fair", "name = Renamed Fair"))
    def show_name():
        try:
            return d.request({"cmd": "status"})["show"]["name"]
        except (OSError, ValueError, KeyError):
            return None  # the control socket is being restarted

    def poll(cond, seconds=20):
        end = time.time() + seconds
        while time.time() < end:
            v = cond()
            if v:
                return v
            time.sleep(0.05)
        return cond()

    d.proc.send_signal(signal.SIGHUP)
    t.ok(poll(lambda: show_name() == "Renamed Fair"), "SIGHUP reloads the config")
    with open(d.conf, "w") as f:
        f.write(good + "\n[kiosk2]\n")
    d.proc.send_signal(signal.SIGHUP)
    # The refusal is logged: wait for that, then look at what is running.
    t.ok(poll(lambda: "reload refused" in d.read_log() and "kiosk2" in d.read_log()),
         "the refused reload is logged with the reason")
    st = d.request({"cmd": "status"})
    t.ok(st["ok"] and st["show"]["name"] == "Renamed Fair",
         "a bad config on SIGHUP is refused and the running one kept")
    t.is_(d.stop(), 0, "SIGTERM stops the daemon cleanly (exit 0)")
    t.ok(not os.path.exists(d.socket_path), "the control socket is removed on exit")

# --- clock correction: captured with an untrusted clock a day behind ------------------
with mbtest.Daemon(kiosk="clock_check_interval = 1", start=False) as d:
    clockfile = os.path.join(d.dir, "clock")
    with open(clockfile, "w") as f:
        f.write("untrusted -86400000\n")
    d.env["MATCHBOOTH_CLOCK"] = "file:" + clockfile
    d.start()
    before = time.time() * 1000
    lead = d.capture("MECARD:UID:CLK1;N:Clock,Carla;;")
    t.ok(lead["clock_trusted"] is False, "captured while the clock is untrusted")
    t.ok(abs(lead["captured_at_ms"] - (before - 86400000)) < 5000, "with the wrong (day-old) time")
    with open(clockfile, "w") as f:
        f.write("trusted\n")
    deadline = time.time() + 6
    fixed = None
    while time.time() < deadline:
        fixed = [l for l in d.leads() if l["id"] == lead["id"]][0]
        if fixed["clock_trusted"]:
            break
        time.sleep(0.2)
    t.ok(fixed["clock_trusted"], "corrected once the clock is synchronised")
    t.ok(abs(fixed["captured_at_ms"] - before) < 5000,
         "capture time corrected from the monotonic offset (off by %d ms)"
         % (fixed["captured_at_ms"] - before))

# --- systemd: READY=1, watchdog pings, RELOADING/STOPPING ----------------------------
with mbtest.Daemon(start=False) as d:
    nsock = os.path.join(d.dir, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(nsock)
    ns.settimeout(0.2)
    d.env["NOTIFY_SOCKET"] = nsock
    d.env["WATCHDOG_USEC"] = "1000000"  # systemd would restart it after 1 s without a ping
    d.start()
    msgs, pings = [], []

    def until(cond, seconds=20):
        """Reads notifications until cond() holds or the deadline passes."""
        end = time.time() + seconds
        while not cond() and time.time() < end:
            try:
                m = ns.recv(4096).decode()
                msgs.append(m)
                if m == "WATCHDOG=1":
                    pings.append(time.monotonic())
            except socket.timeout:
                pass
        return cond()

    t.ok(until(lambda: "READY=1" in msgs), "READY=1 sent to NOTIFY_SOCKET")
    until(lambda: len(pings) >= 5)
    gaps = sorted(b - a for a, b in zip(pings, pings[1:]))
    med = gaps[len(gaps) // 2] if gaps else None
    t.ok(med is not None and med < 1.0,
         "watchdog pinged again and again, well within WATCHDOG_USEC (%d pings, median gap %s)"
         % (len(pings), "%.2f s" % med if med is not None else "-"))
    d.proc.send_signal(signal.SIGHUP)
    t.ok(until(lambda: "RELOADING=1" in msgs), "RELOADING=1 on SIGHUP")
    d.stop()
    t.ok(until(lambda: "STOPPING=1" in msgs, 5), "STOPPING=1 on SIGTERM")
    ns.close()

# --- staff badges open staff mode and are never stored as leads ------------------------
with mbtest.Daemon(kiosk="staff_badges = ^STAFF-[0-9]+$") as d:
    r = d.capture("STAFF-0042")
    t.ok(r.get("staff") is True and r.get("operator") == "STAFF-0042", "a staff badge is recognised")
    r = d.capture("STAFF-0042x")
    t.ok(r.get("unknown") is True, "a near miss is an ordinary (unknown) scan")
    t.is_(len(d.leads()), 0, "no lead stored for a staff badge")
    t.is_(json.loads(d.cli("db", "stats", "--json")[1])["scans"], 1, "and no scan row either")
with mbtest.Daemon(kiosk="staff_badges = ^STAFF-[0-9+$", start=False) as d:
    rc, out, err = mbtest.run(["run", "--config", d.conf], timeout=20)
    t.ok(rc != 0 and "[kiosk] staff_badges" in err, "an invalid staff pattern is refused: %s" % err.strip())

# --- the daemon refuses to share a store with another daemon ---------------------------
with mbtest.Daemon() as d:
    rc, out, err = mbtest.run(["run", "--config", d.conf], timeout=20)
    t.ok(rc != 0 and "another matchbooth daemon" in err, "a second daemon on the same data refuses")

t.done()
