// acs devtool: the page. Vanilla JavaScript, no build step, no network
// beyond its own API. Everything shown is built with DOM nodes and
// textContent: nothing a user or a file supplies is parsed as HTML.
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  const state = {
    token: '', session: {}, source: null, profiles: [], runs: new Map(),
    pick: { A: null, B: null }, validateTimer: 0, validateSeq: 0,
  };

  // el builds an element: attrs are properties (class, dataset, on*) and
  // children are nodes or strings (as text).
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k in e) e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // api calls the handler's JSON API; POSTs carry the session token.
  async function api(path, opts = {}) {
    const o = { method: opts.method || 'GET', headers: { ...(opts.headers || {}) }, body: opts.body };
    if (o.method !== 'GET') o.headers['X-Devtool-Token'] = state.token;
    if (opts.json !== undefined) {
      o.body = JSON.stringify(opts.json);
      o.headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(path, o);
    let body = {};
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const e = new Error(body.message || r.statusText);
      e.body = body;
      e.status = r.status;
      throw e;
    }
    return body;
  }

  function status(msg, bad) {
    const s = $('#status');
    s.textContent = msg || '';
    s.style.color = bad ? '#ff9c95' : '';
  }

  function fmtBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(2) + ' MiB';
  }

  // ---- tabs ----
  function showTab(name) {
    for (const t of $$('.tab')) t.classList.toggle('active', t.dataset.tab === name);
    for (const v of $$('.view')) v.hidden = v.id !== 'view-' + name;
  }

  // ---- source ----
  function setSource(s) {
    state.source = s;
    const info = $('#source-info');
    info.replaceChildren();
    info.classList.remove('muted');
    info.dataset.source = s.id;
    if ((s.mimetype || '').startsWith('image/')) {
      info.append(el('img', { src: 'api/sources/' + encodeURIComponent(s.id) + '/file', alt: s.name }));
    }
    info.append(el('div', {},
      el('b', { id: 'source-name' }, s.name), el('br'),
      `${fmtBytes(s.size)} · ${s.mimetype || 'unknown type'} · ${s.origin}`,
      s.url ? el('div', { class: 'muted' }, s.url) : null));
    status('Source: ' + s.name);
  }

  async function upload(file) {
    if (file.size > state.session.maxUploadBytes) {
      status(`${file.name} is ${fmtBytes(file.size)}, over the upload limit of ${fmtBytes(state.session.maxUploadBytes)}`, true);
      return;
    }
    status('Uploading ' + file.name + '…');
    try {
      setSource(await api('api/sources?name=' + encodeURIComponent(file.name), {
        method: 'POST', body: file, headers: { 'Content-Type': 'application/octet-stream' },
      }));
    } catch (e) { status('Upload refused: ' + e.message, true); }
  }

  function wireSource() {
    const drop = $('#drop');
    const input = $('#file-input');
    input.addEventListener('change', () => { if (input.files[0]) upload(input.files[0]); input.value = ''; });
    for (const ev of ['dragenter', 'dragover']) drop.addEventListener(ev, e => { e.preventDefault(); drop.classList.add('over'); });
    for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
    drop.addEventListener('drop', e => { e.preventDefault(); const f = e.dataTransfer.files[0]; if (f) upload(f); });
    $('#url-form').addEventListener('submit', async e => {
      e.preventDefault();
      const url = $('#url-input').value.trim();
      if (!url) return;
      status('Fetching ' + url + '…');
      try { setSource(await api('api/sources/url', { method: 'POST', json: { url } })); } catch (err) {
        status(`Fetch refused${err.body && err.body.reason ? ' (' + err.body.reason + ')' : ''}: ${err.message}`, true);
      }
    });
  }

  async function loadSamples() {
    const list = await api('api/samples');
    const box = $('#samples');
    for (const s of list) {
      box.append(el('button', {
        type: 'button', class: 'sample', dataset: { name: s.name },
        onclick: async () => { try { setSource(await api('api/sources/sample', { method: 'POST', json: { name: s.name } })); } catch (e) { status(e.message, true); } },
      }, s.name));
    }
  }

  // ---- request builder ----
  const formFields = [
    { key: 'name', label: 'name', type: 'text' },
    { key: 'fmt', label: 'fmt', type: 'select' },
    { key: 'width', label: 'width', type: 'number' },
    { key: 'height', label: 'height', type: 'number' },
    { key: 'quality', label: 'quality', type: 'number' },
  ];

  function requestText() { return $('#request-json').value; }

  function parsed() {
    try {
      const v = JSON.parse(requestText());
      return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
    } catch (_) { return null; }
  }

  function setRequest(obj) {
    $('#request-json').value = JSON.stringify(obj, null, 2);
    renderForm();
    scheduleValidate(0);
  }

  function renderForm() {
    const obj = parsed();
    const box = $('#rendition-form');
    if (!obj) { box.classList.add('stale'); return; }
    box.classList.remove('stale');
    box.replaceChildren();
    const list = Array.isArray(obj.renditions) ? obj.renditions : [];
    list.forEach((r, i) => {
      if (!r || typeof r !== 'object') return;
      const row = el('div', { class: 'rform', dataset: { index: i } });
      for (const f of formFields) {
        const path = `renditions[${i}].${f.key}`;
        let input;
        const val = r[f.key];
        if (f.type === 'select') {
          input = el('select');
          const opts = [...(state.session.formats || [])];
          if (val !== undefined && !opts.includes(val)) opts.unshift(String(val));
          for (const o of opts) input.append(el('option', { value: o, selected: o === val }, o));
        } else {
          input = el('input', { type: f.type === 'number' ? 'text' : 'text', inputMode: f.type === 'number' ? 'numeric' : 'text' });
          input.value = val === undefined ? '' : (typeof val === 'object' ? JSON.stringify(val) : String(val));
        }
        input.dataset.path = path;
        input.addEventListener('input', () => editField(i, f, input.value));
        row.append(el('label', {}, f.label, input, el('span', { class: 'field-error', dataset: { for: path } })));
      }
      row.append(el('button', { type: 'button', title: 'Remove', class: 'remove', onclick: () => removeRendition(i) }, '✕'));
      const extra = Object.keys(r).filter(k => !formFields.some(f => f.key === k));
      row.append(el('div', { class: 'extra' },
        extra.length ? 'also: ' + extra.map(k => `${k}=${JSON.stringify(r[k])}`).join(', ') : '',
        el('span', { class: 'field-error', dataset: { for: `renditions[${i}]` } })));
      box.append(row);
    });
  }

  function editField(i, f, value) {
    const obj = parsed();
    if (!obj || !Array.isArray(obj.renditions) || !obj.renditions[i]) return;
    const r = obj.renditions[i];
    const v = value.trim();
    if (v === '') delete r[f.key];
    else if (f.type === 'number' && /^-?\d+(\.\d+)?$/.test(v)) r[f.key] = Number(v);
    else r[f.key] = value;
    $('#request-json').value = JSON.stringify(obj, null, 2);
    updateGutter([]);
    scheduleValidate();
  }

  function removeRendition(i) {
    const obj = parsed();
    if (!obj || !Array.isArray(obj.renditions)) return;
    obj.renditions.splice(i, 1);
    setRequest(obj);
  }

  function addRendition() {
    const obj = parsed() || { renditions: [] };
    if (!Array.isArray(obj.renditions)) obj.renditions = [];
    obj.renditions.push({ name: `rendition-${obj.renditions.length + 1}.png`, fmt: 'png', width: 320, height: 320 });
    setRequest(obj);
  }

  function scheduleValidate(delay = 250) {
    clearTimeout(state.validateTimer);
    state.validateTimer = setTimeout(validateNow, delay);
  }

  async function validateNow() {
    const seq = ++state.validateSeq;
    const text = requestText();
    let v;
    try { v = await api('api/validate', { method: 'POST', json: { request: text } }); } catch (e) { status(e.message, true); return; }
    if (seq !== state.validateSeq) return; // a newer check is on its way
    showValidation(v);
  }

  function showValidation(v) {
    for (const e of $$('.field-error')) e.textContent = '';
    for (const e of $$('.invalid')) e.classList.remove('invalid');
    const list = $('#json-errors');
    list.replaceChildren();
    const badge = $('#validation-status');
    badge.className = 'badge ' + (v.ok ? 'ok' : 'bad');
    badge.textContent = v.ok ? `valid · ${v.renditions} rendition${v.renditions === 1 ? '' : 's'}` : `${v.errors.length} error${v.errors.length === 1 ? '' : 's'}`;
    for (const p of v.errors) {
      const allowed = p.allowed && p.allowed.length ? 'allowed: ' + p.allowed.join(', ') : '';
      list.append(el('li', { dataset: { path: p.path, line: p.line || '' } },
        p.line ? `line ${p.line} · ` : '', p.path ? el('b', {}, p.path) : null, p.path ? ': ' : '', p.message,
        allowed ? el('span', { class: 'allowed' }, ' (' + allowed + ')') : null));
      const input = p.path && $(`[data-path="${CSS.escape(p.path)}"]`);
      if (input) {
        input.classList.add('invalid');
        const slot = $(`.field-error[data-for="${CSS.escape(p.path)}"]`);
        if (slot) slot.textContent = p.message + (allowed ? ' — ' + allowed : '');
      } else {
        const m = /^renditions\[\d+\]/.exec(p.path || '');
        const slot = m && $(`.field-error[data-for="${CSS.escape(m[0])}"]`);
        if (slot) slot.textContent = (slot.textContent ? slot.textContent + '; ' : '') + p.path.slice(m[0].length + 1) + ': ' + p.message;
      }
    }
    updateGutter(v.errors.map(p => p.line).filter(Boolean));
  }

  function updateGutter(badLines) {
    const n = requestText().split('\n').length;
    const bad = new Set(badLines);
    const g = $('#json-gutter');
    g.replaceChildren();
    for (let i = 1; i <= n; i++) {
      g.append(bad.has(i) ? el('span', { class: 'bad', title: 'error on this line' }, String(i)) : String(i), '\n');
    }
    g.scrollTop = $('#request-json').scrollTop;
  }

  function wireRequest() {
    const ta = $('#request-json');
    ta.addEventListener('input', () => { renderForm(); updateGutter([]); scheduleValidate(); });
    ta.addEventListener('scroll', () => { $('#json-gutter').scrollTop = ta.scrollTop; });
    $('#profile').addEventListener('change', () => {
      const p = state.profiles.find(x => x.id === $('#profile').value);
      if (p) setRequest({ renditions: p.renditions });
    });
    $('#add-rendition').addEventListener('click', addRendition);
    $('#run').addEventListener('click', runRequest);
    $('#copy-json').addEventListener('click', () => copy(JSON.stringify(portable(), null, 2)));
    $('#copy-curl').addEventListener('click', () => copy(curlCommand()));
    $('#copy-wsk').addEventListener('click', () => copy(wskCommand()));
  }

  // ---- copy as JSON, curl, wsk ----
  function portable() {
    const obj = parsed() || {};
    const out = { ...obj };
    const s = state.source;
    if (!out.source) out.source = s && s.origin === 'url' ? s.url : 'https://example.com/' + (s ? s.name : 'source.jpg');
    if (Array.isArray(out.renditions)) {
      out.renditions = out.renditions.map(r => {
        if (!r || typeof r !== 'object') return r;
        const c = { ...r };
        delete c.target;
        return c;
      });
    }
    return out;
  }

  const shq = s => "'" + String(s).replace(/'/g, "'\\''") + "'";

  function apiHost() { return state.session.apiHost || 'http://127.0.0.1:3233'; }

  function curlCommand() {
    return [
      `curl -sS -X POST ${shq(apiHost() + '/process')}`,
      '  -H "Authorization: Bearer $ACS_TOKEN" -H "x-api-key: $ACS_API_KEY" -H "x-gw-ims-org-id: $ACS_ORG"',
      "  -H 'Content-Type: application/json'",
      '  --data-binary ' + shq(JSON.stringify(portable())),
    ].join(' \\\n');
  }

  function wskCommand() {
    const p = portable();
    const parts = ['wsk action invoke asset-compute/process --blocking --result'];
    for (const k of ['source', 'renditions', 'userData']) {
      if (p[k] !== undefined) parts.push(`  --param ${k} ${shq(JSON.stringify(p[k]))}`);
    }
    return parts.join(' \\\n');
  }

  function copy(text) {
    const out = $('#copy-output');
    out.hidden = false;
    out.value = text;
    out.select();
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => status('Copied'), () => status('Select and copy the text below'));
  }

  // ---- runs and results ----
  const pause = ms => new Promise(resolve => setTimeout(resolve, ms));

  // runRequest starts a run and shows each rendition as soon as it is
  // made: a card per rendition, running until its event arrives.
  async function runRequest() {
    if (!state.source) { status('Choose a source first', true); return; }
    const btn = $('#run');
    btn.disabled = true;
    status('Running…');
    try {
      let run = await api('api/runs', { method: 'POST', json: { source: state.source.id, request: requestText(), with: $('#run-with').value, async: true } });
      let section = renderRun(run);
      while (run.state === 'running') {
        await pause(200);
        run = await api('api/runs/' + encodeURIComponent(run.id));
        if (run.state === 'running') updateRun(section, run);
      }
      section = renderRun(run, section);
      state.runs.set(run.id, run);
      const failed = (run.renditions || []).filter(r => r.status !== 'created').length;
      status(`Run ${run.id}: ${(run.renditions || []).length - failed} created, ${failed} failed, ${Math.round(run.millis)} ms`);
    } catch (e) {
      if (e.body && e.body.validation) showValidation(e.body.validation);
      status('Run refused: ' + e.message, true);
    } finally { btn.disabled = false; }
  }

  // progress is the run's header line while it runs.
  function progressText(run) {
    const rs = run.renditions || [];
    const decided = rs.filter(r => r.status !== 'running').length;
    return `${decided}/${rs.length} done`;
  }

  // updateRun turns the cards of the renditions decided since the last
  // look into their results.
  function updateRun(section, run) {
    for (const r of run.renditions || []) {
      const card = $(`.rendition[data-index="${r.index}"]`, section);
      if (card && card.dataset.status !== r.status) card.replaceWith(renditionCard(run, r));
    }
    $('.progress', section).textContent = progressText(run);
    status(`Running ${run.id}: ${progressText(run)}`);
  }

  // renderRun shows a run, in place of old when given.
  function renderRun(run, old) {
    const box = $('#results');
    if (!box.querySelector('.run')) box.replaceChildren();
    const rs = run.renditions || [];
    const created = rs.filter(r => r.status === 'created').length;
    const running = run.state === 'running';
    const section = el('section', { class: 'run', dataset: { run: run.id, state: run.state || 'done' } },
      el('header', {},
        el('h3', {}, `Run ${run.id}`),
        run.with === 'deployed' ? el('span', { class: 'badge' }, state.session.deployed) : null,
        el('span', {}, run.source ? run.source.name : ''),
        running ? el('span', { class: 'badge progress' }, progressText(run))
          : el('span', { class: 'badge ' + (created === rs.length && !run.error ? 'ok' : 'bad') }, `${created}/${rs.length} created`),
        running ? el('span', { class: 'spinner', title: 'running' })
          : el('span', { class: 'muted' }, `${Math.round(run.millis)} ms · ${new Date(run.started).toLocaleTimeString()}`)),
      run.error ? el('div', { class: 'failure' }, el('b', {}, 'Invalid request '), run.error) : null,
      el('div', { class: 'grid' }, rs.map(r => renditionCard(run, r))),
      el('details', { class: 'request' }, el('summary', {}, 'Request'), el('pre', {}, JSON.stringify(run.request, null, 2))),
      running ? null : el('details', { class: 'logs' }, el('summary', {}, `Logs (${(run.logs || []).length} lines)`),
        el('pre', {}, (run.logs || []).join('\n') || 'No log lines for this request.')));
    if (old && old.isConnected) {
      // Keep what was opened while it ran.
      for (const d of $$('details.event[open]', old)) {
        const card = $(`.rendition[data-index="${d.closest('.rendition').dataset.index}"] details.event`, section);
        if (card) card.open = true;
      }
      old.replaceWith(section);
    } else box.prepend(section);
    return section;
  }

  function renditionCard(run, r) {
    const card = $('#rendition-template').content.firstElementChild.cloneNode(true);
    card.dataset.name = r.name;
    card.dataset.index = r.index;
    card.dataset.status = r.status;
    $('.name', card).textContent = r.name;
    const st = $('.status', card);
    st.textContent = r.status;
    st.classList.add(r.status);
    if (r.status !== 'created' && r.status !== 'running') {
      $('.failure', card).hidden = false;
      $('.reason', card).textContent = r.reason || 'GenericError';
      $('.message', card).textContent = r.message || '';
    }
    if (r.status === 'running') {
      $('.body', card).append(el('div', { class: 'pending' }, el('span', { class: 'spinner' }), ' running…'));
    }
    const facts = $('.facts', card);
    const fact = (k, v, cls) => facts.append(el('dt', {}, k), el('dd', { class: cls }, v));
    fact('Format', r.fmt || '—', 'fmt');
    const o = r.output;
    const body = $('.body', card);
    if (o) {
      if (o.kind === 'image') {
        body.append(el('img', { class: 'preview', src: o.url, alt: r.name, loading: 'lazy' }));
        fact('Size', `${o.width}×${o.height}`, 'dims');
      } else if (o.kind === 'video') {
        body.append(el('video', { src: o.url, controls: true, muted: true }));
      } else if (o.kind === 'json' || o.kind === 'text' || o.kind === 'xml') {
        const holder = el('div', { class: 'content' }, el('span', { class: 'muted' }, 'Loading…'));
        body.append(holder);
        loadText(o, holder);
      }
      fact('Bytes', `${fmtBytes(o.bytes)} (${o.bytes})`, 'bytes');
      if (o.quality) fact('Quality', String(o.quality), 'quality');
      if (o.kind === 'text') fact('Characters', String(o.chars), 'chars');
      $('.buttons', card).append(el('a', { class: 'button', href: o.url + '?download=1', download: r.name }, 'Download'));
      if (o.kind === 'image') {
        for (const slot of ['A', 'B']) {
          $('.buttons', card).append(el('button', {
            type: 'button', class: 'pick pick-' + slot, dataset: { slot, run: run.id, index: r.index },
            onclick: () => pick(slot, run.id, r.index),
          }, 'Compare ' + slot));
        }
      }
    }
    if (r.timings && Object.keys(r.timings).length) renderTimings($('.timings', card), r.timings);
    if (r.event) $('.event pre', card).textContent = JSON.stringify(r.event, null, 2);
    else $('.event', card).hidden = true;
    return card;
  }

  // renderTimings draws one bar per step, scaled to the longest (or total).
  function renderTimings(box, t) {
    box.hidden = false;
    const order = ['fetch', 'wait', 'decode', 'render', 'encode', 'upload'];
    const keys = Object.keys(t).sort((a, b) => {
      const ia = a === 'total' ? 99 : (order.indexOf(a) < 0 ? 50 : order.indexOf(a));
      const ib = b === 'total' ? 99 : (order.indexOf(b) < 0 ? 50 : order.indexOf(b));
      return ia - ib || a.localeCompare(b);
    });
    const top = Math.max(...keys.map(k => Number(t[k]) || 0), 1);
    for (const k of keys) {
      const ms = Number(t[k]) || 0;
      const bar = el('div', { class: 'bar' });
      bar.style.width = (100 * ms / top).toFixed(1) + '%';
      box.append(el('div', { class: 'timing' + (k === 'total' ? ' total' : ''), dataset: { step: k } },
        el('span', {}, k), el('div', {}, bar), el('span', { class: 'ms' }, ms.toFixed(ms < 10 ? 1 : 0) + ' ms')));
    }
  }

  async function loadText(o, holder) {
    try {
      const r = await fetch(o.url);
      const text = await r.text();
      holder.replaceChildren();
      if (o.kind === 'json') {
        try { holder.append(el('div', { class: 'tree' }, tree(JSON.parse(text), null, 0))); return; } catch (_) { /* shown as text */ }
      }
      const max = 20000;
      holder.append(el('pre', {}, text.length > max ? text.slice(0, max) + `\n… (${text.length - max} more characters)` : text));
    } catch (e) { holder.textContent = 'Cannot load: ' + e.message; }
  }

  // tree renders a JSON value as nested, collapsible details elements.
  function tree(v, key, depth) {
    const label = key === null ? [] : [el('span', { class: 'k' }, JSON.stringify(key)), ': '];
    if (v && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
      const d = el('details', { open: depth < 2 },
        el('summary', {}, ...label, Array.isArray(v) ? `[${entries.length}]` : `{${entries.length}}`));
      for (const [k, x] of entries) d.append(tree(x, Array.isArray(v) ? k : k, depth + 1));
      return d;
    }
    const cls = typeof v === 'string' ? 's' : 'n';
    return el('div', { class: 'leaf' }, ...label, el('span', { class: cls }, JSON.stringify(v)));
  }

  // ---- compare ----
  function pick(slot, runID, index) {
    state.pick[slot] = { run: runID, index };
    for (const b of $$('.pick-' + slot)) b.classList.toggle('picked', b.dataset.run === runID && Number(b.dataset.index) === index);
    $('#compare-count').textContent = `(${state.pick.A ? 'A' : '–'}, ${state.pick.B ? 'B' : '–'})`;
    if (state.pick.A && state.pick.B) compare();
  }

  async function compare() {
    $('#psnr').textContent = 'computing…';
    $('#compare').hidden = false;
    $('#compare-empty').hidden = true;
    showTab('compare');
    let c;
    try { c = await api('api/compare', { method: 'POST', json: { a: state.pick.A, b: state.pick.B } }); } catch (e) {
      $('#psnr').textContent = e.message;
      return;
    }
    for (const [side, v] of [['a', c.a], ['b', c.b]]) {
      $(`#cmp-${side}-name`).textContent = `${v.name} (run ${v.run})`;
      $(`#cmp-${side}-dims`).textContent = `${v.width}×${v.height}`;
      $(`#cmp-${side}-bytes`).textContent = `${fmtBytes(v.bytes)} (${v.bytes})`;
      $(`#cmp-${side}-img`).src = v.url;
      $(`#cmp-${side}-img2`).src = v.url;
    }
    const psnr = $('#psnr');
    psnr.dataset.ready = '1';
    if (c.error) psnr.textContent = c.error;
    else if (c.identical) psnr.textContent = '∞ dB (identical pixels)';
    else psnr.textContent = `${c.psnr.toFixed(2)} dB (compared at ${c.comparedWidth}×${c.comparedHeight})`;
    setSlider($('#cmp-range').value);
  }

  function setSlider(v) {
    const diff = $('input[name=cmp-mode]:checked').value === 'diff';
    $('#cmp-a-img').style.clipPath = diff ? 'none' : `inset(0 ${100 - v}% 0 0)`;
    $('#cmp-divider').style.left = v + '%';
  }

  // The compare modes: a slider over the two, side by side, or their
  // difference (A drawn over B with mix-blend-mode: difference, black
  // where they agree).
  function wireCompare() {
    $('#cmp-range').addEventListener('input', e => setSlider(e.target.value));
    for (const r of $$('input[name=cmp-mode]')) {
      r.addEventListener('change', () => {
        const mode = $('input[name=cmp-mode]:checked').value;
        $('#cmp-side').hidden = mode !== 'side';
        $('#cmp-slider').hidden = mode === 'side';
        $('#cmp-range').hidden = $('#cmp-divider').hidden = mode === 'diff';
        $('#cmp-a-img').style.mixBlendMode = mode === 'diff' ? 'difference' : '';
        setSlider($('#cmp-range').value);
      });
    }
  }

  // ---- contact sheet ----
  async function openReport(file) {
    if (file.size > 64 * 1024 * 1024) { status('That report is larger than 64 MiB', true); return; }
    const text = await file.text();
    const frame = $('#report-frame');
    frame.hidden = false;
    frame.setAttribute('sandbox', ''); // no scripts, no forms, an opaque origin
    frame.dataset.loaded = '';
    frame.dataset.name = file.name;
    frame.onload = () => { frame.dataset.loaded = '1'; };
    frame.srcdoc = text;
    status('Contact sheet: ' + file.name);
  }

  function wireReport() {
    const input = $('#report-file');
    const drop = $('#report-drop');
    input.addEventListener('change', () => { if (input.files[0]) openReport(input.files[0]); input.value = ''; });
    for (const ev of ['dragenter', 'dragover']) drop.addEventListener(ev, e => { e.preventDefault(); drop.classList.add('over'); });
    for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
    drop.addEventListener('drop', e => { e.preventDefault(); const f = e.dataTransfer.files[0]; if (f) openReport(f); });
  }

  // ---- start ----
  async function start() {
    for (const t of $$('.tab')) t.addEventListener('click', () => showTab(t.dataset.tab));
    wireSource();
    wireRequest();
    wireCompare();
    wireReport();
    try {
      state.session = await api('api/session');
      state.token = state.session.token;
      $('#upload-limit').textContent = 'up to ' + fmtBytes(state.session.maxUploadBytes);
      if (state.session.deployed) {
        $('#run-with').hidden = false;
        $('#run-with-deployed').textContent = 'on ' + state.session.deployed;
      }
      state.profiles = await api('api/profiles');
      const sel = $('#profile');
      for (const p of state.profiles) sel.append(el('option', { value: p.id }, p.title));
      sel.value = 'web';
      setRequest({ renditions: state.profiles[0].renditions });
      await loadSamples();
      document.body.dataset.ready = '1';
      status('Ready');
    } catch (e) { status('Cannot start: ' + e.message, true); }
  }
  start();
})();
