// Frontdesk's shared browser helpers: the page's words, times in the viewer's own zone, toasts,
// REST calls and the Socket.IO connection. Every user-supplied string goes into the page with
// textContent, never as HTML. Data comes from data- attributes: there are no inline scripts.
(function () {
  'use strict';
  const body = document.body;
  const t = JSON.parse(body.dataset.i18n || '{}');
  const lang = body.dataset.lang || 'vi';

  // The server draws dates and day boundaries in the viewer's zone once it knows it.
  document.cookie = 'tz=' + (-new Date().getTimezoneOffset()) + '; path=/; max-age=31536000; SameSite=Strict' +
    (location.protocol === 'https:' ? '; Secure' : '');

  /** A phrase with {name}-style holes filled in. */
  function fmt(key, vars) {
    let s = t[key] || key;
    for (const k in vars || {}) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }

  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' });
  const timeOnly = new Intl.DateTimeFormat(lang, { timeStyle: 'short' });

  /** A time as the viewer's wall clock: just the time for today, else date and time. */
  function localTime(d) {
    return d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : dateTime.format(d);
  }

  const weekdayAndTime = new Intl.DateTimeFormat(lang, { weekday: 'long', hour: 'numeric', minute: '2-digit' });
  const weekdayDateTime = new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' });

  /**
   * A coming time as the viewer's wall clock with its weekday ("Monday 09:00"): the date too
   * when it is a week or more away, where the weekday alone would be ambiguous.
   */
  function weekdayTime(d) {
    return d.getTime() - Date.now() < 6 * 86400000 ? weekdayAndTime.format(d) : weekdayDateTime.format(d);
  }

  /** Rewrites every <time> under root in the viewer's zone and language. */
  function localize(root) {
    root.querySelectorAll('time[datetime], time[data-ms]').forEach((el) => {
      const d = el.dataset.ms ? new Date(Number(el.dataset.ms)) : new Date(el.getAttribute('datetime'));
      if (isNaN(d)) return;
      el.textContent = localTime(d);
      el.title = dateTime.format(d);
    });
  }

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h > 0) return fmt('hours', { n: h }) + ' ' + fmt('minutes', { n: m });
    if (m > 0) return fmt('minutes', { n: m }) + ' ' + fmt('seconds', { n: s % 60 });
    return fmt('seconds', { n: s });
  }

  function ago(ms) {
    const m = Math.floor(ms / 60000);
    if (m < 1) return t.just_now;
    if (m < 60) return fmt('minutes', { n: m });
    if (m < 1440) return fmt('hours', { n: Math.floor(m / 60) });
    return fmt('days', { n: Math.floor(m / 1440) });
  }

  /** Refreshes every waiting time under root (`.ago[data-since]`). */
  function tickAgo(root) {
    const now = Date.now();
    root.querySelectorAll('.ago[data-since]').forEach((el) => {
      const since = new Date(el.dataset.since).getTime();
      if (isNaN(since)) return;
      el.textContent = el.dataset.style === 'duration' ? duration(now - since) : ago(now - since);
    });
  }

  /** An element with a class and text (never HTML). */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function toast(text, kind) {
    const box = document.getElementById('toasts');
    if (!box) return;
    const item = el('div', 'toast' + (kind ? ' ' + kind : ''), text);
    box.appendChild(item);
    setTimeout(() => item.remove(), 6000);
  }

  /** How pages name a person: first and last name, else the user name. */
  function displayName(u) {
    if (!u) return '';
    const full = ((u.firstName || '') + ' ' + (u.lastName || '')).trim();
    return full || u.userName || '';
  }

  /**
   * A REST call with the page's token. Rejects with the server's message, the status, and the
   * body's stable `code` (and `holder`, for a refused claim): a page branches on those, never
   * on the message's words.
   */
  async function api(method, path, body, token) {
    const headers = { Authorization: 'Bearer ' + (token || FD.token) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch('/api' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw Object.assign(new Error(data.message || res.statusText), {
        status: res.status, code: data.code || null, holder: data.holder || null,
      });
    }
    return data;
  }

  /** Why an action was refused, in the page's words where the server says it as data. */
  function refusal(err) {
    if (err && err.code === 'SESSION_ALREADY_CLAIMED' && err.holder) return fmt('claimed_by', { name: displayName(err.holder) });
    return (err && err.message) || t.error_generic;
  }

  /** A random id for idempotent resends (works without a secure context too). */
  function randomId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  /**
   * Joins a room. With `after` (the newest message id the page has) the server sends only what
   * came after it, a bounded batch per `room_history`; while it answers `hasMore`, this joins
   * again from the last message received, so nothing from a long outage is left out. The page's
   * own `room_history` listener still gets every batch. `ack` gets the first join's answer.
   */
  function joinRoom(socket, roomId, after, ack) {
    let chasing = socket.fdChasing;
    if (!chasing) {
      chasing = socket.fdChasing = new Map();
      socket.on('room_history', (h) => {
        const last = h && h.messages && h.messages[h.messages.length - 1];
        if (!last || !chasing.has(last.roomId)) return;
        if (h.pagination && h.pagination.hasMore && last.id > chasing.get(last.roomId)) {
          chasing.set(last.roomId, last.id);
          socket.emit('join_room', { roomId: last.roomId, afterMessageId: last.id });
        } else {
          chasing.delete(last.roomId);
        }
      });
    }
    // Only a catch-up is chased: a first join's `hasMore` is about older messages.
    if (after) chasing.set(roomId, after);
    else chasing.delete(roomId);
    const payload = after ? { roomId, afterMessageId: after } : { roomId };
    if (ack) socket.emit('join_room', payload, ack);
    else socket.emit('join_room', payload);
  }

  /**
   * Connects to /chat and shows the connection's state in the top bar (#conn). A refused
   * handshake carries one fixed word, the contract's `Unauthorized` (socket.io gives it no
   * other field): this is the one place that reads it, and calls `onUnauthorized`.
   */
  function connect(token, onUnauthorized) {
    const socket = io('/chat', { auth: { token: token || FD.token } });
    const dot = document.getElementById('conn');
    const show = (state) => {
      body.dataset.conn = state;
      if (dot) { dot.dataset.state = state; dot.title = state === 'up' ? t.connected : t.reconnecting; }
    };
    socket.on('connect', () => show('up'));
    socket.on('disconnect', () => show('down'));
    socket.on('connect_error', (err) => {
      show('down');
      if (onUnauthorized && err && err.message === 'Unauthorized') onUnauthorized();
    });
    return socket;
  }

  // Forms that need a second thought (deactivating an account) ask first.
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });

  window.FD = {
    t, fmt, lang, el, toast, api, refusal, connect, joinRoom, localize, tickAgo, displayName, randomId, duration,
    localTime, weekdayTime,
    token: body.dataset.token || '',
    userId: Number(body.dataset.userId || 0),
    role: body.dataset.role || '',
  };
  localize(document);
  tickAgo(document);
  setInterval(() => tickAgo(document), 15000);
})();
