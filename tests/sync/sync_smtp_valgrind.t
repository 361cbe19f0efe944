#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The follow-up e-mail's paths under valgrind (memcheck, full leak check):
# the smtp sink over STARTTLS with AUTH to aiosmtpd (tests/integration/
# smtpsim.py), a visitor e-mailed, one refused for good (550, parked), one
# whose answer is lost after the message (sent again with its Message-ID),
# rows looked at and not sent (no consent, e-mailed already), a SIGHUP
# reload with a row pending, and a clean stop. Any definite or indirect
# leak, or any memory error, fails the test.
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from synclib import Certs, Daemon, diag, done, free_port, is_, ok, tmpdir, wait_for  # noqa: E402
from smtpsim import Kiosk, Server, kiosk_visit, write_show  # noqa: E402

if not shutil.which("valgrind"):
    print("1..0 # SKIP valgrind not installed")
    sys.exit(0)

t = tmpdir("smtp-vg")
certs = Certs(t)
srv = Server(free_port(), "starttls", certs.crt, certs.key, "kiosk", "vg pass")
form, cat = write_show(t)
ui_port = free_port()
vlog = os.path.join(t, "valgrind.log")
d = Daemon(t, "", show="fair",
           wrapper=["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                    "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "-q",
                    "--log-file=" + vlog])
with open(d.conf, "w") as f:
    f.write("""[kiosk]
data_dir = %s
show = fair
device_id = vg-kiosk

[ui]
listen = 127.0.0.1:%d
catalog = %s

[show.fair]
name = Valgrind Fair
form = %s

[sync]
ca_bundle = %s
backoff_base_ms = 100
backoff_max = 1
poll_interval = 1

[sink.mail]
type = smtp
url = smtp://127.0.0.1:%d
username = kiosk
password = vg pass
from = booth@fair.example
batch_max_age = 0
""" % (d.data, ui_port, cat, form, certs.ca, srv.port))


def sink():
    return d.call({"cmd": "sync_status", "detail": True})["sinks"][0]


try:
    d.start()
    k = Kiosk(ui_port)
    srv.rec.refuse["gone@example.com"] = "550 5.1.1 no such user"
    srv.rec.drop_once.add("lost@example.com")
    a = kiosk_visit(d, k, "MECARD:N:陳,大文;EMAIL:tai@example.hk;;", {"interest": ["audio"]},
                    {"followup": True}, "zh-Hant")
    kiosk_visit(d, k, "MECARD:N:No,Thanks;EMAIL:no@example.com;;", {"interest": ["audio"]},
                {"followup": False}, "en")
    kiosk_visit(d, k, "MECARD:N:Gone,Guy;EMAIL:gone@example.com;;", {"interest": ["power"]},
                {"followup": True}, "en")
    kiosk_visit(d, k, "MECARD:N:Lost,Lu;EMAIL:lost@example.com;;", {"interest": ["audio"]},
                {"followup": True}, "hi")
    ok(wait_for(lambda: srv.rec.taken("tai@example.hk") and
                len(srv.rec.taken("lost@example.com")) == 2, 90),
       "e-mailed; the lost answer sent again")
    ok(wait_for(lambda: sink()["rejected"] == 1, 60), "the 550 parked")
    d.call({"cmd": "note", "lead": a, "operator": "vg", "note": "again"})
    d.proc.send_signal(signal.SIGHUP)  # reload with the note's row pending
    time.sleep(2)
    ok(wait_for(lambda: sink()["pending"] == 0, 60), "after the reload, the note's row looked at")
    is_(len(srv.rec.taken("tai@example.hk")), 1, "…and no second e-mail")
finally:
    rc = d.stop()
    srv.stop()
is_(rc, 0, "daemon exits 0 under valgrind (no leak, no memory error)")
if rc != 0 and os.path.exists(vlog):
    diag(open(vlog).read()[-4000:])
done()
