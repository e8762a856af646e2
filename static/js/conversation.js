// One conversation in the browser, shared by the customer page (chat.js) and the desk's open
// room (room.js): the messages (own, the customer's, staff's, system lines), older pages on
// scroll-up, typing (sent and shown), sending through an outbox keyed by clientMessageId, the
// catch-up after a reconnect (`join_room {roomId, afterMessageId}`, batch after batch) with the
// unsent messages resent under their first id, and whether the composer is open. That last one
// is the server's word (`room_access {roomId, canSend}`, after each join and each change of
// who holds the room): the page derives no rule.
// The page's elements are found by id: #message-list in #messages, #load-older, #typing,
// #composer with #composer-text, and (if there) #no-messages and the attachment controls of
// attachments.js. Text goes in as textContent.
(function () {
  'use strict';
  const { t, fmt, el, toast, api, displayName, randomId } = FD;

  /**
   * Messages on their way to a room (contract §5, idempotency). Each keeps the clientMessageId of
   * its first try for every resend, so a retry after an ack timeout or a dropped connection is
   * stored once. `send` calls back with (null, message, entry) once stored, ({retry: true}, null,
   * entry) when no answer came in time (the entry stays: send it again, same id), or
   * ({retry: false, message, code}, null, entry) when the server refused it (the entry goes).
   * An entry is settled when its message shows up, as an ack, `new_message` or a catch-up.
   */
  function outbox() {
    const pending = new Map();
    return {
      pending,
      /** A new message; returns its id. `extra` rides along (its bubble, say). */
      add(content, extra) {
        const cid = randomId();
        pending.set(cid, Object.assign({ content, attachmentIds: [] }, extra));
        return cid;
      },
      /** The id of a message handed back to the composer with exactly this text, or null. */
      heldWith(content) {
        for (const [cid, p] of pending) if (p.held && p.content === content && !p.attachmentIds.length) return cid;
        return null;
      },
      /** Forgets the waiting entry of a message the server has; returns it, or null. */
      settle(m) {
        const p = (m && m.clientMessageId && pending.get(m.clientMessageId)) || null;
        if (p) pending.delete(m.clientMessageId);
        return p;
      },
      send(socket, roomId, cid, ms, done) {
        const p = pending.get(cid);
        if (!p) return;
        const body = { roomId, content: p.content, clientMessageId: cid, attachmentIds: p.attachmentIds };
        socket.timeout(ms).emit('send_message', body, (err, ack) => {
          if (err) return done({ retry: true, message: t.reconnecting }, null, p);
          if (ack && ack.ok) return done(null, ack.message, p);
          pending.delete(cid);
          const e = (ack && ack.error) || {};
          done({ retry: false, message: e.message || '', code: e.code }, null, p);
        });
      },
    };
  }

  /**
   * The conversation of room `roomId` on `socket`. Options: `me` (the viewer's user id),
   * `token` (for REST, else the page's), `canSend` (the composer's state until the server
   * speaks), `ownName` (the author line of the viewer's messages; else their name),
   * `markRead` (send read markers), `names` ({userId: name} for the typing line).
   */
  window.FDConversation = function (socket, roomId, options) {
    const o = Object.assign({ me: FD.userId, canSend: true, ownName: null, markRead: false, names: {} }, options);
    const $ = (id) => document.getElementById(id);
    const list = $('message-list'), box = $('messages'), older = $('load-older');
    const composer = $('composer'), input = $('composer-text'), typingLine = $('typing');
    const noMessages = $('no-messages');
    const SEND_TIMEOUT = 15000;
    const out = outbox();
    const names = new Map(Object.entries(o.names).map(([id, name]) => [Number(id), name]));
    const dom = new AbortController();
    const heard = [];
    let lastId = Math.max(0, ...Array.from(list.children, (li) => Number(li.dataset.id) || 0));
    /** False once the page may no longer read the room: no joining, sending or read markers. */
    let live = true;
    let canSend = Boolean(o.canSend);
    let gone = false;

    const on = (target, type, fn) => target.addEventListener(type, fn, { signal: dom.signal });
    const listen = (event, fn) => { heard.push([event, fn]); socket.on(event, fn); };
    const ours = (x) => x && Number(x.roomId) === roomId;
    const mine = (m) => Boolean(m.sender) && m.sender.id === o.me;
    const has = (id) => list.querySelector('[data-id="' + Number(id) + '"]');

    // ---------- messages ----------
    function messageEl(m, own) {
      const li = el('li', 'msg ' + (own ? 'mine' : m.sender.role === 'CUSTOMER' ? 'customer' : 'staff'));
      if (m.id) li.dataset.id = m.id;
      const meta = el('div', 'msg-meta');
      if (m.createdAt) {
        const time = el('time');
        time.setAttribute('datetime', m.createdAt);
        meta.append(el('span', 'msg-author', own && o.ownName ? o.ownName : displayName(m.sender)), ' · ', time);
      } else {
        meta.textContent = t.sending;
      }
      if (m.content) li.append(el('div', 'bubble', m.content));
      const files = window.FDAttachments && FDAttachments.render(m.attachments);
      if (files) li.append(files);
      if (m.pendingFiles && m.pendingFiles.length) li.append(el('div', 'bubble files-pending', m.pendingFiles.join(', ')));
      li.append(meta);
      FD.localize(li);
      return li;
    }
    const nearBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const scrollDown = () => { box.scrollTop = box.scrollHeight; };

    let readTimer = null;
    function markRead() {
      if (!o.markRead) return;
      clearTimeout(readTimer);
      readTimer = setTimeout(() => {
        if (live && !gone && lastId && document.visibilityState === 'visible') socket.emit('mark_read', { roomId, messageId: lastId });
      }, 300);
    }

    /** Adds a message of this room once, in id order; one of ours settles its outbox entry. */
    function add(m) {
      if (!ours(m) || gone) return;
      const own = mine(m);
      if (m.sender) names.set(m.sender.id, displayName(m.sender));
      const waiting = own ? out.settle(m) : null;
      if (waiting && waiting.li) waiting.li.remove();
      // Handed back after no answer, yet stored after all: nothing is left to retry.
      if (waiting && waiting.held && input.value.trim() === waiting.content) input.value = '';
      if (has(m.id)) return;
      const follow = own || nearBottom();
      const after = Array.from(list.children).find((x) => Number(x.dataset.id) > m.id);
      const li = messageEl(m, own);
      list.insertBefore(li, after || list.querySelector('li.pending') || null);
      lastId = Math.max(lastId, m.id);
      if (noMessages) noMessages.hidden = true;
      if (!own) typingLine.hidden = true;
      if (follow) {
        scrollDown();
        // A picture gets its height when it loads: keep the newest message in view.
        li.querySelectorAll('img').forEach((img) => img.addEventListener('load', scrollDown, { once: true }));
      }
      markRead();
    }

    /** A system line ("… joined", "the session has ended"). */
    function system(text) {
      list.appendChild(el('li', 'sys', text));
      scrollDown();
    }

    listen('new_message', add);
    listen('room_history', (h) => {
      const batch = ((h && h.messages) || []).filter(ours);
      if (!batch.length) return;
      const first = lastId === 0;
      batch.forEach(add);
      if (first) setOlder(h.pagination);
    });

    // ---------- older pages ----------
    function setOlder(p) {
      older.hidden = !(p && p.nextBefore);
      if (p && p.nextBefore) older.dataset.before = p.nextBefore;
    }
    async function loadOlder() {
      const before = older.dataset.before;
      if (!before || older.disabled || older.hidden) return;
      older.disabled = true;
      try {
        const page = await api('GET', '/chat/rooms/' + roomId + '/messages?limit=50&before=' + before, undefined, o.token);
        if (gone) return;
        const height = box.scrollHeight, first = list.firstChild;
        page.messages.forEach((m) => { if (!has(m.id)) list.insertBefore(messageEl(m, mine(m)), first); });
        box.scrollTop += box.scrollHeight - height;
        setOlder(page.pagination);
      } catch (err) {
        toast(err.message, 'error');
      } finally {
        older.disabled = false;
      }
    }
    on(older, 'click', loadOlder);
    on(box, 'scroll', () => { if (box.scrollTop < 40) loadOlder(); });

    // ---------- typing ----------
    let typingSince = 0, typingStop = null, typingHide = null;
    function typing(active) {
      clearTimeout(typingStop);
      if (active && live && socket.connected) {
        if (Date.now() - typingSince > 2000) { typingSince = Date.now(); socket.emit('typing', { roomId, isTyping: true }); }
        typingStop = setTimeout(() => typing(false), 3000);
      } else if (typingSince) {
        typingSince = 0;
        if (live && socket.connected) socket.emit('typing', { roomId, isTyping: false });
      }
    }
    on(input, 'input', () => typing(input.value.trim() !== ''));
    on(input, 'keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
    });
    listen('user_typing', (d) => {
      if (!ours(d) || d.userId === o.me || !live) return;
      clearTimeout(typingHide);
      typingLine.textContent = fmt('typing', { name: names.get(d.userId) || d.userName });
      typingLine.hidden = !d.isTyping;
      typingHide = setTimeout(() => { typingLine.hidden = true; }, 6000);
    });

    // ---------- sending ----------
    /**
     * Sends (or resends) one message. Offline it waits, shown as pending, for the next join.
     * One that went out but got no answer may be stored or not: it goes back to the composer
     * (if that is empty) and sending it again reuses its clientMessageId, so it is stored once.
     */
    function send(cid) {
      if (!live || gone || !socket.connected) return;
      out.send(socket, roomId, cid, SEND_TIMEOUT, (err, m, p) => {
        if (gone) return;
        if (!err) return add(m);
        if (err.retry && !out.pending.has(cid)) return; // its message came meanwhile: stored
        toast(fmt('not_sent', { reason: err.message }), 'error');
        if (!input.value.trim() && p.li && !p.attachmentIds.length) {
          p.li.remove();
          p.li = null;
          p.held = err.retry;
          input.value = p.content;
        } else if (!err.retry && p.li) {
          p.li.classList.add('failed');
        } // else it stays pending and goes again after the next join
      });
    }
    const uploads = window.FDAttachments && $('composer-attach')
      ? FDAttachments.uploader(roomId, o.token, composer.closest('section') || box, () => {})
      : null;
    on(composer, 'submit', (e) => {
      e.preventDefault();
      const content = input.value.trim();
      const attachmentIds = uploads ? uploads.ids() : [];
      if ((!content && !attachmentIds.length) || !live || !canSend) return;
      if (uploads && uploads.busy()) return toast(t.wait_uploads, 'info');
      const li = messageEl({ content, pendingFiles: uploads ? uploads.names() : [] }, true);
      li.classList.add('pending');
      list.appendChild(li);
      input.value = '';
      if (uploads) uploads.clear();
      typing(false);
      scrollDown();
      const again = attachmentIds.length ? null : out.heldWith(content);
      if (again) Object.assign(out.pending.get(again), { li, held: false });
      send(again || out.add(content, { li, attachmentIds }));
    });

    // ---------- joining, and whether the viewer may write ----------
    function setComposer() {
      const open = live && canSend;
      composer.hidden = !open;
      input.disabled = !open;
      composer.querySelectorAll('button').forEach((b) => { b.disabled = !open; });
      if (uploads) uploads.enable(open);
    }
    function access(d) {
      if (!ours(d) || typeof d.canSend !== 'boolean') return;
      canSend = d.canSend;
      setComposer();
    }
    listen('room_access', access);

    /** (Re)joins, asking only for what came after the last message shown, then resends. */
    function join() {
      if (!live || gone) return;
      FD.joinRoom(socket, roomId, lastId, () => {
        for (const [cid, p] of out.pending) if (!p.held) send(cid);
      });
      markRead();
    }
    listen('connect', join);
    setComposer();
    scrollDown();
    if (socket.connected) join();

    return {
      system,
      /** The page may no longer read the room: it stops (until `resume`). */
      stop() {
        live = false;
        canSend = false; // the server says again on the next join
        setComposer();
        typingLine.hidden = true;
        clearTimeout(typingStop);
        typingSince = 0;
      },
      /** The room may be read again: rejoin and catch up. */
      resume() {
        live = true;
        join();
      },
      /** Names a person for the typing line (staff the customer page hears of, say). */
      know(u) { if (u && u.id) names.set(u.id, displayName(u)); },
      /** Takes the conversation off the page (signing out): listeners, messages, outbox. */
      destroy() {
        gone = true;
        dom.abort();
        heard.forEach(([event, fn]) => socket.off(event, fn));
        [readTimer, typingStop, typingHide].forEach(clearTimeout);
        out.pending.clear();
        list.textContent = '';
        older.hidden = true;
        delete older.dataset.before;
        typingLine.hidden = true;
      },
    };
  };
})();
