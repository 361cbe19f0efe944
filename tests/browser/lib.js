// SPDX-License-Identifier: Apache-2.0
/*
 * lib.js — what the browser tests share: TAP output, the matchbooth binary
 * and its control socket, a daemon on a temporary data directory, HTTP to
 * it, and Debian's Chromium launched the only way that works offline here
 * (playwright-core with executablePath; never a downloaded browser).
 */
'use strict';

const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(process.env.MB_BUILD || path.join(ROOT, 'build'), 'matchbooth');
const OUT = path.join(ROOT, 'tests', 'out', 'browser');
const PIN = '4321';

/* ---- TAP ---------------------------------------------------------------- */

const tap = { n: 0, failed: 0 };
function ok(cond, name) {
  tap.n++;
  if (!cond) tap.failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${tap.n} - ${name}`);
  return cond;
}
function is(got, want, name) {
  const r = ok(got === want, name);
  if (!r) diag(`got: ${JSON.stringify(got)}\n want: ${JSON.stringify(want)}`);
  return r;
}
function diag(msg) {
  for (const line of String(msg).split('\n')) console.log('# ' + line);
}
/* Prints the plan and exits: 1 if anything failed. */
function done() {
  console.log(`1..${tap.n}`);
  process.exit(tap.failed ? 1 : 0);
}
/* Runs main(); an exception is one failed test point, then the plan. */
function run(main) {
  main().then(done, (e) => {
    ok(false, 'test harness: ' + e.message);
    console.log(`1..${tap.n}`);
    process.exit(1);
  });
}

/* ---- helpers ------------------------------------------------------------- */

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/* Runs `matchbooth ARGS --config cfg`; returns stdout (throws on failure). */
function mb(cfg, args, input) {
  return execFileSync(BIN, [...args, '--config', cfg], { input, encoding: 'utf8' });
}

function leadsJson(cfg, show) {
  return mb(cfg, ['leads', '--json', ...(show ? ['--show', show] : [])])
    .trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function mecard(uid, family, given, org, email, tel) {
  return `MECARD:UID:${uid};N:${family},${given};ORG:${org};` + (tel ? `TEL:${tel};` : '') + `EMAIL:${email};;`;
}

/* The admin_pin_hash config value for PIN. */
function pinHash() {
  return execFileSync(BIN, ['ui', 'pin', '--print', '--config', '/dev/null'], { input: PIN + '\n', encoding: 'utf8' })
    .trim().replace(/^admin_pin_hash = /, '');
}

function request(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch (e) { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text: data });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

/* page.waitForFunction polls with eval() inside the page, which the kiosk's
 * CSP (rightly) forbids: poll from here with page.evaluate instead. */
async function waitUntil(page, fn, arg, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn.toString().slice(0, 120));
    await sleep(10);
  }
}

/* ---- the daemon and the browser ------------------------------------------ */

/*
 * Writes conf (the whole config text) to dir/matchbooth.conf, starts the
 * daemon and waits until its UI answers on port. Returns {child, cfg, sock,
 * port}; data lives under dir/var.
 */
async function startDaemon(dir, port, conf) {
  const cfg = path.join(dir, 'matchbooth.conf');
  fs.writeFileSync(cfg, conf);
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
  const child = spawn(BIN, ['run', '--config', cfg], { stdio: ['ignore', log, log] });
  for (let i = 0; i < 200; i++) {
    try {
      const r = await request(port, 'GET', '/api/boot', { headers: { Host: `127.0.0.1:${port}` } });
      if (r.status === 200) return { child, cfg, sock: path.join(dir, 'var', 'control.sock'), port };
    } catch (e) { /* not up yet */ }
    await sleep(50);
  }
  throw new Error('daemon did not start: ' + fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8'));
}

/* SIGTERM; resolves with the exit code. */
function stopDaemon(d) {
  return new Promise((resolve) => {
    if (d.child.exitCode !== null) { resolve(d.child.exitCode); return; }
    d.child.on('exit', (code) => resolve(code));
    d.child.kill('SIGTERM');
  });
}

/* Debian's Chromium, headless, offline, in a fresh profile. Returns
 * {ctx, udd}; close ctx and remove udd when done. */
async function launchBrowser(options = {}) {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-chromium-'));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    ...options,
  });
  return { ctx, udd };
}

module.exports = {
  ROOT, BIN, OUT, PIN, tap, ok, is, diag, done, run, sleep, freePort, mb, leadsJson, mecard,
  pinHash, request, waitUntil, startDaemon, stopDaemon, launchBrowser,
};
