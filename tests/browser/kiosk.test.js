// SPDX-License-Identifier: Apache-2.0
/*
 * kiosk.test.js — the kiosk and admin pages in real Chromium (Debian's, via
 * playwright-core; no browser download), against a real daemon on loopback
 * with scans injected by `matchbooth capture`. Prints TAP.
 *
 * Covers: a visitor's whole flow in English, Traditional Chinese and Hindi
 * (screenshots under tests/out/browser/), the QR on screen decoded by zbarimg
 * equals the campaign URL and holds no personal data, a badge carrying HTML
 * shows as text and runs nothing, idle reset clears the screen, staff mode
 * (scan after scan, note, rating, tags), the admin API refuses without a
 * session, wrong PINs are slowed down, CSRF and Host checks, and with
 * allow_remote a peer on a non-loopback address (a dummy interface when the
 * host has none and we are root) reaches the admin API but not the visit's.
 * The time from a scan to the greeting on screen is a benchmark:
 * tests/bench/kiosk_latency.js (make bench).
 */
'use strict';

const { execFile, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const {
  ROOT, BIN, OUT, PIN, tap, ok, is, diag, run, sleep, freePort, mb, leadsJson, mecard, pinHash, request,
  waitUntil, startDaemon: startWith, stopDaemon, launchBrowser,
} = require('./lib');

function capture(cfg, payload) {
  return new Promise((resolve, reject) => {
    execFile(BIN, ['capture', '--config', cfg, payload], (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function startDaemon(dir, port, extra, ui) {
  return startWith(dir, port, `[kiosk]
data_dir = ${dir}/var
show = test-show
device_id = kiosk-7
${extra || ''}
[ui]
listen = ${ui ? ui.listen : '127.0.0.1'}:${port}
${ui && ui.remote ? 'allow_remote = true' : ''}
catalog = ${ROOT}/board/demo/catalog.json
idle_timeout = 5
admin_pin_hash = ${pinHash()}

[show.test-show]
name = Test Electronics Fair
timezone = Asia/Hong_Kong
country = HK
form = ${ROOT}/board/demo/form.json
`);
}

/* A TAP point that did not run, and why. */
function skip(why) {
  tap.n++;
  console.log(`ok ${tap.n} # SKIP ${why}`);
}

/*
 * A non-loopback IPv4 address of this host for the allow_remote checks:
 * {address, remove(), why}. When the host has none (a CI container) and we
 * are root, a dummy (or veth) interface with an address from TEST-NET-2
 * (RFC 5737) gives one, removed afterwards; MB_TEST_DUMMY_IF=1 forces that
 * path.
 * Otherwise address is null and why says what is missing.
 */
function nonLoopbackAddress() {
  const none = { address: null, remove: () => {} };
  const found = Object.values(os.networkInterfaces()).flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (found && !process.env.MB_TEST_DUMMY_IF) return { ...none, address: found.address };
  if (process.getuid() !== 0) {
    return { ...none, why: 'no non-loopback IPv4 address, and not root to add an interface' };
  }
  const name = `mbt${process.pid % 100000}`;
  const address = `198.51.100.${1 + (process.pid % 250)}`;
  const ip = (...args) => execFileSync('ip', args, { stdio: 'pipe' });
  // A dummy interface; where the kernel has no dummy driver, one end of a
  // veth pair (its peer goes with it).
  const kinds = [['dummy'], ['veth', 'peer', 'name', `${name}p`]];
  let why = '';
  for (const kind of kinds) {
    try {
      ip('link', 'add', name, 'type', ...kind);
    } catch (e) {
      why += `${kind[0]}: ${String(e.stderr || e.message).trim()}; `;
      continue;
    }
    try {
      ip('addr', 'add', `${address}/32`, 'dev', name);
      ip('link', 'set', name, 'up');
      if (kind[0] === 'veth') ip('link', 'set', `${name}p`, 'up');
    } catch (e) {
      try { ip('link', 'del', name); } catch (e2) { /* gone */ }
      return { ...none, why: `setting up ${kind[0]} ${name} failed: ${String(e.stderr || e.message).trim()}` };
    }
    diag(`allow_remote: ${kind[0]} interface ${name} with ${address}`);
    return { address, remove: () => { try { ip('link', 'del', name); } catch (e) { /* gone */ } } };
  }
  return { ...none, why: `no interface could be added (${why.trim()})` };
}

/* Decodes the QR code of an <img> on the page with zbarimg. */
async function decodeQr(page, locator, file) {
  await locator.screenshot({ path: file });
  try {
    return execFileSync('zbarimg', ['--nodbus', '-q', '--raw', file], { encoding: 'utf8' }).trim();
  } catch (e) {
    return null;
  }
}

const TEXT = {
  en: { family: 'Okafor', given: 'Ada', org: 'Lagos Sound Ltd', welcome: 'Welcome, ', full: 'Ada Okafor' },
  'zh-Hant': { family: '陳', given: '大文', org: '九龍智能科技有限公司', welcome: '歡迎，', full: '大文 陳' },
  hi: { family: 'शर्मा', given: 'प्रिया', org: 'लोटस रिटेल', welcome: 'स्वागत है, ', full: 'प्रिया शर्मा' },
};

async function visitorFlow(page, d, lang, size) {
  const tx = TEXT[lang];
  const uid = 'T-' + lang + '-' + Date.now();
  const email = `visitor.${lang.toLowerCase()}@example.com`;
  await page.setViewportSize(size);
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.click(`#langs button[data-lang="${lang}"]`);
  await waitUntil(page, (l) => document.documentElement.lang === l, lang);
  await page.screenshot({ path: path.join(OUT, `${lang}-1-attract-${size.width}.png`) });
  const out = await capture(d.cfg, mecard(uid, tx.family, tx.given, tx.org, email));
  const lead = JSON.parse(out);
  await page.waitForSelector('#s-details.active');
  const greeting = await page.textContent('#greeting');
  ok(greeting.startsWith(tx.welcome), `${lang}: greeting in the chosen language (${greeting})`);
  ok(greeting.includes(tx.given), `${lang}: greeting names the visitor`);
  is(await page.inputValue('#f-company'), tx.org, `${lang}: company from the badge`);
  // The phone is missing: type it on the on-screen keyboard.
  await page.click('#f-phone');
  await page.waitForSelector('#osk:not([hidden])');
  await page.screenshot({ path: path.join(OUT, `${lang}-2-details-keyboard-${size.width}.png`) });
  for (const k of '+85291234567') await page.click(`#osk .key[data-key="${k}"]`);
  is(await page.inputValue('#f-phone'), '+85291234567', `${lang}: on-screen keyboard typed the phone`);
  await page.click('#osk .key.enter');
  await page.click('#details-next');
  await page.waitForSelector('#s-questions.active');
  // Audio & headphones, 1,000+ units.
  await page.click('#questions fieldset:nth-of-type(1) .chip >> nth=1');
  await page.click('#questions fieldset:nth-of-type(2) .chip >> nth=2');
  await page.screenshot({ path: path.join(OUT, `${lang}-3-questions-${size.width}.png`) });
  await page.click('#questions-next');
  await page.waitForSelector('#s-consent.active');
  const ticked = await page.$$eval('#consents input[type=checkbox]', (xs) => xs.filter((x) => x.checked).length);
  is(ticked, 0, `${lang}: no consent is pre-ticked`);
  await page.click('.consent >> nth=0');
  await page.screenshot({ path: path.join(OUT, `${lang}-4-consent-${size.width}.png`) });
  await page.click('#consent-next');
  await page.waitForSelector('#s-matches.active #suppliers .supplier');
  await waitUntil(page, () => Array.from(document.querySelectorAll('#suppliers img.qr')).every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: path.join(OUT, `${lang}-5-matches-${size.width}.png`) });
  const cards = await page.$$eval('#suppliers .supplier h3', (hs) => hs.map((h) => h.textContent));
  ok(cards.length >= 3, `${lang}: matched suppliers shown (${cards.length})`);

  // The QR on screen encodes the campaign link and nothing personal.
  const img = page.locator('#suppliers img.qr').first();
  const link = await img.getAttribute('data-link');
  const decoded = await decodeQr(page, img, path.join(OUT, `${lang}-qr.png`));
  is(decoded, link, `${lang}: zbarimg decodes the QR on screen to the supplier link`);
  const u = new URL(decoded || 'http://invalid/');
  ok(u.protocol === 'https:' && u.hostname === 'suppliers.example', `${lang}: link goes to the supplier's page`);
  is(u.searchParams.get('utm_campaign'), 'test-show', `${lang}: link names the show`);
  is(u.searchParams.get('mb_kiosk'), 'kiosk-7', `${lang}: link names the kiosk`);
  ok(/^[0-9a-f]{24}$/.test(u.searchParams.get('mb_ref') || ''), `${lang}: link carries an opaque lead reference`);
  const personal = [tx.family, tx.given, tx.org, email, '85291234567', lead.id, uid, encodeURIComponent(tx.given)];
  ok(personal.every((p) => !decoded.includes(p) && !decodeURIComponent(decoded).includes(p)),
    `${lang}: QR holds no name, company, e-mail, phone, badge id or lead id`);

  // Search finds text in the visitor's script.
  const q = lang === 'zh-Hant' ? '耳機' : lang === 'hi' ? 'बैटरी' : 'Phoenix';
  await page.click('#search');
  await page.fill('#search', q);
  await page.click('#osk .key.enter');
  await waitUntil(page, (w) => {
    const xs = Array.from(document.querySelectorAll('#suppliers .supplier'));
    return xs.length > 0 && xs.every((x) => x.textContent.includes(w));
  }, q).catch(() => {});
  const hits = await page.$$eval('#suppliers .supplier', (xs) => xs.map((x) => x.textContent));
  ok(hits.length > 0 && hits.every((h) => h.includes(q)), `${lang}: search '${q}' finds suppliers (${hits.length})`);
  await page.screenshot({ path: path.join(OUT, `${lang}-6-search-${size.width}.png`) });
  ok(await page.isHidden('#print-btn'), `${lang}: no print button without a printer`);
  await page.click('#finish-btn');
  await page.waitForSelector('#s-thanks.active');
  ok((await page.textContent('#thanks-title')).includes(tx.given), `${lang}: thank-you names the visitor`);
  await page.screenshot({ path: path.join(OUT, `${lang}-7-thanks-${size.width}.png`) });

  // What the store has.
  const stored = leadsJson(d.cfg).find((l) => l.id === lead.id);
  ok(stored && stored.phones.includes('+85291234567'), `${lang}: corrected phone stored`);
  ok(stored && JSON.stringify(stored.answers.interest) === '["audio"]' && stored.answers.volume === 'large',
    `${lang}: answers stored`);
  const c = stored ? Object.fromEntries(stored.consents.map((x) => [x.purpose, x])) : {};
  ok(c.contact && c.contact.granted === true && c.contact.language === lang && c.contact.text_version === '2026-09-01',
    `${lang}: consent stored with its language and text version`);
  ok(c.share && c.share.granted === false, `${lang}: unticked consent stored as refused`);
  await page.click('#s-thanks button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-browser-'));
  const port = await freePort();
  const d = await startDaemon(dir, port, 'demo = true');
  d.port = port;
  const { ctx: browser, udd } = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  const page = browser.pages()[0] || await browser.newPage();
  const pageErrors = [];
  let dialogs = 0;
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (dlg) => { dialogs++; dlg.dismiss().catch(() => {}); });
  try {
    // ---- the whole flow in three languages, two screen sizes ----
    await visitorFlow(page, d, 'en', { width: 1280, height: 800 });
    await visitorFlow(page, d, 'zh-Hant', { width: 1920, height: 1080 });
    await visitorFlow(page, d, 'hi', { width: 1280, height: 800 });

    // ---- demo button ----
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('body[data-ready="1"]');
    ok(await page.isVisible('#demo-btn'), 'demo mode: "try a demo badge" is shown');
    ok(await page.isVisible('#enrol-banner') && (await page.textContent('#enrol-banner')).includes('Not enrolled — demo mode'),
      'demo mode: the attract screen says "not enrolled — demo mode"');
    await sleep(250);
    await page.screenshot({ path: path.join(OUT, 'attract-not-enrolled-1280.png') });
    await page.click('#demo-btn');
    await page.waitForSelector('#s-details.active');
    ok((await page.textContent('#greeting')).length > 3, 'demo badge starts a visit');
    await page.click('#s-details button[data-act="cancel"]');
    await page.waitForSelector('#s-attract.active');

    // ---- a badge carrying HTML shows as text and runs nothing ----
    const evil = '<img src=x onerror=alert(1)>';
    await capture(d.cfg, `MECARD:UID:XSS-${Date.now()};N:${evil};ORG:<script>alert(2)</script>;EMAIL:x@example.com;;`);
    await waitUntil(page, (e) => document.getElementById('greeting').textContent.includes(e), evil);
    await sleep(300);
    ok((await page.textContent('#greeting')).includes(evil), 'HTML in a badge name is shown as text');
    is(await page.$$eval('#greeting *, #company-line *', (xs) => xs.length), 0, 'no element made from badge text');
    is(await page.$$eval('img[src="x"]', (xs) => xs.length), 0, 'no <img src=x> in the page');
    is(dialogs, 0, 'no alert ran');
    is(await page.inputValue('#f-name'), evil, 'the name field holds the raw text');
    await page.screenshot({ path: path.join(OUT, 'xss-1280.png') });

    // ---- idle reset ----
    const who = `Idle${Date.now() % 100000}`;
    const idleLead = JSON.parse(await capture(d.cfg, mecard(`IDLE-${Date.now()}`, 'Person', who, 'Idle GmbH', `${who}@example.com`)));
    await waitUntil(page, (nm) => document.getElementById('greeting').textContent.includes(nm), who);
    await page.click('#f-phone');
    await page.click('#osk .key[data-key="5"]');
    const t0 = Date.now();
    await page.waitForSelector('#s-attract.active', { timeout: 15000 });
    const idleMs = Date.now() - t0;
    ok(idleMs >= 4000 && idleMs < 9000, `idle reset after the configured 5 s (${idleMs} ms)`);
    const html = await page.content();
    ok(!html.includes(who) && !html.includes('Idle GmbH') && !html.includes(`${who}@example.com`),
      'after the reset no personal data is in the DOM');
    is(await page.$$eval('input, textarea', (xs) => xs.filter((x) => x.value).length), 0, 'every input is empty');
    const after = await page.evaluate(async (lead) => {
      const boot = await (await fetch('/api/boot')).json();
      const r = await fetch('/api/lead/fields', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: JSON.stringify({ lead, company: 'x' }) });
      return r.status;
    }, idleLead.id);
    is(after, 409, 'the ended visit can no longer be written from the kiosk');
    await page.screenshot({ path: path.join(OUT, 'idle-reset-1280.png') });

    // ---- staff mode: scan after scan, no tap in between ----
    await page.click('#staff-btn');
    for (const k of PIN) await page.click(`#pinpad .key:text-is("${k}")`);
    await page.click('#pinpad .key:text-is("OK")');
    await page.waitForSelector('#s-staff.active');
    const s1 = JSON.parse(await capture(d.cfg, mecard(`STAFF1-${Date.now()}`, 'One', 'Staffy', 'First Co', 'staff1@example.com')));
    await waitUntil(page, () => document.getElementById('staff-name').textContent.includes('Staffy'));
    await page.click('#staff-rating .star >> nth=3');
    await page.click('#staff-tags .chip >> nth=0');
    await page.fill('#staff-note', 'wants 5k units');
    const s2 = JSON.parse(await capture(d.cfg, mecard(`STAFF2-${Date.now()}`, 'Two', 'Second', 'Next Co', 'staff2@example.com')));
    await waitUntil(page, () => document.getElementById('staff-name').textContent.includes('Second'));
    await page.click('#staff-rating .star >> nth=1');
    await waitUntil(page, () => document.getElementById('staff-saved').textContent.includes('✓'));
    await sleep(700);
    await page.screenshot({ path: path.join(OUT, 'staff-1280.png') });
    const all = leadsJson(d.cfg);
    const n1 = (all.find((l) => l.id === s1.id) || { notes: [] }).notes.find((x) => x.operator === 'staff');
    const n2 = (all.find((l) => l.id === s2.id) || { notes: [] }).notes.find((x) => x.operator === 'staff');
    ok(n1 && n1.rating === 4 && n1.note === 'wants 5k units' && n1.tags.includes('hot'),
      'staff: first lead kept its note, rating 4 and tag when the next badge came');
    ok(n2 && n2.rating === 2, 'staff: second lead got its rating with no tap between scans');
    await page.click('#staff-exit');
    await page.waitForSelector('#s-attract.active');

    // ---- a config reload restarts the UI: the page carries on by itself ----
    d.child.kill('SIGHUP');
    // The stream re-opens 250 ms after the UI restarted (retry: 250), and
    // how long the restart takes depends on the machine: scan the same
    // badge again every 2 s until the page shows it (a deadline, not a sleep).
    const rl = `Reload${Date.now() % 100000}`;
    const rlBadge = mecard(`RELOAD-${Date.now()}`, 'After', rl, 'Reload Co', `${rl}@example.com`);
    let reconnected = false;
    for (const end = Date.now() + 20000; !reconnected && Date.now() < end;) {
      await capture(d.cfg, rlBadge).catch(() => {}); // the socket may be restarting too
      reconnected = await waitUntil(page, (nm) => document.getElementById('greeting').textContent.includes(nm), rl, 2000)
        .then(() => true, () => false);
    }
    ok(reconnected, 'after SIGHUP the page reconnected and shows the next scan');
    await page.fill('#f-company', 'Reload Company Ltd');
    await page.click('#osk .key.enter');
    await page.click('#details-next');
    await page.waitForSelector('#s-questions.active');
    ok(leadsJson(d.cfg).some((l) => l.company === 'Reload Company Ltd'), 'after SIGHUP writes carry the new CSRF token');
    await page.click('#s-questions button[data-go="details"]');
    await page.click('#s-details button[data-act="cancel"]');
    await page.waitForSelector('#s-attract.active');

    // ---- admin page ----
    await page.goto(`http://127.0.0.1:${port}/admin`);
    await page.waitForSelector('body[data-ready="1"]');
    ok(await page.isVisible('#login'), 'admin page asks for the PIN');
    await page.fill('#pin', PIN);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#dash:not([hidden]) #chart rect', { state: 'attached' });
    await sleep(300);
    const nLeads = Number(await page.textContent('#n-leads'));
    const stored = leadsJson(d.cfg).filter((l) => l.show === 'test-show').length;
    ok(nLeads === stored && stored >= 5, `admin page shows the show's leads (${nLeads} of ${stored})`);
    for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
      await page.setViewportSize(size);
      await sleep(200);
      await page.screenshot({ path: path.join(OUT, `admin-${size.width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // ---- the API's guards, from outside the page ----
    const H = { Host: `127.0.0.1:${port}` };
    const boot = (await request(port, 'GET', '/api/boot', { headers: H })).json;
    is((await request(port, 'GET', '/api/admin/status', { headers: H })).status, 401, 'admin status refused without a session');
    is((await request(port, 'POST', '/api/staff/note', { headers: { ...H, 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: { lead: s1.id, rating: 1 } })).status,
      401, 'staff note refused without a session');
    is((await request(port, 'GET', '/api/admin/export?format=csv', { headers: H })).status, 401, 'export refused without a session');
    is((await request(port, 'POST', '/api/demo', { headers: { ...H, 'Content-Type': 'application/json' }, body: {} })).status,
      403, 'a write without the CSRF token is refused');
    is((await request(port, 'POST', '/api/demo', { headers: { ...H, 'Content-Type': 'text/plain', 'X-CSRF-Token': boot.csrf }, body: '{}' })).status,
      415, 'a write that is not JSON is refused');
    is((await request(port, 'GET', '/api/boot', { headers: { Host: 'rebind.attacker.example' } })).status,
      421, 'a foreign Host header is refused (DNS rebinding)');
    const login = (pin) => request(port, 'POST', '/api/admin/login', { headers: { ...H, 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: { pin } });
    let r = await login('0000');
    is(r.status, 403, 'wrong PIN refused');
    const ta = Date.now();
    r = await login('1111');
    is(r.status, 429, 'a second try right away is slowed down (429)');
    ok(Number(r.headers['retry-after']) >= 1, `Retry-After given (${r.headers['retry-after']} s)`);
    r = await login(PIN);
    is(r.status, 429, 'even the right PIN waits while locked');
    await sleep(1100);
    r = await login('2222');
    is(r.status, 403, 'after the wait the next wrong PIN is checked');
    r = await login(PIN);
    is(r.status, 429, 'the lock grows after the second failure');
    await sleep(Number(r.headers['retry-after']) * 1000 + 100);
    r = await login(PIN);
    is(r.status, 200, `right PIN accepted after ${Date.now() - ta} ms of lock`);
    const cookie = (r.headers['set-cookie'] || [''])[0].split(';')[0];
    ok(/HttpOnly/.test(r.headers['set-cookie'][0]) && /SameSite=Strict/.test(r.headers['set-cookie'][0]), 'session cookie is HttpOnly and SameSite=Strict');
    r = await request(port, 'GET', '/api/admin/status', { headers: { ...H, Cookie: cookie } });
    is(r.status, 200, 'admin status with the session');
    ok(r.json && Array.isArray(r.json.per_hour) && r.json.per_hour.length === 24, 'status has 24 hourly counts');
    r = await request(port, 'GET', '/', { headers: H });
    ok(/default-src 'self'/.test(r.headers['content-security-policy'] || ''), 'CSP default-src self on pages');

    ok(pageErrors.length === 0, 'no script errors in the page' + (pageErrors.length ? ': ' + pageErrors.join('; ') : ''));
  } catch (e) {
    ok(false, 'browser test ran to the end: ' + (e && e.stack ? e.stack.split('\n').slice(0, 6).join(' ') : e));
    await page.screenshot({ path: path.join(OUT, 'failure.png') }).catch(() => {});
  } finally {
    await browser.close().catch(() => {});
    const code = await stopDaemon(d);
    is(code, 0, 'daemon stopped cleanly');
    fs.rmSync(udd, { recursive: true, force: true });
  }

  // ---- without demo mode there is no demo button; with allow_remote the
  // network reaches the admin API but never the visitor's data ----
  const port2 = await freePort();
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-browser-'));
  const d2 = await startDaemon(dir2, port2, '', { listen: '0.0.0.0', remote: true });
  const remoteAddr = nonLoopbackAddress();
  const ext = remoteAddr.address ? remoteAddr : null;
  try {
  if (ext) {
    const remote = (p) => new Promise((resolve, reject) => {
      const rq = http.request({ host: ext.address, port: port2, path: p, localAddress: ext.address }, (res) => {
        res.destroy();
        resolve(res.statusCode);
      });
      rq.on('error', reject);
      rq.end();
    });
    is(await remote('/api/events'), 403, `allow_remote: the event stream is refused to ${ext.address}`);
    is(await remote('/api/matches?lead=x'), 403, 'allow_remote: the visit API is refused to a remote peer');
    is(await remote('/api/admin/status'), 401, 'allow_remote: the admin API answers (and wants a session)');
    is(await remote('/admin'), 200, 'allow_remote: the admin page is served');
  } else {
    for (let i = 0; i < 4; i++) skip(`allow_remote check ${i + 1} of 4: ${remoteAddr.why}`);
  }
  } finally {
    remoteAddr.remove();
  }
  const { ctx: b2, udd: udd2 } = await launchBrowser();
  try {
    const p2 = b2.pages()[0] || await b2.newPage();
    await p2.goto(`http://127.0.0.1:${port2}/`);
    await p2.waitForSelector('body[data-ready="1"]');
    ok(await p2.isHidden('#demo-btn'), 'no demo button outside demo mode');
    const st = await p2.evaluate(async () => {
      const boot = await (await fetch('/api/boot')).json();
      return (await fetch('/api/demo', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': boot.csrf }, body: '{}' })).status;
    });
    is(st, 404, '/api/demo refused outside demo mode');
  } finally {
    await b2.close().catch(() => {});
    await stopDaemon(d2);
    fs.rmSync(udd2, { recursive: true, force: true });
    fs.rmSync(dir2, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run(main);
