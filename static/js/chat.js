// The customer page (/chat), also shown in the widget's iframe. Signs in or up through the REST
// API and keeps the token in sessionStorage: it lives as long as the tab, is never sent as a
// cookie (so no CSRF), and a shared shop computer forgets it when the tab closes. Chats over
// the /chat namespace; after a reconnect it asks only for what it missed (all of it, batch after
// batch), reads the session's state again and resends unacked messages with the same
// clientMessageId, so nothing is lost or doubled.
(function () {
  'use strict';
  const { t, fmt, el, toast, api, displayName } = FD;
  const $ = (id) => document.getElementById(id);
  const card = $('customer'), list = $('message-list'), box = $('messages');
  const statusLine = $('status-line'), composer = $('composer'), input = $('composer-text');
  const KEY = 'fd.customer';
  let auth = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  let socket = null, room = null, session = null, lastId = 0;
  /** Messages sent but not yet acked, each with the clientMessageId it keeps (and its bubble). */
  const outbox = FD.outbox();
  const pending = outbox.pending;
  /** Counts session news heard live, so an older REST answer does not undo it. */
  let sessionNews = 0;
  let typingAt = 0;

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
    if (socket) socket.disconnect();
    socket = null;
    list.textContent = '';
    lastId = 0;
    pending.clear();
    card.dataset.state = 'signed-out';
    $('auth').hidden = false;
    $('room').hidden = true;
    $('customer-sign-out').hidden = true;
    statusLine.textContent = '';
  }
  $('customer-sign-out').addEventListener('click', signOut);

  // ---------- messages ----------
  function messageEl(m, mine) {
    const li = el('li', 'msg ' + (mine ? 'mine' : m.sender.role === 'CUSTOMER' ? 'customer' : 'staff'));
    if (m.id) li.dataset.id = m.id;
    const meta = el('div', 'msg-meta');
    if (m.createdAt) {
      const time = el('time');
      time.setAttribute('datetime', m.createdAt);
      meta.append(el('span', 'msg-author', mine ? t.you : displayName(m.sender)), ' · ', time);
    } else {
      meta.textContent = t.sending;
    }
    li.append(el('div', 'bubble', m.content), meta);
    FD.localize(li);
    return li;
  }
  const scrollDown = () => { box.scrollTop = box.scrollHeight; };

  function add(m) {
    if (m.roomId !== room.id) return;
    const waiting = m.sender.id === auth.user.id ? outbox.settle(m) : null;
    if (waiting) waiting.li.remove();
    if (list.querySelector('[data-id="' + m.id + '"]')) return;
    const after = Array.from(list.children).find((x) => Number(x.dataset.id) > m.id);
    list.insertBefore(messageEl(m, m.sender.id === auth.user.id), after || null);
    lastId = Math.max(lastId, m.id);
    $('typing').hidden = true;
    scrollDown();
  }

  function system(text) {
    list.appendChild(el('li', 'sys', text));
    scrollDown();
  }

  /** Sends (or resends) one message; the same clientMessageId is never stored twice. */
  function send(cid) {
    if (!socket || !socket.connected) return;
    outbox.send(socket, room.id, cid, 10000, (err, m, p) => {
      if (!err) return add(m);
      if (err.retry) return; // resent after the next reconnect
      p.li.classList.add('failed');
      toast(fmt('not_sent', { reason: err.message }), 'error');
    });
  }

  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content || !room) return;
    input.value = '';
    typingAt = 0;
    const li = messageEl({ content }, true);
    li.classList.add('pending');
    list.appendChild(li);
    scrollDown();
    send(outbox.add(content, { li }));
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  input.addEventListener('input', () => {
    if (socket && room && Date.now() - typingAt > 2000) {
      typingAt = Date.now();
      socket.emit('typing', { roomId: room.id, isTyping: true });
    }
  });

  $('load-older').addEventListener('click', async () => {
    const button = $('load-older'), before = button.dataset.before;
    if (button.disabled || !before) return;
    button.disabled = true;
    try {
      const page = await api('GET', '/chat/rooms/' + room.id + '/messages?limit=50&before=' + before, undefined, auth.token);
      const first = list.firstChild, height = box.scrollHeight;
      page.messages.forEach((m) => {
        if (!list.querySelector('[data-id="' + m.id + '"]')) list.insertBefore(messageEl(m, m.sender.id === auth.user.id), first);
      });
      box.scrollTop += box.scrollHeight - height;
      setOlder(page.pagination);
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  box.addEventListener('scroll', () => {
    if (box.scrollTop < 40 && !$('load-older').hidden) $('load-older').click();
  });
  function setOlder(p) {
    $('load-older').hidden = !p.nextBefore;
    if (p.nextBefore) $('load-older').dataset.before = p.nextBefore;
  }

  // ---------- the session ----------
  function showSession(s) {
    session = s && s.status !== 'ENDED' ? s : null;
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
    system(t.session_ended);
    showSession(Object.assign({}, session, { status: 'ENDED' }));
  }

  // ---------- connecting ----------
  function connect() {
    socket = FD.connect(auth.token);
    let connects = 0;
    socket.on('connect', () => {
      card.dataset.conn = 'up';
      const again = connects++ > 0;
      FD.joinRoom(socket, room.id, lastId, () => {
        for (const cid of pending.keys()) send(cid);
      });
      if (again) refreshSession();
    });
    socket.on('disconnect', () => { card.dataset.conn = 'down'; });
    socket.on('connect_error', (err) => {
      card.dataset.conn = 'down';
      if (err.message === 'Unauthorized') signOut();
    });
    socket.on('room_history', (h) => {
      const first = lastId === 0;
      h.messages.forEach(add);
      if (first) setOlder(h.pagination);
    });
    socket.on('new_message', add);
    socket.on('session_created', (s) => { if (s.roomId === room.id) { sessionNews += 1; showSession(s); } });
    socket.on('session_joined', (d) => {
      if (d.roomId !== room.id) return;
      sessionNews += 1;
      system(fmt('joined', { name: displayName(d.staff) }));
      if (session) showSession(Object.assign({}, session, { status: 'IN_PROGRESS', staff: d.staff }));
    });
    socket.on('session_left', (d) => { if (session && d.sessionId === session.id) system(fmt('left', { name: d.userName })); });
    socket.on('session_updated', (s) => {
      if (s.roomId !== room.id) return;
      sessionNews += 1;
      if (s.status === 'ENDED') system(t.session_ended);
      showSession(s);
    });
    let typingHide = null;
    socket.on('user_typing', (d) => {
      if (d.userId === auth.user.id) return;
      clearTimeout(typingHide);
      $('typing').textContent = fmt('typing', { name: d.userName });
      $('typing').hidden = !d.isTyping;
      typingHide = setTimeout(() => { $('typing').hidden = true; }, 6000);
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

  if (auth && auth.token) start();
})();
