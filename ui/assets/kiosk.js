// SPDX-License-Identifier: Apache-2.0
/*
 * kiosk.js — the kiosk's touch UI: six steps driven by scans pushed over
 * Server-Sent Events, an on-screen keyboard, staff mode, seven languages.
 *
 * Rules this file keeps:
 *  - badge text goes into the page with textContent only (never innerHTML);
 *  - everything about the current visitor lives in `visit` (or `review`, a
 *    business card being checked) and in the DOM nodes listed in
 *    clearScreen(): reset() empties them, on idle timeout, on "done", at the
 *    next badge or card and when a staff badge opens staff mode;
 *  - every write sends the CSRF token the server gave in /api/boot;
 *  - for everyone (issue 17): each screen change moves focus to the new
 *    screen's heading (a screen reader reads it first), dialogs make the rest
 *    of the page inert and give focus back when they close, the text-size
 *    buttons scale every text (--scale), the idle reset is announced
 *    [ui] idle_warning seconds ahead with "I need more time" (WCAG 2.2.1),
 *    errors stay until someone dismisses them or scans, and a badge or
 *    roster that names the visitor's language switches to it for the visit.
 */
'use strict';

(function () {
  const LANGS = [
    ['en', 'English'], ['zh-Hant', '繁體中文'], ['zh-Hans', '简体中文'], ['de', 'Deutsch'],
    ['fr', 'Français'], ['es', 'Español'], ['hi', 'हिन्दी'],
  ];
  // The header's language button shows these (each in its own script).
  const SHORT = { en: 'EN', 'zh-Hant': '繁', 'zh-Hans': '简', de: 'DE', fr: 'FR', es: 'ES', hi: 'हि' };
  const STAFF_TAGS = ['hot', 'follow_up', 'distributor', 'oem', 'press'];

  let boot = null; // /api/boot: show, form, csrf, demo, timings, printer
  let lang = 'en';
  let homeLang = 'en'; // chosen on the attract screen; a visit's own language ends with it
  let langChosen = false; // the visitor picked one since the last reset: a badge does not override it
  let dict = {};
  const dicts = {};
  let visit = null; // the current visitor: {lead, answers, consents, ...}
  let idleTimer = 0;
  let warnTimer = 0; // opens the idle warning
  let lockTimer = 0; // locks staff mode
  let staff = null; // {csrf, operator, lead, rating, tags, timer, dirty}
  let printer = { present: false, ready: false, state: '' };
  let review = null; // a business card being checked: {read_id, confirming}
  const LOW_CONFIDENCE = 0.8; // fields read with less are marked "please check"
  const TEXT_SIZES = [1, 1.25, 1.5, 1.75, 2]; // WCAG 1.4.4: up to 200 %
  let textSize = 0; // index into TEXT_SIZES

  const $ = (id) => document.getElementById(id);
  // The on-screen keyboard (osk.js); ↵ in the search box searches.
  const osk = window.kioskOsk.create($('osk'), (k) => t(k), (input) => {
    if (input.id === 'search') $('search-form').requestSubmit();
  });
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  /* ---- i18n ----------------------------------------------------------- */

  function t(key, vars) {
    let s = dict[key] !== undefined ? dict[key] : (dicts.en && dicts.en[key]) || key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? vars[k] : ''));
    return s;
  }

  function pick(map) {
    if (!map || typeof map !== 'object') return '';
    return map[lang] || map.en || Object.values(map)[0] || '';
  }

  async function loadLang(l) {
    if (!dicts[l]) {
      const r = await fetch('/i18n-' + l + '.json');
      dicts[l] = await r.json();
    }
    return dicts[l];
  }

  async function setLang(l) {
    dict = await loadLang(l);
    lang = l;
    document.documentElement.lang = l;
    for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    for (const n of document.querySelectorAll('[data-i18n-placeholder]'))
      n.placeholder = t(n.dataset.i18nPlaceholder);
    for (const n of document.querySelectorAll('[data-i18n-title]')) n.title = t(n.dataset.i18nTitle);
    for (const n of document.querySelectorAll('[data-i18n-aria-label]'))
      n.setAttribute('aria-label', t(n.dataset.i18nAriaLabel));
    for (const b of document.querySelectorAll('#langs button, #lang-list button')) {
      b.classList.toggle('on', b.dataset.lang === l);
      b.setAttribute('aria-pressed', b.dataset.lang === l);
    }
    const name = (LANGS.find((x) => x[0] === l) || [l, l])[1];
    // The accessible names start with what the buttons show (WCAG 2.5.3),
    // so "A plus" or "E N" spoken to a voice control finds them.
    $('lang-code').textContent = SHORT[l] || l;
    $('lang-btn').setAttribute('aria-label', `${SHORT[l] || l}: ${t('language_now', { name })}`);
    if (visit) renderVisitTexts();
    if (review) renderCardTexts();
    if (staff) $('staff-op').textContent = t('staff_operator', { op: staff.operator });
    renderPrinter();
    renderTextSize();
    osk.build();
    if (!$('idle-modal').hidden) renderIdle();
  }

  /* The kiosk language for a BCP 47 tag from a badge or roster, among those
   * this show offers, or null. Intl.Locale fills in the script a tag
   * implies (zh-TW → zh-Hant-TW, zh → zh-Hans-CN), so a badge that says
   * "zh-HK" gets Traditional Chinese and "hi-IN" gets Hindi. */
  function matchLang(tag) {
    let want;
    try { want = new Intl.Locale(String(tag)).maximize(); } catch (e) { return null; }
    for (const code of offeredLangs()) {
      const have = new Intl.Locale(code);
      if (have.language !== want.language) continue;
      if (have.script && have.script !== want.script) continue;
      return code;
    }
    return null;
  }

  function offeredLangs() {
    const offered = boot && boot.form.languages && boot.form.languages.length ? boot.form.languages : LANGS.map((l) => l[0]);
    return LANGS.map((l) => l[0]).filter((c) => offered.includes(c));
  }

  /* ---- text size (instead of pinch-zoom) ------------------------------- */

  function setTextSize(i) {
    textSize = Math.max(0, Math.min(TEXT_SIZES.length - 1, i));
    document.documentElement.style.setProperty('--scale', String(TEXT_SIZES[textSize]));
    renderTextSize();
  }

  function renderTextSize() {
    $('text-smaller').disabled = textSize === 0;
    $('text-larger').disabled = textSize === TEXT_SIZES.length - 1;
    $('text-smaller').setAttribute('aria-label', 'A− ' + t('text_smaller'));
    $('text-larger').setAttribute('aria-label', 'A+ ' + t('text_larger'));
    $('textsize').setAttribute('aria-label', t('text_size', { n: Math.round(TEXT_SIZES[textSize] * 100) }));
  }

  /* ---- server --------------------------------------------------------- */

  async function api(path, body, csrf) {
    const r = await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf || boot.csrf } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
    });
    let data = null;
    try { data = await r.json(); } catch (e) { data = {}; }
    if (!r.ok) {
      const err = new Error(data.error || r.statusText);
      err.status = r.status;
      err.data = data;
      err.retryAfter = Number(r.headers.get('Retry-After') || 0);
      throw err;
    }
    return data;
  }

  function connect() {
    const es = new EventSource('/api/events');
    let hellos = 0;
    // A second "hello" means the stream was re-opened: the daemon restarted
    // or reloaded its config, so the CSRF token, form and printer may differ.
    es.addEventListener('hello', async () => {
      if (++hellos === 1) return;
      try {
        const fresh = await api('/api/boot');
        boot = fresh;
        $('show-name').textContent = boot.show.name;
        $('demo-btn').hidden = !boot.demo;
        $('enrol-banner').hidden = boot.enrolled !== false;
        setPrinter(boot.printer);
        if (staff) { staff = null; reset(); } // sessions do not survive a restart
      } catch (e) { /* the next hello retries */ }
    });
    es.addEventListener('lead', (ev) => onLead(JSON.parse(ev.data)));
    es.addEventListener('unknown_scan', () => onUnknown());
    es.addEventListener('status', (ev) => setPrinter(JSON.parse(ev.data).printer));
    es.addEventListener('print', (ev) => onPrinted(JSON.parse(ev.data)));
    es.addEventListener('card_read', (ev) => onCardRead(JSON.parse(ev.data)));
    es.addEventListener('staff_badge', (ev) => onStaffBadge(JSON.parse(ev.data)));
    es.addEventListener('export', (ev) => {
      const x = JSON.parse(ev.data);
      if (staff && x.target === 'usb') toast(t('usb_export_done', { n: x.leads }));
    });
    es.onerror = () => { /* EventSource reconnects by itself (retry: 250) */ };
  }

  /* ---- printer ------------------------------------------------------------ */

  /* The print button shows only when a printer is attached; when it is not
   * ready (still being checked, paper out, cover open) it is disabled and
   * says why, before anyone taps it. */
  function setPrinter(p) {
    printer = p && typeof p === 'object' ? p : { present: false, ready: false, state: '' };
    renderPrinter();
  }

  function printerReason() {
    const st = printer.state || '';
    if (st === 'paper out') return t('printer_paper_out');
    if (st === 'cover open') return t('printer_cover_open');
    if (st === 'checking') return t('printer_checking');
    return t('printer_not_ready');
  }

  function renderPrinter() {
    const b = $('print-btn');
    const why = $('print-why');
    const any = !!(visit && visit.suppliers && visit.suppliers.length);
    b.hidden = !printer.present || !any;
    b.disabled = !printer.ready;
    why.hidden = b.hidden || printer.ready;
    why.textContent = why.hidden ? '' : printerReason();
  }

  /* ---- screens ---------------------------------------------------------- */

  const ORDER = ['details', 'questions', 'consent', 'matches'];

  function show(name) {
    const before = document.body.dataset.screen;
    for (const s of document.querySelectorAll('.screen')) s.classList.toggle('active', s.id === 's-' + name);
    const idx = ORDER.indexOf(name === 'card' ? 'details' : name); // checking a card is step 1
    const steps = $('steps');
    steps.hidden = idx < 0;
    for (const li of steps.children) {
      const i = ORDER.indexOf(li.dataset.step);
      li.classList.toggle('done', i < idx);
      li.classList.toggle('now', i === idx);
      if (i === idx) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    document.body.dataset.screen = name;
    osk.hide();
    // A new screen is read from its heading: focus it (not on a re-render
    // of the same screen, which would pull focus from what staff type in).
    if (before !== name) {
      const h = document.querySelector('#s-' + name + ' h1');
      const scr = $('s-' + name);
      if (scr) scr.scrollTop = 0;
      if (h && !document.querySelector('.modal:not([hidden])')) h.focus({ preventScroll: true });
    }
  }

  /* A message under the header. An error stays until someone dismisses it
   * or scans (it may be the only sign that something went wrong); other
   * messages go after 4 s. No message holds a visitor's data. */
  function toast(msg, error) {
    const n = $('toast');
    clearTimeout(toast.timer);
    n.setAttribute('role', error ? 'alert' : 'status');
    n.classList.toggle('error', !!error);
    $('toast-text').textContent = msg;
    $('toast-close').hidden = !error;
    n.hidden = false;
    if (!error) toast.timer = setTimeout(clearToast, 4000);
  }

  function clearToast() {
    clearTimeout(toast.timer);
    $('toast').hidden = true;
    $('toast').classList.remove('error');
    $('toast-text').textContent = '';
  }

  /* ---- dialogs ------------------------------------------------------------ */

  /* Opens a modal: everything else becomes inert (no focus, no touch, not
   * read), focus goes to `focus` and comes back where it was on close. */
  function openDialog(modal, focus) {
    if (modal.hidden) modal.returnFocus = document.activeElement;
    modal.hidden = false;
    for (const n of document.body.children) if (n !== modal && n.tagName !== 'SCRIPT') n.inert = true;
    (focus || modal.querySelector('button')).focus();
  }

  function closeDialog(modal) {
    if (modal.hidden) return;
    modal.hidden = true;
    const open = document.querySelector('.modal:not([hidden])');
    for (const n of document.body.children) n.inert = open ? n !== open : false;
    const back = modal.returnFocus;
    modal.returnFocus = null;
    if (!open && back && back.isConnected && back.offsetParent !== null) back.focus({ preventScroll: true });
  }

  function openLangDialog() {
    const list = $('lang-list');
    list.replaceChildren();
    for (const code of offeredLangs()) {
      const b = langButton(code, () => { closeDialog($('lang-modal')); setLang(code); });
      list.append(b);
    }
    openDialog($('lang-modal'), list.querySelector('.on') || list.querySelector('button'));
  }

  function langButton(code, onClick) {
    const b = el('button', 'lang' + (code === lang ? ' on' : ''), (LANGS.find((x) => x[0] === code) || [code, code])[1]);
    b.type = 'button';
    b.lang = code;
    b.dataset.lang = code;
    b.setAttribute('aria-pressed', code === lang);
    b.addEventListener('click', onClick);
    return b;
  }

  /* ---- idle reset, its warning, the thank-you delay, the staff lock -------- */

  /* Any touch, key or scan: the visitor (or staff) is there. */
  function touch() {
    clearTimeout(idleTimer);
    clearTimeout(warnTimer);
    clearTimeout(lockTimer);
    clearInterval(renderIdle.timer);
    closeDialog($('idle-modal'));
    const screen = document.body.dataset.screen;
    const b = boot || { idle_timeout: 45, idle_warning: 20, thanks_timeout: 10, staff_lock: 300 };
    if (screen === 'staff') {
      if (staff && b.staff_lock > 0) lockTimer = setTimeout(lockStaff, b.staff_lock * 1000);
      return;
    }
    if (screen === 'attract') return;
    if (screen === 'thanks') { idleTimer = setTimeout(reset, b.thanks_timeout * 1000); return; }
    // The warning takes the last idle_warning seconds, at most half of the
    // timeout: the data is never on screen longer than idle_timeout.
    const warn = Math.min(b.idle_warning, b.idle_timeout / 2);
    idleTimer = setTimeout(reset, b.idle_timeout * 1000);
    if (warn > 0) warnTimer = setTimeout(() => openIdle(Date.now() + warn * 1000), (b.idle_timeout - warn) * 1000);
  }

  function openIdle(until) {
    renderIdle.until = until;
    renderIdle();
    renderIdle.timer = setInterval(renderIdle, 1000);
    osk.hide();
    openDialog($('idle-modal'), $('idle-more'));
  }

  function renderIdle() {
    const s = Math.max(0, Math.ceil((renderIdle.until - Date.now()) / 1000));
    $('idle-text').textContent = t('idle_text', { s });
  }

  async function lockStaff() {
    if (!staff) return;
    await exitStaff();
    toast(t('staff_locked'));
  }

  /* Forgets the visitor: every node that held their data is emptied and the
   * visit object is dropped, so nothing personal stays on screen or in memory. */
  function clearScreen() {
    for (const id of ['greeting', 'company-line', 'questions', 'consents', 'suppliers', 'thanks-title',
      'details-error', 'manual-error'])
      $(id).replaceChildren();
    clearInterval(renderIdle.timer);
    closeDialog($('idle-modal'));
    closeDialog($('lang-modal'));
    closeDialog($('reprint-modal'));
    for (const f of document.querySelectorAll('#fields input, #manual input, #card-fields input, #search')) f.value = '';
    for (const l of document.querySelectorAll('#card-fields label')) l.classList.remove('low');
    $('card-hint').textContent = '';
    $('card-title').textContent = '';
    $('card-error').textContent = '';
    $('card-error').hidden = true;
    $('print-why').textContent = '';
    $('matches-empty').hidden = true;
    $('details-error').hidden = true;
    $('manual-error').hidden = true;
    if (!$('toast').classList.contains('error')) clearToast(); // errors stay: no visitor data in them
  }

  /* The end of a visit: its data goes, and so do its language and text size. */
  function reset() {
    clearTimeout(idleTimer);
    clearTimeout(warnTimer);
    const lead = visit && visit.lead.id;
    const readId = review && review.read_id;
    visit = null;
    review = null;
    clearScreen();
    if (lead) api('/api/visit/end', { lead }).catch(() => {});
    if (readId) api('/api/visit/end', { read_id: readId }).catch(() => {});
    langChosen = false;
    setTextSize(0);
    if (lang !== homeLang) setLang(homeLang).catch(() => {});
    if (staff) { show('staff'); touch(); return; }
    show('attract');
  }

  /* ---- scans ---------------------------------------------------------------- */

  async function onLead(lead) {
    // The lead a reviewed business card became: its fields were just checked,
    // so the visit goes on with the questions.
    const fromCard = review && review.confirming;
    review = null;
    clearToast(); // a scan is someone acting: an old error has been seen
    if (staff) { staffLead(lead); show('staff'); touch(); return; }
    clearScreen();
    // The badge's (or roster's) language, unless the visitor just chose one.
    const badgeLang = !langChosen && lead.lang ? matchLang(lead.lang) : null;
    if (badgeLang && badgeLang !== lang) await setLang(badgeLang).catch(() => {});
    visit = { lead, answers: {}, consents: {}, suppliers: [] };
    renderDetails();
    if (fromCard) {
      renderQuestions();
      show('questions');
    } else {
      show('details');
    }
    touch();
  }

  function onUnknown() {
    if (staff) { toast(t('unknown_scan'), true); touch(); return; }
    visit = null;
    review = null;
    clearScreen();
    show('manual');
    toast(t('unknown_scan'), true);
    touch();
  }

  /* ---- business card review ---------------------------------------------- */

  /* What the card reader recognised, to check and correct: a new visit
   * (whoever was on screen before is forgotten first). A card nobody could
   * read arrives with empty fields: the visitor types them, no error. */
  function onCardRead(card) {
    if (staff) saveStaffNote();
    const lead = visit && visit.lead.id;
    visit = null;
    clearToast();
    clearScreen();
    if (lead) api('/api/visit/end', { lead }).catch(() => {});
    review = { read_id: card.read_id, confirming: false };
    const rec = card.recognised || {};
    const conf = card.confidence || {};
    let any = false;
    for (const label of document.querySelectorAll('#card-fields label')) {
      const k = label.dataset.field;
      const v = Array.isArray(rec[k]) ? (rec[k][0] || '') : (rec[k] || '');
      label.querySelector('input').value = v;
      if (v) any = true;
      label.classList.toggle('low', !!v && typeof conf[k] === 'number' && conf[k] < LOW_CONFIDENCE);
    }
    review.lists = { emails: (rec.emails || []).slice(1), phones: (rec.phones || []).slice(1), urls: (rec.urls || []).slice(1) };
    review.any = any;
    renderCardTexts();
    show('card');
    touch();
  }

  /* A card nobody could read is a form to type, titled as such. */
  function renderCardTexts() {
    $('card-title').textContent = review.any ? t('card_title') : t('manual_title');
    $('card-hint').textContent = review.any ? t('card_hint') : t('card_unread');
  }

  async function cardConfirm() {
    if (!review || review.confirming) return;
    const form = $('card-fields');
    const v = (k) => form.querySelector(`input[name="${k}"]`).value.trim();
    const fields = { full_name: v('full_name'), title: v('title'), company: v('company'), address: v('address') };
    for (const k of ['emails', 'phones', 'urls']) {
      const first = v(k);
      fields[k] = (first ? [first] : []).concat(review.lists[k] || []);
    }
    const err = (msg) => { $('card-error').textContent = msg; $('card-error').hidden = false; };
    if (!fields.full_name && !fields.emails.length) { err(t('need_name')); return; }
    if (v('emails') && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v('emails'))) { err(t('bad_email')); return; }
    review.confirming = true; // the lead arrives as an SSE "lead" (onLead)
    const readId = review.read_id;
    try {
      await api('/api/card/store', { read_id: readId, fields });
    } catch (e) {
      if (review && review.read_id === readId) review.confirming = false;
      if (e.status === 409 || e.status === 404) { toast(t('visit_over'), true); reset(); return; }
      err(t('error_saving'));
    }
  }

  function nameOf(lead) {
    return lead.full_name || [lead.given_name, lead.family_name].filter(Boolean).join(' ') || '';
  }

  function renderVisitTexts() {
    const lead = visit.lead;
    const name = nameOf(lead);
    $('greeting').textContent = name ? t('welcome', { name }) : t('welcome_anon');
    $('company-line').textContent = lead.company || '';
    $('thanks-title').textContent = t('thanks_title', { name: lead.given_name || name });
    if (document.body.dataset.screen === 'questions') renderQuestions();
    if (document.body.dataset.screen === 'consent') renderConsents();
  }

  function renderDetails() {
    const lead = visit.lead;
    renderVisitTexts();
    $('f-name').value = nameOf(lead);
    $('f-company').value = lead.company || '';
    $('f-email').value = (lead.emails && lead.emails[0]) || '';
    $('f-phone').value = (lead.phones && lead.phones[0]) || '';
  }

  async function detailsNext() {
    const lead = visit.lead;
    const body = { lead: lead.id };
    const now = {
      full_name: $('f-name').value.trim(), company: $('f-company').value.trim(),
      email: $('f-email').value.trim(), phone: $('f-phone').value.trim(),
    };
    const before = {
      full_name: nameOf(lead), company: lead.company || '',
      email: (lead.emails && lead.emails[0]) || '', phone: (lead.phones && lead.phones[0]) || '',
    };
    let changed = false;
    for (const k of Object.keys(now)) if (now[k] && now[k] !== before[k]) { body[k] = now[k]; changed = true; }
    if (now.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(now.email)) {
      $('details-error').textContent = t('bad_email');
      $('details-error').hidden = false;
      return;
    }
    try {
      if (changed) await api('/api/lead/fields', body);
      $('details-error').hidden = true; // fixed: the visitor acted on it
      Object.assign(lead, { full_name: now.full_name || lead.full_name, company: now.company || lead.company });
      renderVisitTexts();
      renderQuestions();
      show('questions');
    } catch (e) { failed(e); }
  }

  function failed(e) {
    if (e.status === 409) { toast(t('visit_over'), true); reset(); return; }
    toast(t('error_saving'), true);
  }

  /* ---- questions ------------------------------------------------------------- */

  function renderQuestions() {
    const box = $('questions');
    box.replaceChildren();
    for (const [qi, q] of (boot.form.questions || []).entries()) {
      // A free-text question is a labelled text area; choices are a
      // fieldset whose legend names the group of toggle buttons.
      const wrap = el(q.type === 'text' ? 'div' : 'fieldset', 'question');
      if (q.type === 'text') {
        const ta = el('textarea');
        const lab = el('label', null, pick(q.text));
        ta.id = 'q-text-' + qi;
        lab.htmlFor = ta.id;
        wrap.append(lab);
        ta.rows = 2;
        ta.maxLength = 1000;
        ta.setAttribute('inputmode', 'none');
        ta.value = visit.answers[q.id] || '';
        ta.addEventListener('input', () => { visit.answers[q.id] = ta.value; });
        wrap.append(ta);
      } else {
        wrap.append(el('legend', null, pick(q.text)));
        const chips = el('div', 'chips');
        for (const c of (q.choices || [])) {
          const b = el('button', 'chip', pick(c.text));
          b.type = 'button';
          const on = () => (q.type === 'multi' ? (visit.answers[q.id] || []).includes(c.id) : visit.answers[q.id] === c.id);
          b.classList.toggle('on', on());
          b.setAttribute('aria-pressed', on());
          b.addEventListener('click', () => {
            if (q.type === 'multi') {
              const cur = visit.answers[q.id] || [];
              visit.answers[q.id] = cur.includes(c.id) ? cur.filter((x) => x !== c.id) : cur.concat([c.id]);
            } else {
              visit.answers[q.id] = c.id;
            }
            for (const [i, ch] of Array.from(chips.children).entries()) {
              const cid = q.choices[i].id;
              const sel = q.type === 'multi' ? visit.answers[q.id].includes(cid) : visit.answers[q.id] === cid;
              ch.classList.toggle('on', sel);
              ch.setAttribute('aria-pressed', sel);
            }
          });
          chips.append(b);
        }
        wrap.append(chips);
      }
      box.append(wrap);
    }
  }

  async function questionsNext() {
    const answers = {};
    for (const [k, v] of Object.entries(visit.answers)) {
      if (Array.isArray(v) ? v.length : String(v).trim()) answers[k] = v;
    }
    try {
      if (Object.keys(answers).length) await api('/api/lead/answers', { lead: visit.lead.id, answers });
      renderConsents();
      show('consent');
    } catch (e) { failed(e); }
  }

  /* ---- consent ------------------------------------------------------------------ */

  function renderConsents() {
    const box = $('consents');
    box.replaceChildren();
    for (const c of (boot.form.consents || [])) {
      const lab = el('label', 'consent');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.checked = !!visit.consents[c.purpose]; // nothing is pre-ticked
      cb.dataset.purpose = c.purpose;
      cb.addEventListener('change', () => { visit.consents[c.purpose] = cb.checked; });
      const txt = el('span', 'consent-text', pick(c.text));
      lab.append(cb, el('span', 'tick'), txt);
      box.append(lab);
    }
  }

  async function consentNext() {
    const consents = {};
    for (const c of (boot.form.consents || [])) consents[c.purpose] = !!visit.consents[c.purpose];
    try {
      await api('/api/lead/consents', { lead: visit.lead.id, lang, consents });
      show('matches');
      await loadMatches();
    } catch (e) { failed(e); }
  }

  /* ---- matches ---------------------------------------------------------------------- */

  function renderSuppliers(list) {
    const box = $('suppliers');
    box.replaceChildren();
    visit.suppliers = list;
    $('matches-empty').hidden = list.length > 0;
    for (const s of list) {
      const card = el('article', 'supplier');
      const img = el('img', 'qr');
      img.alt = t('qr_alt', { name: s.name });
      img.src = s.qr;
      img.dataset.link = s.link;
      const txt = el('div', 'sup-text');
      txt.append(el('h3', null, s.name), el('div', 'country', s.country), el('p', null, s.description));
      card.append(txt, img);
      box.append(card);
    }
    renderPrinter();
  }

  async function loadMatches() {
    const lead = visit.lead.id;
    try {
      const r = await api('/api/matches?lead=' + encodeURIComponent(lead) + '&lang=' + encodeURIComponent(lang));
      if (visit && visit.lead.id === lead) renderSuppliers(r.suppliers || []);
    } catch (e) { failed(e); }
  }

  async function search(ev) {
    ev.preventDefault();
    osk.hide();
    const q = $('search').value.trim();
    if (!q) { loadMatches(); return; }
    try {
      const r = await api('/api/search?lead=' + encodeURIComponent(visit.lead.id) + '&lang=' +
        encodeURIComponent(lang) + '&q=' + encodeURIComponent(q));
      renderSuppliers(r.suppliers || []);
    } catch (e) { failed(e); }
  }

  /* The server keeps a print log per visitor: a second slip is asked about
   * first ("already printed — print again?"). */
  let printJob = 0; // the slip this page asked for, whose end it announces
  const printEnds = new Map(); // slip -> its end, when it came before the answer to the tap

  async function print(again) {
    closeDialog($('reprint-modal'));
    if (!visit) return;
    try {
      const r = await api('/api/print', {
        lead: visit.lead.id, lang, suppliers: visit.suppliers.map((s) => s.id),
        greeting: t('print_greeting', { name: visit.lead.given_name || nameOf(visit.lead) }),
        footer: t('print_footer'), again: again === true,
      });
      printJob = r.job || 0;
      toast(t('printed'));
      if (printEnds.has(printJob)) onPrinted({ job: printJob, state: printEnds.get(printJob) });
    } catch (e) {
      if (e.status === 409 && e.data && e.data.printed) openDialog($('reprint-modal'), $('reprint-yes'));
      else if (e.status === 409 && e.data && /printer/.test(e.data.error || '')) toast(printerReason(), true);
      else failed(e);
    }
  }

  /* What became of a slip (SSE "print"): only this page's own is told. A
   * fast printer may finish before the answer to the tap arrives. */
  function onPrinted(x) {
    if (!x || !x.job) return;
    if (x.job !== printJob) {
      printEnds.set(x.job, x.state);
      if (printEnds.size > 8) printEnds.delete(printEnds.keys().next().value);
      return;
    }
    printJob = 0;
    printEnds.delete(x.job);
    if (x.state === 'printed') toast(t('print_done'));
    else toast(t('print_failed'), true);
  }

  /* The thank-you screen goes back to attract after [ui] thanks_timeout
   * seconds (touch() knows the screen). */
  function finish() {
    show('thanks');
    touch();
  }

  /* ---- manual entry -------------------------------------------------------------------- */

  async function manualNext() {
    const f = $('manual');
    const body = {};
    for (const i of f.querySelectorAll('input')) if (i.value.trim()) body[i.name] = i.value.trim();
    if (!body.full_name && !body.email) {
      $('manual-error').textContent = t('need_name');
      $('manual-error').hidden = false;
      return;
    }
    if (body.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) {
      $('manual-error').textContent = t('bad_email');
      $('manual-error').hidden = false;
      return;
    }
    try {
      $('manual-error').hidden = true;
      await api('/api/manual', body); // the lead comes back as an SSE "lead"
    } catch (e) { failed(e); }
  }

  /* ---- staff mode --------------------------------------------------------------------------- */

  let pin = '';
  let pinThen = null;

  function openPin(then) {
    pin = '';
    pinThen = then;
    $('pin-error').hidden = true;
    renderPin();
    openDialog($('pin-modal'), $('pinpad').querySelector('button'));
  }

  function renderPin() {
    const d = $('pin-dots');
    d.replaceChildren();
    for (let i = 0; i < Math.max(4, pin.length); i++) d.append(el('span', i < pin.length ? 'on' : ''));
  }

  function buildPinpad() {
    const p = $('pinpad');
    for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK']) {
      const b = el('button', 'key' + (k === 'OK' ? ' enter' : ''), k);
      b.type = 'button';
      if (k === '⌫') b.dataset.i18nAriaLabel = 'key_backspace';
      b.addEventListener('click', () => pinKey(k));
      p.append(b);
    }
  }

  async function pinKey(k) {
    if (k === '⌫') pin = pin.slice(0, -1);
    else if (k === 'OK') {
      const tried = pin;
      pin = '';
      renderPin();
      try {
        const r = await api('/api/admin/login', { pin: tried });
        closeDialog($('pin-modal'));
        if (pinThen) pinThen(r.csrf);
      } catch (e) {
        $('pin-error').textContent = e.status === 429 || e.retryAfter
          ? t('pin_wait', { s: e.retryAfter || 1 }) : (e.status === 503 ? e.message : t('pin_wrong'));
        $('pin-error').hidden = false;
      }
      return;
    } else if (pin.length < 12) pin += k;
    renderPin();
  }

  function enterStaff(csrf, operator) {
    reset();
    staff = { csrf, operator: operator || 'staff', lead: null, rating: 0, tags: [], timer: 0 };
    $('staff-card').hidden = true;
    $('staff-wait').hidden = false;
    $('staff-recent').replaceChildren();
    $('staff-op').textContent = t('staff_operator', { op: staff.operator });
    show('staff');
    touch(); // arms the staff lock
  }

  /* A staff badge was scanned: the server ended the visit in progress and
   * sent a one-time token. Whatever the visitor had on screen goes first,
   * then the token buys a staff session under the badge's operator. */
  async function onStaffBadge(ev) {
    closeDialog($('pin-modal'));
    clearToast();
    const before = staff;
    if (before) await saveStaffNote();
    staff = null;
    reset();
    // The session cookie names the old session until the new one is made:
    // end it now (the token stays valid for 10 s).
    if (before) await api('/api/admin/logout', {}, before.csrf).catch(() => {});
    try {
      const r = await api('/api/staff/badge', { token: ev.token });
      enterStaff(r.csrf, r.operator);
    } catch (e) {
      toast(t('staff_badge_failed'), true);
    }
  }

  async function exitStaff() {
    await saveStaffNote();
    try { await api('/api/admin/logout', {}, staff.csrf); } catch (e) { /* session may be gone */ }
    staff = null;
    $('staff-card').hidden = true;
    $('staff-recent').replaceChildren();
    $('staff-note').value = '';
    $('staff-op').textContent = '';
    reset();
  }

  function staffLead(lead) {
    saveStaffNote(); // the previous visitor's note goes out first, no tap needed
    const mine = (lead.notes || []).find((n) => n.operator === staff.operator) || {};
    staff.lead = lead;
    staff.rating = mine.rating || 0;
    staff.tags = (mine.tags || []).slice();
    $('staff-name').textContent = nameOf(lead) || t('welcome_anon');
    $('staff-company').textContent = lead.company || '';
    $('staff-meta').textContent = lead.created ? t('staff_new') : t('staff_again', { n: lead.scan_count });
    $('staff-note').value = mine.note || '';
    $('staff-saved').textContent = t('saved');
    $('staff-card').hidden = false;
    $('staff-wait').hidden = true;
    renderStaffControls();
    const li = el('li');
    li.append(el('b', null, nameOf(lead) || '—'), el('span', null, lead.company || ''));
    $('staff-recent').prepend(li);
    while ($('staff-recent').children.length > 8) $('staff-recent').lastChild.remove();
  }

  function renderStaffControls() {
    const r = $('staff-rating');
    r.replaceChildren(el('span', 'lbl', t('rating')));
    for (let i = 1; i <= 5; i++) {
      const b = el('button', 'star' + (i <= staff.rating ? ' on' : ''), i <= staff.rating ? '★' : '☆');
      b.type = 'button';
      b.setAttribute('aria-label', t('stars', { n: i }));
      b.setAttribute('aria-pressed', i <= staff.rating);
      b.addEventListener('click', () => { staff.rating = staff.rating === i ? 0 : i; renderStaffControls(); queueStaffSave(); });
      r.append(b);
    }
    const tg = $('staff-tags');
    tg.replaceChildren(el('span', 'lbl', t('tags')));
    for (const tag of STAFF_TAGS) {
      const b = el('button', 'chip small' + (staff.tags.includes(tag) ? ' on' : ''), t('tag_' + tag));
      b.type = 'button';
      b.setAttribute('aria-pressed', staff.tags.includes(tag));
      b.addEventListener('click', () => {
        staff.tags = staff.tags.includes(tag) ? staff.tags.filter((x) => x !== tag) : staff.tags.concat([tag]);
        renderStaffControls();
        queueStaffSave();
      });
      tg.append(b);
    }
  }

  function queueStaffSave() {
    $('staff-saved').textContent = t('saving');
    clearTimeout(staff.timer);
    staff.timer = setTimeout(saveStaffNote, 500);
    staff.dirty = true;
  }

  async function saveStaffNote() {
    if (!staff || !staff.lead || !staff.dirty) return;
    clearTimeout(staff.timer);
    staff.dirty = false;
    const lead = staff.lead.id;
    try {
      await api('/api/staff/note', {
        lead, operator: staff.operator, note: $('staff-note').value, rating: staff.rating, tags: staff.tags,
      }, staff.csrf);
      if (staff && staff.lead && staff.lead.id === lead) $('staff-saved').textContent = t('saved');
    } catch (e) {
      if (e.status === 401) { toast(t('session_over'), true); staff = null; reset(); return; }
      $('staff-saved').textContent = t('error_saving');
    }
  }

  /* ---- start -------------------------------------------------------------------------------- */

  async function start() {
    boot = await api('/api/boot');
    $('show-name').textContent = boot.show.name;
    document.title = boot.show.name;
    $('demo-btn').hidden = !boot.demo;
    $('enrol-banner').hidden = boot.enrolled !== false;
    for (const code of offeredLangs()) {
      $('langs').append(langButton(code, () => { homeLang = code; langChosen = true; setLang(code); }));
    }
    buildPinpad();
    await loadLang('en');
    await setLang('en');
    setTextSize(0);
    setPrinter(boot.printer);
    wire();
    show('attract');
    connect();
    document.body.dataset.ready = '1';
  }

  function wire() {
    $('demo-btn').addEventListener('click', () => api('/api/demo', {}).catch(failed));
    $('manual-btn').addEventListener('click', () => { clearScreen(); show('manual'); touch(); });
    $('details-next').addEventListener('click', detailsNext);
    $('questions-next').addEventListener('click', questionsNext);
    $('consent-next').addEventListener('click', consentNext);
    $('finish-btn').addEventListener('click', finish);
    $('print-btn').addEventListener('click', () => print(false));
    $('reprint-yes').addEventListener('click', () => print(true));
    $('reprint-no').addEventListener('click', () => closeDialog($('reprint-modal')));
    $('manual-next').addEventListener('click', manualNext);
    $('card-confirm').addEventListener('click', cardConfirm);
    $('search-form').addEventListener('submit', search);
    $('staff-btn').addEventListener('click', () => (staff ? exitStaff() : openPin((csrf) => enterStaff(csrf, 'staff'))));
    $('staff-exit').addEventListener('click', exitStaff);
    $('pin-cancel').addEventListener('click', () => { closeDialog($('pin-modal')); pin = ''; });
    $('staff-note').addEventListener('input', queueStaffSave);
    $('text-smaller').addEventListener('click', () => setTextSize(textSize - 1));
    $('text-larger').addEventListener('click', () => setTextSize(textSize + 1));
    $('lang-btn').addEventListener('click', openLangDialog);
    $('lang-close').addEventListener('click', () => closeDialog($('lang-modal')));
    $('idle-more').addEventListener('click', touch);
    $('idle-clear').addEventListener('click', reset);
    $('toast-close').addEventListener('click', clearToast);
    for (const b of document.querySelectorAll('[data-go]')) b.addEventListener('click', () => { show(b.dataset.go); if (b.dataset.go === 'questions') renderQuestions(); });
    for (const b of document.querySelectorAll('[data-act="cancel"]')) b.addEventListener('click', reset);
    for (const f of document.querySelectorAll('form.fields')) f.addEventListener('submit', (e) => e.preventDefault());

    document.addEventListener('focusin', (e) => {
      const n = e.target;
      if ((n.tagName === 'INPUT' && n.type !== 'checkbox') || n.tagName === 'TEXTAREA') osk.show(n);
    });
    // Every touch and key is activity, except inside the idle warning's
    // box, whose two buttons say what the visitor wants.
    const active = (e) => { if (!e.target.closest || !e.target.closest('#idle-modal .dialog')) touch(); };
    // A tap elsewhere closes the keyboard: at the click, not at the press,
    // so the screen (which grows when the keyboard goes, and scrolls when it
    // comes) does not move under the finger between press and release; and
    // judged by where the press was, which the click's target may not be.
    let pressed = null;
    document.addEventListener('pointerdown', (e) => { pressed = e.target; active(e); }, true);
    document.addEventListener('click', () => {
      const p = pressed;
      pressed = null;
      if (!p || $('osk').hidden || p.closest('#osk') || p === osk.target()) return;
      if (p.matches('input:not([type=checkbox]), textarea')) return; // focusin moved the keyboard there
      osk.hide();
    }, true);
    document.addEventListener('keydown', active, true);
    // Escape closes the language dialog and the PIN pad (not the idle warning:
    // that needs an answer, and any other key already gives one).
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      if (!$('lang-modal').hidden) closeDialog($('lang-modal'));
      else if (!$('reprint-modal').hidden) closeDialog($('reprint-modal'));
      else if (!$('pin-modal').hidden) { closeDialog($('pin-modal')); pin = ''; }
    });
  }

  start().catch((e) => { document.body.dataset.ready = 'error'; console.error(e); });
})();
