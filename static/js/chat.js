// The customer page (/chat), also shown in the widget's iframe. Signs in or up through the REST
// API and keeps the token in sessionStorage: it lives as long as the tab, is never sent as a
// cookie (so no CSRF), and a shared shop computer forgets it when the tab closes. Chats over
// the /chat namespace through the shared conversation (conversation.js: messages, paging,
// typing, sending, catch-up and resend after a reconnect); this page adds signing in, asking
// for help on a topic, and the session's state, read again after a reconnect.
(function () {
  'use strict';
  const { t, fmt, toast, api, displayName } = FD;
  const $ = (id) => document.getElementById(id);
  const card = $('customer'), statusLine = $('status-line');
  const KEY = 'fd.customer';
  let auth = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  let socket = null, room = null, session = null, convo = null;
  /** Counts session news heard live, so an older REST answer does not undo it. */
  let sessionNews = 0;

  // ---------- signing in ----------
  function showTab(signUp) {
    $('tab-sign-in').setAttribute('aria-selected', String(!signUp));
    $('tab-sign-up').setAttribute('aria-selected', String(signUp));
    $('sign-in-form').hidden = signUp;
    $('sign-up-form').hidden = !signUp;
    $('auth-error').hidden = true;
  }
  $('tab-sign-in').addEventListener('click', () => showTab(false));
  $('tab-sign-up').addEventListener('click', () => showTab(true));

  async function authenticate(path, form) {
    const body = Object.fromEntries(new FormData(form));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await fetch('/api/auth/' + path, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(res.status === 401 ? t.err_credentials : data.message || res.statusText);
      auth = { token: data.accessToken, user: data.user };
      sessionStorage.setItem(KEY, JSON.stringify(auth));
      form.reset();
      start();
    } catch (err) {
      $('auth-error').textContent = err.message;
      $('auth-error').hidden = false;
    } finally {
      button.disabled = false;
    }
  }
  $('sign-in-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate('login', e.target); });
  $('sign-up-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate('register', e.target); });

  function signOut() {
    sessionStorage.removeItem(KEY);
    auth = null;
    if (convo) convo.destroy();
    if (socket) socket.disconnect();
    socket = null;
    convo = null;
    card.dataset.state = 'signed-out';
    $('auth').hidden = false;
    $('room').hidden = true;
    $('customer-sign-out').hidden = true;
    statusLine.textContent = '';
  }
  $('customer-sign-out').addEventListener('click', signOut);

  // ---------- the session ----------
  function showSession(s) {
    session = s && s.status !== 'ENDED' ? s : null;
    if (convo && session) convo.know(session.staff);
    $('help-bar').hidden = Boolean(session);
    if (session) $('topic-picker').hidden = true;
    if (!session) statusLine.textContent = s ? t.ended_help_again : '';
    else if (session.status === 'OPEN') statusLine.textContent = t.waiting_staff + ' · ' + session.title;
    else statusLine.textContent = fmt('with_staff', { name: displayName(session.staff) }) + ' · ' + session.title;
    card.dataset.session = session ? session.status : 'NONE';
  }
  $('get-help').addEventListener('click', () => { $('topic-picker').hidden = false; $('help-bar').hidden = true; $('topic-input').focus(); });
  $('topic-cancel').addEventListener('click', () => { $('topic-picker').hidden = true; $('help-bar').hidden = false; });
  async function openSession(title) {
    try {
      showSession(await api('POST', '/chat/rooms/' + room.id + '/sessions', { title }, auth.token));
    } catch (err) { toast(err.message, 'error'); }
  }
  $('topic-picker').addEventListener('click', (e) => {
    const chip = e.target.closest('.chip');
    if (chip) openSession(chip.dataset.topic);
  });
  $('topic-picker').addEventListener('submit', (e) => {
    e.preventDefault();
    const title = $('topic-input').value.trim();
    if (title) { openSession(title); $('topic-input').value = ''; }
  });

  /**
   * After a reconnect: the session as the server has it now. What was said about it while the
   * socket was down (claimed, ended, a new one) was never heard.
   */
  async function refreshSession() {
    const news = sessionNews, token = auth.token;
    let fresh;
    try {
      fresh = await api('GET', '/chat/rooms/' + room.id, undefined, token);
    } catch (err) {
      if (err.status === 401 && auth && auth.token === token) signOut();
      return;
    }
    if (news !== sessionNews || !auth || auth.token !== token) return; // newer news, or signed out
    if (fresh.activeSession) return showSession(fresh.activeSession);
    if (!session) return;
    convo.system(t.session_ended);
    showSession(Object.assign({}, session, { status: 'ENDED' }));
  }

  // ---------- connecting ----------
  function connect() {
    socket = FD.connect(auth.token, signOut);
    convo = window.FDConversation(socket, room.id, { me: auth.user.id, token: auth.token, ownName: t.you });
    if (session) convo.know(session.staff);
    let connects = 0;
    socket.on('connect', () => {
      card.dataset.conn = 'up';
      if (connects++ > 0) refreshSession();
    });
    socket.on('disconnect', () => { card.dataset.conn = 'down'; });
    socket.on('connect_error', () => { card.dataset.conn = 'down'; });
    socket.on('session_created', (s) => { if (s.roomId === room.id) { sessionNews += 1; showSession(s); } });
    socket.on('session_joined', (d) => {
      if (d.roomId !== room.id) return;
      sessionNews += 1;
      convo.know(d.staff);
      convo.system(fmt('joined', { name: displayName(d.staff) }));
      if (session) showSession(Object.assign({}, session, { status: 'IN_PROGRESS', staff: d.staff }));
    });
    socket.on('session_left', (d) => { if (session && d.sessionId === session.id) convo.system(fmt('left', { name: d.userName })); });
    socket.on('session_updated', (s) => {
      if (s.roomId !== room.id) return;
      sessionNews += 1;
      if (s.status === 'ENDED') convo.system(t.session_ended);
      showSession(s);
    });
  }

  async function start() {
    try {
      const rooms = await api('GET', '/chat/rooms', undefined, auth.token);
      room = rooms[0];
    } catch (err) {
      if (err.status === 401) return signOut();
      return toast(err.message, 'error');
    }
    card.dataset.state = 'chatting';
    $('auth').hidden = true;
    $('room').hidden = false;
    $('customer-sign-out').hidden = false;
    showSession(room.activeSession);
    connect();
  }

  // ---------- the shop's own texts and hours ----------
  /**
   * What the shop set (`GET /api/settings/public`): its name, welcome text and topics in
   * place of the page's own, and outside the hours a banner with the next opening. Without an
   * answer the page keeps its own texts: the settings never stop a customer from chatting.
   */
  function showShop(s) {
    if (s.shopName) {
      $('chat-title').textContent = s.shopName;
      document.title = s.shopName;
    }
    if (s.welcome) {
      $('welcome-lead').textContent = s.welcome;
      $('picker-welcome').textContent = s.welcome;
      $('picker-welcome').hidden = false;
    }
    const topics = Array.isArray(s.topics) ? s.topics.filter((x) => typeof x === 'string' && x.trim()) : [];
    if (topics.length) {
      $('chips').replaceChildren(...topics.map((topic) => {
        const chip = FD.el('button', 'chip', topic);
        chip.type = 'button';
        chip.dataset.topic = topic;
        return chip;
      }));
    }
    const closed = s.open === false;
    $('offline-banner').hidden = !closed;
    card.dataset.open = closed ? 'closed' : 'open';
    if (!closed) return;
    $('offline-text').textContent = s.offlineMessage || t.offline_default;
    const next = s.nextOpenAt ? new Date(s.nextOpenAt) : null;
    const known = next && !isNaN(next);
    $('offline-next').hidden = !known;
    if (known) $('offline-next').textContent = fmt('offline_next', { when: FD.weekdayTime(next) });
  }
  async function loadShop() {
    try {
      const res = await fetch('/api/settings/public', { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(res.statusText);
      showShop(await res.json());
    } catch (err) {
      card.dataset.open = 'unknown'; // the page's own texts stay
    }
  }
  loadShop();

  if (auth && auth.token) start();
})();
