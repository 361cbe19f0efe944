// SPDX-License-Identifier: Apache-2.0
/*
 * osk.js — the kiosk's on-screen keyboard (kiosk.js uses it through
 * window.kioskOsk). The inputs say inputmode="none", so no system keyboard
 * appears: this one types into the focused input or text area, keeps its
 * selection, respects maxlength and sends an "input" event per key.
 *
 * The keyboard sits in the page's flow under the screen (style.css), so the
 * screen above it shrinks and the input stays in view, on every size.
 * Keys without a visible word get an accessible name (Shift, Delete).
 */
'use strict';

(function () {
  const ROWS = [
    '1234567890', 'qwertyuiop', 'asdfghjkl@', 'zxcvbnm.-_', ['⇧', '+', ' ', '.com', '⌫', '↵'],
  ];

  /*
   * root: the keyboard's element (hidden until show()). t(key): the
   * current language's string. onEnter(input): the ↵ key was pressed while
   * input had the keyboard (before it hides).
   */
  function create(root, t, onEnter) {
    let target = null;
    let shift = false;

    function build() {
      root.replaceChildren();
      for (const row of ROWS) {
        const r = document.createElement('div');
        r.className = 'osk-row';
        for (const key of (Array.isArray(row) ? row : row.split(''))) {
          const b = document.createElement('button');
          b.className = 'key';
          b.textContent = key === ' ' ? t('space') : key === '↵' ? t('done') : (shift ? key.toUpperCase() : key);
          b.type = 'button';
          b.dataset.key = key;
          if (key === '⇧') b.setAttribute('aria-label', t('key_shift'));
          if (key === '⌫') b.setAttribute('aria-label', t('key_backspace'));
          if (key === ' ') b.classList.add('space');
          if (key === '↵') b.classList.add('enter');
          if (key === '⇧' && shift) b.classList.add('on');
          r.append(b);
        }
        root.append(r);
      }
    }

    function press(key) {
      if (!target) return;
      if (key === '⇧') { shift = !shift; build(); return; }
      if (key === '↵') {
        onEnter(target);
        hide();
        return;
      }
      const s = target.selectionStart ?? target.value.length;
      const e = target.selectionEnd ?? target.value.length;
      if (key === '⌫') {
        const from = s === e ? Math.max(0, s - 1) : s;
        target.value = target.value.slice(0, from) + target.value.slice(e);
        target.setSelectionRange(from, from);
      } else {
        const ch = shift ? key.toUpperCase() : key;
        if (target.maxLength > 0 && target.value.length + ch.length > target.maxLength) return;
        target.value = target.value.slice(0, s) + ch + target.value.slice(e);
        target.setSelectionRange(s + ch.length, s + ch.length);
        if (shift) { shift = false; build(); }
      }
      target.dispatchEvent(new Event('input', { bubbles: true }));
    }

    function show(input) {
      target = input;
      root.hidden = false;
      document.body.classList.add('osk-open');
      input.scrollIntoView({ block: 'center' });
    }

    function hide() {
      target = null;
      root.hidden = true;
      document.body.classList.remove('osk-open');
    }

    root.addEventListener('pointerdown', (e) => e.preventDefault()); // keep the input focused
    root.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (b) press(b.dataset.key);
    });
    return { build, show, hide, target: () => target };
  }

  window.kioskOsk = Object.freeze({ create });
})();
