#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# mailcatcher — the demo's mail server (`make mail`): the demo config's
# [sink.followup] sends the follow-up e-mails of `make run` here instead of
# to the visitors. Each message is kept as DIR/N.eml (open it in any mail
# program, or a browser for its HTML part) and summed up here: sender,
# recipient, subject (decoded), and the text part. Loopback only, no TLS:
# it is for looking, never for relaying.
import argparse
import email
import email.policy
import os
import sys
import time

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("mailcatcher: needs python3-aiosmtpd (make deps-build installs it)")


class Keep:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.n = len([f for f in os.listdir(folder) if f.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        path = os.path.join(self.folder, "%04d.eml" % self.n)
        with open(path, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        body = msg.get_body(("plain",))
        print("---- %s  %s" % (time.strftime("%H:%M:%S"), path))
        print("From:    %s\nTo:      %s\nSubject: %s\n" % (msg["From"], msg["To"], msg["Subject"]))
        print(body.get_content() if body else "(no text part)", flush=True)
        return "250 kept"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--dir", default="var/mail")
    a = ap.parse_args()
    ctl = Controller(Keep(a.dir), hostname="127.0.0.1", port=a.port)
    ctl.start()
    print("mailcatcher: smtp://127.0.0.1:%d, messages kept in %s/ (Ctrl-C stops)"
          % (a.port, a.dir), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
