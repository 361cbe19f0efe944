# SPDX-License-Identifier: Apache-2.0
# crmsim — loopback stand-ins for the two CRM APIs the sync sinks write to,
# checking what the real APIs check (from their public documentation):
#
# Salesforce (SalesforceSim)
#  * OAuth 2.0 JWT bearer flow ("OAuth 2.0 JWT Bearer Flow for Server-to-Server
#    Integration", help.salesforce.com remoteaccess_oauth_jwt_flow): POST
#    /services/oauth2/token with grant_type=urn:ietf:params:oauth:grant-type:
#    jwt-bearer and the assertion; the JWT is verified by PyJWT (Debian's
#    python3-jwt), not by us: RS256 with the connected app's certificate key,
#    iss = consumer key, sub = a known user, aud = the login URL, exp at most
#    3 minutes ahead. Errors are the standard OAuth ones, 400 {"error":
#    "invalid_grant", "error_description"}; success gives access_token,
#    instance_url, id, token_type.
#  * sObject Collections upsert ("Upsert Records Using sObject Collections",
#    REST API Developer Guide): PATCH /services/data/vXX.X/composite/sobjects/
#    SOBJECT/EXTERNAL_ID, Authorization: Bearer; up to 200 records, each with
#    attributes.type = SOBJECT and the external id, no Id; unknown fields make
#    the whole request 400 INVALID_FIELD; with allOrNone false, 200 with one
#    UpsertResult per record in order ({id, success, created, errors:
#    [{statusCode, message, fields}]}): a Lead created without LastName or
#    Company fails REQUIRED_FIELD_MISSING, a bad e-mail INVALID_EMAIL_ADDRESS.
#  * 401 [{"errorCode": "INVALID_SESSION_ID"}] for an unknown or revoked
#    token; every answer carries Sforce-Limit-Info: api-usage=USED/MAX ("Limit
#    Info Header"), and over MAX 403 REQUEST_LIMIT_EXCEEDED.
#
# HubSpot (HubSpotSim)
#  * CRM v3 batch upsert of contacts ("Upsert contacts", developers.hubspot.com
#    api-reference crm/objects/contacts/batch/upsert): POST
#    /crm/v3/objects/contacts/batch/upsert with a private app's Bearer token,
#    {"inputs": [{"idProperty", "id", "properties"}]}, at most 100 inputs, no
#    duplicate ids; properties must exist on contacts (400 VALIDATION_ERROR
#    otherwise). 200 {"status": "COMPLETE", "results": [{id, new, properties}]}
#    or, when some inputs fail, 207 with "errors" ({status, category, message,
#    context: {ids}}) and "numErrors".
#  * Limits ("API usage guidelines and limits"): a private app's requests per
#    10 s and per day; over them 429 {"errorType": "RATE_LIMIT", "policyName":
#    "TEN_SECONDLY_ROLLING" | "DAILY"}. 401 for a wrong token.
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt  # python3-jwt (PyJWT)

SF_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Fields of the Lead object the tests may write (a real org has more).
SF_LEAD_FIELDS = {"FirstName", "LastName", "Company", "Email", "Title", "Phone", "LeadSource",
                  "Description", "Rating", "Country", "Website"}


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _json(self, code, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _bearer(self):
        a = self.headers.get("Authorization", "")
        return a[7:] if a.startswith("Bearer ") else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.lock = threading.Lock()
        self.log = []  # every request: method, path, status, body (parsed), time
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def handle_error(self, request, client_address):
        pass  # a client that hangs up early is not the test's business

    def note(self, handler, status, body):
        with self.lock:
            self.log.append({"method": handler.command, "path": handler.path, "status": status,
                             "body": body, "time": time.time(),
                             "headers": dict(handler.headers)})

    def close(self):
        self.shutdown()
        self.server_close()


# ---- Salesforce ------------------------------------------------------------------------


class _SFHandler(_Base):
    def do_POST(self):
        srv = self.server
        raw = self._body()
        if self.path != "/services/oauth2/token":
            srv.note(self, 404, None)
            return self._json(404, [{"errorCode": "NOT_FOUND", "message": "not found"}])
        form = urllib.parse.parse_qs(raw.decode())
        err = None
        if form.get("grant_type") != [SF_GRANT] or len(form.get("assertion", [])) != 1:
            err = ("unsupported_grant_type", "grant type not supported")
        else:
            try:
                claims = jwt.decode(form["assertion"][0], srv.public_key, algorithms=["RS256"],
                                    audience=srv.audience, issuer=srv.client_id,
                                    options={"require": ["exp", "iss", "sub", "aud"]})
                if claims["exp"] > time.time() + 180 + 5:
                    err = ("invalid_grant", "expiration is too far in the future")
                elif claims["sub"] not in srv.users:
                    err = ("invalid_grant", "user hasn't approved this consumer")
            except jwt.InvalidIssuerError:
                err = ("invalid_client_id", "client identifier invalid")
            except jwt.PyJWTError as e:
                err = ("invalid_grant", "invalid assertion: %s" % e)
        if err:
            srv.note(self, 400, {"error": err[0]})
            return self._json(400, {"error": err[0], "error_description": err[1]})
        tok = "00D!" + uuid.uuid4().hex
        with srv.lock:
            srv.tokens.add(tok)
            srv.exchanges += 1
        srv.note(self, 200, {"token": tok, "sub": claims["sub"]})
        self._json(200, {"access_token": tok, "scope": "api", "instance_url": srv.url,
                         "id": srv.url + "/id/00D000000000001/005000000000001",
                         "token_type": "Bearer"})

    def do_PATCH(self):
        srv = self.server
        raw = self._body()
        parts = self.path.split("?")[0].strip("/").split("/")
        # services/data/vXX.X/composite/sobjects/SOBJECT/EXTERNAL_ID
        if len(parts) != 7 or parts[:2] != ["services", "data"] or parts[3:5] != [
                "composite", "sobjects"] or not parts[2].startswith("v"):
            srv.note(self, 404, None)
            return self._json(404, [{"errorCode": "NOT_FOUND", "message": "bad URI"}])
        sobject, ext = parts[5], parts[6]
        tok = self._bearer()
        with srv.lock:
            if tok not in srv.tokens:
                status, out = 401, [{"message": "Session expired or invalid",
                                     "errorCode": "INVALID_SESSION_ID"}]
            else:
                srv.api_used += 1
                status, out = self._upsert(srv, sobject, ext, raw)
            limit = "api-usage=%d/%d" % (srv.api_used, srv.api_max)
        srv.note(self, status, json.loads(raw) if raw else None)
        self._json(status, out, [("Sforce-Limit-Info", limit)])

    def _upsert(self, srv, sobject, ext, raw):
        if srv.api_used > srv.api_max:
            return 403, [{"message": "TotalRequests Limit exceeded.",
                          "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        try:
            req = json.loads(raw)
        except ValueError:
            return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "bad JSON"}]
        recs = req.get("records")
        if not isinstance(recs, list) or not isinstance(req.get("allOrNone", False), bool):
            return 400, [{"errorCode": "INVALID_FIELD", "message": "records required"}]
        if len(recs) > 200:
            return 400, [{"errorCode": "EXCEEDED_ID_LIMIT",
                          "message": "record limit exceeded: 200"}]
        if sobject != "Lead" or ext != srv.external_id:
            return 404, [{"errorCode": "NOT_FOUND", "message": "no such external id field"}]
        for r in recs:
            if (r.get("attributes") or {}).get("type") != sobject:
                return 400, [{"errorCode": "INVALID_TYPE", "message": "attributes.type"}]
            for k in r:
                if k not in SF_LEAD_FIELDS | {"attributes", ext}:
                    return 400, [{"errorCode": "INVALID_FIELD",
                                  "message": "No such column '%s' on sobject of type Lead" % k}]
            if "Id" in r or not r.get(ext):
                return 400, [{"errorCode": "INVALID_FIELD", "message": "external id required"}]
        out = []
        for r in recs:
            fields = {k: v for k, v in r.items() if k != "attributes"}
            old = srv.records.get(fields[ext])
            merged = dict(old or {}, **fields)
            missing = [f for f in ("LastName", "Company") if not merged.get(f)]
            if missing:
                out.append({"success": False, "errors": [{
                    "statusCode": "REQUIRED_FIELD_MISSING",
                    "message": "Required fields are missing: [%s]" % ", ".join(missing),
                    "fields": missing}]})
                continue
            if merged.get("Email") and "@" not in merged["Email"]:
                out.append({"success": False, "errors": [{
                    "statusCode": "INVALID_EMAIL_ADDRESS",
                    "message": "Email: invalid email address", "fields": ["Email"]}]})
                continue
            if old is None:
                merged["Id"] = "00Q%015d" % (len(srv.records) + 1)
            srv.records[fields[ext]] = merged
            srv.writes.append(fields[ext])
            out.append({"id": merged["Id"], "success": True, "errors": [],
                        "created": old is None})
        return 200, out


class SalesforceSim(_Server):
    def __init__(self, public_key, client_id, users, external_id="Matchbooth_Id__c"):
        super().__init__(_SFHandler)
        self.public_key = public_key
        self.client_id = client_id
        self.users = set(users)
        self.audience = self.url  # the login URL the kiosk is configured with
        self.external_id = external_id
        self.tokens = set()
        self.exchanges = 0
        self.records = {}  # external id -> fields
        self.writes = []  # external ids, one per successful upsert
        self.api_used = 0
        self.api_max = 15000

    def revoke_all(self):
        with self.lock:
            self.tokens.clear()


# ---- HubSpot ---------------------------------------------------------------------------

HS_CONTACT_PROPS = {"email", "firstname", "lastname", "company", "jobtitle", "phone", "website",
                    "country", "matchbooth_notes", "matchbooth_rating", "matchbooth_lead_id"}


class _HSHandler(_Base):
    def do_POST(self):
        srv = self.server
        raw = self._body()
        if self.path != "/crm/v3/objects/contacts/batch/upsert":
            srv.note(self, 404, None)
            return self._json(404, {"status": "error", "message": "not found"})
        now = time.time()
        with srv.lock:
            if self._bearer() != srv.token:
                status, out = 401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                                    "message": "Authentication credentials not found."}
            else:
                srv.times = [x for x in srv.times if x > now - srv.window_s]
                srv.times.append(now)
                srv.daily += 1
                if srv.daily > srv.daily_max:
                    status, out = 429, {"status": "error", "errorType": "RATE_LIMIT",
                                        "policyName": "DAILY",
                                        "message": "You have reached your daily limit."}
                elif len(srv.times) > srv.burst_max:
                    srv.burst_refused += 1
                    status, out = 429, {"status": "error", "errorType": "RATE_LIMIT",
                                        "policyName": "TEN_SECONDLY_ROLLING",
                                        "message": "You have reached your secondly limit."}
                else:
                    status, out = self._upsert(srv, raw)
        srv.note(self, status, json.loads(raw) if raw else None)
        self._json(status, out)

    def _upsert(self, srv, raw):
        def bad(msg):
            return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": msg}
        try:
            inputs = json.loads(raw)["inputs"]
        except (ValueError, KeyError, TypeError):
            return bad("Invalid input JSON")
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
            return bad("inputs: between 1 and 100")
        ids = [str(i.get("id", "")).lower() for i in inputs]
        if len(set(ids)) != len(ids):
            return bad("Duplicate IDs found in batch input: %s" % ids)
        for i in inputs:
            if i.get("idProperty") != "email" or not i.get("id"):
                return bad("idProperty must name a unique property and id its value")
            for p in i.get("properties", {}):
                if p not in HS_CONTACT_PROPS:
                    return bad("Property \"%s\" does not exist" % p)
        results, errors = [], []
        for i in inputs:
            mail = i["id"].lower()
            if mail.startswith("blocked"):  # a value the portal refuses
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": "Email address %s is invalid" % i["id"],
                               "context": {"ids": [i["id"]]}})
                continue
            old = srv.contacts.get(mail)
            props = dict(old["properties"] if old else {}, **i.get("properties", {}))
            props["email"] = mail
            cid = old["id"] if old else str(1000 + len(srv.contacts))
            srv.contacts[mail] = {"id": cid, "properties": props}
            results.append({"id": cid, "new": old is None, "properties": props})
        out = {"status": "COMPLETE", "results": results}
        if errors:
            out.update(errors=errors, numErrors=len(errors))
            return 207, out
        return 200, out


class HubSpotSim(_Server):
    def __init__(self, token, burst_max=100, window_s=10, daily_max=250000):
        super().__init__(_HSHandler)
        self.token = token
        self.burst_max = burst_max
        self.window_s = window_s
        self.daily_max = daily_max
        self.daily = 0
        self.times = []
        self.burst_refused = 0
        self.contacts = {}  # lower-cased e-mail -> {id, properties}
