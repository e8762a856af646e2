// The conversation open on the desk (/console/rooms/:id): what is the desk's own around the
// shared conversation (conversation.js, which has the messages, paging, typing, sending and
// whether the composer is open): the session line and history, claim, end and leave, who has
// the room. The page arrives with the latest messages rendered; after a reconnect it asks the
// server again for the session and who has the room. Once the server takes the room away
// from this page (`left_room`) it stops being live. Text goes in as textContent.
window.FDRoom = function (socket, roomId) {
  'use strict';
  const { t, fmt, el, toast, api, displayName } = FD;
  const me = FD.userId;
  const $ = (id) => document.getElementById(id);
  const chat = $('chat'), endBtn = $('end-session'), claimBtn = $('claim-session');
  const notice = $('chat-notice'), staffLine = $('chat-staff');
  let sessionId = Number(chat.dataset.sessionId || 0);
  /** False once the room was taken from this page: the conversation is stopped too. */
  let live = true;
  /** Counts session news heard live, so an older REST answer does not undo it. */
  let sessionNews = 0;
  const convo = window.FDConversation(socket, roomId, {
    me,
    canSend: chat.dataset.canSend === 'true',
    markRead: true,
    names: { [chat.dataset.customerId]: $('chat-title').textContent },
  });
  const system = convo.system;
  // Opened from a search (`?at=`): the found message, in view and marked.
  const found = document.querySelector('#message-list .found');
  if (found) found.scrollIntoView({ block: 'center' });

  // ---------- the session ----------
  const statusWord = { OPEN: t.status_open, IN_PROGRESS: t.status_in_progress, ENDED: t.status_ended };
  /** The session in the header and in the history list (`historyOnly`: the list alone). */
  function showSession(s, historyOnly) {
    if (!historyOnly) {
      const line = $('chat-session');
      line.textContent = '';
      const topic = el('span', 'topic', s.title);
      topic.id = 'chat-topic';
      const status = el('span', 'status status-' + s.status, statusWord[s.status]);
      status.id = 'chat-status';
      line.append(topic, ' ', status);
      if (s.rating) line.append(' ', ratingEl(s.rating, true));
      line.append(staffLine);
      endBtn.hidden = !live || s.status === 'ENDED' || !(FD.role === 'ADMIN' || s.staffId === me);
      claimBtn.hidden = !live || s.status !== 'OPEN';
    }
    const history = $('session-history');
    let li = history.querySelector('[data-session-id="' + s.id + '"]');
    if (!li) { li = el('li'); li.dataset.sessionId = s.id; history.prepend(li); }
    li.textContent = '';
    const time = el('time');
    time.setAttribute('datetime', s.startedAt);
    li.append(el('span', 'topic', s.title), el('span', 'status status-' + s.status, statusWord[s.status]), time);
    if (s.staff) li.append(el('span', 'muted', displayName(s.staff)));
    if (s.rating) li.append(ratingEl(s.rating));
    li.append(transcriptLinks(s));
    FD.localize(li);
  }
  /** The session's transcript links, as the page renders them. */
  function transcriptLinks(s) {
    const box = el('span', 'transcript-links');
    box.append(el('span', 'sr-only', t.transcript_of_session + ': '));
    ['txt', 'html'].forEach((format, i) => {
      const a = el('a', '', format.toUpperCase());
      a.href = '/console/rooms/' + roomId + '/transcript?sessionId=' + s.id + '&format=' + format;
      a.setAttribute('download', '');
      if (i) box.append(' · ');
      box.append(a);
    });
    return box;
  }
  /** "★ 4/5 — comment", the customer's rating of a session that ended. */
  function ratingEl(r, labelled) {
    const box = el('span', 'rating');
    box.dataset.score = r.score;
    box.append(el('span', labelled ? '' : 'sr-only', t.rating_label + ': '),
      el('span', 'rating-text', '★ ' + r.score + '/5' + (r.comment ? ' — ' + r.comment : '')));
    return box;
  }
  function applySession(s) {
    // An older session rated while a newer one is active: its history line alone.
    if (s.status === 'ENDED' && sessionId && s.id !== sessionId) return showSession(s, true);
    if (s.status === 'ENDED' && s.id === sessionId) system(t.session_ended);
    sessionId = s.status === 'ENDED' ? 0 : s.id;
    showSession(s);
  }
  /** A session change heard live (the staff feed) or from an action on this page. */
  function session(s) {
    // A feed entry without a title is the short form sent about a room this page may not read.
    if (s.roomId !== roomId || !('title' in s)) return;
    sessionNews += 1;
    sessionLabels(s);
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
  // Claimed here, the room becomes ours: the server's `room_access` opens the composer.
  claimBtn.addEventListener('click', async () => {
    claimBtn.disabled = true;
    try {
      session(await api('POST', '/chat/sessions/' + sessionId + '/join'));
    } catch (err) {
      if (err.status === 401) return location.reload();
      toast(FD.refusal(err), 'error');
    } finally {
      claimBtn.disabled = false;
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

  /** The room went to someone else: say so and stop treating it as live. */
  function lose(reason) {
    live = false;
    notice.textContent = reason === 'transferred' ? t.transferred_away : t.reassigned_away;
    if (transferBtn) transferBtn.hidden = true;
    notice.hidden = false;
    chat.dataset.live = 'false';
    convo.stop();
    endBtn.hidden = true;
    claimBtn.hidden = true;
  }

  /** The room may be seen again (given back, say): live once more. */
  function revive() {
    live = true;
    notice.hidden = true;
    chat.dataset.live = 'true';
    convo.resume();
  }
  // The server takes a socket out of a room it may no longer read, and says so.
  socket.on('left_room', (e) => { if (e && Number(e.roomId) === roomId) lose(e.reason); });

  // Private notes (contract §10): yellow cards in the thread, for staff only; written in the
  // composer with a `/note ` prefix (taken before the conversation would send it as a message).
  const thread = $('message-list'), composerEl = $('composer'), input = $('composer-text');
  function noteEl(n) {
    const li = el('li', 'msg note');
    li.dataset.noteId = n.id;
    li.dataset.at = n.createdAt;
    li.append(el('span', 'note-label', t.private_note));
    li.append(el('div', 'bubble', n.content));
    const meta = el('div', 'msg-meta');
    const time = el('time', '', new Date(n.createdAt).toLocaleString(FD.lang));
    time.setAttribute('datetime', n.createdAt);
    meta.append(el('span', 'msg-author', displayName(n.author)), ' · ', time);
    li.appendChild(meta);
    return li;
  }
  function placeNote(n) {
    if (!thread || thread.querySelector('[data-note-id="' + Number(n.id) + '"]')) return;
    const li = noteEl(n);
    const later = Array.from(thread.querySelectorAll('li.msg')).find((m) => {
      const at = m.dataset.at || (m.querySelector('time') || {}).dateTime;
      return at && at > n.createdAt;
    });
    thread.insertBefore(li, later || null);
  }
  api('GET', '/chat/rooms/' + roomId + '/notes').then((list) => list.forEach(placeNote)).catch(() => {});
  socket.on('note_added', (n) => { if (n && Number(n.roomId) === roomId) placeNote(n); });
  if (composerEl && input) {
    composerEl.addEventListener('submit', (e) => {
      const m = /^\/note\s+([\s\S]+)/.exec(input.value.trim());
      if (!m) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      socket.timeout(5000).emit('add_note', { roomId, content: m[1] }, (err, ack) => {
        if (err || !ack || !ack.ok) return toast(fmt('note_failed', { reason: (ack && ack.error && ack.error.message) || t.reconnecting }), 'error');
        input.value = '';
        placeNote(ack.note);
      });
    }, true);
  }

  // Canned replies (contract §10): `/` at the start of the composer offers them (canned.js).
  if (window.FDCanned && input) {
    window.FDCanned(input, $('canned-list'), { firstName: chat.dataset.customerFirstName, api });
  }

  // Labels (contract §10) of the room's newest session: chips with a remove button, an input
  // with the labels already in use as suggestions. Each change sends the whole list; the
  // server's answer (trimmed, lowercase, deduplicated) is what the chips then show, and other
  // desks hear it as `session_updated`.
  const labelsBox = $('labels-box');
  function showLabels(list) {
    const chips = $('label-chips');
    chips.textContent = '';
    list.forEach((l) => {
      const li = el('li', 'label-chip');
      li.dataset.label = l;
      const x = el('button', 'chip-x', '×');
      x.type = 'button';
      x.setAttribute('aria-label', t.label_remove + ': ' + l);
      li.append(el('span', '', l), ' ', x);
      chips.appendChild(li);
    });
  }
  function currentLabels() {
    return Array.from($('label-chips').children).map((li) => li.dataset.label);
  }
  async function saveLabels(list) {
    try {
      const s = await api('PUT', '/chat/sessions/' + labelsBox.dataset.sessionId + '/labels', { labels: list });
      showLabels(s.labels);
      return true;
    } catch (err) {
      toast(FD.refusal(err), 'error');
      return false;
    }
  }
  if (labelsBox) {
    $('label-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const field = $('label-input');
      const value = field.value.trim();
      if (!value) return;
      if (await saveLabels(currentLabels().concat([value]))) field.value = '';
    });
    $('label-chips').addEventListener('click', (e) => {
      const x = e.target.closest('.chip-x');
      if (!x) return;
      const gone = x.closest('li').dataset.label;
      saveLabels(currentLabels().filter((l) => l !== gone)).then(() => $('label-input').focus());
    });
  }
  /** A session heard live: its labels too, when it is the one the box is about. */
  function sessionLabels(s) {
    if (labelsBox && Array.isArray(s.labels) && Number(labelsBox.dataset.sessionId) === s.id) showLabels(s.labels);
  }

  // Transfer (contract §10): a <dialog> listing colleagues, who is online and the chats each
  // holds, as the server read them when this page loaded; the note goes to the receiver.
  const transferBtn = $('transfer-open'), dialog = $('transfer-dialog');
  if (transferBtn && dialog) {
    transferBtn.addEventListener('click', () => dialog.showModal());
    $('transfer-cancel').addEventListener('click', () => dialog.close());
    $('transfer-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const to = $('transfer-to');
      if (!to) return dialog.close();
      const note = $('transfer-note').value.trim();
      const body = note ? { staffId: Number(to.value), note } : { staffId: Number(to.value) };
      try {
        await api('POST', '/chat/rooms/' + roomId + '/transfer', body);
        dialog.close();
        toast(t.transferred_ok, 'info');
      } catch (err) {
        toast(fmt('transfer_failed', { reason: err.message }), 'error');
      }
    });
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
    if (news !== sessionNews) return; // something newer was heard live meanwhile
    if (r.activeSession) return applySession(r.activeSession);
    if (!sessionId) return;
    // The session shown is no longer active: it ended while the socket was down.
    const s = await api('GET', '/chat/sessions/' + sessionId).catch(() => null);
    if (s && news === sessionNews) applySession(s);
  }

  return { refresh, session };
};
