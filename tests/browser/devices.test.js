// SPDX-License-Identifier: Apache-2.0
/*
 * devices.test.js — the printer and the scanners as staff and visitors meet
 * them, in real Chromium against the real daemon under umockdev
 * (tests/usb/bed.c: libusb's real path to emulated devices, plugged and
 * unplugged by this test). Prints TAP.
 *
 * Admin page: a printer in no list is reported "not configured" (with what
 * to do); a HID POS scanner in no list is listed with its id and one
 * "Enable scanner" button, whose refusal is shown as the daemon words it
 * and whose success claims the scanner (its scans become leads, it is
 * remembered in devices-enabled.txt); the listed printer's model and state
 * (paper out), then its count of slips.
 *
 * Kiosk: a printer out of paper is said on the disabled Print button before
 * anyone taps it, and the button comes back with the paper; a slip printed
 * (the bytes reach the emulated printer, the page says it is done); the
 * second tap asks "already printed — print again?": Cancel prints nothing,
 * "Print again" prints. Screenshots go to tests/out/browser/.
 */
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const {
  ROOT, OUT, PIN, tap, ok, is, diag, run, sleep, freePort, mb, leadsJson, mecard, waitUntil,
  launchBrowser,
} = require('./lib');
const { kioskConfig } = require('./flow');

const BUILD = process.env.MB_BUILD || path.join(ROOT, 'build');

/* The test bed: the daemon and its emulated devices, driven by lines. */
class Bed {
  constructor(cfg) {
    this.proc = spawn('env', ['LD_PRELOAD=libumockdev-preload.so.0', path.join(BUILD, 'tests', 'usb', 'bed'), cfg],
      { stdio: ['pipe', 'pipe', 'inherit'], cwd: ROOT });
    this.lines = [];
    this.waiting = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (l) => {
      if (this.waiting) { const w = this.waiting; this.waiting = null; w(l); } else this.lines.push(l);
    });
  }

  next(timeout = 20000) {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('test bed: no answer')), timeout);
      this.waiting = (l) => { clearTimeout(t); resolve(l); };
    });
  }

  /* Resolves with the bed's exit code (after "quit" it frees its devices). */
  exited(timeout = 20000) {
    if (this.proc.exitCode !== null) return Promise.resolve(this.proc.exitCode);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.proc.kill('SIGKILL'); resolve(-1); }, timeout);
      this.proc.on('exit', (code) => { clearTimeout(t); resolve(code); });
    });
  }

  async cmd(line) {
    this.proc.stdin.write(line + '\n');
    const a = await this.next();
    if (!a.startsWith('ok')) throw new Error(`test bed: ${line}: ${a}`);
    return a.slice(3);
  }
}

/* The a11y tests' kiosk (flow.js), with the allow list and the printer
 * asked for its state every 200 ms. */
function config(dir, port) {
  const cfg = path.join(dir, 'matchbooth.conf');
  fs.writeFileSync(cfg, kioskConfig(dir, port, 'idle_timeout = 120') + `
[devices]
allowlist = ${ROOT}/board/allowlist.txt
repeat_window_ms = 0

[device.counter]
usb = 04b8:0e15
poll_ms = 200
`);
  return cfg;
}

const tileText = (id) => document.getElementById(id).textContent;

async function adminLogin(page, port) {
  await page.goto(`http://127.0.0.1:${port}/admin`);
  await page.waitForSelector('body[data-ready="1"]');
  if (await page.isVisible('#login')) {
    await page.fill('#pin', PIN);
    await page.click('#login-form button[type=submit]');
  }
  await page.waitForSelector('#dash:not([hidden])');
}

/* The admin page: the unconfigured printer, the scanner to enable. */
async function adminDevices(page, bed, d) {
  await adminLogin(page, d.port);
  await waitUntil(page, tileText, 'printer').catch(() => {});
  ok(/no printer attached/.test(await page.textContent('#printer')), 'admin: no printer attached yet');
  await bed.cmd('plug stranger');
  await waitUntil(page, () => /not configured/.test(document.getElementById('printer').textContent), null, 15000);
  const pt = await page.textContent('#printer');
  ok(/printer found, not configured: usb:1fc9:2016@1-2/.test(pt) && /allow list/.test(pt),
    `admin: a printer in no list is "not configured", with what to do (${pt.trim()})`);

  await bed.cmd('plug scanner');
  await waitUntil(page, () => !!document.querySelector('#scanners .offered button'), null, 15000);
  const line = await page.textContent('#scanners .offered');
  ok(/usb:2dd6:26ca@1-3/.test(line) && /2dd6:26ca/.test(line) && /scanner found, not enabled/.test(line),
    `admin: the scanner in no list, with its id and VID:PID (${line.trim()})`);
  is(await page.textContent('#scanners .offered button'), 'Enable scanner', 'admin: one "Enable scanner" button');
  await page.screenshot({ path: path.join(OUT, 'admin-scanner-offered-1280.png') });

  // A refusal is shown as the daemon words it: the button of a device that
  // is no scanner waiting (the stranger printer, through a status copy).
  await page.route('**/api/admin/status*', async (route) => {
    const resp = await route.fetch();
    const j = await resp.json();
    for (const x of j.status.devices.devices) if (x.enabled === false) x.id = 'usb:1fc9:2016@1-2';
    await route.fulfill({ response: resp, body: JSON.stringify(j) });
  });
  await page.evaluate(() => { location.reload(); });
  await page.waitForSelector('#scanners .offered button');
  await page.click('#scanners .offered button');
  await waitUntil(page, () => !!document.querySelector('#scanners .error'), null, 10000);
  is(await page.textContent('#scanners .error'),
    'devices-enable: usb:1fc9:2016@1-2 is not a scanner waiting to be enabled',
    "admin: the daemon's refusal, as it is");
  await page.unroute('**/api/admin/status*');
  await page.evaluate(() => { location.reload(); });
  await page.waitForSelector('#scanners .offered button');
  await page.click('#scanners .offered button');
  await waitUntil(page, () => !document.querySelector('#scanners .offered'), null, 15000);
  const after = await page.textContent('#scanners');
  ok(/ready/.test(after) && !/not enabled/.test(after), `admin: enabled, the scanner is claimed and ready (${after.trim()})`);
  ok(/enabled \(hidpos\)/.test(await page.textContent('#toast')), 'admin: the page says it was enabled');
  ok(fs.readFileSync(path.join(d.dir, 'var', 'devices-enabled.txt'), 'utf8').includes('2dd6:26ca hidpos'),
    'admin: remembered in devices-enabled.txt');
  await bed.cmd('scan MECARD:N:Enabled,Eva;EMAIL:eva@enabled.example;;');
  let found = false;
  for (let i = 0; i < 100 && !found; i++) {
    found = leadsJson(d.cfg).some((l) => (l.emails || []).includes('eva@enabled.example'));
    if (!found) await sleep(50);
  }
  ok(found, "admin: the enabled scanner's scan is a lead");
}

/* The listed printer, out of paper: on the admin page, then the kiosk. */
async function printerOnAdmin(page, bed) {
  await bed.cmd('paper out');
  await bed.cmd('plug printer');
  await waitUntil(page, () => /paper out/.test(document.getElementById('printer').textContent), null, 15000);
  const t = await page.textContent('#printer');
  ok(/Epson TM-T20II · paper out/.test(t), `admin: the printer's model and state (${t.trim()})`);
  await page.screenshot({ path: path.join(OUT, 'admin-printer-paper-out-1280.png') });
}

/* Taps what prints (sel) and waits for the page to say the slip is done;
 * returns the slip bytes the printer received by then. */
async function printAndWait(page, bed, sel) {
  await page.evaluate(() => { document.getElementById('toast-text').textContent = ''; });
  await page.click(sel);
  await waitUntil(page, () => /printed — please take it/.test(document.getElementById('toast-text').textContent), null, 15000);
  return Number(await bed.cmd('slip'));
}

async function toMatches(page, d, uid) {
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  mb(d.cfg, ['capture', mecard(uid, 'Chan', 'Tai Man', 'Kowloon Audio', `${uid.toLowerCase()}@example.hk`)]);
  await page.waitForSelector('#s-details.active');
  await page.click('#details-next');
  await page.waitForSelector('#s-questions.active');
  await page.click('#questions fieldset:nth-of-type(1) .chip >> nth=1');
  await page.click('#questions-next');
  await page.waitForSelector('#s-consent.active');
  await page.click('#consent-next');
  await page.waitForSelector('#s-matches.active #suppliers .supplier');
}

/* The kiosk: out of paper said before a tap; printed; asked the second time. */
async function kioskPrinting(page, bed, d) {
  await toMatches(page, d, 'PR-1');
  ok(await page.isVisible('#print-btn') && await page.isDisabled('#print-btn'),
    'kiosk: out of paper, the Print button is there but disabled before any tap');
  is(await page.textContent('#print-why'), 'The printer is out of paper', 'kiosk: …and says why');
  await page.screenshot({ path: path.join(OUT, 'kiosk-print-paper-out-1280.png') });
  await bed.cmd('paper in');
  await waitUntil(page, () => !document.getElementById('print-btn').disabled, null, 10000);
  ok(await page.isHidden('#print-why'), 'kiosk: paper back: the button is enabled, no reason shown');
  await bed.cmd('slip'); // forget the status queries so far

  ok(await printAndWait(page, bed, '#print-btn') > 200,
    'kiosk: the page says the slip is printed once the printer took it, and it did');

  await page.click('#print-btn');
  await page.waitForSelector('#reprint-modal:not([hidden])');
  is(await page.textContent('#reprint-title'), 'Already printed', 'kiosk: a second tap asks first');
  is(await page.getAttribute('#reprint-modal .dialog', 'role'), 'alertdialog', 'kiosk: …as an alert dialog');
  is(await page.evaluate(() => document.activeElement.id), 'reprint-yes', 'kiosk: focus on "Print again"');
  await page.screenshot({ path: path.join(OUT, 'kiosk-reprint-1280.png') });
  await page.click('#reprint-no');
  ok(await page.isHidden('#reprint-modal'), 'kiosk: Cancel closes it');
  await sleep(500);
  is(Number(await bed.cmd('slip')), 0, 'kiosk: …and prints nothing');
  await page.click('#print-btn');
  await page.waitForSelector('#reprint-modal:not([hidden])');
  ok(await printAndWait(page, bed, '#reprint-yes') > 200, 'kiosk: "Print again" prints the slip again');
  await page.click('#finish-btn');

  // Another visitor is not asked: the log is per visitor.
  await toMatches(page, d, 'PR-2');
  ok(await printAndWait(page, bed, '#print-btn') > 200 && await page.isHidden('#reprint-modal'),
    'kiosk: the next visitor prints without being asked');
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-devices-'));
  const port = await freePort();
  const cfg = config(dir, port);
  const bed = new Bed(cfg);
  const up = await bed.next(30000);
  if (up !== 'ready') throw new Error('test bed: ' + up);
  const d = { cfg, port, dir };
  const { ctx, udd } = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let status = null;
  try {
    await adminDevices(page, bed, d);
    await printerOnAdmin(page, bed);
    await kioskPrinting(page, bed, d);
    await adminLogin(page, port);
    await waitUntil(page, () => /3 printed/.test(document.getElementById('printer').textContent), null, 15000);
    ok(true, 'admin: the printer tile counts the slips printed');
    ok(errors.length === 0, 'no script errors in the pages' + (errors.length ? ': ' + errors.join('; ') : ''));
  } catch (e) {
    ok(false, 'browser test ran to the end: ' + (e && e.stack ? e.stack.split('\n').slice(0, 6).join(' ') : e));
    await page.screenshot({ path: path.join(OUT, 'devices-failure.png') }).catch(() => {});
  } finally {
    await ctx.close().catch(() => {});
    status = await bed.cmd('quit').catch((e) => e.message);
    is(status, '0', 'daemon stopped cleanly');
    is(await bed.exited(), 0, 'the test bed let go of its devices');
    fs.rmSync(udd, { recursive: true, force: true });
    if (!tap.failed) fs.rmSync(dir, { recursive: true, force: true });
    else diag('kept ' + dir);
  }
}

run(main);
