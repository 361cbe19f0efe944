// SPDX-License-Identifier: Apache-2.0
/*
 * admin.js — the admin page: logs in with the PIN (session cookie set by the
 * server, CSRF token kept in memory only), then polls /api/admin/status.
 * All text goes in with textContent; the chart is SVG built node by node.
 */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  let csrf = null;
  let kioskCsrf = null;
  let show = '';
  let timer = 0;
  let usbSeen = null; // "at" of the last USB export already announced
  const FORMATS = { csv: 'CSV', xlsx: 'Excel (XLSX)', vcf: 'vCard', ndjson: 'NDJSON (re-import)' };

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  };

  async function api(path, body, token) {
    const r = await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'Content-Type': 'application/json', 'X-CSRF-Token': token } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
    });
    let data = {};
    try { data = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) {
      const err = new Error(data.error || r.statusText);
      err.status = r.status;
      err.retryAfter = Number(r.headers.get('Retry-After') || 0);
      throw err;
    }
    return data;
  }

  function kv(dl, pairs) {
    dl.replaceChildren();
    for (const [k, v] of pairs) dl.append(el('dt', null, k), el('dd', null, v));
  }

  function statusLine(box, ok, text) {
    box.replaceChildren();
    const p = el('div');
    p.append(el('span', 'dot ' + (ok === null ? '' : ok ? 'ok' : 'bad')), document.createTextNode(text));
    box.append(p);
  }

  function chart(perHour) {
    const svg = $('chart');
    svg.replaceChildren();
    const max = Math.max(1, ...perHour.map((h) => h.leads)) * 1.12;
    const w = 720 / perHour.length;
    for (let i = 0; i <= 4; i++) {
      const y = 190 - (i * 170) / 4;
      const ln = document.createElementNS(SVG, 'line');
      ln.setAttribute('x1', '0'); ln.setAttribute('x2', '720');
      ln.setAttribute('y1', String(y)); ln.setAttribute('y2', String(y));
      ln.setAttribute('class', 'gridline');
      svg.append(ln);
    }
    perHour.forEach((h, i) => {
      const bh = (h.leads / max) * 170;
      const r = document.createElementNS(SVG, 'rect');
      r.setAttribute('x', String(i * w + 3));
      r.setAttribute('y', String(190 - bh));
      r.setAttribute('width', String(w - 6));
      r.setAttribute('height', String(Math.max(bh, h.leads ? 2 : 0)));
      r.setAttribute('rx', '3');
      r.setAttribute('class', 'bar-r');
      const tt = document.createElementNS(SVG, 'title');
      tt.textContent = new Date(h.hour_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) + ': ' + h.leads;
      r.append(tt);
      svg.append(r);
      if (h.leads) {
        const v = document.createElementNS(SVG, 'text');
        v.setAttribute('x', String(i * w + w / 2));
        v.setAttribute('y', String(186 - bh));
        v.setAttribute('text-anchor', 'middle');
        v.setAttribute('class', 'val');
        v.textContent = String(h.leads);
        svg.append(v);
      }
      if (i % 3 === 0) {
        const tx = document.createElementNS(SVG, 'text');
        tx.setAttribute('x', String(i * w + w / 2));
        tx.setAttribute('y', '212');
        tx.setAttribute('text-anchor', 'middle');
        tx.setAttribute('class', 'axis');
        tx.textContent = String(new Date(h.hour_ms).getHours()).padStart(2, '0') + ':00';
        svg.append(tx);
      }
    });
  }

  /* The "devices" status (drivers/devices.c): {usb, allowlist?, scanners,
   * printers, printer, devices: [{id, kind, state, model|name …}]}. Ignored
   * devices (the kiosk's own keyboard …) are not listed. A scanner found
   * but not in the allow list ("enabled": false) gets one button that
   * enables it (the daemon's devices-enable); its refusal is shown as is. */
  const enableErrors = {}; // device id -> the last refusal, until the next try

  function renderScanners(dev) {
    const box = $('scanners');
    box.replaceChildren();
    if (!dev || typeof dev !== 'object') { statusLine(box, null, 'no scanner driver reporting'); return; }
    const line = (good, text) => {
      const p = el('div');
      const what = el('span');
      what.append(el('span', 'dot ' + (good === null ? '' : good ? 'ok' : 'bad')), document.createTextNode(text));
      p.append(what);
      box.append(p);
      return p;
    };
    const list = (dev.devices || []).filter((d) => d.kind === 'scanner' && d.state !== 'ignored');
    for (const d of list) {
      const waiting = d.enabled === false;
      const p = line(waiting ? null : d.state === 'ready', (d.model || d.name || d.id) +
        (waiting ? ' (' + d.vid + ':' + d.pid + ')' : '') + ' · ' + d.state + (d.scans ? ' · ' + d.scans + ' scans' : ''));
      if (!waiting) continue;
      p.classList.add('offered');
      p.dataset.device = d.id;
      const b = el('button', 'btn small', 'Enable scanner');
      b.type = 'button';
      b.addEventListener('click', () => enableScanner(d.id, b));
      p.append(b);
      if (enableErrors[d.id]) {
        const err = el('p', 'error', enableErrors[d.id]);
        err.setAttribute('role', 'alert');
        box.append(err);
      }
    }
    if (!list.length) line(null, 'no scanner attached');
    if (dev.usb && dev.usb !== 'ok') line(false, 'USB: ' + dev.usb);
    if (dev.allowlist) line(false, dev.allowlist);
  }

  async function enableScanner(id, btn) {
    btn.disabled = true;
    try {
      const r = await api('/api/admin/devices/enable', { id }, csrf);
      delete enableErrors[id];
      toast('Scanner ' + r.id + ' enabled (' + r.driver + '): ' + r.state);
    } catch (e) {
      if (e.status === 401) { showLogin(); return; }
      enableErrors[id] = e.message; // the daemon's words, as they are
    }
    refresh();
  }

  /* The printer slips go to (devices.printer): its state, known before any
   * visitor taps Print; a printer plugged in but in no list says so. */
  function renderPrinter(pr) {
    const box = $('printer');
    box.replaceChildren();
    if (!pr || typeof pr !== 'object') { statusLine(box, null, 'no printer attached'); return; }
    if (!pr.present) {
      statusLine(box, false, 'printer found, ' + (pr.state || 'not usable') + ': ' + pr.id);
      box.append(el('p', 'hint', 'Add its VID:PID to the allow list or a [device.NAME] section ' +
        '(driver = escpos), then plug it in again.'));
      return;
    }
    statusLine(box, !!pr.ready, (pr.model || pr.id) + ' · ' + (pr.state || (pr.ready ? 'ready' : 'not ready')));
    if (typeof pr.printed === 'number')
      box.append(el('p', 'hint', pr.printed + ' printed · ' + (pr.failed || 0) + ' failed · ' +
        (pr.queued || 0) + ' waiting'));
  }

  function render(s) {
    $('cur-show').textContent = s.show.name + ' · ' + s.show.id;
    const per = s.store.leads_per_show || {};
    const shows = Object.keys(per);
    if (!shows.includes(s.show.id)) shows.unshift(s.show.id);
    const sel = $('show-select');
    if (sel.options.length !== shows.length) {
      sel.replaceChildren();
      for (const id of shows) {
        const o = el('option', null, id + (id === s.show.id ? ' (running)' : ''));
        o.value = id;
        sel.append(o);
      }
    }
    sel.value = s.selected_show;
    $('show-pick').hidden = false;
    const today = s.per_hour.reduce((a, h) => a + h.leads, 0);
    $('n-leads').textContent = per[s.selected_show] || 0;
    $('n-leads-sub').textContent = today + ' in the last 24 h';

    const st = s.status || {};
    renderScanners(st.devices);
    renderPrinter(st.devices && typeof st.devices === 'object' ? st.devices.printer : s.printer);
    usbNotice((st.export || {}).last);
    const sync = st.sync || {};
    kv($('sync'), [
      ['pending', s.store.outbox_pending], ['sent', s.store.outbox_sent], ['rejected', s.store.outbox_rejected],
      ...Object.entries(sync).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [k, String(v)]),
    ]);
    kv($('network'), (s.network.interfaces || []).map((i) => [i.name, i.address + (i.up ? '' : ' (down)')])
      .concat([['UI clients', String(s.sse_clients)]]));
    const tb = $('per-show');
    tb.replaceChildren();
    for (const [id, n] of Object.entries(per)) {
      const tr = el('tr');
      tr.append(el('td', null, id), el('td', null, n));
      tb.append(tr);
    }
    kv($('store'), [['leads', s.store.leads], ['scans', s.store.scans], ['unknown scans', s.store.unknown_scans],
      ['suppliers', s.catalog], ['schema', s.store.schema_version], ['file', Math.round(s.store.file_bytes / 1024) + ' KB']]);
    const ex = $('exports');
    if (!ex.children.length) {
      for (const f of s.exports) {
        const b = el('button', 'chip', FORMATS[f] || f.toUpperCase());
        b.type = 'button';
        b.dataset.format = f;
        b.addEventListener('click', () => exportFile(f, b));
        ex.append(b);
      }
    }
    chart(s.per_hour);
  }

  function toast(msg) {
    const n = $('toast');
    n.textContent = msg;
    n.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { n.hidden = true; }, 8000);
  }

  /* A USB stick export (status.export.last, kept by the daemon): announced
   * once when it happens while the page is open, or just before. */
  function usbNotice(last) {
    if (!last || last.target !== 'usb') return;
    const line = last.leads + ' leads written to the USB stick at ' + new Date(last.at).toLocaleString();
    $('usb-last').textContent = 'Last USB export: ' + line;
    if (usbSeen === last.at) return;
    const fresh = usbSeen !== null || Date.now() - Date.parse(last.at) < 120000;
    usbSeen = last.at;
    if (fresh) toast(last.leads + ' leads written to the USB stick — you can remove it.');
  }

  /* The file name the server chose (Content-Disposition). */
  function fileName(r, fmt) {
    const m = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '');
    return m ? m[1] : (show || 'leads') + '.' + fmt;
  }

  /* The export is streamed by the server from a child process; if that
   * fails halfway the connection is cut, reading the body rejects, and no
   * file is saved (a truncated export must never look whole). */
  async function exportFile(fmt, btn) {
    const url = '/api/admin/export?format=' + encodeURIComponent(fmt) + (show ? '&show=' + encodeURIComponent(show) : '');
    const msg = $('export-msg');
    btn.disabled = true;
    msg.textContent = 'Exporting ' + (FORMATS[fmt] || fmt) + '…';
    try {
      const r = await fetch(url, { credentials: 'same-origin' });
      if (!r.ok) {
        let m = r.statusText;
        try { m = (await r.json()).error; } catch (e) { /* keep */ }
        msg.textContent = 'Export failed: ' + m;
        return;
      }
      const name = fileName(r, fmt);
      const blob = await r.blob();
      const a = el('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      msg.textContent = 'Saved ' + name + ' (' + Math.max(1, Math.round(blob.size / 1024)) + ' KB)';
    } catch (e) {
      msg.textContent = 'Export failed before the end: nothing was saved. Try again.';
    } finally {
      btn.disabled = false;
    }
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const s = await api('/api/admin/status' + (show ? '?show=' + encodeURIComponent(show) : ''));
      render(s);
      timer = setTimeout(refresh, 5000);
    } catch (e) {
      if (e.status === 401) showLogin();
    }
  }

  function showLogin() {
    csrf = null;
    $('dash').hidden = true;
    $('logout').hidden = true;
    $('show-pick').hidden = true;
    $('login').hidden = false;
    $('pin').focus();
  }

  async function login(ev) {
    ev.preventDefault();
    const pin = $('pin').value;
    $('pin').value = '';
    try {
      if (!kioskCsrf) kioskCsrf = (await api('/api/boot')).csrf;
      csrf = (await api('/api/admin/login', { pin }, kioskCsrf)).csrf;
      $('login-error').hidden = true;
      enter();
    } catch (e) {
      $('login-error').textContent = e.retryAfter ? e.message + ' (' + e.retryAfter + ' s)' : e.message;
      $('login-error').hidden = false;
    }
  }

  function enter() {
    $('login').hidden = true;
    $('dash').hidden = false;
    $('logout').hidden = false;
    refresh();
  }

  async function start() {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', async () => {
      try { await api('/api/admin/logout', {}, csrf); } catch (e) { /* gone already */ }
      showLogin();
    });
    $('show-select').addEventListener('change', () => { show = $('show-select').value; refresh(); });
    try {
      const sess = await api('/api/admin/session');
      if (sess.staff_only) throw new Error('a staff badge session is not an admin session');
      csrf = sess.csrf;
      enter();
    } catch (e) {
      showLogin();
    }
    document.body.dataset.ready = '1';
  }

  start();
})();
