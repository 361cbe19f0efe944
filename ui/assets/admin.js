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
    const dev = st.devices;
    if (dev && (Array.isArray(dev) ? dev.length : Object.keys(dev).length)) {
      const box = $('scanners');
      box.replaceChildren();
      const list = Array.isArray(dev) ? dev : (dev.scanners || dev.devices || []);
      if (!list.length) statusLine(box, true, JSON.stringify(dev).slice(0, 120));
      for (const d of list) {
        const line = el('div');
        line.append(el('span', 'dot ' + (d.present === false || d.connected === false ? 'bad' : 'ok')),
          document.createTextNode((d.name || d.id || d.kind || 'device') + (d.kind ? ' · ' + d.kind : '')));
        box.append(line);
      }
    } else {
      statusLine($('scanners'), null, 'no scanner driver reporting');
    }
    statusLine($('printer'), s.printer, s.printer ? 'printer attached' : 'no printer');
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
        const b = el('button', 'chip', f.toUpperCase());
        b.type = 'button';
        b.addEventListener('click', () => exportFile(f));
        ex.append(b);
      }
    }
    chart(s.per_hour);
  }

  async function exportFile(fmt) {
    const url = '/api/admin/export?format=' + encodeURIComponent(fmt) + '&show=' + encodeURIComponent(show);
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) {
      let msg = r.statusText;
      try { msg = (await r.json()).error; } catch (e) { /* keep */ }
      $('export-msg').textContent = msg;
      return;
    }
    const blob = await r.blob();
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = (show || 'leads') + '.' + fmt;
    a.click();
    URL.revokeObjectURL(a.href);
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
      csrf = (await api('/api/admin/session')).csrf;
      enter();
    } catch (e) {
      showLogin();
    }
    document.body.dataset.ready = '1';
  }

  start();
})();
