// The staff desk, live: the queue, unassigned rooms and my rooms follow the staff feed of the
// /chat namespace (no polling); the open room shows new messages, typing and session changes.
// The feed says nothing twice, so after a reconnect the lists are read again over REST.
// Claims and ends go through the REST API, messages through the socket, like any client.
(function () {
  'use strict';
  const { t, fmt, el, toast, api, displayName } = FD;
  const me = FD.userId;
  const isAdmin = FD.role === 'ADMIN';
  const $ = (id) => document.getElementById(id);
  const queue = $('queue'), unassigned = $('unassigned'), mine = $('mine');
  const chat = $('chat');
  const roomId = chat && chat.dataset.roomId ? Number(chat.dataset.roomId) : null;
  /** Rooms to follow for unread counts: the newest few of mine (joins are rate-limited). */
  const FOLLOW_MAX = 15;
  /** How many items a list holds (as the server renders them). */
  const LIST_MAX = 100;
  const lastSeen = new Map();
  mine.querySelectorAll('.item').forEach((li) => lastSeen.set(Number(li.dataset.roomId), Number(li.dataset.lastId || 0)));

  // ---------- lists ----------
  function setEmpty(ul) {
    const empty = ul.nextElementSibling;
    if (empty && empty.classList.contains('empty')) empty.hidden = ul.children.length > 0;
    if (ul === queue) $('queue-count').textContent = queue.children.length;
  }
  const find = (ul, attr, id) => ul.querySelector('[data-' + attr + '="' + Number(id) + '"]');

  function item(roomIdOf, title, href) {
    const li = el('li', 'item fresh');
    li.dataset.roomId = roomIdOf;
    if (roomIdOf === roomId) li.classList.add('current');
    const main = el('div', 'item-main');
    const a = el('a', 'item-title', title);
    a.href = href || '/console/rooms/' + roomIdOf;
    main.append(a, el('span', 'item-sub'));
    li.appendChild(main);
    return li;
  }

  function addToQueue(s) {
    if (s.status !== 'OPEN' || find(queue, 'session-id', s.id)) return false;
    const li = item(s.roomId, s.title);
    li.dataset.sessionId = s.id;
    const sub = li.querySelector('.item-sub');
    const since = el('span', 'ago');
    since.dataset.since = s.startedAt;
    sub.append(el('span', 'who', displayName(s.customer)), ' · ', since);
    if (s.openedAfterHours) sub.after(el('span', 'tag after-hours', t.after_hours));
    const claim = el('button', 'btn small primary claim', t.claim);
    claim.type = 'button';
    claim.dataset.sessionId = s.id;
    li.appendChild(claim);
    queue.appendChild(li);
    FD.tickAgo(li);
    setEmpty(queue);
    return true;
  }

  function removeFrom(ul, attr, id) {
    const li = find(ul, attr, id);
    if (li) { li.remove(); setEmpty(ul); }
  }

  function setSub(li, text) {
    const sub = li.querySelector('.item-sub');
    sub.textContent = '';
    sub.append(el('span', 'preview', text));
  }

  function touchUnassigned(a) {
    // A room whose session waits in the queue is already there once.
    if (find(queue, 'room-id', a.roomId)) return;
    let li = find(unassigned, 'room-id', a.roomId);
    const sender = a.message && a.message.sender;
    const customer = a.customer || (sender && sender.role === 'CUSTOMER' ? sender : null);
    if (!li) {
      if (!customer) return void api('GET', '/chat/rooms/' + a.roomId)
        .then((room) => touchUnassigned(Object.assign({}, a, { customer: room.customer })))
        .catch(() => {});
      li = item(a.roomId, displayName(customer));
    }
    if (a.message) setSub(li, (a.message.content || ((a.message.attachments || [])[0] || {}).fileName || '').slice(0, 80));
    unassigned.prepend(li);
    setEmpty(unassigned);
  }

  /** The start of a room's latest message, or its session's topic, for a list line. */
  function preview(r) {
    const first = r.messages && r.messages[0];
    const text = first ? first.content || ((first.attachments || [])[0] || {}).fileName || '' : r.activeSession ? r.activeSession.title : '';
    return text.length > 80 ? text.slice(0, 80) + '…' : text;
  }

  /** A "my rooms" line, with its unread badge; the room's newest message counts as seen. */
  function mineItem(r, unread) {
    const li = item(r.id, displayName(r.customer));
    setSub(li, r.activeSession ? r.activeSession.title : preview(r));
    const badge = el('span', 'badge', String(unread || 0));
    badge.hidden = !unread;
    li.appendChild(badge);
    lastSeen.set(r.id, r.messages && r.messages[0] ? r.messages[0].id : 0);
    return li;
  }

  async function ensureMine(id) {
    if (find(mine, 'room-id', id)) return;
    try {
      const room = await api('GET', '/chat/rooms/' + id);
      if (find(mine, 'room-id', id)) return;
      mine.prepend(mineItem(room, 0));
      setEmpty(mine);
      if (socket.connected) follow(room.id, lastSeen.get(room.id));
    } catch (_) { /* not ours to see after all */ }
  }

  /** Puts `wanted` (items, in order) in `ul` and takes out every other item. */
  function rebuild(ul, wanted) {
    const keep = new Set(wanted);
    Array.from(ul.children).forEach((li) => { if (!keep.has(li)) li.remove(); });
    wanted.forEach((li) => ul.appendChild(li));
    setEmpty(ul);
  }

  /**
   * The three lists as the server has them now. Whatever the feed said while the socket was
   * down (a session opened, one claimed elsewhere, a room assigned) is lost, so after a
   * reconnect the desk reads them again rather than trusting what it shows.
   */
  async function resync() {
    const [sessions, open, assigned] = await Promise.all([
      api('GET', '/chat/sessions/unassigned?limit=' + LIST_MAX),
      api('GET', '/chat/rooms/unassigned?limit=' + LIST_MAX),
      api('GET', '/chat/rooms/assigned?limit=' + LIST_MAX),
    ]);
    const fresh = sessions.filter((s) => addToQueue(s));
    rebuild(queue, sessions.map((s) => find(queue, 'session-id', s.id)).filter(Boolean));
    fresh.forEach(alertNewSession);

    // A room whose session waits in the queue is already there once.
    const waiting = new Set(sessions.map((s) => s.roomId));
    rebuild(unassigned, open
      .filter((r) => !waiting.has(r.id) && !(r.activeSession && r.activeSession.status === 'OPEN'))
      .map((r) => {
        const li = find(unassigned, 'room-id', r.id) || item(r.id, displayName(r.customer));
        setSub(li, preview(r));
        return li;
      }));

    const ours = new Set(assigned.map((r) => r.id));
    for (const id of Array.from(lastSeen.keys())) if (!ours.has(id)) lastSeen.delete(id);
    rebuild(mine, assigned.map((r) => find(mine, 'room-id', r.id) || mineItem(r, r.unreadCount)));
  }

  function bumpUnread(m) {
    const li = find(mine, 'room-id', m.roomId);
    if (!li || m.id <= (lastSeen.get(m.roomId) || 0)) return;
    lastSeen.set(m.roomId, m.id);
    if (m.sender.id === me) return;
    const badge = li.querySelector('.badge');
    badge.textContent = Number(badge.textContent || 0) + 1;
    badge.hidden = false;
    mine.prepend(li);
  }

  // ---------- alerts: a sound and (opt-in) a notification on a new session ----------
  const soundBox = $('sound-toggle'), notifyBtn = $('notify-btn');
  soundBox.checked = localStorage.getItem('fd.sound') !== '0';
  soundBox.addEventListener('change', () => localStorage.setItem('fd.sound', soundBox.checked ? '1' : '0'));
  let audio = null;
  document.addEventListener('pointerdown', () => {
    if (!audio && window.AudioContext) audio = new AudioContext();
  }, { once: true });
  function beep() {
    if (!soundBox.checked || !audio) return;
    const o = audio.createOscillator(), g = audio.createGain(), now = audio.currentTime;
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.0001, now);
    g.gain.exponentialRampToValueAtTime(0.25, now + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, now + 0.5);
    o.connect(g).connect(audio.destination);
    o.start(now);
    o.stop(now + 0.55);
  }
  function notifyState() {
    if (!('Notification' in window)) { notifyBtn.hidden = true; return; }
    const on = Notification.permission === 'granted' && localStorage.getItem('fd.notify') === '1';
    notifyBtn.textContent = Notification.permission === 'denied' ? t.notify_blocked : on ? t.notify_on : t.notify_enable;
    notifyBtn.disabled = Notification.permission === 'denied';
  }
  notifyBtn.addEventListener('click', async () => {
    const on = localStorage.getItem('fd.notify') === '1' && Notification.permission === 'granted';
    if (on) localStorage.setItem('fd.notify', '0');
    else if ((await Notification.requestPermission()) === 'granted') localStorage.setItem('fd.notify', '1');
    notifyState();
  });
  notifyState();
  function alertNewSession(s) {
    document.body.dataset.alerts = Number(document.body.dataset.alerts || 0) + 1;
    beep();
    if ('Notification' in window && Notification.permission === 'granted' && localStorage.getItem('fd.notify') === '1') {
      const n = new Notification(fmt('new_session', { title: s.title }), { body: displayName(s.customer), tag: 'session-' + s.id });
      n.onclick = () => { window.focus(); location.assign('/console/rooms/' + s.roomId); };
    }
  }

  // ---------- claiming ----------
  queue.addEventListener('click', async (e) => {
    const button = e.target.closest('button.claim');
    if (!button) return;
    const id = Number(button.dataset.sessionId);
    button.disabled = true;
    try {
      const s = await api('POST', '/chat/sessions/' + id + '/join');
      location.assign('/console/rooms/' + s.roomId);
    } catch (err) {
      if (err.status === 401) return location.reload();
      toast(FD.refusal(err), 'error');
      if (err.status === 409 || err.status === 404) removeFrom(queue, 'session-id', id);
      else button.disabled = false;
    }
  });

  // ---------- the socket ----------
  const socket = FD.connect(undefined, () => location.reload());

  // ---------- away, and how long the queue has waited ----------
  const awayBtn = $('away-toggle');
  awayBtn.addEventListener('click', () => {
    const next = awayBtn.getAttribute('aria-pressed') !== 'true';
    socket.timeout(5000).emit('set_away', { away: next }, (err, ack) => {
      if (err || !ack || !ack.ok) return toast(fmt('away_failed', { reason: (ack && ack.error && ack.error.message) || t.reconnecting }), 'error');
      awayBtn.setAttribute('aria-pressed', String(ack.away));
    });
  });

  /**
   * Marks each waiting session against the shop's first-reply target: amber from three
   * quarters of it, red past it, each with its words beside the colour.
   */
  function markWaits() {
    const target = Number(queue.dataset.replyTarget) * 1000;
    if (!target) return;
    const now = Date.now();
    queue.querySelectorAll('li.item').forEach((li) => {
      const since = li.querySelector('.ago[data-since]');
      const waited = since ? now - new Date(since.dataset.since).getTime() : 0;
      const state = waited >= target ? 'over' : waited >= target * 0.75 ? 'near' : '';
      if ((li.dataset.wait || '') === state) return;
      li.dataset.wait = state;
      li.classList.toggle('wait-near', state === 'near');
      li.classList.toggle('wait-over', state === 'over');
      let tag = li.querySelector('.wait-tag');
      if (!state) { if (tag) tag.remove(); return; }
      if (!tag) { tag = el('span', 'tag wait-tag'); li.querySelector('.item-main').appendChild(tag); }
      tag.textContent = state === 'over' ? t.wait_over : t.wait_near;
    });
  }
  markWaits();
  setInterval(markWaits, 1000);
  new MutationObserver(markWaits).observe(queue, { childList: true });
  const room = roomId ? window.FDRoom(socket, roomId) : null;
  function follow(id, after) {
    FD.joinRoom(socket, id, after);
  }
  function followAll() {
    if (!socket.connected) return;
    let n = 0;
    for (const [id, last] of lastSeen) if (id !== roomId && n++ < FOLLOW_MAX) follow(id, last);
  }

  // Feed events heard while the lists are being read again wait for that, then apply on top:
  // they are newer than what the answers may say.
  let resyncing = 0, held = [];
  function feed(event, fn) {
    socket.on(event, (x) => (resyncing ? held.push(() => fn(x)) : fn(x)));
  }
  // Every connect, the first included, reads the lists again: anything that happened between
  // rendering the page (or losing the connection) and joining the feed would be missed.
  let connects = 0;
  socket.on('connect', async () => {
    // The open room rejoins by itself (conversation.js); its session is read again here.
    const again = connects++ > 0;
    resyncing += 1;
    try {
      await Promise.all([resync(), room && again ? room.refresh() : null]);
    } catch (err) {
      if (err.status === 401) return location.reload();
    } finally {
      resyncing -= 1;
      if (!resyncing) held.splice(0).forEach((f) => f());
    }
    followAll();
  });
  // The open room's own messages are the conversation's; the others count as unread.
  const ingest = (m) => { if (m.roomId !== roomId) bumpUnread(m); };
  socket.on('new_message', ingest);
  socket.on('room_history', (h) => h.messages.forEach(ingest));
  feed('session_created', (s) => {
    if (addToQueue(s)) alertNewSession(s);
    if (room) room.session(s);
  });
  feed('session_updated', (s) => {
    if (s.status !== 'OPEN') removeFrom(queue, 'session-id', s.id);
    if (s.status === 'IN_PROGRESS' && s.staffId === me) ensureMine(s.roomId);
    if (room) room.session(s);
  });
  feed('room_updated', (a) => {
    if (a.reason === 'message' && a.staffId === null) return touchUnassigned(a);
    if (a.reason !== 'assigned') return;
    removeFrom(unassigned, 'room-id', a.roomId);
    if (a.staffId === me || isAdmin) ensureMine(a.roomId);
    else removeFrom(mine, 'room-id', a.roomId);
    // The open room hears what it may do now as `room_access` (or `left_room`) from the server.
  });
  socket.on('error', (e) => { if (e && e.message) console.warn('chat:', e.message); });
  // A colleague handed this person a room (contract §10): it joins "my rooms" at once and the
  // note shows in a toast.
  socket.on('room_transferred', async (e) => {
    if (!e || !e.roomId) return;
    const id = Number(e.roomId);
    const who = e.fromStaff ? fmt('transferred_to_you', { name: displayName(e.fromStaff) }) : t.transferred_new;
    const note = e.note ? fmt('transferred_note', { note: e.note }) : '';
    toast(note ? who + ' ' + note : who, 'info');
    await ensureMine(id);
    const li = find(mine, 'room-id', id);
    if (li && note) {
      li.querySelectorAll('.transfer-note').forEach((n) => n.remove());
      li.querySelector('.item-main').appendChild(el('span', 'transfer-note', note));
    }
  });
  // A room this socket had joined may no longer be read here; the server took it out.
  socket.on('left_room', (e) => {
    if (e && e.roomId) {
      const id = Number(e.roomId);
      removeFrom(unassigned, 'room-id', id);
      removeFrom(mine, 'room-id', id);
      lastSeen.delete(id);
    }
  });
})();
