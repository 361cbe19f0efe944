// SPDX-License-Identifier: Apache-2.0
/*
 * a11y.test.js — the kiosk for everyone (issue 17), in real Chromium against
 * a real daemon. Prints TAP.
 *
 * 1. axe-core (npm, the WCAG 2.0/2.1/2.2 A and AA rules) on every screen of
 *    the visitor flow (flow.js: attract, manual entry, details, typing on the
 *    on-screen keyboard, questions, consent, matches, the idle warning, the
 *    language dialog, thank-you, business-card review, PIN, staff) in
 *    English, Traditional Chinese and Hindi at 1280x800, 1080x1920 and
 *    800x480: no serious or critical violation anywhere.
 * 2. What the rules do not check, with short [ui] timings on a second
 *    daemon: the text-size buttons (every text scales up to 200 %, back to
 *    100 % after the visit), a visible focus ring on every control reached
 *    with Tab, focus on each new screen's heading, the idle warning with
 *    "I need more time" (WCAG 2.2.1: shown idle_warning seconds ahead, the
 *    visit goes on when asked, cleared when not), the visitor's language
 *    from a vCard LANG, a JSON badge and the roster (only languages the
 *    kiosk has; a language the visitor picked wins; the next visitor gets
 *    the kiosk's own again), errors that stay until dismissed, and the staff
 *    timings: [ui] thanks_timeout and the staff-mode lock [ui] staff_lock.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { OUT, PIN, ok, is, diag, run, sleep, mecard, request, waitUntil, launchBrowser } = require('./lib');
const { SIZES, LANGS, startKiosk, stopKiosk, mbAsync, settle, walk } = require('./flow');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/* axe-core on the whole page. The kiosk's CSP forbids inline scripts and
 * eval, so axe's source goes in as a DevTools evaluation, not a <script>. */
async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 240)}`),
    }));
  }, TAGS);
}

async function axeEverywhere(page, d) {
  const minor = {};
  let screens = 0;
  for (const size of SIZES) {
    for (const lang of LANGS) {
      await walk(page, d, lang, size, async (screen) => {
        const v = await axe(page);
        const bad = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
        screens++;
        if (!ok(bad.length === 0, `axe ${size.name} ${lang} ${screen}: no serious or critical violation`)) {
          for (const x of bad) diag(`${x.impact} ${x.id} (${x.help})\n  ${x.nodes.join('\n  ')}`);
        }
        for (const x of v.filter((y) => !bad.includes(y))) minor[`${x.impact} ${x.id}: ${x.help}`] = (minor[`${x.impact} ${x.id}: ${x.help}`] || 0) + 1;
      });
    }
  }
  diag(`axe ran on ${screens} screens`);
  for (const [k, n] of Object.entries(minor)) diag(`minor: ${k} (${n} screens)`);
  is(Object.keys(minor).length, 0, 'axe: no moderate or minor WCAG violation either');
}

/* ---- what axe does not check ---------------------------------------------- */

async function textSize(page, d) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  const sizes = () => page.evaluate(() => ({
    body: parseFloat(getComputedStyle(document.body).fontSize),
    h1: parseFloat(getComputedStyle(document.querySelector('#s-attract h1')).fontSize),
  }));
  const base = await sizes();
  ok(await page.isDisabled('#text-smaller'), 'text size: "smaller" is disabled at 100 %');
  for (let i = 0; i < 4; i++) await page.click('#text-larger');
  const big = await sizes();
  ok(Math.abs(big.body / base.body - 2) < 0.01, `text size: body text at 200 % (${base.body} → ${big.body} px)`);
  ok(Math.abs(big.h1 / base.h1 - 2) < 0.01, `text size: the heading at 200 % (${base.h1} → ${big.h1} px)`);
  ok(await page.isDisabled('#text-larger'), 'text size: "larger" is disabled at 200 %');
  ok((await page.getAttribute('#textsize', 'aria-label')).includes('200'), 'text size: the group says 200 %');
  await mbAsync(d.cfg, ['capture', mecard(`TS-${Date.now()}`, 'Big', 'Text', 'Large Print Co', `ts${Date.now()}@example.com`)]);
  await page.waitForSelector('#s-details.active');
  const field = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('f-name')).fontSize));
  ok(field >= 2 * 18, `text size: kept into the visit, inputs grow too (${field} px)`);
  await settle(page);
  await page.screenshot({ path: path.join(OUT, 'a11y-text-200-1280x800.png') });
  await page.click('#s-details button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
  is((await sizes()).body, base.body, 'text size: back to 100 % for the next visitor');
}

/* Tab through a screen: every control shows a ring of at least 3 px, and
 * focus never goes to something hidden or behind the screen. */
async function focusRing(page, d) {
  await mbAsync(d.cfg, ['capture', mecard(`FR-${Date.now()}`, 'Ring', 'Focus', 'Keyboard Co', `fr${Date.now()}@example.com`)]);
  await page.waitForSelector('#s-details.active');
  is(await page.evaluate(() => document.activeElement && document.activeElement.id), 'greeting',
    'focus: a new screen starts at its heading (a screen reader reads it first)');
  await page.click('#details-next');
  await page.waitForSelector('#s-questions.active');
  is(await page.evaluate(() => document.activeElement && document.activeElement.closest('.screen').id), 's-questions',
    'focus: on the next screen, focus moved into it');
  const seen = [];
  const bad = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return null;
      const ring = a.matches('input[type=checkbox]') ? a.closest('label') : a;
      const cs = getComputedStyle(ring);
      const r = a.getBoundingClientRect();
      return {
        what: `${a.tagName}#${a.id}.${a.className}@${Array.prototype.indexOf.call(document.querySelectorAll('*'), a)}`, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
        visible: r.width > 0 && r.height > 0 && (a.offsetParent !== null || cs.position === 'fixed'),
        inScreen: !!a.closest('header, #s-questions, #toast, #osk'),
      };
    });
    if (!f) continue;
    if (seen.includes(f.what)) break;
    seen.push(f.what);
    if (f.outline === 'none' || f.width < 3 || !f.visible || !f.inScreen) bad.push(f);
  }
  ok(seen.length >= 8, `focus: Tab reached ${seen.length} controls on the questions screen`);
  ok(bad.length === 0, 'focus: each shows a ring of at least 3 px and is on the screen');
  if (bad.length) diag(JSON.stringify(bad));
  // The keyboard is open now (Tab went through the text area): a tap on
  // Back closes it and still lands on Back, though the screen grows.
  ok(await page.isVisible('#osk'), 'the on-screen keyboard opened on the text area');
  await page.click('#s-questions button[data-go="details"]');
  await waitUntil(page, () => document.body.dataset.screen === 'details', null, 3000).catch(() => {});
  is(await page.evaluate(() => document.body.dataset.screen), 'details', 'with the keyboard open, a tap on Back goes back');
  await page.click('#s-details button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
}

async function idleWarning(page, d, timing) {
  const who = `Idle${Date.now() % 100000}`;
  await mbAsync(d.cfg, ['capture', mecard(`IW-${Date.now()}`, 'Person', who, 'Idle GmbH', `${who}@example.com`)]);
  await page.waitForSelector('#s-details.active');
  const t0 = Date.now();
  await page.waitForSelector('#idle-modal:not([hidden])', { timeout: 20000 });
  const at = (Date.now() - t0) / 1000;
  const due = timing.idle_timeout - timing.idle_warning;
  ok(at >= due - 0.5 && at < due + 2.5, `idle warning after ${at.toFixed(1)} s (idle_timeout ${timing.idle_timeout} − idle_warning ${timing.idle_warning})`);
  is(await page.getAttribute('#idle-modal .dialog', 'role'), 'alertdialog', 'idle warning: an alert dialog');
  is(await page.evaluate(() => document.activeElement.id), 'idle-more', 'idle warning: focus on "I need more time"');
  ok(/\d/.test(await page.textContent('#idle-text')), `idle warning: counts down ("${await page.textContent('#idle-text')}")`);
  ok(await page.evaluate(() => document.querySelector('main').inert), 'idle warning: the screen behind is inert');
  await page.screenshot({ path: path.join(OUT, 'a11y-idle-warning-1280x800.png') });
  await page.click('#idle-more');
  ok(await page.isHidden('#idle-modal'), '"I need more time" closes the warning');
  ok((await page.textContent('#greeting')).includes(who), '… and the visit goes on');
  // No answer: the warning again, then the reset at idle_timeout.
  const t1 = Date.now();
  await page.waitForSelector('#idle-modal:not([hidden])', { timeout: 20000 });
  await page.waitForSelector('#s-attract.active', { timeout: 20000 });
  const gone = (Date.now() - t1) / 1000;
  ok(gone >= timing.idle_timeout - 0.5 && gone < timing.idle_timeout + 3, `no answer: cleared after ${gone.toFixed(1)} s (idle_timeout ${timing.idle_timeout})`);
  ok(await page.isHidden('#idle-modal'), '… the warning is gone with it');
  ok(!(await page.content()).includes(who), '… and so is the visitor\'s name');
  // "Clear my details now".
  await mbAsync(d.cfg, ['capture', mecard(`IW2-${Date.now()}`, 'Person', who + 'b', 'Idle GmbH', `${who}b@example.com`)]);
  await page.waitForSelector('#s-details.active');
  await page.waitForSelector('#idle-modal:not([hidden])', { timeout: 20000 });
  const t2 = Date.now();
  await page.click('#idle-clear');
  await page.waitForSelector('#s-attract.active', { timeout: 5000 });
  ok(Date.now() - t2 < 1000 && !(await page.content()).includes(who + 'b'), `"Clear my details now" clears at once (${Date.now() - t2} ms)`);
}

async function languageFromBadge(page, d, dir) {
  const langNow = () => page.evaluate(() => document.documentElement.lang);
  const end = async () => {
    await page.click('#s-details button[data-act="cancel"]');
    await page.waitForSelector('#s-attract.active');
  };
  const n = Date.now();
  const vcard = `BEGIN:VCARD\r\nVERSION:4.0\r\nFN:陳大文\r\nN:陳;大文;;;\r\nORG:九龍音響\r\nEMAIL:chan.${n}@example.com\r\nLANG;PREF=2:en\r\nLANG;PREF=1:zh-HK\r\nEND:VCARD\r\n`;
  const lead = JSON.parse(await mbAsync(d.cfg, ['capture', vcard]));
  is(lead.lang, 'zh-HK', 'vCard LANG;PREF=1: the scan\'s lead event carries lang');
  await page.waitForSelector('#s-details.active');
  is(await langNow(), 'zh-Hant', 'vCard LANG zh-HK: the kiosk speaks Traditional Chinese');
  ok((await page.textContent('#greeting')).startsWith('歡迎'), `… the greeting too (${await page.textContent('#greeting')})`);
  await page.screenshot({ path: path.join(OUT, 'a11y-lang-from-badge-1280x800.png') });
  await end();
  is(await langNow(), 'en', 'after that visit: the kiosk\'s own language again');

  await mbAsync(d.cfg, ['capture', JSON.stringify({ name: 'Priya Sharma', company: 'Lotus Retail', email: `priya.${n}@example.com`, language: 'hi-IN' })]);
  await page.waitForSelector('#s-details.active');
  is(await langNow(), 'hi', 'JSON badge "language": "hi-IN": Hindi');
  await end();

  const csv = path.join(dir, 'roster.csv');
  fs.writeFileSync(csv, 'Badge ID,Name,Company,Email,Language\nSB00042,Wang Fang,Shenzhen Audio,wang@example.com,zh-CN\nSB00043,Yuki Tanaka,Osaka Denki,yuki@example.com,ja\n');
  await mbAsync(d.cfg, ['roster', 'import', '--show', 'test-show', csv]);
  await mbAsync(d.cfg, ['capture', 'SB00042']);
  await page.waitForSelector('#s-details.active');
  is(await langNow(), 'zh-Hans', 'bare badge id, roster language zh-CN: Simplified Chinese');
  is(await page.inputValue('#f-name'), 'Wang Fang', '… with the roster\'s name');
  await end();
  await mbAsync(d.cfg, ['capture', 'SB00043']);
  await page.waitForSelector('#s-details.active');
  is(await langNow(), 'en', 'roster language ja (not on this kiosk): stays English');
  await end();

  // The visitor picks German on the attract screen, then scans a badge that
  // says Chinese: their choice wins (and stays for the next visitor).
  await page.click('#langs button[data-lang="de"]');
  await waitUntil(page, () => document.documentElement.lang === 'de');
  await mbAsync(d.cfg, ['capture', vcard.replace(`chan.${n}`, `chan2.${n}`)]);
  await page.waitForSelector('#s-details.active');
  is(await langNow(), 'de', 'a language the visitor just chose wins over the badge\'s');
  // …and during the visit the header's language button changes it.
  await page.click('#lang-btn');
  await page.click('#lang-list button[data-lang="zh-Hant"]');
  await waitUntil(page, () => document.documentElement.lang === 'zh-Hant');
  ok(await page.isHidden('#lang-modal'), 'the header\'s language dialog switched to 繁體中文 and closed');
  is(await page.evaluate(() => document.activeElement.id), 'lang-btn', '… focus back on its button');
  await end();
  is(await langNow(), 'de', 'the next visitor gets the language chosen on the attract screen');
  await page.click('#langs button[data-lang="en"]');
}

/* An unreadable code: the message stays through the idle reset (it holds
 * no visitor data) until someone dismisses it or scans. */
async function errorsStay(page, d, timing) {
  const t0 = Date.now();
  await mbAsync(d.cfg, ['capture', '\x01\x02 not a badge \x03']);
  await page.waitForSelector('#s-manual.active');
  await page.waitForSelector('#toast:not([hidden])');
  is(await page.getAttribute('#toast', 'role'), 'alert', 'an unreadable code: an error message (role alert)');
  const text = await page.textContent('#toast-text');
  await page.waitForSelector('#s-attract.active', { timeout: (timing.idle_timeout + 5) * 1000 });
  await sleep(500);
  const s = (Date.now() - t0) / 1000;
  ok(await page.isVisible('#toast') && (await page.textContent('#toast-text')) === text,
    `the error is still shown after ${s.toFixed(1)} s and the idle reset`);
  await page.click('#toast-close');
  ok(await page.isHidden('#toast'), 'dismissing it removes it');
  await mbAsync(d.cfg, ['capture', '\x01 again not a badge']);
  await page.waitForSelector('#toast:not([hidden])');
  await mbAsync(d.cfg, ['capture', mecard(`ER-${Date.now()}`, 'Next', 'Visitor', 'Next Co', `n${Date.now()}@example.com`)]);
  await waitUntil(page, () => document.body.dataset.screen === 'details');
  ok(await page.isHidden('#toast'), 'the next scan clears an error too (someone acted)');
  await page.click('#s-details button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');
}

async function staffTimings(page, d, timing) {
  await mbAsync(d.cfg, ['capture', mecard(`TH-${Date.now()}`, 'Queue', 'Quick', 'Fast Co', `q${Date.now()}@example.com`)]);
  await page.waitForSelector('#s-details.active');
  await page.click('#details-next');
  await page.click('#questions-next');
  await page.click('#consent-next');
  await page.waitForSelector('#s-matches.active');
  await page.click('#finish-btn');
  const t0 = Date.now();
  await page.waitForSelector('#s-thanks.active');
  await page.waitForSelector('#s-attract.active', { timeout: 15000 });
  const s = (Date.now() - t0) / 1000;
  ok(s >= timing.thanks_timeout - 0.3 && s < timing.thanks_timeout + 1.5, `thank-you → attract after ${s.toFixed(1)} s ([ui] thanks_timeout = ${timing.thanks_timeout})`);

  await page.click('#staff-btn');
  for (const k of PIN) await page.click(`#pinpad .key:text-is("${k}")`);
  await page.click('#pinpad .key:text-is("OK")');
  await page.waitForSelector('#s-staff.active');
  // A scan keeps staff mode open; then nothing for staff_lock seconds.
  await sleep((timing.staff_lock - 1) * 1000);
  await mbAsync(d.cfg, ['capture', mecard(`SL-${Date.now()}`, 'Lock', 'Late', 'Lock Co', `l${Date.now()}@example.com`)]);
  await page.waitForSelector('#staff-card:not([hidden])');
  const t1 = Date.now();
  await sleep(1500);
  ok(await page.isVisible('#s-staff.active'), 'a scan restarts the staff lock\'s time');
  await page.waitForSelector('#s-attract.active', { timeout: 15000 });
  const l = (Date.now() - t1) / 1000;
  ok(l >= timing.staff_lock - 0.3 && l < timing.staff_lock + 1.5, `staff mode locked after ${l.toFixed(1)} s without use ([ui] staff_lock = ${timing.staff_lock})`);
  const r = await page.evaluate(async () => (await fetch('/api/admin/session')).status);
  ok(r === 401 || r === 403, `… and its session ended (${r})`);
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const d = await startKiosk('a11y');
  const timing = { idle_timeout: 8, idle_warning: 4, thanks_timeout: 2, staff_lock: 4 };
  const d2 = await startKiosk('a11y-t', Object.entries(timing).map(([k, v]) => `${k} = ${v}`).join('\n'));
  const { ctx, udd } = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const boot = (await request(d2.port, 'GET', '/api/boot', { headers: { Host: `127.0.0.1:${d2.port}` } })).json;
    ok(boot.idle_warning === 4 && boot.thanks_timeout === 2 && boot.staff_lock === 4, '/api/boot carries the kiosk timings');
    await page.clock.install();
    await axeEverywhere(page, d);
    // Real time from here on: a fresh page without the fake clock.
    const page2 = await ctx.newPage();
    page2.on('pageerror', (e) => errors.push(e.message));
    await page.close();
    await page2.setViewportSize({ width: 1280, height: 800 });
    await page2.goto(`http://127.0.0.1:${d2.port}/`);
    await page2.waitForSelector('body[data-ready="1"]');
    await textSize(page2, d2);
    await focusRing(page2, d2);
    await idleWarning(page2, d2, timing);
    await languageFromBadge(page2, d2, d2.dir);
    await errorsStay(page2, d2, timing);
    await staffTimings(page2, d2, timing);
    is(errors.length, 0, 'no script error on the page');
    if (errors.length) diag(errors.join('\n'));
  } finally {
    await ctx.close();
    fs.rmSync(udd, { recursive: true, force: true });
    is(await stopKiosk(d), 0, 'daemon exits cleanly');
    is(await stopKiosk(d2), 0, 'second daemon exits cleanly');
  }
}

run(main);
