// SPDX-License-Identifier: Apache-2.0
/*
 * features.test.js — the kiosk pieces that came with the export, USB and
 * card-reader branches, in real Chromium (Debian's, via playwright-core)
 * against a real daemon on loopback. Prints TAP.
 *
 * Covers: the admin page's four export downloads (CSV with BOM, XLSX as a
 * zip with a worksheet, vCards parsed by python3-vobject, NDJSON lines with
 * the lead id); an export that fails halfway is a failed download, never a
 * saved file; a staff badge opens staff mode under its operator, with no
 * PIN, forgets the visitor who was mid-flow, and the notes of the next scans
 * carry the operator; a badge session does not open the admin API; the
 * business-card review step (recognised fields prefilled, low-confidence
 * ones marked, a correction typed on the on-screen keyboard, the recognised
 * value kept beside the corrected one) and an unreadable card giving an
 * empty form; the print button disabled with the reason in the visitor's
 * language; the USB export toast on the staff screen and the admin page;
 * no "not enrolled" banner on an enrolled kiosk; translations complete.
 * Screenshots go to tests/out/browser/.
 */
'use strict';

const { execFile, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const {
  ROOT, BIN, OUT, PIN, tap, ok, is, diag, run, sleep, freePort, mb, leadsJson: leadsOf, mecard, pinHash,
  request, waitUntil, startDaemon: startWith, stopDaemon, launchBrowser,
} = require('./lib');

const PY = '/usr/bin/python3';
const LANGS = ['en', 'zh-Hant', 'zh-Hans', 'de', 'fr', 'es', 'hi'];

function mbAsync(cfg, args) {
  return new Promise((resolve, reject) => {
    execFile(BIN, [...args, '--config', cfg], (err, out, errOut) => (err ? reject(new Error(errOut || err.message)) : resolve(out)));
  });
}

/* One request on the daemon's control socket (one JSON object per line). */
function ctl(sock, req) {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let buf = '';
    c.setEncoding('utf8');
    c.on('connect', () => c.write(JSON.stringify(req) + '\n'));
    c.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) { c.end(); resolve(JSON.parse(buf.slice(0, i))); }
    });
    c.on('error', reject);
  });
}

function leadsJson(cfg) {
  return leadsOf(cfg, 'test-show');
}

/* The children of pid (the daemon's export processes). */
function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch (e) {
    return [];
  }
}

function startDaemon(dir, port) {
  return startWith(dir, port, `[kiosk]
data_dir = ${dir}/var
show = test-show
device_id = kiosk-9
staff_badges = ^STAFF-[0-9]+$

[ui]
listen = 127.0.0.1:${port}
catalog = ${ROOT}/board/demo/catalog.json
idle_timeout = 30
admin_pin_hash = ${pinHash()}

[card]
enabled = true

[show.test-show]
name = Test Electronics Fair
timezone = Asia/Hong_Kong
country = US
form = ${ROOT}/board/demo/form.json

[show.bulk]
name = Bulk Show
timezone = UTC
form = ${ROOT}/board/demo/form.json
`);
}

/* n made-up leads of show "bulk", imported as NDJSON (for a long export). */
function bulkImport(d, dir, count) {
  const file = path.join(dir, 'bulk.ndjson');
  const lines = [];
  const t0 = Date.UTC(2026, 10, 1);
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({
      id: '01900000-0000-7000-8000-' + String(i).padStart(12, '0'), show: 'bulk', source: 'scanner',
      identity: `email:bulk${i}@example.com`, captured_at_ms: t0 + i * 1000, last_seen_at_ms: t0 + i * 1000,
      clock_trusted: true, scan_count: 1, format: 'mecard', full_name: `Bulk Visitor ${i}`,
      company: `Company ${i % 500}`, emails: [`bulk${i}@example.com`], phones: [],
      scans: [{ source: 'scanner', format: 'mecard', scanned_at_ms: t0 + i * 1000, payload_base64: Buffer.from('x'.repeat(600)).toString('base64') }],
    }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  mb(d.cfg, ['import', file]);
}

function launch() {
  return launchBrowser({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
}

async function typeOsk(page, text) {
  for (const ch of text) await page.click(`#osk .key[data-key="${ch === ' ' ? ' ' : ch}"]`);
}

/* ---- the business-card review step ---- */
async function cardReview(page, d, dir) {
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  ok(await page.isHidden('#enrol-banner'), 'enrolled kiosk: no "not enrolled" banner');
  const card = path.join(ROOT, 'tests', 'cards', 'card01-en-left-clean.png');
  const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'cards', 'expected.json'), 'utf8'))
    .find((c) => c.file === 'card01-en-left-clean.png').fields;
  const t0 = Date.now();
  const sent = JSON.parse(await mbAsync(d.cfg, ['card', '--review', '--json', card]));
  await page.waitForSelector('#s-card.active');
  diag(`card image sent -> review screen: ${Date.now() - t0} ms (OCR ${sent.card.ms} ms)`);
  const rec = sent.card.recognised;
  const conf = sent.card.confidence;
  is(await page.inputValue('#card-fields input[name="full_name"]'), expected.full_name, 'card: recognised name prefilled');
  is(await page.inputValue('#card-fields input[name="company"]'), expected.company, 'card: recognised company prefilled');
  const shownEmail = await page.inputValue('#card-fields input[name="emails"]');
  is(shownEmail, rec.emails[0], 'card: recognised e-mail prefilled');
  ok(/@brightwave\.com$/.test(shownEmail), `card: the e-mail read from the card (${shownEmail})`);
  const lows = await page.$$eval('#card-fields label.low', (ls) => ls.map((l) => l.dataset.field).sort());
  const want = Object.keys(conf).filter((k) => conf[k] < 0.8 && (Array.isArray(rec[k]) ? rec[k].length : rec[k])).sort();
  is(JSON.stringify(lows), JSON.stringify(want), `card: fields read with confidence < 0.8 are marked (${lows.join(', ') || 'none'})`);
  ok(leadsJson(d.cfg).every((l) => !(l.emails || []).some((e) => /brightwave/.test(e))), 'card: nothing stored before the visitor confirms');
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'card-review-1280.png') });

  // The visitor corrects the e-mail on the on-screen keyboard.
  const typed = 'alice.johnson@brightwave.com';
  await page.click('#card-fields input[name="emails"]');
  await page.waitForSelector('#osk:not([hidden])');
  // The visitor taps at the end of the text.
  await page.$eval('#card-fields input[name="emails"]', (i) => i.setSelectionRange(i.value.length, i.value.length));
  for (let i = 0; i < shownEmail.length + 2; i++) await page.click('#osk .key[data-key="⌫"]');
  await typeOsk(page, typed);
  is(await page.inputValue('#card-fields input[name="emails"]'), typed, 'card: e-mail corrected on the on-screen keyboard');
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'card-review-keyboard-1280.png') });
  await page.click('#osk .key.enter');
  await page.click('#card-confirm');
  ok(await shows(page, '#s-questions.active'), 'card: confirm goes on to the questions');
  await page.click('#questions fieldset:nth-of-type(1) .chip >> nth=0');
  await page.click('#questions-next');
  await page.waitForSelector('#s-consent.active');
  await page.click('#consent-next');
  ok(await shows(page, '#s-matches.active #suppliers .supplier'), 'card: consent and matches follow with that lead');
  const lead = leadsJson(d.cfg).find((l) => (l.emails || []).includes(typed));
  ok(!!lead, 'card: `matchbooth leads --json` has the corrected e-mail');
  is(lead && lead.full_name, expected.full_name, 'card: the recognised name was stored');
  is(lead && lead.source, 'card', 'card: the lead is from a card');
  ok(lead && lead.answers && lead.answers.interest, 'card: the answers went to that lead');
  const got = lead ? await ctl(d.sock, { cmd: 'card_get', lead: lead.id }) : {};
  const c0 = ((got.cards || [])[0]) || {};
  is(((c0.recognised || {}).emails || [])[0], shownEmail, 'card_get keeps the recognised e-mail');
  is(((c0.corrected || {}).emails || [])[0], typed, 'card_get has the corrected e-mail beside it');
  if (shownEmail !== typed) ok((c0.changed || []).includes('emails'), 'card_get: "emails" listed as changed');
  await page.click('#finish-btn');
  await page.waitForSelector('#s-thanks.active');
  await page.click('#s-thanks button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');

  // A card nobody can read: the empty form, never an error screen (here
  // for a Hindi-speaking visitor on a 1920x1080 screen).
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.click('#langs button[data-lang="hi"]');
  await waitUntil(page, () => document.documentElement.lang === 'hi');
  const blank = path.join(dir, 'blank.png');
  execFileSync('convert', ['-size', '1000x600', 'xc:white', blank]);
  await mbAsync(d.cfg, ['card', '--review', blank]);
  await page.waitForSelector('#s-card.active');
  const vals = await page.$$eval('#card-fields input', (xs) => xs.map((x) => x.value).join(''));
  is(vals, '', 'unreadable card: the form is empty');
  is(await page.textContent('#card-hint'), await page.evaluate(async () => (await (await fetch('/i18n-hi.json')).json()).card_unread),
    'unreadable card: the page asks the visitor to type, in their language');
  ok(await page.isHidden('#card-error'), 'unreadable card: no error shown');
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'card-unread-hi-1920.png') });
  await page.click('#card-confirm');
  ok(await page.isVisible('#card-error'), 'unreadable card: confirming an empty form asks for a name or e-mail');
  await page.click('#s-card button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
  await page.click('#langs button[data-lang="en"]');
  await page.setViewportSize({ width: 1280, height: 800 });
}

/* ---- staff badge ---- */
async function staffBadge(page, d) {
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  const who = `Midflow${Date.now() % 100000}`;
  const v = JSON.parse(await mbAsync(d.cfg, ['capture', mecard(`MID-${Date.now()}`, 'Visitor', who, 'Secret Co', `${who}@example.com`)]));
  await page.waitForSelector('#s-details.active');
  await page.click('#f-phone');
  await typeOsk(page, '+852');
  const t0 = Date.now();
  const out = JSON.parse(await mbAsync(d.cfg, ['capture', 'STAFF-0042']));
  is(out.staff, true, 'STAFF-0042 is a staff badge (not stored as a lead)');
  await page.waitForSelector('#s-staff.active');
  diag(`staff badge scanned -> staff mode on screen: ${Date.now() - t0} ms`);
  ok((await page.textContent('#staff-op')).includes('STAFF-0042'), 'staff mode opened by the badge shows its operator');
  ok(await page.isHidden('#pin-modal'), 'no PIN asked');
  const html = await page.content();
  ok(!html.includes(who) && !html.includes('Secret Co') && !html.includes('+852'), 'the visitor who was mid-flow is gone from the DOM');
  is(await page.$$eval('#fields input, #manual input, #card-fields input', (xs) => xs.filter((x) => x.value).length), 0, 'their inputs are empty');
  const st = await page.evaluate(async (lead) => {
    const boot = await (await fetch('/api/boot')).json();
    const w = await fetch('/api/lead/fields', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: JSON.stringify({ lead, company: 'x' }) });
    const m = await fetch('/api/matches?lead=' + lead);
    const a = await fetch('/api/admin/status');
    return [w.status, m.status, a.status];
  }, v.id);
  is(st[0], 409, "the visitor's lead can no longer be written from the kiosk");
  is(st[1], 409, "the visitor's matches can no longer be read");
  is(st[2], 403, 'a staff badge session does not open the admin API');
  ok(!leadsJson(d.cfg).some((l) => JSON.stringify(l).includes('STAFF-0042') && !(l.notes || []).length), 'the staff badge was not stored as a lead');
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'staff-badge-1280.png') });

  const a1 = JSON.parse(await mbAsync(d.cfg, ['capture', mecard(`SB1-${Date.now()}`, 'Booth', 'Anna', 'Alpha Ltd', 'anna@alpha.example')]));
  await waitUntil(page, () => document.getElementById('staff-name').textContent.includes('Anna'));
  await page.click('#staff-rating .star >> nth=4');
  await page.fill('#staff-note', 'badge operator note');
  const a2 = JSON.parse(await mbAsync(d.cfg, ['capture', mecard(`SB2-${Date.now()}`, 'Booth', 'Ben', 'Beta Ltd', 'ben@beta.example')]));
  await waitUntil(page, () => document.getElementById('staff-name').textContent.includes('Ben'));
  await page.click('#staff-tags .chip >> nth=1');
  await waitUntil(page, () => document.getElementById('staff-saved').textContent.includes('✓'));
  await sleep(700);
  const all = leadsJson(d.cfg);
  const n1 = (all.find((l) => l.id === a1.id) || { notes: [] }).notes;
  const n2 = (all.find((l) => l.id === a2.id) || { notes: [] }).notes;
  ok(n1.length === 1 && n1[0].operator === 'STAFF-0042' && n1[0].rating === 5 && n1[0].note === 'badge operator note',
    'next scan stored with the note by operator STAFF-0042');
  ok(n2.length === 1 && n2[0].operator === 'STAFF-0042' && n2[0].tags.includes('follow_up'), 'the scan after it too');
  // The operator comes from the badge, not from the page.
  const forged = await page.evaluate(async (lead) => {
    const s = await (await fetch('/api/admin/session')).json();
    const r = await fetch('/api/staff/note', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify({ lead, operator: 'someone-else', rating: 1 }) });
    return r.status;
  }, a2.id);
  is(forged, 200, 'a note sent with another operator name is accepted…');
  ok(!(leadsJson(d.cfg).find((l) => l.id === a2.id).notes || []).some((x) => x.operator === 'someone-else'), '…but written under the badge operator');
  const H = { Host: `127.0.0.1:${d.port}` };
  const boot = (await request(d.port, 'GET', '/api/boot', { headers: H })).json;
  is((await request(d.port, 'POST', '/api/staff/badge', { headers: { ...H, 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: { token: 'f'.repeat(64) } })).status,
    403, 'a made-up staff token is refused');

  // A USB stick export while staff work: a toast on the staff screen.
  const r = await ctl(d.sock, { cmd: 'export_done', target: 'usb', dir: '/media/matchbooth-usb/matchbooth', files: ['a.csv', 'a.xlsx'], leads: 1234 });
  is(r.ok, true, 'export_done accepted by the daemon');
  await waitUntil(page, () => !document.getElementById('toast').hidden && document.getElementById('toast').textContent.includes('1234'));
  ok((await page.textContent('#toast')).includes('USB'), `staff screen: toast "${await page.textContent('#toast')}"`);
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'staff-usb-toast-1280.png') });
  // Another staff member's badge: staff mode goes on under their name.
  await mbAsync(d.cfg, ['capture', 'STAFF-0099']);
  await waitUntil(page, () => document.getElementById('staff-op').textContent.includes('STAFF-0099'));
  const who2 = await page.evaluate(async () => (await (await fetch('/api/admin/session')).json()).operator);
  is(who2, 'STAFF-0099', 'a second staff badge switches the operator');
  await page.click('#staff-exit');
  await page.waitForSelector('#s-attract.active');
}

/* ---- printer: present but not ready ---- */
async function printerNotReady(page, d) {
  // The devices status of a printer with no paper, as drivers/devices.c
  // reports it, put into /api/boot (the unit test covers the server side).
  await page.route('**/api/boot', async (route) => {
    const resp = await route.fetch();
    const j = await resp.json();
    j.printer = { present: true, ready: false, state: 'paper out' };
    await route.fulfill({ response: resp, body: JSON.stringify(j) });
  });
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.click('#langs button[data-lang="zh-Hant"]');
  await waitUntil(page, () => document.documentElement.lang === 'zh-Hant');
  await mbAsync(d.cfg, ['capture', mecard(`PR-${Date.now()}`, '陳', '大文', '九龍公司', 'print@example.com')]);
  await page.waitForSelector('#s-details.active');
  await page.click('#details-next');
  await page.waitForSelector('#s-questions.active');
  await page.click('#questions fieldset:nth-of-type(1) .chip >> nth=1');
  await page.click('#questions-next');
  await page.waitForSelector('#s-consent.active');
  await page.click('#consent-next');
  await page.waitForSelector('#s-matches.active #suppliers .supplier');
  ok(await page.isVisible('#print-btn'), 'printer present: the print button is shown');
  ok(await page.isDisabled('#print-btn'), 'printer out of paper: the button is disabled');
  is(await page.textContent('#print-why'), '印表機缺紙', "…and says why in the visitor's language");
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'printer-paper-out-zh-Hant-1280.png') });
  await page.unroute('**/api/boot');
  await page.click('#finish-btn');
  await page.click('#s-thanks button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
}

/* ---- admin downloads ---- */
async function adminExports(page, d, dir) {
  await page.goto(`http://127.0.0.1:${d.port}/admin`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.fill('#pin', PIN);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#exports .chip');
  // The USB export of a minute ago is announced on the admin page too.
  await waitUntil(page, () => !document.getElementById('toast').hidden);
  ok((await page.textContent('#toast')).includes('1234 leads written to the USB stick'), 'admin page: USB export toast');
  const fmts = await page.$$eval('#exports .chip', (bs) => bs.map((b) => b.dataset.format));
  is(fmts.join(' '), 'csv xlsx vcf ndjson', 'admin page offers the four export formats');
  const leads = leadsJson(d.cfg).filter((l) => l.show === 'test-show');
  const lead = leads.find((l) => (l.emails || []).includes('anna@alpha.example'));
  const files = {};
  for (const f of fmts) {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click(`#exports .chip[data-format="${f}"]`)]);
    const file = path.join(dir, 'dl-' + dl.suggestedFilename());
    await dl.saveAs(file);
    files[f] = file;
    ok(new RegExp(`^test-show-\\d{8}-\\d{6}Z\\.${f}$`).test(dl.suggestedFilename()), `${f}: file name ${dl.suggestedFilename()}`);
  }
  await sleep(250); // let the screen's fade-in end
  await page.screenshot({ path: path.join(OUT, 'admin-exports-1280.png'), fullPage: true });
  const csv = fs.readFileSync(files.csv);
  ok(csv[0] === 0xef && csv[1] === 0xbb && csv[2] === 0xbf, 'csv: starts with the UTF-8 BOM');
  ok(csv.toString('utf8').includes(lead.id) && csv.toString('utf8').includes('anna@alpha.example'), 'csv: has the lead');
  const rows = execFileSync(PY, ['-c', 'import csv,sys; r=list(csv.reader(open(sys.argv[1],encoding="utf-8-sig"))); print(len(r)-1)', files.csv], { encoding: 'utf8' }).trim();
  is(Number(rows), leads.length, `csv: one row per lead of the show (${rows})`);
  const xl = execFileSync(PY, ['-c', 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(" ".join(n for n in z.namelist() if n.startswith("xl/worksheets/")))', files.xlsx], { encoding: 'utf8' }).trim();
  ok(/xl\/worksheets\/sheet1\.xml/.test(xl), `xlsx: a zip with a worksheet (${xl})`);
  const sheet = execFileSync(PY, ['-c', 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); print(z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else z.read("xl/worksheets/sheet1.xml").decode())', files.xlsx], { encoding: 'utf8' });
  ok(sheet.includes('anna@alpha.example'), 'xlsx: has the lead');
  const vc = execFileSync(PY, ['-c', 'import vobject,sys; cs=list(vobject.readComponents(open(sys.argv[1],encoding="utf-8").read())); print(len(cs)); print("\\n".join(str(c.uid.value) for c in cs))', files.vcf], { encoding: 'utf8' }).trim().split('\n');
  is(Number(vc[0]), leads.length, `vcf: python3-vobject parses ${vc[0]} cards`);
  ok(vc.includes(`urn:uuid:${lead.id}`), 'vcf: has the lead (UID)');
  const nd = fs.readFileSync(files.ndjson, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  is(nd.length, leads.length, 'ndjson: one JSON line per lead');
  ok(nd.some((o) => o.id === lead.id), 'ndjson: a line has the lead id');

  // Show selector + a download that fails halfway: the child is killed
  // while it streams; the browser must not save a file.
  const H = { Host: `127.0.0.1:${d.port}` };
  await page.selectOption('#show-select', 'bulk');
  let downloads = 0;
  page.on('download', () => { downloads++; });
  const cookie = (await page.context().cookies()).find((c) => c.name === 'mb_session');
  // Killed after its first bytes went out (status 200 already sent): the
  // response must end without its last chunk, never as a complete body.
  const mid = await new Promise((resolve) => {
    let bytes = 0;
    let victim = 0;
    const rq = http.get({ host: '127.0.0.1', port: d.port, path: '/api/admin/export?format=ndjson&show=bulk', headers: { ...H, Cookie: `mb_session=${cookie.value}` } }, (res) => {
      res.on('data', (c) => {
        bytes += c.length;
        if (!victim) for (const ch of childrenOf(d.child.pid)) { process.kill(ch, 'SIGKILL'); victim = ch; }
      });
      res.on('end', () => resolve({ status: res.statusCode, complete: res.complete, bytes, victim }));
      res.on('error', (e) => resolve({ status: res.statusCode, complete: false, bytes, victim, err: e.code || e.message }));
    });
    rq.on('error', (e) => resolve({ complete: false, bytes, victim, err: e.code || e.message }));
  });
  ok(mid.victim && mid.status === 200 && !mid.complete,
    `an export killed midway (after ${mid.bytes} bytes, status ${mid.status}) ends as an incomplete response (${mid.err || 'complete!'})`);
  // Killed before its first byte: an error status, not a file.
  const probe = request(d.port, 'GET', '/api/admin/export?format=ndjson&show=bulk', { headers: { ...H, Cookie: `mb_session=${cookie.value}` } })
    .then((r) => ({ complete: true, r }), (e) => ({ complete: false, e }));
  let killed = 0;
  for (let i = 0; i < 300 && !killed; i++) {
    for (const c of childrenOf(d.child.pid)) { process.kill(c, 'SIGKILL'); killed = c; }
    if (!killed) await sleep(2);
  }
  const res = await probe;
  ok(killed && (!res.complete || res.r.status !== 200),
    `an export killed early is never a complete 200 (child ${killed}: ${res.complete ? res.r.status + ' ' + res.r.text.slice(0, 80) : res.e.code || res.e.message})`);
  // The same in the page: the message says so, and nothing is saved.
  const click = page.click('#exports .chip[data-format="ndjson"]');
  killed = 0;
  for (let i = 0; i < 300 && !killed; i++) {
    for (const c of childrenOf(d.child.pid)) { process.kill(c, 'SIGKILL'); killed = c; }
    if (!killed) await sleep(5);
  }
  await click;
  const said = await waitUntil(page, () => /failed/.test(document.getElementById('export-msg').textContent), null, 15000)
    .then(() => true, () => false);
  ok(said, `admin page says the export failed: "${await page.textContent('#export-msg')}"`);
  // "No download" is checked after one that must come later: a good export
  // of a small show. Had the failed one saved a file, it would be counted first.
  await page.selectOption('#show-select', 'test-show');
  const [good] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }).catch(() => null),
    page.click('#exports .chip[data-format="csv"]')]);
  ok(good && /^test-show-/.test(good.suggestedFilename()) && downloads === 1,
    `admin page: no file saved from the failed export, only the good one after it (${downloads} download${downloads === 1 ? '' : 's'})`);
  const bad = await request(d.port, 'GET', '/api/admin/export?format=csv&show=no-such-show', { headers: { ...H, Cookie: `mb_session=${cookie.value}` } });
  ok(bad.status === 500 && /no-such-show/.test(bad.json && bad.json.error), `an export that fails at once answers with its message (${bad.status} ${bad.json && bad.json.error})`);
  is((await request(d.port, 'GET', '/api/admin/export?format=csv&show=--out%3D%2Ftmp%2Fx', { headers: { ...H, Cookie: `mb_session=${cookie.value}` } })).status,
    400, 'a show id that looks like an option is refused');
  is((await request(d.port, 'GET', '/api/admin/export?format=pdf', { headers: { ...H, Cookie: `mb_session=${cookie.value}` } })).status,
    400, 'an unknown format is refused');
  is((await request(d.port, 'GET', '/api/admin/export?format=csv', { headers: H })).status, 401, 'no download without a session');
}

/* Resolves true once selector matches, false after timeout ms: a point
 * that can fail on its own, where waitForSelector would throw. */
function shows(page, selector, timeout = 10000) {
  return page.waitForSelector(selector, { timeout }).then(() => true, () => false);
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  for (const l of LANGS) {
    const keys = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'ui', 'assets', `i18n-${l}.json`), 'utf8')));
    const en = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'ui', 'assets', 'i18n-en.json'), 'utf8')));
    ok(en.every((k) => keys.includes(k)) && keys.length === en.length, `translations: ${l} has every string (${keys.length})`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-browser2-'));
  const port = await freePort();
  const d = await startDaemon(dir, port);
  bulkImport(d, dir, 40000);
  const { ctx, udd } = await launch();
  const page = ctx.pages()[0] || await ctx.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await cardReview(page, d, dir);
    await printerNotReady(page, d);
    await staffBadge(page, d);
    await adminExports(page, d, dir);
    ok(pageErrors.length === 0, 'no script errors in the pages' + (pageErrors.length ? ': ' + pageErrors.join('; ') : ''));
  } catch (e) {
    ok(false, 'browser test ran to the end: ' + (e && e.stack ? e.stack.split('\n').slice(0, 6).join(' ') : e));
    await page.screenshot({ path: path.join(OUT, 'features-failure.png') }).catch(() => {});
  } finally {
    await ctx.close().catch(() => {});
    is(await stopDaemon(d), 0, 'daemon stopped cleanly');
    fs.rmSync(udd, { recursive: true, force: true });
    if (!tap.failed) fs.rmSync(dir, { recursive: true, force: true });
    else diag('kept ' + dir);
  }
}

run(main);
