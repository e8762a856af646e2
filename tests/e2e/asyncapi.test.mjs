// docs/asyncapi.json against the real server, with the official socket.io-client: one flow
// that makes the server send every event the document names, answers every client event the
// document names, and ignores one it does not. (helpers.mjs also fails any test file whose
// sockets sent or heard an event the document does not name.)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer,
  apiOk,
  createUser,
  registerCustomer,
  connect,
  waitFor,
  ack,
  closeAll,
  ACCEPTED,
  EMITTED,
  HEARD,
  PROBE_PREFIX,
} from './helpers.mjs';

let server;
const sockets = [];
async function open(token) {
  const s = await connect(server, token);
  sockets.push(s);
  return s;
}

before(async () => {
  server = await startServer();
});
after(async () => {
  closeAll(...sockets);
  await server?.stop();
});

describe('the AsyncAPI document', () => {
  it('names every event the server sends and answers every event it names', async () => {
    const [mai, lan] = await Promise.all([createUser(server, 'staff'), createUser(server, 'staff')]);
    const customer = await registerCustomer(server);
    const [room] = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });

    const c = await open(customer.token);
    const m = await open(mai.token);
    const l = await open(lan.token);
    const answered = new Set();
    const send = async (socket, event, payload) => {
      const reply = await ack(socket, event, payload);
      answered.add(event);
      return reply;
    };

    const history = waitFor(c, 'room_history');
    assert.equal((await send(c, 'join_room', { roomId: room.id })).ok, true);
    await history;
    // An unassigned room's message is staff-feed news.
    const updated = waitFor(m, 'room_updated');
    await send(c, 'send_message', { roomId: room.id, content: 'hello?' });
    await updated;

    const created = waitFor(m, 'session_created');
    const session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token, body: { title: 'Order' }, expect: 201,
    });
    await created;

    // Lan reads the room while its session is OPEN; Mai's claim takes it from her.
    const lanJoined = waitFor(c, 'user_joined');
    await send(l, 'join_room', { roomId: room.id });
    await lanJoined;
    const typing = waitFor(c, 'user_typing');
    await send(l, 'typing', { roomId: room.id, isTyping: true });
    await typing;
    const lanLeft = waitFor(l, 'left_room');
    const joinedNotice = waitFor(c, 'session_joined');
    const sessionUpdated = waitFor(c, 'session_updated');
    const claimed = await send(m, 'join_session', { sessionId: session.id });
    assert.equal(claimed.ok, true, JSON.stringify(claimed));
    await Promise.all([lanLeft, joinedNotice, sessionUpdated]);

    const reply = waitFor(c, 'new_message');
    const sent = await send(m, 'send_message', { roomId: room.id, content: 'Hi, Mai here' });
    await reply;
    const read = waitFor(m, 'messages_read');
    await send(c, 'mark_read', { roomId: room.id, messageId: sent.message.id });
    await read;
    const stepped = waitFor(c, 'session_left');
    await send(m, 'leave_session', { sessionId: session.id });
    await stepped;

    // A refusal without an ack callback is an `error` event.
    const refused = waitFor(c, 'error');
    c.emit('send_message', { roomId: room.id, content: '   ' });
    assert.equal((await refused).code, 'VALIDATION_FAILED');

    const noted = waitFor(m, 'note_added');
    await send(m, 'add_note', { roomId: room.id, content: 'VIP, be quick' });
    await noted;
    const away = await send(m, 'set_away', { away: true });
    assert.deepEqual(away, { ok: true, away: true });

    const left = waitFor(c, 'user_left');
    await send(m, 'leave_room', { roomId: room.id });
    await left;

    const transferred = waitFor(l, 'room_transferred');
    await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/transfer`, {
      token: mai.token, body: { staffId: lan.user.id, note: 'over to you' },
    });
    assert.equal((await transferred).note, 'over to you');

    // An event the document does not name gets no answer at all.
    const ignored = await ack(c, `${PROBE_PREFIX}_join`, { roomId: room.id }, { timeoutMs: 500 })
      .then(() => 'answered', () => 'ignored');
    assert.equal(ignored, 'ignored');

    assert.deepEqual([...answered].sort(), [...ACCEPTED].sort(), 'every client event answered');
    assert.deepEqual([...EMITTED].filter((e) => !HEARD.has(e)), [], 'server events never heard');
  });
});
