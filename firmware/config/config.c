// SPDX-License-Identifier: Apache-2.0
/*
 * config — INI parsing (inih), the schema of every key, validation and
 * typed getters.
 *
 * inih does the tokenising; we feed it through ini_parse_stream() with our
 * own line reader so that we know the line of every section header and key
 * (Debian's inih is built without INI_HANDLER_LINENO) and can name
 * file:line:key in every error.
 */
#include "firmware/config/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/decode/decode_util.h"
#include "firmware/base/log.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_LIST, CFG_ENUM, CFG_ADDR };

struct cfg_section {
    const char *name; /* "kiosk", or a family "show.*" */
    const char *doc;
};

struct cfg_key {
    const char *section; /* as in cfg_sections */
    const char *key;
    enum cfg_type type;
    const char *def; /* default, as it would be written in the file */
    const char *doc;
    int64_t min, max;    /* CFG_INT */
    const char *choices; /* CFG_ENUM: "a|b|c" */
};

/* Every section the program understands, in the order the example lists them. */
static const struct cfg_section cfg_sections[] = {
    {"kiosk", "The kiosk itself: where it keeps its data and which show it runs."},
    {"ui", "The embedded web server that serves the kiosk and admin pages."},
    {"show.*", "A show's profile; [show.ID] where ID is what [kiosk] show names."},
    {"card", "Business cards without a QR code: the camera and on-device OCR."},
    {"devices", "USB and serial barcode scanners and the receipt printer."},
    {"device.*",
     "One scanner or printer by name: [device.NAME] with usb = VID:PID (overrides its allow-list "
     "line, or admits a model that is not in the list), or driver = serial with a path. Keys not "
     "written here come from the allow list, then from the defaults shown."},
    {"export", "Exports for marketers (matchbooth export) and the USB stick."},
    {"sync", "The sync worker: retries, network, heartbeat, and pulls of the show form and "
             "catalog. Proxies: `proxy`, else the usual http_proxy/https_proxy/no_proxy."},
    {"sink.*", "A destination the leads are sent to; [sink.NAME], NAME appears in `matchbooth "
               "sync status`. Each type uses the keys its doc names."},
    {NULL, NULL},
};

/* Every key. Add rows here (and nowhere else) when a subsystem needs one. */
static const struct cfg_key cfg_keys[] = {
    {"kiosk", "data_dir", CFG_STR, "/var/lib/matchbooth",
     "Directory of the lead store (leads.db), the control socket and the scan FIFO.", 0, 0, NULL},
    {"kiosk", "control_socket", CFG_STR, "",
     "UNIX socket the CLI talks to; empty means <data_dir>/control.sock.", 0, 0, NULL},
    {"kiosk", "show", CFG_STR, "", "Id of the show this kiosk runs (a [show.ID] section).", 0, 0,
     NULL},
    {"kiosk", "device_id", CFG_STR, "",
     "This kiosk's id in uploads and QR links; empty means the host name.", 0, 0, NULL},
    {"kiosk", "log_level", CFG_ENUM, "info", "Lowest level logged: debug, info, warn or error.", 0,
     0, "debug|info|warn|error"},
    {"kiosk", "dev_fifo", CFG_BOOL, "false",
     "Development scan source: lines written to <data_dir>/scan.fifo (and to stdin when it is a "
     "terminal) become scans.",
     0, 0, NULL},
    {"kiosk", "clock_check_interval", CFG_INT, "15",
     "Seconds between checks of whether the clock became NTP-synchronised.", 1, 3600, NULL},
    {"kiosk", "staff_badges", CFG_STR, "",
     "POSIX extended regular expression: a scan whose whole payload matches is a staff badge "
     "(it opens staff mode and is never stored as a lead), e.g. ^STAFF-[0-9]+$. Empty: none.",
     0, 0, NULL},
    {"kiosk", "demo", CFG_BOOL, "false", "Demo mode: the UI offers a \"try a demo badge\" button.",
     0, 0, NULL},
    {"ui", "listen", CFG_ADDR, "127.0.0.1:8080", "HOST:PORT the web UI listens on.", 0, 0, NULL},
    {"ui", "allow_remote", CFG_BOOL, "false",
     "Allow a listen address other than loopback (the admin page is then reachable from the "
     "network).",
     0, 0, NULL},
    {"ui", "admin_pin_hash", CFG_STR, "",
     "Hash of the admin PIN (pbkdf2-sha256$…, made by `matchbooth ui pin --print`); empty means "
     "the one `matchbooth ui pin` stored in the lead store. No hash anywhere: admin page closed.",
     0, 0, NULL},
    {"ui", "idle_timeout", CFG_INT, "45",
     "Seconds without a touch or a scan before the kiosk clears the visitor's data and goes back "
     "to the attract screen.",
     5, 3600, NULL},
    {"ui", "idle_warning", CFG_INT, "20",
     "Seconds before that reset during which the kiosk asks \"Are you still there?\" with an "
     "\"I need more time\" button (WCAG 2.2.1 asks for at least 20). At most half of "
     "idle_timeout is used; 0: no warning.",
     0, 600, NULL},
    {"ui", "thanks_timeout", CFG_INT, "10",
     "Seconds the thank-you screen stays before the kiosk returns to the attract screen (2-3 at "
     "a queue).",
     1, 600, NULL},
    {"ui", "staff_lock", CFG_INT, "300",
     "Seconds without a touch or a scan after which staff mode locks: the page leaves it and "
     "ends its session (the PIN or a staff badge opens it again). 0: only session_timeout ends "
     "it.",
     0, 86400, NULL},
    {"ui", "session_timeout", CFG_INT, "900",
     "Seconds of inactivity after which an admin or staff session opened with the PIN ends.", 60,
     86400, NULL},
    {"ui", "catalog", CFG_STR, "",
     "Supplier catalog (CSV or JSON) imported at start when the store has no catalog yet; "
     "`matchbooth catalog import FILE` replaces it at any time.",
     0, 0, NULL},
    {"ui", "matches", CFG_INT, "6", "How many matching suppliers the kiosk shows a visitor.", 1, 24,
     NULL},
    {"show.*", "name", CFG_STR, "", "Display name of the show.", 0, 0, NULL},
    {"show.*", "timezone", CFG_STR, "UTC", "IANA time zone of the show (exports show local time).",
     0, 0, NULL},
    {"show.*", "country", CFG_STR, "",
     "ISO 3166-1 alpha-2 country of the show: the default for phone numbers.", 0, 0, NULL},
    {"show.*", "form", CFG_STR, "",
     "JSON file with the qualifier questions and consent purposes (texts per language).", 0, 0,
     NULL},
    /* Decoding profile (decode*.c, roster.c); checked by decode_check_profile(). */
    {"show.*", "decoders", CFG_LIST, DECODE_DEFAULT_DECODERS,
     "Decoders tried in order, the first that recognises a scan wins: vcard, mecard (also "
     "BIZCARD, MATMSG, mailto:, tel:), json, url, delimited, roster (a bare attendee id). "
     "Anything else is kept as an unknown scan.",
     0, 0, NULL},
    {"show.*", "id_pattern", CFG_STR, DECODE_DEFAULT_ID_PATTERN,
     "POSIX extended regex of a bare attendee id (anchor it, e.g. ^SB[0-9]{5}$); its first "
     "(group), if any, is the id. Empty: bare ids are not recognised.",
     0, 0, NULL},
    {"show.*", "url_pattern", CFG_STR, "",
     "POSIX extended regex of the badge links of this show; its first (group) is the badge id "
     "unless url_param is set. Other links are kept as urls.",
     0, 0, NULL},
    {"show.*", "url_param", CFG_STR, DECODE_DEFAULT_URL_PARAM,
     "Query parameter of a badge link that holds the badge id (e.g. id).", 0, 0, NULL},
    {"show.*", "json_map", CFG_STR, "",
     "Where the fields are in a JSON badge: field=path pairs, path of keys and array indexes "
     "joined by '.', e.g. badge_id=2,full_name=attendee.name. Unmapped fields are looked for "
     "under their usual key names.",
     0, 0, NULL},
    {"show.*", "delimited_map", CFG_STR, "",
     "Layout of a delimited badge: field names joined by the separators the badge uses, e.g. "
     "Name_Company^PersonID (\\t is a tab, Skip ignores a field). Empty: guess by look.",
     0, 0, NULL},
    {"show.*", "delimited_separators", CFG_STR, DECODE_DEFAULT_SEPARATORS,
     "Separators tried, in order, when there is no delimited_map (\\t is a tab).", 0, 0, NULL},
    {"show.*", "roster", CFG_STR, "",
     "Show whose imported roster (matchbooth roster import) badge ids are looked up in; empty: "
     "this show's.",
     0, 0, NULL},
    {"show.*", "fallback_charset", CFG_STR, "",
     "Charset of badge text that is not UTF-8 and declares none (e.g. Shift_JIS, GB18030, "
     "CP1252); empty: such bytes become U+FFFD with a warning.",
     0, 0, NULL},
    {"show.*", "card_languages", CFG_LIST, "eng",
     "Tesseract languages for business cards at this show, comma-separated (eng, chi_tra, "
     "chi_sim, hin, deu …; English is always added). Needs the tesseract-ocr-<lang> package.",
     0, 0, NULL},
    {"show.*", "card_keep_image", CFG_BOOL, "false",
     "Keep the photo of each business card with its lead (deleted with the lead).", 0, 0, NULL},
    {"card", "enabled", CFG_BOOL, "true",
     "Read business cards (keeps the OCR models loaded: about 20 MB for English, 100 MB more "
     "for each CJK language).",
     0, 0, NULL},
    {"card", "camera", CFG_STR, "",
     "V4L2 device of the card camera (/dev/video0); empty: no camera, cards come from files.", 0, 0,
     NULL},
    {"card", "sharpness_min", CFG_INT, "1000",
     "Variance of the Laplacian (frame binned 2x2) a still frame needs before it is read; a sharp "
     "card gives thousands (lower: accept blurrier).",
     1, 100000, NULL},
    {"card", "still_frames", CFG_INT, "3",
     "Consecutive still frames before the camera takes a card.", 1, 100, NULL},
    {"devices", "usb", CFG_BOOL, "true",
     "Use USB scanners and printers (libusb, hotplug). Only devices in the allow list or named "
     "in a [device.NAME] section are ever claimed.",
     0, 0, NULL},
    {"devices", "allowlist", CFG_STR, "/usr/share/matchbooth/allowlist.txt",
     "File of known scanner and printer models (format documented at its top); empty: only "
     "[device.NAME] sections.",
     0, 0, NULL},
    {"devices", "repeat_window_ms", CFG_INT, "2000",
     "The same code read again within this many ms of its last reading is ignored (0: never).", 0,
     600000, NULL},
    {"devices", "slip_suppliers", CFG_INT, "5",
     "At most this many suppliers (name and QR code) on a printed visitor slip.", 0, 50, NULL},
    {"device.*", "usb", CFG_STR, "", "VID:PID in hex of the USB device this section describes.", 0,
     0, NULL},
    {"device.*", "driver", CFG_STR, "",
     "wedge (keyboard-wedge scanner), hidpos (HID POS scanner), escpos (receipt printer) or "
     "serial (CDC-ACM scanner); empty: from the allow list.",
     0, 0, NULL},
    {"device.*", "model", CFG_STR, "", "Human name shown by `matchbooth devices`.", 0, 0, NULL},
    {"device.*", "layout", CFG_ENUM, "us",
     "Keyboard layout a wedge scanner is set to: us, de (QWERTZ) or fr (AZERTY).", 0, 0,
     "us|de|fr"},
    {"device.*", "suffix", CFG_STR, "enter,tab",
     "Keys that end a scan: enter, tab, both, or none (then only the gap ends a scan).", 0, 0,
     NULL},
    {"device.*", "gap_ms", CFG_INT, "100",
     "Silence between keys that ends a scan (suffix none) or drops a broken-off fragment.", 0,
     10000, NULL},
    {"device.*", "qr", CFG_ENUM, "native",
     "Printer QR codes: native (GS ( k) or raster (image drawn by matchbooth).", 0, 0,
     "native|raster"},
    {"device.*", "dots", CFG_INT, "512", "Printer: printable width in dots.", 96, 4096, NULL},
    {"device.*", "module", CFG_INT, "6", "Printer: dots per QR module.", 1, 16, NULL},
    {"device.*", "status", CFG_BOOL, "true",
     "Printer answers DLE EOT status queries (paper out, cover open).", 0, 0, NULL},
    {"device.*", "poll_ms", CFG_INT, "5000",
     "Printer: status query interval while idle (0: only before each slip).", 0, 3600000, NULL},
    {"device.*", "path", CFG_STR, "", "Serial scanner: the device, e.g. /dev/ttyACM0.", 0, 0, NULL},
    {"device.*", "baud", CFG_INT, "9600", "Serial scanner: line speed.", 1200, 921600, NULL},
    {"export", "usb_path", CFG_STR, "/media/matchbooth-usb",
     "Mount point of the USB stick: `matchbooth export --usb` (run by the udev rule and "
     "matchbooth-usb-export@.service when a stick is plugged in) writes the current show's "
     "exports to <usb_path>/matchbooth/.",
     0, 0, NULL},
    {"export", "usb_formats", CFG_LIST, "csv,xlsx,vcf,ndjson",
     "Formats written to the USB stick (csv, xlsx, vcf, ndjson).", 0, 0, NULL},
    {"sync", "backoff_base_ms", CFG_INT, "1000",
     "First retry delay ceiling in ms; doubles per failed attempt (full jitter).", 1, 3600000,
     NULL},
    {"sync", "backoff_max", CFG_INT, "300",
     "Longest wait between retries in seconds (a server's Retry-After may ask for more).", 1, 86400,
     NULL},
    {"sync", "offline_after", CFG_INT, "3",
     "Network failures in a row before the kiosk shows itself offline.", 1, 100, NULL},
    {"sync", "online_after", CFG_INT, "2",
     "Answers from servers in a row before an offline kiosk shows itself online again.", 1, 100,
     NULL},
    {"sync", "poll_interval", CFG_INT, "30",
     "Seconds between looks at the outbox when no lead event woke the worker.", 1, 3600, NULL},
    {"sync", "connect_timeout", CFG_INT, "10", "Seconds to wait for a connection (and TLS).", 1,
     600, NULL},
    {"sync", "request_timeout", CFG_INT, "300", "Seconds one request may take in all.", 1, 86400,
     NULL},
    {"sync", "low_speed_limit", CFG_INT, "1",
     "Bytes per second below which a transfer counts as stalled.", 0, 1000000000, NULL},
    {"sync", "low_speed_time", CFG_INT, "30",
     "Seconds a transfer may stay below low_speed_limit before it is aborted and retried.", 1, 3600,
     NULL},
    {"sync", "max_send_speed", CFG_INT, "0",
     "Upload cap in bytes per second for metered links (0: none).", 0, 1000000000, NULL},
    {"sync", "proxy", CFG_STR, "",
     "Proxy URL (http://host:port, socks5h://…); empty: the http_proxy/https_proxy/no_proxy "
     "environment variables.",
     0, 0, NULL},
    {"sync", "ca_bundle", CFG_STR, "",
     "PEM file of the CAs to trust for HTTPS; empty: the system's.", 0, 0, NULL},
    {"sync", "pinned_pubkey", CFG_STR, "",
     "Public-key pin for every HTTPS server (sha256//BASE64;… or a PEM/DER file); a sink's own "
     "pinned_pubkey wins.",
     0, 0, NULL},
    {"sync", "heartbeat_url", CFG_STR, "",
     "URL that gets a JSON heartbeat (device, version, queue depth, last success); empty: none.", 0,
     0, NULL},
    {"sync", "heartbeat_interval", CFG_INT, "300", "Seconds between heartbeats.", 5, 86400, NULL},
    {"sync", "heartbeat_sink", CFG_STR, "",
     "Name of an s3 sink whose bucket gets the heartbeat as PREFIX fleet/DEVICE.json (overwritten "
     "each time), beside or instead of heartbeat_url; empty: none.",
     0, 0, NULL},
    {"sync", "show_url", CFG_STR, "",
     "HTTPS URL of the show form JSON; fetched with ETag, checked, swapped in atomically over "
     "the [show.ID] form file, then the daemon reloads. Empty: none.",
     0, 0, NULL},
    {"sync", "catalog_url", CFG_STR, "",
     "HTTPS URL of the supplier catalog (JSON), written to catalog_file and imported. Empty: "
     "none.",
     0, 0, NULL},
    {"sync", "catalog_file", CFG_STR, "",
     "Where the pulled catalog is kept (then imported into the store); empty: [ui] catalog.", 0, 0,
     NULL},
    {"sync", "pull_interval", CFG_INT, "600",
     "Seconds between pulls of the show form and the catalog.", 10, 604800, NULL},
    {"sink.*", "type", CFG_ENUM, "webhook",
     "webhook, hubspot (Forms v3), hubspot_crm (CRM v3 contact upsert), salesforce (Web-to-Lead), "
     "salesforce_rest (REST upsert), s3, spool or smtp (the follow-up e-mail to visitors who "
     "asked for it).",
     0, 0, "webhook|hubspot|hubspot_crm|salesforce|salesforce_rest|s3|spool|smtp"},
    {"sink.*", "url", CFG_STR, "",
     "webhook: the URL to POST to; s3: the endpoint (path-style); hubspot, hubspot_crm, "
     "salesforce: override of the service's URL (tests, proxies); smtp: the mail server, "
     "smtp://HOST:587 (submission, STARTTLS) or smtps://HOST:465.",
     0, 0, NULL},
    {"sink.*", "format", CFG_ENUM, "json",
     "webhook: json (one object with a \"leads\" array) or ndjson (one lead per line).", 0, 0,
     "json|ndjson"},
    {"sink.*", "secret", CFG_STR, "",
     "webhook: the signing secret, whsec_BASE64 (Standard Webhooks: webhook-id, "
     "webhook-timestamp, webhook-signature over the uncompressed body). Empty: unsigned.",
     0, 0, NULL},
    {"sink.*", "signature", CFG_ENUM, "standard",
     "webhook: standard (Standard Webhooks) or hmac-hex (the old signature_header: sha256=HEX "
     "of the body, keyed with the secret's text, no timestamp).",
     0, 0, "standard|hmac-hex"},
    {"sink.*", "signature_header", CFG_STR, "X-Matchbooth-Signature",
     "webhook: name of the signature header with signature = hmac-hex.", 0, 0, NULL},
    {"sink.*", "gzip", CFG_BOOL, "true", "webhook: send bodies with Content-Encoding: gzip.", 0, 0,
     NULL},
    {"sink.*", "batch_size", CFG_INT, "100",
     "Leads per request (hubspot and salesforce take one, hubspot_crm 100, salesforce_rest 200).",
     1, 10000, NULL},
    {"sink.*", "batch_max_age", CFG_INT, "5",
     "Seconds a lead may wait for its batch to fill before a partial batch goes.", 0, 86400, NULL},
    {"sink.*", "rate_limit", CFG_INT, "0",
     "Requests per rate_window kept client-side; 0: the service's own (hubspot 50 per 10 s, "
     "hubspot_crm 100 per 10 s, smtp 120 e-mails an hour), -1: none.",
     -1, 100000, NULL},
    {"sink.*", "rate_window", CFG_INT, "10", "Seconds of the rate_limit window.", 1, 86400, NULL},
    {"sink.*", "fields", CFG_LIST, "",
     "hubspot, hubspot_crm, salesforce, salesforce_rest: REMOTE=FIELD mappings, FIELD one of "
     "given_name, family_name, full_name, company, title, email, phone, url, country, address, "
     "badge_id, captured_at, show, id, version, notes (every note, one per line), rating, "
     "answer.QID.",
     0, 0, NULL},
    {"sink.*", "portal_id", CFG_STR, "", "hubspot: the portal (hub) id.", 0, 0, NULL},
    {"sink.*", "form_guid", CFG_STR, "", "hubspot: the form's GUID.", 0, 0, NULL},
    {"sink.*", "page_uri", CFG_STR, "", "hubspot: context.pageUri sent with submissions.", 0, 0,
     NULL},
    {"sink.*", "consent_process", CFG_STR, "process",
     "hubspot: the consent purpose that becomes legalConsentOptions consentToProcess.", 0, 0, NULL},
    {"sink.*", "consent_subscriptions", CFG_LIST, "",
     "hubspot: PURPOSE=SUBSCRIPTION_TYPE_ID pairs sent as legalConsentOptions communications.", 0,
     0, NULL},
    {"sink.*", "consent_text", CFG_STR, "", "hubspot: the consent text shown to visitors.", 0, 0,
     NULL},
    {"sink.*", "oid", CFG_STR, "", "salesforce: the organisation id of Web-to-Lead.", 0, 0, NULL},
    {"sink.*", "login_url", CFG_STR, "https://login.salesforce.com",
     "salesforce_rest: where the OAuth 2.0 JWT bearer token comes from, and the assertion's "
     "audience (https://test.salesforce.com for a sandbox).",
     0, 0, NULL},
    {"sink.*", "client_id", CFG_STR, "",
     "salesforce_rest: the connected app's consumer key (the assertion's issuer).", 0, 0, NULL},
    {"sink.*", "username", CFG_STR, "",
     "salesforce_rest: the Salesforce user the kiosk acts as (the assertion's subject); smtp: "
     "the login (AUTH) at the mail server, empty: none.",
     0, 0, NULL},
    {"sink.*", "private_key", CFG_STR, "",
     "salesforce_rest: PEM file of the RSA key whose certificate the connected app holds; it "
     "signs the JWT assertion (RS256). Keep it readable by the service only.",
     0, 0, NULL},
    {"sink.*", "sobject", CFG_STR, "Lead", "salesforce_rest: the object upserted.", 0, 0, NULL},
    {"sink.*", "external_id", CFG_STR, "Matchbooth_Id__c",
     "salesforce_rest: the external id field (unique) that holds the lead's id: a lead sent "
     "again updates its record.",
     0, 0, NULL},
    {"sink.*", "api_version", CFG_STR, "59.0", "salesforce_rest: the REST API version.", 0, 0,
     NULL},
    {"sink.*", "api_limit_percent", CFG_INT, "90",
     "salesforce_rest: the sink pauses for an hour once the org's daily API requests "
     "(Sforce-Limit-Info) reach this share, leaving the rest to the org's other integrations.",
     1, 100, NULL},
    {"sink.*", "token", CFG_STR, "",
     "hubspot_crm: the private app's access token (scopes crm.objects.contacts.write).", 0, 0,
     NULL},
    {"sink.*", "bucket", CFG_STR, "", "s3: the bucket.", 0, 0, NULL},
    {"sink.*", "region", CFG_STR, "us-east-1", "s3: the region used in the SigV4 signature.", 0, 0,
     NULL},
    {"sink.*", "access_key", CFG_STR, "", "s3: access key id.", 0, 0, NULL},
    {"sink.*", "secret_key", CFG_STR, "", "s3: secret access key.", 0, 0, NULL},
    {"sink.*", "prefix", CFG_STR, "",
     "s3: key prefix; keys are PREFIX show=SHOW/date=DAY/device=DEVICE/BATCH.ndjson (Hive-style).",
     0, 0, NULL},
    {"sink.*", "dir", CFG_STR, "",
     "spool: directory the NDJSON files go to, as "
     "DIR/show=SHOW/date=DAY/device=DEVICE/BATCH.ndjson "
     "(written atomically).",
     0, 0, NULL},
    {"sink.*", "pinned_pubkey", CFG_STR, "",
     "Public-key pin for this sink's server (overrides [sync] pinned_pubkey).", 0, 0, NULL},
    {"sink.*", "password", CFG_STR, "",
     "smtp: the password of username. Keep the file readable by the service only.", 0, 0, NULL},
    {"sink.*", "from", CFG_STR, "",
     "smtp: the sender's address (the envelope and From:), e.g. booth@fair.example.", 0, 0, NULL},
    {"sink.*", "from_name", CFG_STR, "", "smtp: the sender's name; empty: the show's name.", 0, 0,
     NULL},
    {"sink.*", "reply_to", CFG_STR, "", "smtp: where replies go (Reply-To:); empty: to from.", 0, 0,
     NULL},
    {"sink.*", "unsubscribe", CFG_STR, "",
     "smtp: a mailto: or https:// link to withdraw consent (the e-mail's unsubscribe line and "
     "List-Unsubscribe); empty: mailto:REPLY_TO_OR_FROM?subject=unsubscribe.",
     0, 0, NULL},
    {"sink.*", "purpose", CFG_STR, "followup",
     "smtp: the consent purpose of the form a visitor ticks to get the e-mail.", 0, 0, NULL},
    {"sink.*", "starttls", CFG_ENUM, "required",
     "smtp: required (an smtp:// server must offer STARTTLS, else nothing is sent) or none (a "
     "mail catcher on this machine only, e.g. the demo's).",
     0, 0, "required|none"},
    {NULL, NULL, 0, NULL, NULL, 0, 0, NULL},
};

struct cfg_entry {
    char *section, *key, *value;
    int line;
};

struct config {
    char *file;
    struct cfg_entry *e;
    size_t n, cap;
    struct strv sections; /* in file order */
};

const char *config_path(const char *explicit_path)
{
    if (explicit_path && *explicit_path)
        return explicit_path;
    const char *env = getenv("MATCHBOOTH_CONFIG");
    if (env && *env)
        return env;
    return CONFIG_DEFAULT_PATH;
}

/* The schema section a concrete section name belongs to, or NULL. */
static const struct cfg_section *section_find(const char *name)
{
    for (const struct cfg_section *s = cfg_sections; s->name; s++) {
        size_t l = strlen(s->name);
        if (l > 2 && strcmp(s->name + l - 2, ".*") == 0) {
            /* A family wants a non-empty name after the dot. */
            if (strncmp(name, s->name, l - 1) == 0 && name[l - 1])
                return s;
        } else if (strcmp(name, s->name) == 0) {
            return s;
        }
    }
    return NULL;
}

static const struct cfg_key *key_find(const char *section, const char *key)
{
    const struct cfg_section *s = section_find(section);
    if (!s)
        return NULL;
    for (const struct cfg_key *k = cfg_keys; k->section; k++)
        if (strcmp(k->section, s->name) == 0 && strcmp(k->key, key) == 0)
            return k;
    return NULL;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, 0;
    }
    return -1;
}

static int parse_int(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = x;
    return 0;
}

/* Validates value for k; returns NULL if fine, else what was expected. */
static const char *check_value(const struct cfg_key *k, const char *v, char *why, size_t whysz)
{
    int64_t x;
    bool b;
    switch (k->type) {
    case CFG_STR:
    case CFG_LIST:
        return NULL;
    case CFG_INT:
        if (parse_int(v, &x) < 0)
            return "expected an integer";
        if (x < k->min || x > k->max) {
            snprintf(why, whysz, "expected an integer from %lld to %lld", (long long)k->min,
                     (long long)k->max);
            return why;
        }
        return NULL;
    case CFG_BOOL:
        return parse_bool(v, &b) < 0 ? "expected true or false" : NULL;
    case CFG_ENUM: {
        size_t l = strlen(v);
        for (const char *c = k->choices; c && *c;) {
            const char *bar = strchr(c, '|');
            size_t cl = bar ? (size_t)(bar - c) : strlen(c);
            if (cl == l && strncmp(c, v, l) == 0)
                return NULL;
            c = bar ? bar + 1 : NULL;
        }
        snprintf(why, whysz, "expected one of %s", k->choices);
        return why;
    }
    case CFG_ADDR: {
        const char *colon = strrchr(v, ':');
        if (!colon || colon == v || parse_int(colon + 1, &x) < 0 || x < 0 || x > 65535)
            return "expected HOST:PORT";
        return NULL;
    }
    }
    return NULL;
}

struct parse_state {
    struct config *c;
    FILE *f;
    int line;
    struct err *e;
    int failed;
};

static int add_entry(struct config *c, const char *section, const char *key, const char *value,
                     int line)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct cfg_entry *e = realloc(c->e, cap * sizeof *e);
        if (!e)
            return -1;
        c->e = e;
        c->cap = cap;
    }
    struct cfg_entry *e = &c->e[c->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return -1;
    }
    c->n++;
    return 0;
}

/* inih's reader: counts lines and checks section headers as they pass. */
static char *reader(char *str, int num, void *stream)
{
    struct parse_state *st = stream;
    if (!fgets(str, num, st->f))
        return NULL;
    st->line++;
    const char *p = str;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '[' && !st->failed) {
        const char *end = strchr(p, ']');
        if (end) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
            if (!section_find(name)) {
                err_set(st->e, ERR_INVALID, "%s:%d: unknown section [%s]", st->c->file, st->line,
                        name);
                st->failed = 1;
            } else if (strv_find(&st->c->sections, name) < 0) {
                strv_push(&st->c->sections, name);
            }
        }
    }
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    if (st->failed)
        return 0;
    const struct cfg_key *k = key_find(section, name);
    char why[160];
    const char *bad;
    if (!section[0]) {
        err_set(st->e, ERR_INVALID, "%s:%d: %s: key outside any section", st->c->file, st->line,
                name);
    } else if (!k) {
        err_set(st->e, ERR_INVALID, "%s:%d: [%s] %s: unknown key", st->c->file, st->line, section,
                name);
    } else if ((bad = check_value(k, value, why, sizeof why))) {
        err_set(st->e, ERR_INVALID, "%s:%d: [%s] %s: %s, got '%s'", st->c->file, st->line, section,
                name, bad, value);
    } else if (add_entry(st->c, section, name, value, st->line) < 0) {
        err_set(st->e, ERR_INTERNAL, "%s:%d: out of memory", st->c->file, st->line);
    } else {
        return 1;
    }
    st->failed = 1;
    return 0;
}

struct config *config_defaults(void)
{
    struct config *c = calloc(1, sizeof *c);
    if (c && !(c->file = strdup(""))) {
        free(c);
        return NULL;
    }
    return c;
}

struct config *config_load(const char *path, struct err *e)
{
    struct config *c = config_defaults();
    if (!c) {
        err_set(e, ERR_INTERNAL, "%s: out of memory", path);
        return NULL;
    }
    free(c->file);
    c->file = strdup(path);
    struct parse_state st = {.c = c, .e = e};
    if (!c->file)
        goto fail;
    st.f = fopen(path, "r");
    if (!st.f) {
        err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open config: %s", path,
                strerror(errno));
        goto fail;
    }
    int rc = ini_parse_stream(reader, &st, handler, &st);
    fclose(st.f);
    if (st.failed)
        goto fail;
    if (rc != 0) {
        err_set(e, ERR_INVALID, "%s:%d: syntax error (expected [section] or key = value)", path,
                rc > 0 ? rc : st.line);
        goto fail;
    }
    /* A key written twice is almost always a mistake: refuse it. */
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = i + 1; j < c->n; j++)
            if (!strcmp(c->e[i].section, c->e[j].section) && !strcmp(c->e[i].key, c->e[j].key)) {
                err_set(e, ERR_INVALID, "%s:%d: [%s] %s: set twice (first at line %d)", path,
                        c->e[j].line, c->e[j].section, c->e[j].key, c->e[i].line);
                goto fail;
            }
    return c;
fail:
    config_free(c);
    return NULL;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    strv_free(&c->sections);
    free(c->file);
    free(c);
}

const char *config_file(const struct config *c)
{
    return c->file;
}

/* The value set in the file, or the schema default; NULL for unknown keys. */
static const char *lookup(const struct config *c, const char *section, const char *key,
                          const struct cfg_key **kout)
{
    const struct cfg_key *k = key_find(section, key);
    if (kout)
        *kout = k;
    if (!k) {
        log_error("config", "BUG: [%s] %s is not in the schema", section, key);
        return NULL;
    }
    for (size_t i = c ? c->n : 0; i-- > 0;)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
            return c->e[i].value;
    return k->def;
}

const char *config_str(const struct config *c, const char *section, const char *key)
{
    return lookup(c, section, key, NULL);
}

int64_t config_int(const struct config *c, const char *section, const char *key)
{
    const char *v = lookup(c, section, key, NULL);
    int64_t x = 0;
    if (v)
        parse_int(v, &x);
    return x;
}

bool config_bool(const struct config *c, const char *section, const char *key)
{
    const char *v = lookup(c, section, key, NULL);
    bool b = false;
    if (v)
        parse_bool(v, &b);
    return b;
}

int config_list(const struct config *c, const char *section, const char *key, struct strv *out)
{
    const char *v = lookup(c, section, key, NULL);
    return v ? strv_split(out, v, ',') : 0;
}

bool config_isset(const struct config *c, const char *section, const char *key)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
            return true;
    return false;
}

int config_sections(const struct config *c, const char *prefix, struct strv *out)
{
    size_t l = strlen(prefix);
    for (size_t i = 0; c && i < c->sections.n; i++)
        if (strncmp(c->sections.v[i], prefix, l) == 0 && strv_push(out, c->sections.v[i]) < 0)
            return -1;
    return 0;
}

/* Writes s as comment lines wrapped at ~78 columns. */
static void print_doc(FILE *out, const char *s)
{
    while (*s) {
        size_t take = strlen(s);
        if (take > 74) {
            take = 74;
            while (take > 20 && s[take] != ' ')
                take--;
        }
        fprintf(out, "; %.*s\n", (int)take, s);
        s += take;
        while (*s == ' ')
            s++;
    }
}

void config_print_example(FILE *out)
{
    fprintf(out, "; matchbooth.conf — every key the program understands, with its default.\n"
                 "; Generated by `matchbooth config example`; a test keeps this file and the\n"
                 "; program in step. Lines starting with ';' or '#' are comments. Keys left\n"
                 "; commented out take the default shown. An unknown section or key, or a bad\n"
                 "; value, stops the daemon with file:line:key.\n");
    for (const struct cfg_section *s = cfg_sections; s->name; s++) {
        fprintf(out, "\n");
        print_doc(out, s->doc);
        size_t l = strlen(s->name);
        if (l > 2 && !strcmp(s->name + l - 2, ".*"))
            fprintf(out, "; [%.*s.NAME]\n", (int)(l - 2), s->name);
        else
            fprintf(out, "[%s]\n", s->name);
        for (const struct cfg_key *k = cfg_keys; k->section; k++) {
            if (strcmp(k->section, s->name))
                continue;
            print_doc(out, k->doc);
            fprintf(out, ";%s = %s\n", k->key, k->def);
        }
    }
}
