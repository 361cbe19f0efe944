#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""kiosk.t — the kiosk screen for real: cage (headless wlroots backend) runs
board/kiosk/kiosk-browser, which waits for the UI to answer and then shows it
in Chromium with the kiosk flags. Checks: the flags are there; the launcher
waits for a UI that comes up late; the page loads; an image from 127.0.0.1
loads but one from a host name (localhost, which resolves on every machine)
does not, because nothing but the UI's host resolves; and when Chromium dies
cage exits, which is what lets systemd's Restart=always relaunch the session.
Runs as nobody when root (cage refuses root). The UI is a stand-in HTTP server
on a free loopback port: this tests the session, not the pages."""
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(TOP, "board", "kiosk", "kiosk-browser")
n = 0
failed = 0


def ok(cond, name):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, name), flush=True)
    failed += not cond
    return cond


def done():
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


for prog in ("cage", "Xwayland", "chromium"):
    if not shutil.which(prog):
        print("1..0 # SKIP %s is not installed (board/install-deps.sh test)" % prog)
        sys.exit(0)

# 1. The flags.
env = dict(os.environ, MB_KIOSK_PRINT_ARGS="1", MB_KIOSK_URL="http://127.0.0.1:8080/")
args = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True).stdout.split("\n")
for flag in ("--kiosk", "--incognito", "--no-first-run", "--noerrdialogs",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-translate", "--disable-pinch", "--overscroll-history-navigation=0",
             "--ozone-platform=wayland"):
    ok(flag in args, "flag " + flag)
ok(any(a.startswith("--disable-features=") and "Translate" in a for a in args),
   "translate feature off")
ok(args[-1] == "" and args[-2] == "http://127.0.0.1:8080/", "the UI is the page it opens")
ok("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in args,
   "no host name resolves but the UI's")

# 2. The session.
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
seen = []


class UI(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append((self.path, self.headers.get("User-Agent", "")))
        body = b""
        ctype = "image/gif"
        if self.path == "/":
            ctype = "text/html"
            body = (b"<!doctype html><title>kiosk</title><p>kiosk</p>"
                    b"<img src='http://127.0.0.1:%d/control.gif'>"
                    b"<img src='http://localhost:%d/probe.gif'>" % (port, port))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


run = tempfile.mkdtemp(prefix="mb-kiosk-")
os.chmod(run, 0o700)
cmd = ["cage", "-d", "--", LAUNCHER]
env = dict(os.environ, XDG_RUNTIME_DIR=run, HOME=run, MB_KIOSK_PROFILE=os.path.join(run, "profile"),
           MB_KIOSK_URL="http://127.0.0.1:%d/" % port, WLR_BACKENDS="headless",
           WLR_LIBINPUT_NO_DEVICES="1", WLR_RENDERER="pixman",
           # no GPU here: without this Chromium's GPU process fails and it quits
           MB_KIOSK_EXTRA_FLAGS="--disable-gpu")
env.pop("WAYLAND_DISPLAY", None)
env.pop("DISPLAY", None)
if os.geteuid() == 0:
    shutil.chown(run, "nobody")
    cmd = ["runuser", "-u", "nobody", "--", "env"] + ["%s=%s" % kv for kv in env.items()
                                                     if kv[0] != "PATH"] + cmd
log = open(os.path.join(run, "cage.log"), "wb")
cage = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, start_new_session=True)
try:
    time.sleep(2)  # the UI comes up after the screen: the launcher must wait
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), UI)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    t0 = time.time()
    while time.time() - t0 < 60 and not any(p == "/control.gif" for p, _ in seen):
        if cage.poll() is not None:
            break
        time.sleep(0.2)
    loaded = time.time() - t0
    time.sleep(3)  # time for the probe, if it were going to come
    paths = [p for p, _ in seen]
    ok("/" in paths, "Chromium in cage loaded the UI that came up late (%.1f s)" % loaded)
    ok(any("Chrome" in ua for p, ua in seen if p == "/"), "it is Chromium")
    ok("/control.gif" in paths, "a resource from 127.0.0.1 loads")
    ok("/probe.gif" not in paths, "a resource from a host name (localhost) does not")

    # 3. Chromium dies: cage must exit so that systemd relaunches the session.
    def children(pid):
        out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True,
                             text=True).stdout
        return [(int(l.split()[0]), l.split()[1]) for l in out.splitlines() if l.strip()]

    top = [(cage.pid, "")]
    if os.geteuid() == 0:  # runuser -> cage -> chromium
        top = [k for k in children(cage.pid) if k[1] == "cage"]
    kids = children(top[0][0]) if top else []
    ok(cage.poll() is None, "the session is still up after %.0f s" % (time.time() - t0))
    chrome = [pid for pid, comm in kids if "chrom" in comm]
    ok(len(chrome) == 1, "Chromium runs as cage's client (pid %s)" % chrome)
    if chrome:
        os.kill(chrome[0], signal.SIGKILL)
        try:
            cage.wait(15)
        except subprocess.TimeoutExpired:
            pass
        ok(cage.poll() is not None, "cage exits when Chromium dies (systemd restarts the unit)")
finally:
    if cage.poll() is None:
        os.killpg(cage.pid, signal.SIGKILL)
        cage.wait()
    log.close()
    if failed:
        with open(os.path.join(run, "cage.log"), errors="replace") as f:
            for line in f.read().splitlines()[-15:]:
                print("# " + line)
    shutil.rmtree(run, ignore_errors=True)
done()
