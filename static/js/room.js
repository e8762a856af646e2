// The conversation open on the desk (/console/rooms/:id): new and older messages, sending with
// an idempotency key, typing, read markers, session changes, end session and leave. The page
// arrives with the latest messages rendered; this keeps it current, and after a reconnect asks
// the server again for what it missed (messages, the session, who has the room). Once the room
// is given to someone else it stops being live. Text goes in as textContent.
window.FDRoom = function (socket, roomId) {
  'use strict';
  const { t, fmt, el, toast, api, displayName } = FD;
  const me = FD.userId;
  const $ = (id) => document.getElementById(id);
  const chat = $('chat'), list = $('message-list'), box = $('messages');
  const older = $('load-older'), composer = $('composer'), input = $('composer-text');
  const typingLine = $('typing'), endBtn = $('end-session'), claimBtn = $('claim-session');
  const notice = $('chat-notice'), staffLine = $('chat-staff');
  const ids = () => Array.from(list.children, (li) => Number(li.dataset.id)).filter(Boolean);
  let lastId = Math.max(0, ...ids());
  let sessionId = Number(chat.dataset.sessionId || 0);
  /** False once the room was given to someone else: no joining, sending or read markers. */
  let live = true;
  /** Counts session news heard live, so an older REST answer does not undo it. */
  let sessionNews = 0;
  const outbox = FD.outbox();

  function sideOf(m) {
    if (m.sender.id === me) return 'mine';
    return m.sender.role === 'CUSTOMER' ? 'customer' : 'staff';
  }

  function messageEl(m) {
    const li = el('li', 'msg ' + sideOf(m));
    li.dataset.id = m.id;
    const meta = el('div', 'msg-meta');
    const time = el('time');
    time.setAttribute('datetime', m.createdAt);
    meta.append(el('span', 'msg-author', displayName(m.sender)), ' · ', time);
    li.append(el('div', 'bubble', m.content), meta);
    FD.localize(li);
    return li;
  }

  function nearBottom() {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  function scrollDown() {
    box.scrollTop = box.scrollHeight;
  }

  function system(text) {
    const li = el('li', 'sys', text);
    list.appendChild(li);
    scrollDown();
  }

  let readTimer = null;
  function markRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (live && lastId && document.visibilityState === 'visible') socket.emit('mark_read', { roomId, messageId: lastId });
    }, 300);
  }

  /** Adds a message once, in id order. */
  function add(m) {
    // A message of ours that got no answer arrived after all: a retry is no longer needed.
    const waiting = m.sender.id === me ? outbox.settle(m) : null;
    if (waiting && input.value.trim() === waiting.content) input.value = '';
    if (list.querySelector('[data-id="' + m.id + '"]')) return;
    const follow = nearBottom() || m.sender.id === me;
    const li = messageEl(m);
    const after = Array.from(list.children).find((x) => Number(x.dataset.id) > m.id);
    list.insertBefore(li, after || null);
    lastId = Math.max(lastId, m.id);
    $('no-messages').hidden = true;
    if (m.sender.id !== me) typingLine.hidden = true;
    if (follow) scrollDown();
    markRead();
  }

  async function loadOlder() {
    const before = older.dataset.before;
    if (!before || older.disabled) return;
    older.disabled = true;
    try {
      const page = await api('GET', '/chat/rooms/' + roomId + '/messages?limit=50&before=' + before);
      const height = box.scrollHeight;
      const first = list.firstChild;
      page.messages.forEach((m) => {
        if (!list.querySelector('[data-id="' + m.id + '"]')) list.insertBefore(messageEl(m), first);
      });
      box.scrollTop += box.scrollHeight - height;
      if (page.pagination.nextBefore) older.dataset.before = page.pagination.nextBefore;
      else older.hidden = true;
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      older.disabled = false;
    }
  }
  older.addEventListener('click', loadOlder);
  box.addEventListener('scroll', () => { if (box.scrollTop < 40 && !older.hidden) loadOlder(); });

  // ---------- sending and typing ----------
  let typingSince = 0, typingStop = null;
  function typing(on) {
    clearTimeout(typingStop);
    if (on) {
      if (Date.now() - typingSince > 2000) { typingSince = Date.now(); socket.emit('typing', { roomId, isTyping: true }); }
      typingStop = setTimeout(() => typing(false), 3000);
    } else if (typingSince) {
      typingSince = 0;
      socket.emit('typing', { roomId, isTyping: false });
    }
  }
  input.addEventListener('input', () => typing(input.value.trim() !== ''));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content || !live) return;
    // Sending again what got no answer (a timeout, a dropped connection) reuses its
    // clientMessageId, so the server stores it once however many times it is tried.
    const cid = outbox.find(content) || outbox.add(content);
    input.value = '';
    typing(false);
    outbox.send(socket, roomId, cid, 15000, (err, m) => {
      if (!err) return add(m);
      if (err.retry && !outbox.pending.has(cid)) return; // its new_message came: it is stored
      input.value = input.value || content;
      toast(fmt('not_sent', { reason: err.message }), 'error');
    });
  });
  let typingHide = null;
  socket.on('user_typing', (d) => {
    if (d.roomId !== roomId || d.userId === me) return;
    clearTimeout(typingHide);
    const who = d.userId === Number(chat.dataset.customerId) ? $('chat-title').textContent : d.userName;
    typingLine.textContent = fmt('typing', { name: who });
    typingLine.hidden = !d.isTyping;
    typingHide = setTimeout(() => { typingLine.hidden = true; }, 6000);
  });

  // ---------- the session ----------
  const statusWord = { OPEN: t.status_open, IN_PROGRESS: t.status_in_progress, ENDED: t.status_ended };
  function showSession(s) {
    const line = $('chat-session');
    line.textContent = '';
    const topic = el('span', 'topic', s.title);
    topic.id = 'chat-topic';
    const status = el('span', 'status status-' + s.status, statusWord[s.status]);
    status.id = 'chat-status';
    line.append(topic, ' ', status, staffLine);
    endBtn.hidden = !live || s.status === 'ENDED' || !(FD.role === 'ADMIN' || s.staffId === me);
    claimBtn.hidden = !live || s.status !== 'OPEN';
    const history = $('session-history');
    let li = history.querySelector('[data-session-id="' + s.id + '"]');
    if (!li) { li = el('li'); li.dataset.sessionId = s.id; history.prepend(li); }
    li.textContent = '';
    const time = el('time');
    time.setAttribute('datetime', s.startedAt);
    li.append(el('span', 'topic', s.title), el('span', 'status status-' + s.status, statusWord[s.status]), time);
    FD.localize(li);
  }
  function applySession(s) {
    if (s.status === 'ENDED' && s.id === sessionId) system(t.session_ended);
    sessionId = s.status === 'ENDED' ? 0 : s.id;
    showSession(s);
  }
  /** A session change heard live (the staff feed) or from an action on this page. */
  function session(s) {
    // A feed entry without a title is the short form sent about a room this page may not read.
    if (s.roomId !== roomId || !('title' in s)) return;
    sessionNews += 1;
    applySession(s);
  }
  /** " · Assigned to: name" in the header, or nothing. */
  function showStaff(u) {
    staffLine.textContent = u ? ' · ' + t.assigned_to + ': ' + displayName(u) : '';
    staffLine.hidden = !u;
  }
  socket.on('session_joined', (d) => {
    if (d.roomId !== roomId) return;
    sessionNews += 1;
    system(fmt('joined', { name: displayName(d.staff) }));
    showStaff(d.staff);
  });
  socket.on('session_left', (d) => { if (d.sessionId === sessionId) system(fmt('left', { name: d.userName })); });
  claimBtn.addEventListener('click', async () => {
    try {
      await api('POST', '/chat/sessions/' + sessionId + '/join');
      location.reload();
    } catch (err) {
      const holder = /claimed by (.+)$/.exec(err.message);
      toast(holder ? fmt('claimed_by', { name: holder[1] }) : err.message, 'error');
    }
  });
  endBtn.addEventListener('click', async () => {
    if (!sessionId || !window.confirm(t.end_confirm)) return;
    try { session(await api('POST', '/chat/sessions/' + sessionId + '/end')); } catch (err) { toast(err.message, 'error'); }
  });
  $('leave-room').addEventListener('click', () => {
    const done = () => location.assign('/console');
    if (sessionId) socket.emit('leave_session', { sessionId });
    socket.timeout(2000).emit('leave_room', { roomId }, done);
  });

  /** Whether the viewer may write here (contract §6 "send in a room"). */
  const maySend = (staffId) => FD.role === 'ADMIN' || staffId === null || staffId === undefined || staffId === me;

  function setComposer(on) {
    composer.hidden = !on;
    input.disabled = !on;
    composer.querySelectorAll('button').forEach((b) => { b.disabled = !on; });
  }

  /** The room went to someone else: say so and stop treating it as live. */
  function lose() {
    live = false;
    notice.textContent = t.reassigned_away;
    notice.hidden = false;
    chat.dataset.live = 'false';
    setComposer(false);
    endBtn.hidden = true;
    claimBtn.hidden = true;
    typingLine.hidden = true;
    clearTimeout(typingStop);
    typingSince = 0;
  }

  /** The room may be seen again (given back, say): live once more. */
  function revive() {
    live = true;
    notice.hidden = true;
    chat.dataset.live = 'true';
    join();
  }

  function assigned(a) {
    if (a.roomId !== roomId) return;
    if (maySend(a.staffId)) { if (live) setComposer(true); return; }
    lose();
  }
  // The server takes a socket out of a room it may no longer read, and says so.
  socket.on('left_room', (e) => { if (e && Number(e.roomId) === roomId) lose(); });

  /** (Re)joins the room, asking only for what arrived since the last message shown (all of it). */
  function join() {
    if (!live) return;
    FD.joinRoom(socket, roomId, lastId);
    markRead();
  }

  /**
   * After a reconnect: the room as the server has it now. What the staff feed said while the
   * socket was down is lost, so the session, its status and who has the room are read again.
   */
  async function refresh() {
    const news = sessionNews;
    let r;
    try {
      r = await api('GET', '/chat/rooms/' + roomId);
    } catch (err) {
      if (err.status === 401) return location.reload();
      if (err.status === 403 || err.status === 404) lose();
      return;
    }
    showStaff(r.staff);
    if (!live) revive();
    setComposer(maySend(r.staffId));
    if (news !== sessionNews) return; // something newer was heard live meanwhile
    if (r.activeSession) return applySession(r.activeSession);
    if (!sessionId) return;
    // The session shown is no longer active: it ended while the socket was down.
    const s = await api('GET', '/chat/sessions/' + sessionId).catch(() => null);
    if (s && news === sessionNews) applySession(s);
  }

  scrollDown();
  return { join, refresh, add, session, assigned, lose };
};
