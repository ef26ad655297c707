// app.js: the customer chat widget. It renders inside a Shadow DOM, speaks
// parley.v1 to the gateway it was loaded from and exposes window.Parley.
import { Conn, wsURL, newID, base, translationFor, langName, h, icon } from './conn.js';
import { strings } from './i18n.js';

const CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z';
const CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z';
const SEND = 'M3 20.5 21 12 3 3.5V10l12 2-12 2z';
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const TYPING_SHOWN = 8000;

// start mounts the widget for a site; the loader calls it once.
export function start({ site, origin, queue }) {
  if (window.Parley && window.Parley.ready) return window.Parley;
  const w = new Widget(site, origin);
  const q = queue || [];
  const run = {
    open: () => w.open(),
    close: () => w.close(),
    toggle: () => (w.isOpen ? w.close() : w.open()),
    identify: (who) => w.identify(who),
  };
  const api = {
    ready: true,
    on: (ev, fn) => { if (typeof fn === 'function') (w.handlers[ev] ||= new Set()).add(fn); },
    off: (ev, fn) => { w.handlers[ev]?.delete(fn); },
  };
  // Until the widget is on the page, calls wait in the queue.
  for (const m of Object.keys(run)) api[m] = (...args) => (w.mounted ? run[m](...args) : q.push([m, ...args]));
  window.Parley = api;
  const mount = () => {
    w.render();
    w.mounted = true;
    for (const [m, ...args] of q.splice(0)) {
      if (typeof api[m] !== 'function') continue;
      try { api[m](...args); } catch (e) { console.error('Parley:', e); }
    }
    w.boot();
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  return api;
}

class Widget {
  constructor(site, origin) {
    this.site = site;
    this.origin = origin;
    this.key = 'parley:' + site;
    this.t = strings(navigator.language);
    this.handlers = {};
    this.isOpen = false;
    this.identity = null;
    this.conv = '';
    this.state = '';
    this.lang = '';
    this.lastSeq = 0;
    this.msgs = new Map(); // seq -> {m, el}
    this.pend = new Map(); // client id -> {id, text, el, state}
    this.unread = 0;
    this.typingSent = 0;
    this.readSent = 0;
    const saved = this.load();
    this.token = saved.token || '';
    this.conv = saved.conv || '';
    this.profile = saved.profile || null;
    this.outbox = Array.isArray(saved.outbox) ? saved.outbox : [];
    this.conn = new Conn({
      url: wsURL(origin, site, 'customer'),
      hello: () => this.hello(),
      onFrame: (f) => this.frame(f),
      onStatus: (s) => this.status(s),
    });
  }

  // Storage: one JSON record per site in localStorage.
  load() {
    try { return JSON.parse(localStorage.getItem(this.key)) || {}; } catch { return {}; }
  }
  save() {
    const rec = { token: this.token, conv: this.conv, profile: this.profile,
      outbox: this.outbox.map(({ id, text, conv }) => ({ id, text, conv })) };
    try { localStorage.setItem(this.key, JSON.stringify(rec)); } catch { /* storage full or blocked */ }
  }

  emit(ev, arg) {
    for (const fn of this.handlers[ev] || []) {
      try { fn(arg); } catch (e) { console.error('Parley:', e); }
    }
  }

  boot() {
    for (const o of this.outbox) this.addPending(o);
    if (this.token || this.identity) this.conn.start();
    document.addEventListener('visibilitychange', () => this.markRead());
    // Another tab of this site got a visitor token first: join it.
    addEventListener('storage', (e) => {
      if (e.key !== this.key || this.token || this.identity) return;
      const rec = this.load();
      if (!rec.token) return;
      this.token = rec.token;
      this.conv = rec.conv || '';
      if (this.conn.stopped) this.conn.start();
      else this.conn.reconnect();
    });
  }

  render() {
    const t = this.t;
    const host = h('parley-widget', { hidden: true });
    const root = host.attachShadow({ mode: 'open' });
    const css = h('link', { rel: 'stylesheet', href: this.origin + '/widget/widget.css' });
    // Shown once styled. A panel opened before then (a call queued by the
    // page) could not take the focus while hidden: it takes it now,
    // unless the visitor has moved on to something else on the page.
    const show = () => {
      if (!host.hidden) return;
      host.hidden = false;
      if (this.isOpen && (!document.activeElement || document.activeElement === document.body)) this.focusPanel();
    };
    css.addEventListener('load', show);
    css.addEventListener('error', show);
    setTimeout(show, 3000);

    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-label': t.open,
      'aria-expanded': 'false', 'aria-controls': 'parley-panel', onclick: () => this.open() },
    icon(CHAT, 26), this.badge);
    this.agentEl = h('p', { class: 'sub', text: t.sub });
    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.errorEl = h('div', { class: 'error', role: 'alert', hidden: true });
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.messages, tabindex: '0' });
    this.info = h('div', { class: 'info', 'aria-live': 'polite' });
    this.typingEl = h('div', { class: 'typing', hidden: true },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span'));
    this.input = h('textarea', { rows: 1, placeholder: t.placeholder, 'aria-label': t.message,
      maxlength: '4000', onkeydown: (e) => this.key_(e), oninput: () => this.typing() });
    this.composer = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.input, h('button', { type: 'submit', class: 'send', 'aria-label': t.send }, icon(SEND, 20)));
    this.closedEl = h('div', { class: 'ended', hidden: true },
      h('p', { text: t.closed }),
      h('button', { type: 'button', class: 'primary', text: t.newConv, onclick: () => this.restart() }));
    this.prechat = this.renderPrechat();
    this.panel = h('section', { class: 'panel', id: 'parley-panel', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'parley-title', hidden: true, onkeydown: (e) => { if (e.key === 'Escape') this.close(); } },
    h('header', {},
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, icon(CHAT, 18)),
      h('div', { class: 'titles' }, h('h2', { id: 'parley-title', text: t.title }), this.agentEl),
      h('button', { type: 'button', class: 'x', 'aria-label': t.close, onclick: () => this.close() }, icon(CLOSE, 20))),
    this.banner, this.errorEl, this.prechat, this.log, this.typingEl, this.info, this.closedEl, this.composer,
    h('p', { class: 'brand', text: t.brand }));
    this.greet = h('div', { class: 'row theirs greet' }, h('div', { class: 'bubble' }, h('p', { class: 'text', text: t.greeting })));
    this.log.append(this.greet);
    const wrap = h('div', { class: 'wrap' }, this.panel, this.launcher);
    // A phone: by the viewport, or by the screen on pages that do not set
    // a mobile viewport. Checked again on open, since a screen can change
    // without a resize event reaching the page first.
    this.fit = () => wrap.classList.toggle('phone', innerWidth <= 480 || (screen.width > 0 && screen.width <= 480));
    this.fit();
    addEventListener('resize', this.fit);
    root.append(css, wrap);
    document.body.append(host);
  }

  renderPrechat() {
    const t = this.t;
    const name = h('input', { name: 'name', autocomplete: 'name', maxlength: '100' });
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '200' });
    const done = (skip) => {
      this.profile = skip ? { skipped: true } : { name: name.value.trim(), email: email.value.trim() };
      this.save();
      this.prechat.hidden = true;
      this.composer.hidden = false;
      this.conn.start();
      this.input.focus();
    };
    return h('form', { class: 'prechat', hidden: true, onsubmit: (e) => { e.preventDefault(); done(false); } },
      h('p', { class: 'lead', text: t.preText }),
      h('label', {}, h('span', { text: t.name }), name),
      h('label', {}, h('span', { text: t.email }), email),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', text: t.start }),
        h('button', { type: 'button', class: 'link', text: t.skip, onclick: () => done(true) })));
  }

  open() {
    if (this.isOpen) return;
    this.isOpen = true;
    this.fit();
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.hidden = true;
    this.unread = 0;
    this.badge.hidden = true;
    const ask = !this.token && !this.identity && !this.profile;
    this.prechat.hidden = !ask;
    this.composer.hidden = ask || this.state === 'closed';
    if (!ask) this.conn.start();
    this.focusPanel();
    this.scroll();
    this.markRead();
    this.emit('open');
  }

  // focusPanel puts the focus where the visitor starts: the pre-chat form
  // while it shows, the message box otherwise.
  focusPanel() {
    (this.prechat.hidden ? this.input : this.prechat.querySelector('input')).focus();
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
    this.emit('close');
  }

  identify(who) {
    if (!who || typeof who !== 'object' || !who.id || !who.hash) {
      this.showError(this.t.badIdentity);
      return;
    }
    const next = { id: String(who.id), hash: String(who.hash) };
    if (who.name) next.name = String(who.name);
    if (who.email) next.email = String(who.email);
    const same = this.identity && this.identity.id === next.id && this.identity.hash === next.hash;
    this.identity = next;
    if (this.prechat) this.prechat.hidden = true;
    if (this.composer && this.isOpen && this.state !== 'closed') this.composer.hidden = false;
    if (same) return;
    if (this.conn.stopped) this.conn.start();
    else this.conn.reconnect();
  }

  hello() {
    const f = { type: 'hello', role: 'customer', site: this.site,
      languages: Array.from(navigator.languages || [navigator.language]).filter(Boolean) };
    if (this.token) f.token = this.token;
    if (this.identity) f.identity = this.identity;
    else if (this.profile && !this.profile.skipped) {
      if (this.profile.name) f.name = this.profile.name;
      if (this.profile.email) f.email = this.profile.email;
    }
    // The gateway replays the open conversation from the start unless told
    // how far this page has it; a closed one only when named here.
    if (this.conv) f.resume = { [this.conv]: this.lastSeq };
    return f;
  }

  status(s) {
    this.online = s === 'open';
    if (s === 'open') {
      this.banner.hidden = true;
      return;
    }
    if (!this.everConnected) return;
    this.banner.textContent = s === 'offline' ? this.t.offline : this.t.reconnecting;
    this.banner.hidden = false;
  }

  frame(f) {
    switch (f.type) {
      case 'welcome': return this.welcome(f);
      case 'message': return this.message(f);
      case 'ack': return this.ack(f);
      case 'translation': return this.translation(f);
      case 'queue': return this.queue(f);
      case 'conversation': return f.conversation && this.conversation(f.conversation);
      case 'typing': return this.theyType(f);
      case 'read': return this.theyRead(f);
      case 'error': return this.error(f);
    }
  }

  welcome(f) {
    this.everConnected = true;
    this.hideError();
    if (f.token) this.token = f.token;
    const convs = f.conversations || [];
    const open = convs.find((c) => c.state !== 'closed');
    const mine = convs.find((c) => c.id === this.conv);
    const c = (mine && mine.state !== 'closed') ? mine : (open || mine);
    if (c && c.id !== this.conv && (!this.conv || this.state === 'closed' || !mine)) this.switchTo(c.id);
    if (c) this.conversation(c);
    this.save();
    this.flush();
    this.emit('ready');
  }

  switchTo(conv) {
    this.conv = conv;
    this.lastSeq = 0;
    this.readSent = 0;
    this.state = '';
    for (const { el } of this.msgs.values()) el.remove();
    this.msgs.clear();
    this.closedEl.hidden = true;
    this.info.textContent = '';
    this.save();
  }

  conversation(c) {
    if (c.updated_at) { // state frames may cross on their way through several gateway nodes: keep the newest
      const seen = (this.seenAt ||= {});
      const at = Date.parse(c.updated_at);
      if (at < (seen[c.id] || 0)) return;
      seen[c.id] = at;
    }
    if (c.id && this.conv && c.id !== this.conv) {
      if (this.state !== 'closed') return;
      this.switchTo(c.id);
    }
    if (c.id && !this.conv) this.switchTo(c.id);
    if (c.language) this.lang = c.language;
    if (c.state) this.state = c.state;
    if (this.state !== 'queued') this.info.textContent = '';
    const ended = this.state === 'closed';
    this.closedEl.hidden = !ended;
    this.composer.hidden = ended || (this.isOpen && !this.prechat.hidden);
    if (ended) this.typingEl.hidden = true;
  }

  readerLang() {
    return this.lang || base(navigator.language) || 'en';
  }

  message(f) {
    const m = f.message;
    if (!m || !f.seq) return;
    const conv = f.conv || m.conversation_id;
    if (conv !== this.conv) {
      if (this.conv && this.state !== 'closed') return;
      this.switchTo(conv);
    }
    if (f.seq > this.lastSeq) this.lastSeq = f.seq;
    m.pending = !!f.pending;
    const have = this.msgs.get(f.seq);
    if (have && !have.synthetic) return;
    const p = m.client_id && this.pend.get(m.client_id);
    if (have || (p && m.role === 'customer')) {
      const el = (have && have.el) || p.el;
      if (p) this.settle(p, 'sent');
      this.msgs.set(f.seq, { m, el });
      el.dataset.seq = f.seq;
      this.emit('message', { ...m, display: m.text });
      return;
    }
    const el = this.renderMessage(m);
    this.msgs.set(f.seq, { m, el });
    this.insert(el, f.seq);
    if (m.kind === 'event') this.onEvent(m);
    if (m.kind === 'text' && m.role !== 'customer') {
      this.typingEl.hidden = true;
      if (m.sender_name) this.agentEl.textContent = m.sender_name;
      if (!this.isOpen || document.hidden) {
        this.unread++;
        this.badge.textContent = String(Math.min(this.unread, 99));
        this.badge.hidden = this.isOpen;
      }
      this.markRead();
    }
    if (m.kind === 'text') this.emit('message', { ...m, display: this.display(m).text });
    this.scroll();
  }

  insert(el, seq) {
    let before = null;
    for (const node of this.log.children) {
      const s = Number(node.dataset.seq || 0);
      if (node.dataset.pending || (s && s > seq)) { before = node; break; }
    }
    this.log.insertBefore(el, before);
  }

  onEvent(m) {
    if (m.event === 'assigned' || m.event === 'transferred') {
      if (m.sender_name) this.agentEl.textContent = m.sender_name;
      this.info.textContent = '';
    }
    if (m.event === 'closed') this.conversation({ id: this.conv, state: 'closed' });
  }

  eventText(m) {
    const t = this.t;
    const who = m.sender_name;
    switch (m.event) {
      case 'queued': return t.waiting;
      case 'assigned': return who ? t.joined(who) : t.joinedAnon;
      case 'transferred': return who ? t.transferred(who) : t.joinedAnon;
      case 'requeued': return t.requeued;
      case 'closed': return t.ended;
      default: return '';
    }
  }

  display(m) {
    if (m.role === 'customer') return { text: m.text || '' };
    const lang = this.readerLang();
    const tr = translationFor(m.translations, lang);
    if (tr && tr !== m.text && base(m.lang) !== base(lang)) return { text: tr, from: m.lang };
    return { text: m.text || '', waiting: m.pending && m.lang && base(m.lang) !== base(lang) };
  }

  renderMessage(m) {
    const t = this.t;
    if (m.kind === 'event') {
      const el = h('div', { class: 'event', text: this.eventText(m) });
      el.dataset.seq = m.seq;
      if (!el.textContent) el.hidden = true;
      return el;
    }
    const mine = m.role === 'customer';
    const text = h('p', { class: 'text' });
    const meta = h('div', { class: 'meta' });
    const row = h('div', { class: 'row ' + (mine ? 'mine' : 'theirs') },
      mine ? null : h('span', { class: 'who', text: m.sender_name || t.agent }),
      h('div', { class: 'bubble' }, text), meta);
    row.dataset.seq = m.seq;
    const time = m.at ? new Date(m.at) : new Date();
    const stamp = h('time', { datetime: time.toISOString(), text: time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) });
    if (mine) {
      this.setText(row, text, meta, stamp, m);
      meta.append(stamp, h('span', { class: 'state', text: t.sent }));
      row.dataset.state = 'sent';
    } else {
      this.setText(row, text, meta, stamp, m);
    }
    return row;
  }

  setText(row, textEl, meta, stamp, m) {
    const t = this.t;
    const d = this.display(m);
    const showOrig = row.dataset.orig === '1';
    textEl.textContent = showOrig ? m.text : d.text;
    if (m.role === 'customer') return;
    meta.replaceChildren(stamp);
    if (d.from) {
      const note = h('span', { class: 'note', text: t.translatedFrom(d.from ? langName(d.from, t.code) : '') + ' · ' });
      const btn = h('button', { type: 'button', class: 'link', text: showOrig ? t.showTr : t.showOrig,
        'aria-pressed': showOrig ? 'true' : 'false',
        onclick: () => { row.dataset.orig = showOrig ? '0' : '1'; this.setText(row, textEl, meta, stamp, m); } });
      meta.append(note, btn);
    } else if (d.waiting) {
      meta.append(h('span', { class: 'note', text: t.translating }));
    }
  }

  translation(f) {
    if (f.conv !== this.conv || !f.seq || !f.lang) return;
    const e = this.msgs.get(f.seq);
    if (!e || !e.m || e.m.kind !== 'text') return;
    e.m.translations = { ...(e.m.translations || {}), [f.lang]: f.text || '' };
    e.m.pending = false;
    if (e.m.role === 'customer') return;
    const fresh = this.renderMessage(e.m);
    fresh.dataset.orig = e.el.dataset.orig || '';
    if (fresh.dataset.orig) {
      const textEl = fresh.querySelector('.text');
      textEl.textContent = e.m.text;
    }
    e.el.replaceWith(fresh);
    e.el = fresh;
  }

  queue(f) {
    if (f.conv && f.conv !== this.conv) return;
    if (!f.position || this.state === 'active' || this.state === 'closed') {
      this.info.textContent = '';
      return;
    }
    this.info.textContent = f.position === 1 ? this.t.next : this.t.position(f.position);
  }

  theyType(f) {
    if (f.conv !== this.conv || f.role === 'customer') return;
    clearTimeout(this.typingTimer);
    this.typingEl.hidden = !f.typing;
    this.typingEl.lastChild.textContent = this.t.typing(f.name || this.t.agent);
    if (f.typing) this.typingTimer = setTimeout(() => { this.typingEl.hidden = true; }, TYPING_SHOWN);
    this.scroll();
  }

  theyRead(f) {
    if (f.conv !== this.conv || f.role === 'customer' || !f.seq) return;
    for (const [seq, { el, m }] of this.msgs) {
      if (seq <= f.seq && m && m.role === 'customer') this.mark(el, 'read');
    }
  }

  mark(el, state) {
    if (!el || el.dataset.state === 'read') return;
    el.dataset.state = state;
    const s = el.querySelector('.state');
    if (s) s.textContent = this.t[state];
  }

  error(f) {
    const t = this.t;
    if (f.code === 'unauthorized') {
      if (this.identity) {
        this.conn.stop();
        this.showError(t.unauthorized);
      } else {
        // A visitor token the gateway no longer accepts: start afresh.
        this.token = '';
        this.conv = '';
        this.save();
        this.conn.reconnect();
      }
      this.emit('error', { code: f.code, message: f.error || '' });
      return;
    }
    const p = f.id && this.pend.get(f.id);
    if (p) {
      if (f.code === 'rate_limited' || f.code === 'unavailable') {
        setTimeout(() => this.resend(p), 2000);
      } else if (f.code === 'closed') {
        this.conversation({ id: this.conv, state: 'closed' });
        this.fail(p);
      } else {
        this.fail(p);
      }
    }
    this.emit('error', { code: f.code, message: f.error || '' });
  }

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = false;
  }
  hideError() {
    this.errorEl.hidden = true;
  }

  // Sending: every message has a client id and stays in the outbox until
  // acknowledged; resends reuse the id, so the gateway stores it once.
  submit() {
    const text = this.input.value.trim();
    if (!text || this.state === 'closed') return;
    this.input.value = '';
    this.stopTyping();
    const o = { id: newID('c-'), text, conv: this.conv };
    this.outbox.push(o);
    this.save();
    this.addPending(o);
    this.conn.start();
    this.resend(o);
    this.scroll();
  }

  addPending(o) {
    const text = h('p', { class: 'text', text: o.text });
    const state = h('span', { class: 'state', text: this.t.sending });
    const el = h('div', { class: 'row mine' }, h('div', { class: 'bubble' }, text), h('div', { class: 'meta' }, state));
    el.dataset.pending = '1';
    el.dataset.state = 'sending';
    this.log.append(el);
    o.el = el;
    this.pend.set(o.id, o);
  }

  resend(o) {
    if (!this.pend.has(o.id)) return;
    const f = { type: 'message', id: o.id, text: o.text };
    if (this.conv && this.state !== 'closed') f.conv = this.conv;
    this.conn.send(f);
  }

  flush() {
    for (const o of this.pend.values()) this.resend(o);
  }

  ack(f) {
    const p = f.id && this.pend.get(f.id);
    if (!p) return;
    if (f.message) { // the ack stands for this connection's copy of its message
      this.message({ type: 'message', conv: f.conv, seq: f.seq, message: f.message });
      if (!this.pend.has(f.id)) return;
    }
    if (f.conv && f.conv !== this.conv && (!this.conv || this.state === 'closed')) this.switchTo(f.conv);
    if (f.seq && !this.msgs.has(f.seq)) {
      p.el.dataset.seq = f.seq;
      this.msgs.set(f.seq, { el: p.el, m: { role: 'customer', seq: f.seq }, synthetic: true });
    }
    this.settle(p, 'sent');
  }

  settle(p, state) {
    this.pend.delete(p.id);
    this.outbox = this.outbox.filter((o) => o.id !== p.id);
    this.save();
    delete p.el.dataset.pending;
    this.mark(p.el, state);
    if (!p.el.querySelector('time')) {
      const now = new Date();
      p.el.querySelector('.meta').prepend(h('time', { datetime: now.toISOString(),
        text: now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }));
    }
  }

  fail(p) {
    this.pend.delete(p.id);
    this.outbox = this.outbox.filter((o) => o.id !== p.id);
    this.save();
    delete p.el.dataset.pending;
    p.el.dataset.state = 'failed';
    p.el.querySelector('.state').textContent = this.t.failed;
  }

  restart() {
    this.switchTo('');
    this.state = '';
    this.agentEl.textContent = this.t.sub;
    this.composer.hidden = false;
    this.input.focus();
  }

  markRead() {
    if (!this.isOpen || document.hidden || !this.conv || !this.lastSeq) return;
    if (this.readSent >= this.lastSeq) return;
    if (this.conn.send({ type: 'read', conv: this.conv, seq: this.lastSeq })) this.readSent = this.lastSeq;
  }

  key_(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  typing() {
    if (!this.conv || this.state === 'closed' || !this.input.value.trim()) return;
    const now = Date.now();
    if (now - this.typingSent > TYPING_EVERY) {
      if (this.conn.send({ type: 'typing', conv: this.conv, typing: true })) this.typingSent = now;
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.idle);
    if (!this.typingSent) return;
    this.typingSent = 0;
    if (this.conv) this.conn.send({ type: 'typing', conv: this.conv, typing: false });
  }

  scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
