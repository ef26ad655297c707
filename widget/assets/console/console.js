// console.js: the agent console. Signs in with role agent, keeps the session
// token in sessionStorage, shows the live queue and several chats at once.
import { Conn, wsURL, newID, base, translationFor, langName, h } from '/widget/conn.js';

const KEY = 'parley-console';
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const TYPING_SHOWN = 8000;
const $ = (id) => document.getElementById(id);

class Console {
  constructor() {
    this.session = this.load();
    this.secret = '';
    this.conn = null;
    this.me = null;
    this.agents = [];
    this.queue = [];
    this.queueAt = 0;
    this.chats = new Map(); // conv -> chat
    this.current = '';
    this.pend = new Map(); // client id -> {id, conv, text, el}
    this.lang = base(navigator.language) || 'en';
    this.audio = null;
    this.everConnected = false;
    $('signin-form').addEventListener('submit', (e) => { e.preventDefault(); this.signIn(); });
    $('signout').addEventListener('click', () => this.signOut());
    $('status').addEventListener('change', () => this.presence());
    $('capacity').addEventListener('change', () => this.presence());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.seen(this.current); });
    // Browsers allow sound after a gesture; a reload signs in without one.
    document.addEventListener('pointerdown', () => this.unlockAudio(), { once: true });
    setInterval(() => this.tick(), 1000);
    if (this.session.token) this.connect();
  }

  load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch { return {}; }
  }
  save() {
    try { sessionStorage.setItem(KEY, JSON.stringify(this.session)); } catch { /* blocked */ }
  }

  signIn() {
    const form = $('signin-form');
    const site = form.site.value.trim();
    const agent = form.agent.value.trim();
    this.secret = form.secret.value;
    form.secret.value = '';
    if (!site || !agent || !this.secret) return;
    this.session = { site, agent };
    this.save();
    this.unlockAudio();
    this.connect();
  }

  signOut() {
    if (this.conn) {
      this.conn.send({ type: 'presence', status: 'offline' });
      const c = this.conn;
      setTimeout(() => c.stop(), 100);
    }
    this.conn = null;
    this.session = {};
    sessionStorage.removeItem(KEY);
    location.reload();
  }

  connect() {
    const { site } = this.session;
    this.conn = new Conn({
      url: wsURL(location.origin, site, 'agent'),
      hello: () => this.hello(),
      onFrame: (f) => this.frame(f),
      onStatus: (s) => this.status(s),
    });
    this.conn.start();
  }

  hello() {
    const f = { type: 'hello', role: 'agent', site: this.session.site };
    if (this.session.token) f.token = this.session.token;
    else {
      f.agent = this.session.agent;
      f.secret = this.secret;
    }
    const resume = {};
    for (const c of this.chats.values()) resume[c.id] = c.lastSeq;
    if (Object.keys(resume).length) f.resume = resume;
    return f;
  }

  status(s) {
    if (s === 'open') { $('banner').hidden = true; return; }
    if (!this.everConnected) return;
    $('banner').textContent = s === 'offline' ? 'You are offline. Reconnecting when the network is back…' : 'Reconnecting…';
    $('banner').hidden = false;
  }

  frame(f) {
    switch (f.type) {
      case 'welcome': return this.welcome(f);
      case 'queue': return this.setQueue(f.queue || []);
      case 'conversation': return f.conversation && this.conversation(f.conversation);
      case 'message': return this.message(f);
      case 'translation': return this.translation(f);
      case 'typing': return this.typingIn(f);
      case 'read': return this.readIn(f);
      case 'agents': return this.setAgents(f.agents || []);
      case 'ack': return this.ack(f);
      case 'error': return this.error(f);
    }
  }

  welcome(f) {
    this.everConnected = true;
    this.secret = '';
    if (f.token) this.session.token = f.token;
    if (f.agent) this.session.agent = f.agent;
    this.save();
    $('signin').hidden = true;
    $('app').hidden = false;
    this.setAgents(f.agents || []);
    if (this.me) {
      $('me').textContent = this.me.name || this.me.id;
      if (this.me.capacity && !this.capacitySet) $('capacity').value = this.me.capacity;
      if (this.me.status === 'away' && !this.statusSet) $('status').value = 'away';
    } else {
      $('me').textContent = this.session.agent;
    }
    // The gateway replays each of them after the seq named in hello, or
    // from the start.
    for (const c of f.conversations || []) this.conversation(c);
    this.setQueue(f.queue || []);
    this.presence();
    for (const p of this.pend.values()) this.conn.send({ type: 'message', id: p.id, conv: p.conv, text: p.text });
  }

  presence() {
    this.statusSet = true;
    this.capacitySet = true;
    const capacity = Math.max(1, Math.min(50, parseInt($('capacity').value, 10) || 3));
    this.conn?.send({ type: 'presence', status: $('status').value, capacity });
  }

  setAgents(list) {
    this.agents = list;
    this.me = list.find((a) => a.id === this.session.agent) || this.me;
    if (this.me && this.me.languages && this.me.languages.length) this.lang = this.me.languages[0];
    for (const c of this.chats.values()) this.fillTransfer(c);
  }

  // Queue.
  setQueue(q) {
    const before = new Set(this.queue.map((e) => e.conv));
    this.queue = q;
    this.queueAt = Date.now();
    if (q.some((e) => !before.has(e.conv))) this.beep();
    const ul = $('queue');
    ul.replaceChildren(...q.map((e) => {
      const wait = h('span', { class: 'wait' });
      wait.dataset.ms = e.waiting_ms || 0;
      const li = h('li', { class: 'item' },
        h('div', { class: 'line' },
          h('strong', { class: 'name', text: e.visitor_name || 'Visitor' }),
          e.language ? h('span', { class: 'lang', text: e.language, title: langName(e.language) }) : null,
          wait),
        h('p', { class: 'preview', text: e.preview || '' }),
        h('button', { type: 'button', class: 'primary small', text: 'Accept',
          'aria-label': 'Accept chat with ' + (e.visitor_name || 'visitor'),
          onclick: () => this.conn.send({ type: 'accept', id: newID('a-'), conv: e.conv }) }));
      li.dataset.conv = e.conv;
      return li;
    }));
    $('queue-count').textContent = q.length;
    $('queue-empty').hidden = q.length > 0;
    this.tick();
    this.title();
  }

  tick() {
    const extra = Date.now() - this.queueAt;
    for (const el of document.querySelectorAll('#queue .wait')) {
      el.textContent = fmtWait(Number(el.dataset.ms) + extra);
    }
  }

  // Chats.
  conversation(c) {
    if (c.updated_at) { // state frames may cross on their way through several gateway nodes: keep the newest
      const seen = (this.seenAt ||= {});
      const at = Date.parse(c.updated_at);
      if (at < (seen[c.id] || 0)) return;
      seen[c.id] = at;
    }
    let chat = this.chats.get(c.id);
    const mine = c.agent_id === this.session.agent;
    if (!chat) {
      if (!mine || c.state !== 'active') return;
      chat = this.newChat(c);
      this.beep();
    }
    Object.assign(chat.c, c);
    if (c.visitor_name) this.setName(chat, c.visitor_name);
    if (c.language) this.setLang(chat, c.language);
    if (c.state === 'closed') this.closeChat(chat);
    else if (!mine && c.agent_id) this.dropChat(chat, 'Transferred');
    this.count();
  }

  newChat(c) {
    const entry = this.queue.find((e) => e.conv === c.id) || {};
    const chat = { id: c.id, c: { ...c }, lang: c.language || entry.language || '', lastSeq: 0, msgs: new Map(),
      unread: 0, translate: true, readSent: 0, typingSent: 0 };
    const name = c.visitor_name || entry.visitor_name || 'Visitor';
    chat.nameEl = h('span', { class: 'name', text: name });
    chat.titleEl = h('h2', { text: name });
    chat.langEl = h('span', { class: 'lang', text: chat.lang, hidden: !chat.lang });
    chat.langHead = h('span', { class: 'sub', hidden: !chat.lang, text: chat.lang ? 'Customer language: ' + langName(chat.lang) : '' });
    chat.badge = h('span', { class: 'badge', hidden: true });
    chat.stateEl = h('span', { class: 'sub', text: '' });
    chat.tab = h('li', { class: 'item chat-tab', role: 'tab', tabindex: '0', 'aria-selected': 'false',
      onclick: () => this.select(c.id), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.select(c.id); } } },
    h('div', { class: 'line' }, chat.nameEl, chat.langEl, chat.badge), chat.stateEl);
    chat.tab.dataset.conv = c.id;
    $('chats').append(chat.tab);

    chat.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages with ' + name, tabindex: '0' });
    chat.typingEl = h('div', { class: 'typing', hidden: true });
    chat.transfer = h('select', { 'aria-label': 'Transfer to' });
    chat.toggle = h('input', { type: 'checkbox', checked: true,
      onchange: () => { chat.translate = chat.toggle.checked; this.conn.send({ type: 'translate', conv: c.id, enabled: chat.translate }); this.rerender(chat); } });
    chat.input = h('textarea', { rows: 2, placeholder: 'Write a reply… (Enter to send, Shift+Enter for a new line)', 'aria-label': 'Reply', maxlength: '4000',
      onkeydown: (e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.send(chat); } },
      oninput: () => this.typingOut(chat) });
    chat.composer = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this.send(chat); } },
      chat.input, h('button', { type: 'submit', class: 'primary', text: 'Send' }));
    chat.closeBtn = h('button', { type: 'button', class: 'ghost danger', text: 'Close chat',
      onclick: () => this.conn.send({ type: 'close', id: newID('a-'), conv: c.id }) });
    chat.pane = h('div', { class: 'chat', hidden: true, role: 'tabpanel' },
      h('div', { class: 'chat-head' },
        h('div', { class: 'who' }, chat.titleEl, chat.langHead),
        h('div', { class: 'tools' },
          h('label', { class: 'inline check' }, chat.toggle, ' Translate'),
          chat.transfer,
          h('button', { type: 'button', class: 'ghost', text: 'Transfer',
            onclick: () => chat.transfer.value && this.conn.send({ type: 'transfer', id: newID('a-'), conv: c.id, agent: chat.transfer.value }) }),
          chat.closeBtn)),
      chat.log, chat.typingEl, chat.composer);
    $('pane').append(chat.pane);
    this.chats.set(c.id, chat);
    this.fillTransfer(chat);
    if (!this.current) this.select(c.id);
    this.count();
    return chat;
  }

  setName(chat, name) {
    chat.nameEl.textContent = name;
    chat.titleEl.textContent = name;
  }

  setLang(chat, lang) {
    chat.lang = lang;
    chat.langEl.textContent = lang;
    chat.langEl.hidden = false;
    chat.langHead.textContent = 'Customer language: ' + langName(lang);
    chat.langHead.hidden = false;
  }

  fillTransfer(chat) {
    const others = this.agents.filter((a) => a.id !== this.session.agent);
    chat.transfer.replaceChildren(h('option', { value: '', text: 'Transfer to…' }),
      ...others.map((a) => h('option', { value: a.id, text: `${a.name || a.id} (${a.status || 'offline'})` })));
  }

  select(conv) {
    const chat = this.chats.get(conv);
    if (!chat) return;
    this.current = conv;
    for (const c of this.chats.values()) {
      c.pane.hidden = c !== chat;
      c.tab.setAttribute('aria-selected', String(c === chat));
      c.tab.classList.toggle('active', c === chat);
    }
    $('placeholder').hidden = true;
    this.seen(conv);
    chat.log.scrollTop = chat.log.scrollHeight;
    if (!chat.composer.hidden) chat.input.focus();
  }

  seen(conv) {
    const chat = this.chats.get(conv);
    if (!chat || document.hidden) return;
    chat.unread = 0;
    chat.badge.hidden = true;
    if (chat.lastSeq > chat.readSent && this.conn.send({ type: 'read', conv, seq: chat.lastSeq })) chat.readSent = chat.lastSeq;
    this.title();
  }

  closeChat(chat) {
    chat.closed = true;
    chat.composer.hidden = true;
    chat.closeBtn.hidden = true;
    chat.stateEl.textContent = 'Closed';
    chat.tab.classList.add('closed');
  }

  dropChat(chat, why) {
    chat.tab.remove();
    chat.pane.remove();
    this.chats.delete(chat.id);
    if (this.current === chat.id) {
      this.current = '';
      const next = this.chats.keys().next();
      if (!next.done) this.select(next.value);
      else $('placeholder').hidden = false;
    }
    if (why) this.toast(`${why}: ${chat.nameEl.textContent}`);
    this.count();
  }

  count() {
    $('chats-count').textContent = this.chats.size;
    $('chats-empty').hidden = this.chats.size > 0;
    this.title();
  }

  title() {
    let n = this.queue.length;
    for (const c of this.chats.values()) n += c.unread;
    document.title = (n ? `(${n}) ` : '') + 'Parley console';
  }

  // Messages.
  message(f) {
    const m = f.message;
    if (!m || !f.seq) return;
    const conv = f.conv || m.conversation_id;
    let chat = this.chats.get(conv);
    if (!chat) {
      chat = this.newChat({ id: conv, state: 'active', agent_id: this.session.agent });
    }
    if (f.seq > chat.lastSeq) chat.lastSeq = f.seq;
    if (chat.msgs.has(f.seq) && !chat.msgs.get(f.seq).synthetic) return;
    m.pending = !!f.pending;
    const p = m.client_id && this.pend.get(m.client_id);
    const have = chat.msgs.get(f.seq);
    const el = this.renderMessage(chat, m);
    if (have) have.el.replaceWith(el);
    else if (p && m.role !== 'customer') { p.el.replaceWith(el); this.pend.delete(p.id); } else {
      const before = [...chat.log.children].find((n) => n.dataset.pending || Number(n.dataset.seq) > f.seq) || null;
      chat.log.insertBefore(el, before);
    }
    chat.msgs.set(f.seq, { m, el });
    if (m.kind === 'event') {
      if (m.event === 'closed') this.closeChat(chat);
    }
    if (m.role === 'customer' && m.kind === 'text') {
      chat.typingEl.hidden = true;
      if (m.sender_name && !chat.c.visitor_name) this.setName(chat, m.sender_name);
      if (m.lang && !chat.lang) this.setLang(chat, m.lang);
      chat.stateEl.textContent = this.shown(chat, m).text.slice(0, 60);
      if (this.current !== conv || document.hidden) {
        chat.unread++;
        chat.badge.textContent = chat.unread;
        chat.badge.hidden = false;
        this.beep();
      } else {
        this.seen(conv);
      }
      this.title();
    }
    chat.log.scrollTop = chat.log.scrollHeight;
  }

  // shown returns what the agent reads for a message, and the original.
  shown(chat, m) {
    if (m.role === 'customer' && chat.translate) {
      const tr = translationFor(m.translations, this.lang);
      if (tr && tr !== m.text && base(m.lang) !== base(this.lang)) return { text: tr, orig: m.text, from: m.lang };
    }
    return { text: m.text || '' };
  }

  renderMessage(chat, m) {
    if (m.kind === 'event') {
      const el = h('div', { class: 'event', text: eventText(m, this.agents) });
      el.dataset.seq = m.seq;
      return el;
    }
    const mine = m.role !== 'customer';
    const s = this.shown(chat, m);
    const bubble = h('div', { class: 'bubble' }, h('p', { class: 'text', text: s.text }));
    if (s.orig != null) {
      bubble.append(h('p', { class: 'orig', text: `Original (${s.from || '?'}): ${s.orig}` }));
    } else if (m.role === 'customer' && m.pending && chat.translate) {
      bubble.append(h('p', { class: 'orig', text: 'Translating…' }));
    }
    if (mine && chat.translate && chat.lang) {
      const tr = translationFor(m.translations, chat.lang);
      if (tr && tr !== m.text) bubble.append(h('p', { class: 'orig', text: `Customer reads (${chat.lang}): ${tr}` }));
    }
    const at = m.at ? new Date(m.at) : new Date();
    const meta = h('div', { class: 'meta' },
      h('span', { text: mine ? (m.sender_name || 'You') : (m.sender_name || 'Customer') }),
      h('time', { datetime: at.toISOString(), text: at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }));
    if (mine) meta.append(h('span', { class: 'state', text: 'Sent' }));
    const el = h('div', { class: 'row ' + (mine ? 'mine' : 'theirs') }, bubble, meta);
    el.dataset.seq = m.seq;
    if (mine && chat.readSeq >= m.seq) this.mark(el);
    return el;
  }

  rerender(chat) {
    for (const e of chat.msgs.values()) {
      if (!e.m || !e.m.kind) continue;
      const el = this.renderMessage(chat, e.m);
      e.el.replaceWith(el);
      e.el = el;
    }
  }

  translation(f) {
    const chat = this.chats.get(f.conv);
    const e = chat && chat.msgs.get(f.seq);
    if (!e || !e.m || !f.lang) return;
    e.m.translations = { ...(e.m.translations || {}), [f.lang]: f.text || '' };
    e.m.pending = false;
    const el = this.renderMessage(chat, e.m);
    e.el.replaceWith(el);
    e.el = el;
  }

  send(chat) {
    const text = chat.input.value.trim();
    if (!text || chat.closed) return;
    chat.input.value = '';
    this.stopTyping(chat);
    const p = { id: newID('a-'), conv: chat.id, text };
    p.el = h('div', { class: 'row mine' }, h('div', { class: 'bubble' }, h('p', { class: 'text', text })),
      h('div', { class: 'meta' }, h('span', { class: 'state', text: 'Sending…' })));
    p.el.dataset.pending = '1';
    chat.log.append(p.el);
    chat.log.scrollTop = chat.log.scrollHeight;
    this.pend.set(p.id, p);
    this.conn.send({ type: 'message', id: p.id, conv: chat.id, text });
  }

  ack(f) {
    const p = f.id && this.pend.get(f.id);
    if (p) {
      const st = p.el.querySelector('.state');
      if (st) st.textContent = 'Sent';
      delete p.el.dataset.pending;
      const chat = this.chats.get(p.conv);
      if (chat && f.seq && !chat.msgs.has(f.seq)) {
        p.el.dataset.seq = f.seq;
        chat.msgs.set(f.seq, { el: p.el, synthetic: true });
      }
      this.pend.delete(f.id);
    }
    if (f.message) this.message({ type: 'message', conv: f.conv, seq: f.seq, message: f.message });
    if (f.conversation) this.conversation(f.conversation);
  }

  error(f) {
    if (f.code === 'unauthorized') {
      this.conn?.stop();
      this.conn = null;
      sessionStorage.removeItem(KEY);
      const token = this.session.token;
      this.session = {};
      $('app').hidden = true;
      $('signin').hidden = false;
      $('signin-error').textContent = token ? 'Your session has expired. Please sign in again.' : 'Wrong site key, agent id or secret.';
      $('signin-error').hidden = false;
      return;
    }
    const p = f.id && this.pend.get(f.id);
    if (p && (f.code === 'rate_limited' || f.code === 'unavailable')) {
      setTimeout(() => this.conn?.send({ type: 'message', id: p.id, conv: p.conv, text: p.text }), 2000);
      return;
    }
    if (p) {
      const st = p.el.querySelector('.state');
      if (st) st.textContent = 'Not delivered';
      p.el.classList.add('failed');
      this.pend.delete(p.id);
    }
    this.toast(errorText(f));
  }

  toast(text) {
    const t = $('toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { t.hidden = true; }, 5000);
  }

  // Typing and read receipts.
  typingIn(f) {
    const chat = this.chats.get(f.conv);
    if (!chat || f.role !== 'customer') return;
    clearTimeout(chat.typingTimer);
    chat.typingEl.textContent = `${f.name || chat.nameEl.textContent} is typing…`;
    chat.typingEl.hidden = !f.typing;
    chat.log.scrollTop = chat.log.scrollHeight;
    if (f.typing) chat.typingTimer = setTimeout(() => { chat.typingEl.hidden = true; }, TYPING_SHOWN);
  }

  typingOut(chat) {
    if (!chat.input.value.trim()) return;
    const now = Date.now();
    if (now - chat.typingSent > TYPING_EVERY && this.conn.send({ type: 'typing', conv: chat.id, typing: true })) chat.typingSent = now;
    clearTimeout(chat.idle);
    chat.idle = setTimeout(() => this.stopTyping(chat), TYPING_IDLE);
  }

  stopTyping(chat) {
    clearTimeout(chat.idle);
    if (!chat.typingSent) return;
    chat.typingSent = 0;
    this.conn.send({ type: 'typing', conv: chat.id, typing: false });
  }

  readIn(f) {
    const chat = this.chats.get(f.conv);
    if (!chat || f.role !== 'customer' || !f.seq) return;
    chat.readSeq = Math.max(chat.readSeq || 0, f.seq);
    for (const [seq, e] of chat.msgs) if (seq <= f.seq) this.mark(e.el);
  }

  mark(el) {
    const st = el && el.querySelector('.row.mine .state, .state');
    if (st && el.classList.contains('mine')) st.textContent = 'Read';
  }

  // Sound: a short WebAudio beep, no audio file.
  unlockAudio() {
    try { this.audio ||= new AudioContext(); } catch { this.audio = null; }
  }

  beep() {
    if (!$('sound').checked || !this.audio) return;
    try {
      const ctx = this.audio;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.08, ctx.currentTime + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.2);
    } catch { /* no audio */ }
  }
}

function fmtWait(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return m ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function eventText(m, agents) {
  const a = agents.find((x) => x.id === m.sender_id);
  const who = m.sender_name || (a && a.name) || m.sender_id || 'an agent';
  switch (m.event) {
    case 'queued': return 'Customer is waiting in the queue';
    case 'assigned': return `Assigned to ${who}`;
    case 'transferred': return `Transferred to ${who}`;
    case 'requeued': return 'Back in the queue' + (m.text ? ` (${m.text})` : '');
    case 'closed': return 'Conversation closed';
    default: return m.event || '';
  }
}

function errorText(f) {
  const known = {
    conflict: 'Someone else already took that conversation.',
    capacity: 'You are at your capacity. Close a chat or raise your capacity.',
    not_found: 'That conversation or agent does not exist.',
    forbidden: 'That is not allowed.',
    closed: 'The conversation is closed.',
    rate_limited: 'Slow down a little; try again in a moment.',
  };
  return known[f.code] || f.error || f.code || 'Something went wrong.';
}

// Module scripts run once the document is parsed.
new Console();
