// SPDX-License-Identifier: Apache-2.0
/*
 * flow.js — walks a visitor (and staff) through every screen of the kiosk
 * in one language at one screen size, and calls back at each screen once it
 * has settled. a11y.test.js runs axe-core there, layout.test.js compares
 * element boxes and takes screenshots: both see the same screens, reached
 * the way a visitor reaches them (a scan through `matchbooth capture`, taps
 * on the page, a business card through `matchbooth card --review`).
 *
 * The idle warning is reached with Playwright's clock (installed before the
 * page loads): fast-forwarding the page's timers to the warning instead of
 * waiting [ui] idle_timeout seconds in real time.
 */
'use strict';

const { execFile } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, BIN, PIN, pinHash, mecard, waitUntil, freePort, startDaemon, stopDaemon } = require('./lib');

/* The sizes issue 17 names: a landscape kiosk, a portrait one, a Pi. */
const SIZES = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1080x1920', width: 1080, height: 1920, portrait: true },
  { name: '800x480', width: 800, height: 480 },
];
const LANGS = ['en', 'zh-Hant', 'hi'];
const CARD = path.join(ROOT, 'tests', 'cards', 'card01-en-left-clean.png');

/* A kiosk config with the card reader on, a staff badge pattern and the
 * long show name of the demo (the one that ran into the steps). */
function kioskConfig(dir, port, uiExtra) {
  return `[kiosk]
data_dir = ${dir}/var
show = test-show
device_id = kiosk-a11y
staff_badges = ^STAFF-[0-9]+$

[ui]
listen = 127.0.0.1:${port}
catalog = ${ROOT}/board/demo/catalog.json
admin_pin_hash = ${pinHash()}
${uiExtra || ''}

[card]
enabled = true

[show.test-show]
name = Hong Kong Electronics Fair (Autumn Edition) 2026
timezone = Asia/Hong_Kong
country = HK
form = ${ROOT}/board/demo/form.json
id_pattern = ^(SB[0-9]{5})$
`;
}

/* A daemon with kioskConfig() on a fresh data directory and port; d.port
 * and d.dir are set. stopKiosk() stops it (resolves with its exit code)
 * and removes the directory. */
async function startKiosk(tag, uiExtra) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mb-${tag}-`));
  const port = await freePort();
  const d = await startDaemon(dir, port, kioskConfig(dir, port, uiExtra));
  return Object.assign(d, { port, dir });
}

async function stopKiosk(d) {
  const code = await stopDaemon(d);
  fs.rmSync(d.dir, { recursive: true, force: true });
  return code;
}

function mbAsync(cfg, args) {
  return new Promise((resolve, reject) => {
    execFile(BIN, [...args, '--config', cfg], { encoding: 'utf8' }, (err, out, errOut) =>
      (err ? reject(new Error(`${args.join(' ')}: ${errOut || err.message}`)) : resolve(out)));
  });
}

/* Waits until the page is still: fonts loaded, images decoded, finite
 * animations (the screens' fade-in) finished. */
async function settle(page) {
  await page.evaluate(async () => {
    await document.fonts.ready;
    const anims = document.getAnimations().filter((a) => {
      const t = a.effect && a.effect.getComputedTiming();
      return t && Number.isFinite(t.endTime);
    });
    await Promise.all(anims.map((a) => a.finished.catch(() => {})));
    await Promise.all(Array.from(document.images).filter((i) => !i.complete).map((i) => i.decode().catch(() => {})));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

const BADGES = {
  en: ['Okafor', 'Ada', 'Lagos Sound Ltd'],
  'zh-Hant': ['陳', '大文', '九龍智能科技有限公司'],
  hi: ['शर्मा', 'प्रिया', 'लोटस रिटेल प्राइवेट लिमिटेड'],
};

/*
 * Walks every screen for lang at size; at each, `at(name)` is awaited after
 * the screen settled. Screens: attract, manual, details, typing (the
 * on-screen keyboard open), questions, consent, matches, idle-warning,
 * language (the header's language dialog), thanks, card (business card
 * review), pin, staff. Leaves the page on the attract screen.
 */
async function walk(page, d, lang, size, at) {
  const visit = async (name) => { await settle(page); await at(name); };
  await page.setViewportSize({ width: size.width, height: size.height });
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.click(`#langs button[data-lang="${lang}"]`);
  await waitUntil(page, (l) => document.documentElement.lang === l, lang);
  await visit('attract');

  await page.click('#manual-btn');
  await page.waitForSelector('#s-manual.active');
  await visit('manual');
  await page.click('#s-manual button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');

  const [family, given, org] = BADGES[lang];
  const uid = `A11Y-${lang}-${size.name}-${Date.now()}`;
  await mbAsync(d.cfg, ['capture', mecard(uid, family, given, org, `${uid.toLowerCase()}@example.com`)]);
  await page.waitForSelector('#s-details.active');
  await visit('details');
  await page.click('#f-phone');
  await page.waitForSelector('#osk:not([hidden])');
  for (const k of '+852') await page.click(`#osk .key[data-key="${k}"]`);
  await visit('typing');
  await page.click('#osk .key.enter');
  await page.click('#details-next');
  await page.waitForSelector('#s-questions.active');
  await page.click('#questions fieldset:nth-of-type(1) .chip >> nth=1');
  await page.click('#questions fieldset:nth-of-type(2) .chip >> nth=2');
  await visit('questions');
  await page.click('#questions-next');
  await page.waitForSelector('#s-consent.active');
  await page.click('.consent >> nth=0');
  await visit('consent');
  await page.click('#consent-next');
  await page.waitForSelector('#s-matches.active #suppliers .supplier');
  await waitUntil(page, () => Array.from(document.querySelectorAll('#suppliers img.qr')).every((i) => i.complete && i.naturalWidth > 0));
  await visit('matches');

  // The idle warning, on the matches screen: the page's timers jump to it.
  const boot = await page.evaluate(async () => (await fetch('/api/boot')).json());
  const warn = Math.min(boot.idle_warning, boot.idle_timeout / 2);
  await page.clock.fastForward((boot.idle_timeout - warn) * 1000 + 200);
  await page.waitForSelector('#idle-modal:not([hidden])');
  await visit('idle-warning');
  await page.click('#idle-more');
  await page.waitForSelector('#idle-modal', { state: 'hidden' });

  await page.click('#lang-btn');
  await page.waitForSelector('#lang-modal:not([hidden])');
  await visit('language');
  await page.click('#lang-close');
  await page.waitForSelector('#lang-modal', { state: 'hidden' });

  await page.click('#finish-btn');
  await page.waitForSelector('#s-thanks.active');
  await visit('thanks');
  await page.click('#s-thanks button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');

  await mbAsync(d.cfg, ['card', '--review', CARD]);
  await page.waitForSelector('#s-card.active');
  await visit('card');
  await page.click('#s-card button[data-act="cancel"]');
  await page.waitForSelector('#s-attract.active');

  await page.click('#staff-btn');
  await page.waitForSelector('#pin-modal:not([hidden])');
  await visit('pin');
  for (const k of PIN) await page.click(`#pinpad .key:text-is("${k}")`);
  await page.click('#pinpad .key:text-is("OK")');
  await page.waitForSelector('#s-staff.active');
  await mbAsync(d.cfg, ['capture', mecard(`STAFFED-${uid}`, family, given, org, `s.${uid.toLowerCase()}@example.com`)]);
  await page.waitForSelector('#staff-card:not([hidden])');
  await page.click('#staff-rating .star >> nth=2');
  await visit('staff');
  await page.click('#staff-exit');
  await page.waitForSelector('#s-attract.active');
}

module.exports = { SIZES, LANGS, kioskConfig, startKiosk, stopKiosk, mbAsync, settle, walk };
