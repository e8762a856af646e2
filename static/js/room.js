// The conversation open on the desk (/console/rooms/:id): new and older messages, sending with
// an idempotency key, typing, read markers, session changes, end session and leave. The page
// arrives with the latest messages rendered; this keeps it current. Text goes in as textContent.
window.FDRoom = function (socket, roomId) {
  'use strict';
  const { t, fmt, el, toast, api, displayName } = FD;
  const me = FD.userId;
  const $ = (id) => document.getElementById(id);
  const chat = $('chat'), list = $('message-list'), box = $('messages');
  const older = $('load-older'), composer = $('composer'), input = $('composer-text');
  const typingLine = $('typing'), endBtn = $('end-session');
  const ids = () => Array.from(list.children, (li) => Number(li.dataset.id)).filter(Boolean);
  let lastId = Math.max(0, ...ids());
  let sessionId = Number(chat.dataset.sessionId || 0);

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
      if (lastId && document.visibilityState === 'visible') socket.emit('mark_read', { roomId, messageId: lastId });
    }, 300);
  }

  /** Adds a message once, in id order. */
  function add(m) {
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
    if (!content) return;
    input.value = '';
    typing(false);
    socket.timeout(15000).emit('send_message', { roomId, content, clientMessageId: FD.randomId() }, (err, ack) => {
      if (!err && ack && ack.ok) return add(ack.message);
      input.value = input.value || content;
      toast(fmt('not_sent', { reason: err ? t.reconnecting : ack.error.message }), 'error');
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
    line.append(topic, ' ', status);
    endBtn.hidden = s.status === 'ENDED' || !(FD.role === 'ADMIN' || s.staffId === me);
    $('claim-session').hidden = s.status !== 'OPEN';
    const history = $('session-history');
    let li = history.querySelector('[data-session-id="' + s.id + '"]');
    if (!li) { li = el('li'); li.dataset.sessionId = s.id; history.prepend(li); }
    li.textContent = '';
    const time = el('time');
    time.setAttribute('datetime', s.startedAt);
    li.append(el('span', 'topic', s.title), el('span', 'status status-' + s.status, statusWord[s.status]), time);
    FD.localize(li);
  }
  function session(s) {
    if (s.roomId !== roomId) return;
    if (s.status === 'ENDED' && s.id === sessionId) system(t.session_ended);
    sessionId = s.status === 'ENDED' ? 0 : s.id;
    showSession(s);
  }
  socket.on('session_joined', (d) => { if (d.roomId === roomId) system(fmt('joined', { name: displayName(d.staff) })); });
  socket.on('session_left', (d) => { if (d.sessionId === sessionId) system(fmt('left', { name: d.userName })); });
  $('claim-session').addEventListener('click', async () => {
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

  function assigned(a) {
    if (a.roomId !== roomId || a.staffId === me || FD.role === 'ADMIN') return;
    const notice = $('chat-notice');
    notice.textContent = t.reassigned_away;
    notice.hidden = false;
    composer.hidden = true;
    endBtn.hidden = true;
  }

  /** (Re)joins the room, asking only for what arrived since the last message shown. */
  function join() {
    socket.emit('join_room', lastId ? { roomId, afterMessageId: lastId } : { roomId });
    markRead();
  }

  scrollDown();
  return { join, add, session, assigned };
};
