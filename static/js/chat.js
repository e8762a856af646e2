// The customer page (/chat), also shown in the widget's iframe. Chats over the /chat namespace
// through the shared conversation (conversation.js: messages, paging, typing, sending, catch-up
// and resend after a reconnect); this page adds starting (as a guest, or signing in), asking for
// help on a topic, the session's state (read again after a reconnect) and rating a session that
// ended.
//
// Where the token is kept, and why (issue 12):
// - A guest (POST /api/auth/guest: a first name, and e-mail/phone as the shop's pre-chat form
//   asks) keeps the token and user in localStorage (`fd.guest`): a guest has no password, so a
//   token that died with the tab would cut them off their own conversation. It survives closing
//   the tab, for the token's life (30 days or more); on load the page asks /api/auth/me whether
//   it still holds and goes straight to the chat. "Not me" (and signing out) forgets it: that is
//   the way out on a shared device.
// - A customer with an account (sign-in / sign-up, "I have an account") keeps it in
//   sessionStorage (`fd.customer`) as before: it lives as long as the tab, and a shared shop
//   computer forgets it when the tab closes; they can sign in again.
// Neither is ever sent as a cookie (so no CSRF). Text goes into the page as textContent only.
(function () {
  'use strict';
  const { t, fmt, toast, api, displayName } = FD;
  const $ = (id) => document.getElementById(id);
  const card = $('customer'), statusLine = $('status-line');
  const KEY = 'fd.customer', GUEST_KEY = 'fd.guest', SKIPPED_KEY = 'fd.rating.skipped';
  const stored = (store, key) => { try { return JSON.parse(store.getItem(key) || 'null'); } catch (e) { return null; } };
  let auth = stored(sessionStorage, KEY);
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
  $('have-account').addEventListener('click', () => {
    const open = $('account').hidden;
    $('account').hidden = !open;
    $('have-account').setAttribute('aria-expanded', String(open));
    $('have-account').textContent = open ? t.chat_as_guest : t.have_account;
    $('guest-form').hidden = open;
    $('auth').classList.toggle('account-open', open);
    $('welcome-lead').hidden = open && !$('welcome-lead').dataset.shop;
    if (open) $('sign-in-form').querySelector('input').focus();
    else $('guest-form').querySelector('input').focus();
  });
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

  // ---------- starting as a guest ----------
  $('guest-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target, button = form.querySelector('button[type=submit]'), error = $('guest-error');
    const body = {};
    for (const input of form.querySelectorAll('input:not([disabled])')) {
      const value = input.value.trim();
      if (value) body[input.name] = value;
    }
    button.disabled = true;
    error.hidden = true;
    try {
      const res = await fetch('/api/auth/guest', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(data.message || res.statusText || t.error_generic);
      auth = { token: data.accessToken, user: data.user, guest: true };
      localStorage.setItem(GUEST_KEY, JSON.stringify({ token: auth.token, user: auth.user }));
      form.reset();
      start(true);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  /** A guest back on this device: straight to the chat while /auth/me still takes the token. */
  async function resumeGuest(g) {
    card.dataset.state = 'resuming';
    $('auth').hidden = true;
    try {
      const user = await api('GET', '/auth/me', undefined, g.token);
      auth = { token: g.token, user: Object.assign({}, g.user, user), guest: true };
      localStorage.setItem(GUEST_KEY, JSON.stringify({ token: auth.token, user: auth.user }));
      start();
    } catch (err) {
      if (err.status === 401 || err.status === 403) localStorage.removeItem(GUEST_KEY);
      else toast(err.message, 'error'); // kept: the next load tries again
      leave();
    }
  }

  /** "Not me": forgets the guest on this device and offers the start form again. */
  $('not-me').addEventListener('click', () => {
    signOut();
    $('guest-form').querySelector('input').focus();
  });

  /** Signing out, and "Not me" for a guest: the token is forgotten on this device. */
  function signOut() {
    sessionStorage.removeItem(KEY);
    if (!auth || auth.guest) localStorage.removeItem(GUEST_KEY);
    leave();
  }
  /** Back to the start form. */
  function leave() {
    auth = null;
    if (convo) convo.destroy();
    if (socket) socket.disconnect();
    socket = null;
    convo = null;
    card.dataset.state = 'signed-out';
    $('auth').hidden = false;
    $('room').hidden = true;
    $('customer-sign-out').hidden = true;
    $('not-me').hidden = true;
    $('guest-as').hidden = true;
    closeRating();
    offerTranscript(null);
    $('rating-thanks').hidden = true;
    $('topic-picker').hidden = true;
    room = null;
    session = null;
    statusLine.textContent = '';
  }
  $('customer-sign-out').addEventListener('click', signOut);

  // ---------- the session ----------
  function showSession(s) {
    session = s && s.status !== 'ENDED' ? s : null;
    offerTranscript(s);
    if (convo && session) convo.know(session.staff);
    $('help-bar').hidden = Boolean(session) || !$('topic-picker').hidden;
    if (session) { $('topic-picker').hidden = true; closeRating(); $('rating-thanks').hidden = true; }
    if (!session) statusLine.textContent = s ? t.ended_help_again : '';
    else if (session.status === 'OPEN') statusLine.textContent = t.waiting_staff + ' · ' + session.title;
    else statusLine.textContent = fmt('with_staff', { name: displayName(session.staff) }) + ' · ' + session.title;
    card.dataset.session = session ? session.status : 'NONE';
  }
  // ---------- the transcript of a session that ended, by e-mail ----------
  /** The ended session the button sends (0: none); offered only when the server sends e-mail. */
  let transcriptFor = 0;
  function offerTranscript(s) {
    const on = card.dataset.mail === 'on' && s && s.status === 'ENDED';
    if (on && transcriptFor === s.id) return;
    transcriptFor = on ? s.id : 0;
    $('transcript-mail').hidden = !on;
    $('transcript-mail-status').textContent = '';
    $('transcript-mail-btn').disabled = false;
  }
  $('transcript-mail-btn').addEventListener('click', async () => {
    const id = transcriptFor, button = $('transcript-mail-btn'), line = $('transcript-mail-status');
    if (!id) return;
    button.disabled = true;
    try {
      const sent = await api('POST', '/chat/sessions/' + id + '/transcript-email', undefined, auth.token);
      // Enabled again: asking once more is answered by the server's limit, in the page's words.
      if (transcriptFor === id) { line.textContent = fmt('mail_transcript_sent', { address: sent.sentTo }); button.disabled = false; }
    } catch (err) {
      if (transcriptFor !== id) return;
      button.disabled = false;
      if (err.status === 400) { line.textContent = t.mail_transcript_no_address; button.disabled = true; }
      else if (err.status === 429) line.textContent = t.mail_transcript_limited;
      else line.textContent = err.message || t.error_generic;
    }
  });

  // ---------- rating a session that ended ----------
  /** Sessions this page already asked about (a reload asks again, unless "Not now" was said). */
  const asked = new Set();
  let ratingFor = 0;
  const skipped = () => { const x = stored(localStorage, SKIPPED_KEY); return Array.isArray(x) ? x : []; };
  function askRating(s) {
    if (!s || s.status !== 'ENDED' || s.rating || asked.has(s.id) || skipped().includes(s.id)) return;
    asked.add(s.id);
    ratingFor = s.id;
    const form = $('rating-form');
    form.reset();
    paintStars(0);
    $('rating-error').hidden = true;
    $('rating-thanks').hidden = true;
    form.hidden = false;
    form.scrollIntoView({ block: 'nearest' });
  }
  function closeRating(thanks) {
    $('rating-form').hidden = true;
    ratingFor = 0;
    if (thanks) $('rating-thanks').hidden = false;
  }
  function paintStars(score) {
    $('rating-form').querySelectorAll('.stars label').forEach((label, i) => label.classList.toggle('on', i < score));
  }
  $('rating-form').addEventListener('change', (e) => {
    if (e.target.name === 'score') { paintStars(Number(e.target.value)); $('rating-error').hidden = true; }
  });
  $('rating-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target, checked = form.querySelector('input[name=score]:checked');
    if (!checked) {
      $('rating-error').textContent = t.rate_pick;
      $('rating-error').hidden = false;
      form.querySelector('input[name=score]').focus();
      return;
    }
    const id = ratingFor, comment = $('rating-comment').value.trim();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await api('POST', '/chat/sessions/' + id + '/rating', comment ? { score: Number(checked.value), comment } : { score: Number(checked.value) }, auth.token);
      if (ratingFor === id) closeRating(true);
    } catch (err) {
      if (ratingFor !== id) return;
      if (err.code === 'ALREADY_RATED') closeRating(true);
      else if (err.status === 403 || err.code === 'SESSION_NOT_ENDED') closeRating(); // ratings off: quietly
      else { $('rating-error').textContent = err.message || t.error_generic; $('rating-error').hidden = false; }
    } finally {
      button.disabled = false;
    }
  });
  $('rating-skip').addEventListener('click', () => {
    localStorage.setItem(SKIPPED_KEY, JSON.stringify(skipped().concat(ratingFor).slice(-50)));
    closeRating();
  });
  /** On load with no active session: the latest one, if it ended unrated. */
  async function askAboutLatest() {
    const token = auth.token, roomId = room.id;
    const [latest] = await api('GET', '/chat/rooms/' + roomId + '/sessions?limit=1', undefined, token).catch(() => []);
    if (!auth || auth.token !== token || !room || room.id !== roomId || session) return;
    if (latest && latest.status === 'ENDED') { askRating(latest); offerTranscript(latest); }
  }

  $('get-help').addEventListener('click', () => { closeRating(); $('rating-thanks').hidden = true; $('topic-picker').hidden = false; $('help-bar').hidden = true; $('topic-input').focus(); });
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
    const ended = Object.assign({}, session, { status: 'ENDED', rating: null });
    showSession(ended);
    askRating(ended);
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
      const current = session && session.id === s.id;
      if (s.status === 'ENDED' && current) convo.system(t.session_ended);
      if (current || !session) showSession(s);
      if (s.status === 'ENDED' && s.rating && ratingFor === s.id) closeRating(true);
      else askRating(s);
    });
  }

  /** Into the chat; `fresh`: a guest who just started goes on to the topics. */
  async function start(fresh) {
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
    $('customer-sign-out').hidden = Boolean(auth.guest);
    $('not-me').hidden = !auth.guest;
    $('guest-as').hidden = !auth.guest;
    if (auth.guest) $('guest-as').textContent = fmt('guest_as', { name: displayName(auth.user) });
    showSession(room.activeSession);
    if (!room.activeSession && fresh) { $('topic-picker').hidden = false; $('help-bar').hidden = true; }
    connect();
    if (!room.activeSession && !fresh) askAboutLatest();
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
    showPrechat(s.prechat || {});
    if (s.welcome) {
      $('welcome-lead').textContent = s.welcome;
      $('welcome-lead').dataset.shop = 'yes';
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
  /** The pre-chat form's e-mail and phone: hidden, optional or required, as the shop says. */
  function showPrechat(prechat) {
    for (const [name, field] of [['email', $('guest-email-field')], ['phone', $('guest-phone-field')]]) {
      const rule = prechat[name];
      const shown = rule === 'optional' || rule === 'required';
      const input = field.querySelector('input'), mark = field.querySelector('.mark');
      field.hidden = !shown;
      input.disabled = !shown;
      input.required = rule === 'required';
      mark.textContent = rule === 'required' ? mark.dataset.required : mark.dataset.optional;
    }
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

  // The shop's own sign-in, from the widget (site-identity.js): the customer the shop's site
  // vouches for, kept for the tab like an account.
  document.addEventListener('fd:signed-in', (e) => {
    if (auth && auth.user && auth.user.id === e.detail.user.id) return;
    if (auth) leave();
    auth = { token: e.detail.token, user: e.detail.user };
    sessionStorage.setItem(KEY, JSON.stringify(auth));
    start();
  });

  if (auth && auth.token) start();
  else {
    auth = null;
    const guest = stored(localStorage, GUEST_KEY);
    if (guest && guest.token) resumeGuest(guest);
  }
})();
