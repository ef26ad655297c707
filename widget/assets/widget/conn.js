// conn.js: one parley.v1 WebSocket that says hello on every (re)connect and
// reconnects with exponential backoff and jitter. Shared by the widget and
// the agent console.

const MAX_DELAY = 10000;
const PING_EVERY = 25000;
const PONG_WITHIN = 10000;

// Conn keeps a parley.v1 connection up until stop() is called.
export class Conn {
  // url: ws(s) URL; hello(): the hello frame to send; onFrame(frame);
  // onStatus('connecting' | 'open' | 'offline').
  constructor({ url, hello, onFrame, onStatus }) {
    this.url = url;
    this.hello = hello;
    this.onFrame = onFrame;
    this.onStatus = onStatus || (() => {});
    this.ws = null;
    this.tries = 0;
    this.timer = 0;
    this.pinger = 0;
    this.pongDue = 0;
    this.stopped = true;
    this.welcomed = false;
    this.now = () => this.connect();
    this.down = () => this.onStatus('offline');
  }

  // start opens the connection and keeps it open.
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener('online', this.now);
    addEventListener('offline', this.down);
    this.connect();
  }

  // stop closes the connection for good.
  stop() {
    this.stopped = true;
    removeEventListener('online', this.now);
    removeEventListener('offline', this.down);
    clearTimeout(this.timer);
    this.drop(1000);
  }

  // reconnect closes the current socket and connects again at once, with a
  // fresh hello.
  reconnect() {
    if (this.stopped) return;
    this.tries = 0;
    this.connect();
  }

  // send writes a frame when connected and welcomed; it reports whether it did.
  send(frame) {
    if (!this.ws || this.ws.readyState !== 1 || !this.welcomed) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  get ready() {
    return !!this.ws && this.ws.readyState === 1 && this.welcomed;
  }

  drop(code) {
    const ws = this.ws;
    this.ws = null;
    this.welcomed = false;
    clearInterval(this.pinger);
    clearTimeout(this.pongDue);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(code); } catch { /* already closing */ }
    }
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.drop(1000);
    this.onStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url, 'parley.v1');
    } catch {
      this.later();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify(this.hello()));
      this.pinger = setInterval(() => this.ping(), PING_EVERY);
    };
    ws.onmessage = (ev) => {
      clearTimeout(this.pongDue);
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (!f || typeof f !== 'object') return;
      if (f.type === 'welcome') {
        this.tries = 0;
        this.welcomed = true;
        this.onStatus('open');
      }
      if (f.type === 'pong') return;
      this.onFrame(f);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.drop(1000);
      if (this.stopped) return;
      if (ev.code === 1012) { // the gateway is restarting: come straight back
        this.tries = 0;
        this.timer = setTimeout(() => this.connect(), 50 + Math.random() * 250);
        this.onStatus('connecting');
        return;
      }
      this.later();
    };
  }

  ping() {
    if (!this.ready) return;
    this.ws.send(JSON.stringify({ type: 'ping', id: 'p' + Date.now() }));
    clearTimeout(this.pongDue);
    this.pongDue = setTimeout(() => this.connect(), PONG_WITHIN);
  }

  later() {
    this.onStatus(navigator.onLine === false ? 'offline' : 'connecting');
    const base = Math.min(MAX_DELAY, 500 * 2 ** Math.min(this.tries++, 5));
    const delay = base / 2 + Math.random() * base / 2;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

// wsURL returns the gateway's WebSocket URL for an http(s) origin.
export function wsURL(origin, site, role) {
  const u = new URL('/ws', origin);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('site', site);
  u.searchParams.set('role', role);
  return u.href;
}

// newID returns a random client id for a frame.
export function newID(prefix) {
  const r = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID()
    : Date.now().toString(36) + Math.random().toString(36).slice(2);
  return prefix + r;
}

// base returns the primary subtag of a language tag, lower-cased.
export function base(tag) {
  return String(tag || '').split(/[-_]/)[0].toLowerCase();
}

// translationFor returns the translation of a message into lang (an exact
// tag or its base language), or ''.
export function translationFor(translations, lang) {
  if (!translations || !lang) return '';
  if (translations[lang]) return translations[lang];
  const b = base(lang);
  for (const k of Object.keys(translations)) if (base(k) === b) return translations[k];
  return '';
}

// langName returns a language's name in the UI language, or the tag.
export function langName(tag, ui) {
  try {
    return new Intl.DisplayNames([ui || 'en'], { type: 'language' }).of(tag) || tag;
  } catch {
    return tag;
  }
}

// h creates an element with properties, attributes and children; text is
// always set as text, never parsed as HTML.
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid != null) el.append(kid);
  return el;
}

// icon returns an inline SVG icon from a path.
export function icon(d, size = 20) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', 'currentColor');
  svg.append(p);
  return svg;
}
