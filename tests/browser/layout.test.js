// SPDX-License-Identifier: Apache-2.0
/*
 * layout.test.js — the kiosk's layouts at 1280x800 (landscape), 1080x1920
 * (portrait) and 800x480 (the Pi touchscreen), in English, Traditional
 * Chinese and Hindi, checked from the element boxes on every screen of
 * flow.js (and the main screens again at 200 % text). Prints TAP;
 * screenshots of every screen go to tests/out/browser/layout-*.png.
 *
 * On each screen:
 *  - no two items of the header overlap (brand, each step, each tool);
 *  - nothing is clipped: no container that must not scroll sideways is
 *    wider inside than outside (scrollWidth > clientWidth), no button's
 *    text spills out of it;
 *  - every control is reachable: inside the viewport once scrolled to (the
 *    screens scroll vertically, nothing scrolls sideways) and not covered by
 *    anything else at its centre;
 *  - every control is at least 44x44 CSS px (a hidden checkbox counts by
 *    its label);
 *  - reading order: the controls in DOM order (the order of Tab and of a
 *    screen reader) run top to bottom, left to right on the screen;
 *  - the screen reaches the bottom of the display, and in portrait the
 *    screen's primary buttons sit in its lower half (where a standing
 *    visitor's hand is).
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { OUT, ok, diag, run, launchBrowser, is } = require('./lib');
const { SIZES, LANGS, startKiosk, stopKiosk, settle, walk } = require('./flow');

/* ---- run in the page (check() sends their source there) ---------------- */

function visible(e) {
  if (!e || !e.isConnected) return false;
  const cs = getComputedStyle(e);
  if (cs.visibility === 'hidden' || cs.display === 'none') return false;
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && e.getClientRects().length > 0;
}

function label(e) {
  let s = e.tagName.toLowerCase();
  if (e.id) s += '#' + e.id;
  else if (e.className && typeof e.className === 'string') s += '.' + e.className.trim().split(/\s+/).join('.');
  const txt = (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 24);
  return txt ? `${s} "${txt}"` : s;
}

function overlap(a, b) {
  return Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
    Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
}

/* The header's items do not overlap, and stay inside the header. */
function headerProblems() {
  const out = [];
  const br = document.querySelector('header.bar').getBoundingClientRect();
  const items = [document.querySelector('.brand .logo'), document.querySelector('.brand > div'),
    ...document.querySelectorAll('#steps li'), ...document.querySelectorAll('.tools button')].filter(visible);
  for (let i = 0; i < items.length; i++) {
    const a = items[i].getBoundingClientRect();
    if (a.left < br.left - 0.5 || a.right > br.right + 0.5 || a.top < br.top - 0.5 || a.bottom > br.bottom + 0.5)
      out.push(`header: ${label(items[i])} sticks out of the header`);
    for (let j = i + 1; j < items.length; j++) {
      if (overlap(a, items[j].getBoundingClientRect()) > 0.5) out.push(`header: ${label(items[i])} overlaps ${label(items[j])}`);
    }
  }
  return out;
}

/* Nothing clipped sideways in the containers that must not scroll. */
function clipProblems(scopes) {
  const sel = ['header.bar', '.brand', '.show-name', '#steps', '.tools', '#toast', '.screen.active', '.panel', '.nav',
    '.fields', '.fields label', '.chips', '.question', '.consent', '.matches-head', '.search', '.suppliers', '.supplier',
    '.attract', '.attract-actions', '.langs', '.dialog', '.osk-row', '.staff-card', '.recent li'].join(',');
  const out = [];
  for (const sc of scopes) {
    for (const e of [sc, ...sc.querySelectorAll(sel)].filter((x) => x.matches(sel))) {
      if (visible(e) && e.scrollWidth > e.clientWidth + 1)
        out.push(`clipped: ${label(e)} is ${e.scrollWidth} px wide inside, ${e.clientWidth} px outside`);
    }
  }
  return out;
}

/* The controls a visitor can reach (a hidden checkbox counts by its label). */
function controlsIn(scopes) {
  const out = [];
  for (const sc of scopes) {
    for (const e of sc.querySelectorAll('button, a[href], input, textarea, select, [tabindex]:not([tabindex="-1"])')) {
      const t = e.matches('input[type=checkbox]') ? e.closest('label') : e;
      const srOnly = t && getComputedStyle(t).clipPath !== 'none' && t.getBoundingClientRect().width <= 1;
      if (t && visible(t) && !srOnly && !t.closest('[inert]') && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

/* Each control, scrolled to: at least 44x44, inside the viewport, and the
 * thing under its centre. */
function reachProblems(controls, screen) {
  const out = [];
  const saved = screen ? screen.scrollTop : 0;
  for (const e of controls) {
    e.scrollIntoView({ block: 'center', inline: 'nearest' });
    const r = e.getBoundingClientRect();
    if (r.width < 44 - 0.01 || r.height < 44 - 0.01) out.push(`small: ${label(e)} is ${r.width.toFixed(1)}x${r.height.toFixed(1)} px (under 44)`);
    if (r.left < -0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.bottom > innerHeight + 0.5) {
      out.push(`outside: ${label(e)} at ${r.left.toFixed(0)},${r.top.toFixed(0)}–${r.right.toFixed(0)},${r.bottom.toFixed(0)}`);
      continue;
    }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || (hit !== e && !e.contains(hit) && !(hit.tagName === 'LABEL' && hit.control === e)))
      out.push(`covered: ${label(e)} under ${hit ? label(hit) : 'nothing'}`);
  }
  if (screen) screen.scrollTop = saved;
  return out;
}

/* Reading order = visual order, region by region (header, message, screen,
 * keyboard, dialog: their DOM order is their order on the display); inside
 * the screen in its content's coordinates, measured scrolled to the end,
 * where the sticky buttons sit after the content as in the DOM. */
function orderProblems(controls, screen, modal) {
  const regions = [document.querySelector('header.bar'), document.getElementById('toast'), screen,
    document.getElementById('osk'), modal];
  const saved = screen ? screen.scrollTop : 0;
  if (screen) screen.scrollTop = screen.scrollHeight;
  const spots = controls.filter((e) => !e.disabled).map((e) => {
    const r = e.getBoundingClientRect();
    const reg = regions.findIndex((x) => x && x.contains(e));
    const dy = reg === 2 ? screen.scrollTop : 0;
    return { e, reg, top: r.top + dy, bottom: r.bottom + dy, left: r.left, right: r.right, height: r.height };
  });
  if (screen) screen.scrollTop = saved;
  const out = [];
  for (let i = 1; i < spots.length; i++) {
    const a = spots[i - 1];
    const b = spots[i];
    const sameRow = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5 * Math.min(a.height, b.height);
    if (a.reg !== b.reg ? b.reg < a.reg : b.bottom <= a.top + 0.5 || (sameRow && b.right <= a.left + 0.5))
      out.push(`order: ${label(b.e)} comes after ${label(a.e)} but is above or left of it`);
  }
  return out;
}

/* The screen reaches the bottom; in portrait its primary buttons are in
 * the lower half. */
function screenProblems(screen) {
  const out = [];
  const content = screen.firstElementChild.getBoundingClientRect();
  const end = screen.getBoundingClientRect().bottom;
  if (screen.scrollHeight <= screen.clientHeight && content.bottom < end - 60)
    out.push(`short: the screen's content ends at ${content.bottom.toFixed(0)} of ${end.toFixed(0)} px`);
  if (innerHeight > innerWidth) {
    for (const p of [...screen.querySelectorAll('.nav .btn.primary, .attract .btn')].filter(visible)) {
      const r = p.getBoundingClientRect();
      if (r.top + r.height / 2 < innerHeight / 2) out.push(`portrait: ${label(p)} is in the upper half (y ${r.top.toFixed(0)})`);
    }
  }
  return out;
}

/* Every problem on the current screen. An open dialog is looked at alone;
 * else header, message, screen and keyboard. */
function measure() {
  const modal = document.querySelector('.modal:not([hidden])');
  const screen = document.querySelector('.screen.active');
  const scopes = modal ? [modal] : [document.querySelector('header.bar'), document.getElementById('toast'), screen,
    document.getElementById('osk')].filter(visible);
  const controls = controlsIn(scopes);
  const problems = [...headerProblems(), ...clipProblems(scopes), ...reachProblems(controls, screen),
    ...orderProblems(controls, screen, modal), ...(!modal && screen ? screenProblems(screen) : [])];
  return { problems, controls: controls.length };
}

const PROBE = [visible, label, overlap, headerProblems, clipProblems, controlsIn, reachProblems, orderProblems,
  screenProblems, measure].map(String).join('\n');

/* ---- the test ----------------------------------------------------------- */

async function check(page, size, lang, screen, tag) {
  await page.screenshot({ path: path.join(OUT, `layout-${size.name}-${lang}-${screen}${tag || ''}.png`) });
  // As a DevTools evaluation: the kiosk's CSP forbids eval in the page.
  const r = await page.evaluate(`(() => {\n${PROBE}\nreturn measure();\n})()`);
  if (!ok(r.problems.length === 0, `layout ${size.name} ${lang}${tag || ''} ${screen}: no overlap, clipping, covered, small or misordered control (${r.controls} controls)`))
    diag(r.problems.slice(0, 12).join('\n'));
  return r.problems.length;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const d = await startKiosk('layout');
  const { ctx, udd } = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.clock.install();
    for (const size of SIZES) {
      for (const lang of LANGS) await walk(page, d, lang, size, (screen) => check(page, size, lang, screen));
    }
    // 200 % text at the smallest and the upright screen, in Hindi (the
    // longest words): the layout holds, the screens scroll.
    for (const size of [SIZES[2], SIZES[1]]) {
      await walk(page, d, 'hi', size, async (screen) => {
        if (!['attract', 'details', 'questions', 'consent', 'matches', 'card'].includes(screen)) return;
        while (await page.isEnabled('#text-larger')) await page.click('#text-larger');
        await settle(page);
        await check(page, size, 'hi', screen, '-200');
      });
    }
    is(errors.length, 0, 'no script error on the page');
    if (errors.length) diag(errors.join('\n'));
  } finally {
    await ctx.close();
    fs.rmSync(udd, { recursive: true, force: true });
    is(await stopKiosk(d), 0, 'daemon exits cleanly');
  }
}

run(main);
