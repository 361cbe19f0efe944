#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""card_async.t — reading a business card never stalls the daemon: the OCR
runs in the reader thread while the event loop goes on answering the
control socket and storing scans; card requests queue up to a limit and are
answered in order; a client that hangs up while its card is read does not
disturb anyone."""

import base64
import glob
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()
CARDS = os.path.join(mbtest.ROOT, "tests", "cards")
chinese = sorted(glob.glob(os.path.join(CARDS, "*zh-Hant*clean*")) +
                 glob.glob(os.path.join(CARDS, "*zh*")))[0]
with open(chinese, "rb") as f:
    IMG = base64.b64encode(f.read()).decode()

SHOW = mbtest.SHOW + "card_languages = chi_tra\n"
with mbtest.Daemon(show=SHOW, extra="[card]\ncamera = /nonexistent/video9\n") as d:
    def timed(obj):
        a = time.time()
        r = d.request(obj, timeout=60)
        return r, time.time() - a

    # A card read on one connection; meanwhile, on others, status and a scan.
    results = {}

    def read_card():
        results["card"] = timed({"cmd": "card_read", "image_base64": IMG})

    th = threading.Thread(target=read_card)
    th.start()
    time.sleep(0.03)  # the read is under way
    st, st_s = timed({"cmd": "status"})
    cap, cap_s = timed({"cmd": "capture", "payload": "MECARD:N:Busy,Bea;EMAIL:bea@x.example;;"})
    th.join()
    card, card_s = results["card"]
    t.ok(card.get("ok") and "card" in card, "the card was read (%.0f ms)" % (card_s * 1000))
    t.ok(st.get("ok") and st_s < card_s,
         "status answered in %.0f ms while the card took %.0f ms" % (st_s * 1000, card_s * 1000))
    t.ok(cap.get("ok") and cap_s < card_s,
         "a scan was stored in %.0f ms during the card read" % (cap_s * 1000))

    # Several cards on one connection are answered in order.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(d.socket_path)
    s.sendall(b"".join(json.dumps({"cmd": "card_read", "image_base64": IMG}).encode() + b"\n"
                       for _ in range(3)) + b'{"cmd":"ping"}\n')
    data = b""
    s.settimeout(60)
    while data.count(b"\n") < 4:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    replies = [json.loads(l) for l in data.splitlines()]
    ids = [r.get("card", {}).get("read_id") for r in replies[:3]]
    t.ok(len(replies) == 4 and all(ids) and ids == sorted(ids) and replies[3].get("pong"),
         "pipelined card reads answered in order, then the ping (%s)" % ids)

    # A client that hangs up before its answer: nothing breaks.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(d.socket_path)
    s.sendall(json.dumps({"cmd": "card_read", "image_base64": IMG}).encode() + b"\n")
    s.close()
    # Cards are read in order: once the next one is answered, the orphaned
    # read has been done and its answer had nowhere to go.
    r = d.request({"cmd": "card_read", "image_base64": IMG}, timeout=60)
    t.ok(r.get("ok") and d.request({"cmd": "ping"}).get("ok") and d.proc.poll() is None,
         "a client gone before its card was read does not disturb the daemon")

    # More cards than the queue holds: the extra ones are refused as busy.
    socks = []
    for _ in range(7):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(d.socket_path)
        c.sendall(json.dumps({"cmd": "card_read", "image_base64": IMG}).encode() + b"\n")
        socks.append(c)
    answers = []
    for c in socks:
        c.settimeout(60)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = c.recv(65536)
            if not chunk:
                break
            buf += chunk
        answers.append(json.loads(buf))
        c.close()
    busy = [a for a in answers if not a.get("ok")]
    t.ok(len(busy) >= 1 and all("busy" in a.get("error", "") for a in busy)
         and len(answers) - len(busy) >= 4,
         "a full queue answers 'busy' at once (%d of 7 refused)" % len(busy))
    t.is_(d.stop(), 0, "a clean stop with the reader thread")
t.done()
