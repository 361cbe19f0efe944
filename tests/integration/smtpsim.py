# SPDX-License-Identifier: Apache-2.0
# smtpsim — what the follow-up e-mail's tests share (sync_smtp.t, and
# tests/sync/sync_smtp_valgrind.t): a show's form and catalog, the kiosk's
# API as its page uses it (a visitor's answers and consents), and a real
# SMTP server on loopback: Debian's python3-aiosmtpd, with STARTTLS required and AUTH
# (or TLS from the first byte, smtps), recording every message that it took
# with its envelope, whether the session was encrypted and who logged in.
# Faults on demand, by recipient: a permanent refusal (550 to RCPT), a
# temporary one (451), and a connection dropped after the whole message
# arrived but before the server's 250 (the answer lost: the client cannot
# know the message was taken).
import json
import logging
import os
import ssl
import threading
import urllib.request
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


# aiosmtpd's own notes (a deprecated attribute it sets itself; AUTH without
# its STARTTLS, which smtps asks for on purpose) are not the test's output.
warnings.filterwarnings("ignore", message=".*login_data is deprecated.*")
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS.*")
logging.getLogger("mail.log").setLevel(logging.ERROR)


class Recorder:
    def __init__(self, login=None, password=None):
        self.lock = threading.Lock()
        self.messages = []  # dicts: mail_from, rcpt, content (bytes), tls, login
        self.refuse = {}  # address -> reply to its RCPT ("550 …", "451 …")
        self.drop_once = set()  # addresses whose next message is taken, then the line cut
        self.mail_from_seen = 0  # MAIL FROM commands that reached the server
        self.logins = []
        self.login = login
        self.password = password

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_from_seen += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            reply = self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = list(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(dict(mail_from=envelope.mail_from, rcpt=rcpt,
                                      content=bytes(envelope.original_content or envelope.content),
                                      tls=server.transport.get_extra_info("ssl_object")
                                      is not None,
                                      login=session.auth_data))
            drop = any(a in self.drop_once for a in rcpt)
            for a in rcpt:
                self.drop_once.discard(a)
        if drop:  # taken, but the answer never leaves
            server.transport.abort()
        return "250 2.0.0 queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.login is not None and
              auth_data.login == self.login.encode() and
              auth_data.password == self.password.encode())
        with self.lock:
            self.logins.append((mechanism, auth_data.login if ok else None, ok))
        return AuthResult(success=ok, handled=False, auth_data=self.login if ok else None)

    def taken(self, to=None):
        with self.lock:
            return [m for m in self.messages if to is None or to in m["rcpt"]]


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


class Server:
    """mode: "starttls" (STARTTLS and AUTH required), "smtps" (TLS from the
    start, AUTH required), "plain" (no TLS offered, no AUTH: the demo's
    catcher, and a server the kiosk must refuse to send to)."""

    def __init__(self, port, mode, cert=None, key=None, login=None, password=None):
        self.rec = Recorder(login, password)
        kw = {}
        if mode == "starttls":
            kw = dict(tls_context=tls_context(cert, key), require_starttls=True,
                      authenticator=self.rec.authenticate, auth_required=True)
        elif mode == "smtps":
            # TLS from the first byte: aiosmtpd offers AUTH only after its
            # own STARTTLS unless told the line is safe already.
            kw = dict(ssl_context=tls_context(cert, key), authenticator=self.rec.authenticate,
                      auth_required=True, auth_require_tls=False)
        self.ctl = Controller(self.rec, hostname="127.0.0.1", port=port,
                              server_hostname="mail.test", **kw)
        self.ctl.start()
        self.port = port

    def stop(self):
        self.ctl.stop()


# ---- the show and the kiosk ----------------------------------------------------------

# A form with categories and the followup purpose, and suppliers whose names
# need escaping in HTML, in several scripts.
FORM = {
    "questions": [{"id": "interest", "type": "multi", "text": {"en": "Sourcing?"},
                   "choices": [{"id": "audio", "category": "audio", "text": {"en": "Audio"}},
                               {"id": "power", "category": "power", "text": {"en": "Power"}},
                               {"id": "toys", "category": "toys", "text": {"en": "Toys"}}]}],
    "consents": [{"purpose": "contact", "version": "v1", "text": {"en": "Contact me."}},
                 {"purpose": "followup", "version": "v1",
                  "text": {"en": "E-mail me the suppliers I matched."}}],
}
CATALOG = {"suppliers": [
    {"id": "A1", "names": {"en": "Kowloon Audio & Sons <HK>", "zh-Hant": "九龍音響 & 子 <香港>",
                           "hi": "कौलून ऑडियो"},
     "descriptions": {"en": "Headphones, \"studio\" grade.", "zh-Hant": "專業級耳機。",
                      "hi": "स्टूडियो हेडफ़ोन।"},
     "categories": ["audio"], "country": "HK", "url": "https://a1.example/p?x=1&y=2#top"},
    {"id": "A2", "names": {"en": "Stuttgart Sound GmbH"},
     "descriptions": {"en": "Speakers and amplifiers."},
     "categories": ["audio", "power"], "country": "DE", "url": "https://a2.example/"},
    {"id": "P1", "names": {"en": "Delhi Batteries Pvt Ltd", "hi": "दिल्ली बैटरी"},
     "descriptions": {"en": "Li-ion packs.", "hi": "लिथियम बैटरी।"},
     "categories": ["power"], "country": "IN", "url": "https://p1.example/"},
]}


def write_show(d):
    """FORM and CATALOG as files in d: (form path, catalog path)."""
    form, cat = os.path.join(d, "form.json"), os.path.join(d, "catalog.json")
    with open(form, "w") as f:
        json.dump(FORM, f, ensure_ascii=False)
    with open(cat, "w") as f:
        json.dump(CATALOG, f, ensure_ascii=False)
    return form, cat


class Kiosk:
    """The kiosk page's side of the API: boot (CSRF token), answers, consents."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.csrf = self.get("/api/boot")["csrf"]

    def _open(self, req):
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, body):
        return self._open(urllib.request.Request(
            self.base + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf}))


def kiosk_visit(daemon, kiosk, card, answers, consents, lang):
    """A visitor as the page walks them: scan (through the daemon's control
    socket), answers, consents. Returns the lead id."""
    lead = daemon.capture(card)["lead"]["id"]
    if answers is not None:
        kiosk.post("/api/lead/answers", {"lead": lead, "answers": answers})
    kiosk.post("/api/lead/consents", {"lead": lead, "lang": lang, "consents": consents})
    return lead
