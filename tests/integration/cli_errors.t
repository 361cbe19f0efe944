#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cli_errors.t — a failing command says what kind of failure it was, after
# the message with its context: "matchbooth CMD: MESSAGE (KIND)", KIND from
# err_code_name() (firmware/base/err.c), on one line, exit status 1.
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()


def fails(cmd, args, kind, want, name):
    rc, out, err = mbtest.run(cmd.split() + args)
    shape = re.fullmatch(r"matchbooth %s: .+ \(%s\)\n" % (re.escape(cmd), re.escape(kind)), err)
    t.ok(rc == 1 and shape and want in err, "%s: (%s)" % (name, kind))
    if not (rc == 1 and shape and want in err):
        t.diag("exit %d, stderr %r; want %r in it" % (rc, err, want))


with mbtest.Daemon(start=False) as d:  # its config and data folder; never started
    fails("config check", ["--config", os.path.join(d.dir, "missing.conf")], "not found",
          "missing.conf: cannot open config", "a config file that does not exist")
    bad = os.path.join(d.dir, "bad.conf")
    with open(d.conf) as f, open(bad, "w") as g:
        g.write(f.read().replace("[kiosk]\n", "[kiosk]\ncolour = blue\n", 1))
    fails("config check", ["--config", bad], "invalid input", "[kiosk] colour: unknown key",
          "an unknown key")
    fails("capture", ["--config", d.conf, "MECARD:N:Doe,Jane;;"], "I/O error",
          "control.sock", "capture with no daemon running")
    os.makedirs(os.path.join(d.data, "leads.db"))
    fails("db check", ["--config", d.conf], "I/O error", "leads.db", "a lead store that "
          "cannot be opened (a directory)")
t.done()
