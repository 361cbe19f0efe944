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

/* Runs in the page: every problem found on the current screen. */
function measure() {
  const problems = [];
  const vw = innerWidth;
  const vh = innerHeight;
  const visible = (e) => {
    if (!e.isConnected) return false;
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden' || cs.display === 'none') return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && e.getClientRects().length > 0;
  };
  const label = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    else if (e.className && typeof e.className === 'string') s += '.' + e.className.trim().split(/\s+/).join('.');
    const txt = (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 24);
    return txt ? `${s} "${txt}"` : s;
  };
  const hiddenForSr = (e) => getComputedStyle(e).clipPath !== 'none' && e.getBoundingClientRect().width <= 1;
  const overlap = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
    Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

  // Where to look: an open dialog alone, else header, message and screen.
  const modal = document.querySelector('.modal:not([hidden])');
  const scopes = modal ? [modal] : [document.querySelector('header.bar'), document.getElementById('toast'),
    document.querySelector('.screen.active'), document.getElementById('osk')].filter((x) => x && visible(x));
  const screen = document.querySelector('.screen.active');

  // 1. The header's items do not overlap, and stay inside the header.
  const bar = document.querySelector('header.bar');
  const items = [document.querySelector('.brand .logo'), document.querySelector('.brand > div'),
    ...document.querySelectorAll('#steps li'), ...document.querySelectorAll('.tools button')].filter(visible);
  for (let i = 0; i < items.length; i++) {
    const a = items[i].getBoundingClientRect();
    const br = bar.getBoundingClientRect();
    if (a.left < br.left - 0.5 || a.right > br.right + 0.5 || a.top < br.top - 0.5 || a.bottom > br.bottom + 0.5)
      problems.push(`header: ${label(items[i])} sticks out of the header`);
    for (let j = i + 1; j < items.length; j++) {
      if (overlap(a, items[j].getBoundingClientRect()) > 0.5)
        problems.push(`header: ${label(items[i])} overlaps ${label(items[j])}`);
    }
  }

  // 2. Nothing clipped sideways; no text spilling out of a control.
  const noScrollX = ['header.bar', '.brand', '.show-name', '#steps', '.tools', '#toast', '.screen.active', '.panel',
    '.nav', '.fields', '.fields label', '.chips', '.question', '.consent', '.matches-head', '.search', '.suppliers',
    '.supplier', '.attract', '.attract-actions', '.langs', '.dialog', '.osk-row', '.staff-card', '.recent li'];
  for (const sc of scopes) {
    const all = [sc, ...sc.querySelectorAll(noScrollX.join(','))].filter((e) => e.matches(noScrollX.join(',')));
    for (const e of all) {
      if (visible(e) && e.scrollWidth > e.clientWidth + 1)
        problems.push(`clipped: ${label(e)} is ${e.scrollWidth} px wide inside, ${e.clientWidth} px outside`);
    }
  }

  // 3.–4. Controls: reachable, not covered, big enough.
  const controls = [];
  for (const sc of scopes) {
    for (const e of sc.querySelectorAll('button, a[href], input, textarea, select, [tabindex]:not([tabindex="-1"])')) {
      const target = e.matches('input[type=checkbox]') ? e.closest('label') : e;
      if (target && visible(target) && !hiddenForSr(target) && !target.closest('[inert]') && !controls.includes(target))
        controls.push(target);
    }
  }
  const saved = screen ? screen.scrollTop : 0;
  for (const e of controls) {
    e.scrollIntoView({ block: 'center', inline: 'nearest' });
    const r = e.getBoundingClientRect();
    if (r.width < 44 - 0.01 || r.height < 44 - 0.01)
      problems.push(`small: ${label(e)} is ${r.width.toFixed(1)}x${r.height.toFixed(1)} px (under 44)`);
    if (r.left < -0.5 || r.right > vw + 0.5 || r.top < -0.5 || r.bottom > vh + 0.5) {
      problems.push(`outside: ${label(e)} at ${r.left.toFixed(0)},${r.top.toFixed(0)}–${r.right.toFixed(0)},${r.bottom.toFixed(0)}`);
      continue;
    }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || (hit !== e && !e.contains(hit) && !(hit.tagName === 'LABEL' && hit.control === e)))
      problems.push(`covered: ${label(e)} under ${hit ? label(hit) : 'nothing'}`);
  }
  if (screen) screen.scrollTop = saved;

  // 5. Reading order = visual order, region by region (header, message,
  // screen, keyboard: their DOM order is their order on the display);
  // inside the screen in its content's coordinates, measured scrolled to
  // the end, where the sticky buttons sit after the content as in the DOM.
  const regions = [document.querySelector('header.bar'), document.getElementById('toast'), screen,
    document.getElementById('osk'), modal];
  if (screen) screen.scrollTop = screen.scrollHeight;
  const spot = (e) => {
    const r = e.getBoundingClientRect();
    const reg = regions.findIndex((x) => x && x.contains(e));
    const dy = reg === 2 ? screen.scrollTop : 0;
    return { reg, top: r.top + dy, bottom: r.bottom + dy, left: r.left, right: r.right, height: r.height };
  };
  const tabbable = controls.filter((e) => !e.disabled).map((e) => [e, spot(e)]);
  if (screen) screen.scrollTop = saved;
  for (let i = 1; i < tabbable.length; i++) {
    const [ea, a] = tabbable[i - 1];
    const [eb, b] = tabbable[i];
    if (a.reg !== b.reg) {
      if (b.reg < a.reg) problems.push(`order: ${label(eb)} comes after ${label(ea)} in an earlier region`);
      continue;
    }
    const sameRow = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5 * Math.min(a.height, b.height);
    if (b.bottom <= a.top + 0.5 || (sameRow && b.right <= a.left + 0.5))
      problems.push(`order: ${label(eb)} comes after ${label(ea)} but is above or left of it`);
  }

  // 6. The screen reaches the bottom; portrait: primary buttons low.
  if (!modal && screen) {
    const content = screen.firstElementChild.getBoundingClientRect();
    const end = screen.getBoundingClientRect().bottom;
    if (screen.scrollHeight <= screen.clientHeight && content.bottom < end - 60)
      problems.push(`short: the screen's content ends at ${content.bottom.toFixed(0)} of ${end.toFixed(0)} px`);
    if (vh > vw) {
      for (const p of [...screen.querySelectorAll('.nav .btn.primary, .attract .btn')].filter(visible)) {
        const r = p.getBoundingClientRect();
        if (r.top + r.height / 2 < vh / 2) problems.push(`portrait: ${label(p)} is in the upper half (y ${r.top.toFixed(0)})`);
      }
    }
  }
  return { problems, controls: controls.length };
}

async function check(page, size, lang, screen, tag) {
  await page.screenshot({ path: path.join(OUT, `layout-${size.name}-${lang}-${screen}${tag || ''}.png`) });
  const r = await page.evaluate(measure);
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
