// Replays the three flows of seed/chat-realtime-guide.vi.md step by step, the
// way a client written against the guide does them (plain emits, listeners for
// the guide's events), against a real Frontdesk server.
//
//   1. LUỒNG CUSTOMER                      -> describe('guide flow (a) customer')
//   2. LUỒNG STAFF/ADMIN, Cách 1: Sessions -> describe('guide flow (b) staff via sessions')
//   2. LUỒNG STAFF/ADMIN, Cách 2: Rooms    -> describe('guide flow (c) staff via rooms')
//
// Steps inside one describe share state and run in order.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer,
  api,
  apiOk,
  createUser,
  registerCustomer,
  connect,
  waitFor,
  record,
  waitForWebsocket,
  closeAll,
  ISO_MS,
} from './helpers.mjs';

let server;
const sockets = [];

before(async () => {
  server = await startServer();
});

after(async () => {
  closeAll(sockets);
  if (server) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, 'SIGTERM shuts the server down cleanly');
  }
});

function assertUserSummary(u, expected, what) {
  assert.ok(u && typeof u === 'object', `${what}: UserSummary expected, got ${JSON.stringify(u)}`);
  for (const k of ['id', 'userName', 'firstName', 'lastName', 'avatar']) {
    assert.ok(k in u, `${what}: UserSummary lacks "${k}": ${JSON.stringify(u)}`);
  }
  if (expected) {
    assert.equal(u.id, expected.id, `${what}: id`);
    assert.equal(u.userName, expected.userName, `${what}: userName`);
  }
}

function assertSessionShape(s, what) {
  for (const k of [
    'id', 'title', 'status', 'startedAt', 'claimedAt', 'endedAt',
    'roomId', 'customerId', 'staffId', 'room', 'customer', 'staff',
  ]) {
    assert.ok(k in s, `${what}: Session lacks "${k}": ${JSON.stringify(s)}`);
  }
  assert.match(s.startedAt, ISO_MS, `${what}: startedAt format`);
}

function assertMessage(m, { roomId, sessionId, content, sender, role }) {
  assert.equal(typeof m.id, 'number');
  assert.ok(m.id > 0);
  assert.equal(m.roomId, roomId, 'message.roomId');
  assert.equal(m.content, content, 'message.content');
  assert.match(m.createdAt, ISO_MS, 'message.createdAt');
  if (sessionId !== undefined) assert.equal(m.sessionId, sessionId, 'message.sessionId');
  assertUserSummary(m.sender, sender, 'message.sender');
  if (role) assert.equal(m.sender.role, role, 'message.sender.role');
}

// ---------------------------------------------------------------------------
// 1. LUỒNG CUSTOMER (default transports: polling, then upgrade to websocket)
// ---------------------------------------------------------------------------
describe('guide flow (a) customer', () => {
  let customer;
  let staff;
  let room;
  let session;
  let socket;
  let staffSocket;
  const ev = {};

  it('Bước 1: GET /api/chat/rooms returns the customer\'s own room as rooms[0]', async () => {
    customer = await registerCustomer(server, { firstName: 'Nguyen', lastName: 'Van A' });
    staff = await createUser(server, 'staff', { firstName: 'Tran', lastName: 'Thi B' });

    const res = await api(server, 'GET', '/api/chat/rooms', { token: customer.token });
    assert.equal(res.status, 200);
    const rooms = res.body;
    assert.ok(Array.isArray(rooms), `rooms must be an array: ${JSON.stringify(rooms)}`);
    assert.equal(rooms.length, 1, 'a customer has exactly one room');
    room = rooms[0];
    assert.ok(room, 'Customer chưa có room');
    assert.equal(room.customerId, customer.user.id);
    assert.equal(room.staffId, null);
    assert.equal(room.isClosed, false);
    assert.equal(typeof room.name, 'string');
    assertUserSummary(room.customer, customer.user, 'room.customer');
    assert.equal(room.staff, null);
    assert.ok(Array.isArray(room.messages));
    assert.equal(room._count.messages, 0);
  });

  it('Bước 2: POST /api/chat/rooms/:id/sessions {title} opens an OPEN session', async () => {
    const title = 'Tư vấn về dịch vụ chăm sóc thú cưng';
    const res = await api(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token,
      body: { title },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    session = res.body;
    assertSessionShape(session, 'created session');
    assert.equal(session.title, title);
    assert.equal(session.status, 'OPEN');
    assert.equal(session.roomId, room.id);
    assert.equal(session.customerId, customer.user.id);
    assert.equal(session.staffId, null);
    assert.equal(session.staff, null);
    assert.equal(session.claimedAt, null);
    assert.equal(session.endedAt, null);
    assert.equal(session.room.id, room.id);
    assertUserSummary(session.customer, customer.user, 'session.customer');
  });

  it('Bước 3: connect (polling then upgrade), join_room -> joined_room then room_history', async () => {
    socket = await connect(server, customer.token); // default transports
    sockets.push(socket);
    assert.equal(socket.initialTransport, 'polling', 'default transports start with long-polling');
    assert.deepEqual(socket.connectedPayload, {
      message: 'Connected to chat server',
      userId: customer.user.id,
      userRole: 'CUSTOMER',
    });
    await waitForWebsocket(socket);
    assert.equal(socket.io.engine.transport.name, 'websocket', 'upgraded to websocket');

    // The guide's listeners, attached before the join.
    const order = [];
    for (const name of ['joined_room', 'room_history', 'session_joined', 'user_left', 'user_joined', 'new_message', 'error']) {
      ev[name] = record(socket, name);
      socket.on(name, () => order.push(name));
    }

    socket.emit('join_room', { roomId: room.id }); // plain emit, as in the guide
    await ev.room_history.waitCount(1);
    assert.deepEqual(ev.joined_room.items, [{ roomId: room.id, message: 'Successfully joined room' }]);
    assert.deepEqual(order.slice(0, 2), ['joined_room', 'room_history'], 'joined_room comes before room_history');
    const history = ev.room_history.items[0];
    assert.deepEqual(history.messages, []);
    assert.ok(history.pagination && typeof history.pagination === 'object');
    for (const k of ['limit', 'hasMore', 'nextBefore', 'total']) {
      assert.ok(k in history.pagination, `pagination lacks ${k}: ${JSON.stringify(history.pagination)}`);
    }
    assert.equal(history.pagination.total, 0);
    assert.equal(history.pagination.hasMore, false);
    assert.equal(ev.error.items.length, 0, `no error: ${JSON.stringify(ev.error.items)}`);
  });

  it('Bước 4: send_message (no ack) -> new_message back to the sender', async () => {
    const content = 'Xin chào, tôi cần tư vấn...';
    const got = waitFor(socket, 'new_message', { filter: (m) => m.content === content });
    socket.emit('send_message', { roomId: room.id, content });
    const m = await got;
    assertMessage(m, {
      roomId: room.id,
      sessionId: session.id,
      content,
      sender: customer.user,
      role: 'CUSTOMER',
    });
    assert.equal(m.sender.firstName, 'Nguyen');
    assert.equal(m.sender.lastName, 'Van A');

    const hist = await apiOk(server, 'GET', `/api/chat/rooms/${room.id}/messages`, { token: customer.token });
    assert.deepEqual(hist.messages.map((x) => x.id), [m.id]);
    assert.equal(ev.error.items.length, 0, `no error: ${JSON.stringify(ev.error.items)}`);
  });

  it('session_joined reaches the customer when a staff member claims the session', async () => {
    const joined = waitFor(socket, 'session_joined');
    const claimed = await apiOk(server, 'POST', `/api/chat/sessions/${session.id}/join`, { token: staff.token });
    assert.equal(claimed.status, 'IN_PROGRESS');
    const payload = await joined;
    assert.equal(payload.sessionId, session.id);
    assert.equal(payload.roomId, room.id);
    assertUserSummary(payload.staff, staff.user, 'session_joined.staff');
    assert.equal(payload.staff.firstName, 'Tran');
  });

  it('Bước 5: user_left reaches the customer when the staff leaves the room', async () => {
    staffSocket = await connect(server, staff.token, { transports: ['websocket'] });
    sockets.push(staffSocket);
    const userJoined = waitFor(socket, 'user_joined', { filter: (p) => p.userId === staff.user.id });
    staffSocket.emit('join_room', { roomId: room.id });
    const hist = await waitFor(staffSocket, 'room_history');
    assert.equal(hist.messages.length, 1);
    assert.deepEqual(await userJoined, { roomId: room.id, userId: staff.user.id, userName: staff.userName });

    // The staff says something, the customer hears it.
    const fromStaff = waitFor(socket, 'new_message', { filter: (m) => m.sender.id === staff.user.id });
    staffSocket.emit('send_message', { roomId: room.id, content: 'Chào bạn, mình có thể giúp gì?' });
    assertMessage(await fromStaff, {
      roomId: room.id,
      sessionId: session.id,
      content: 'Chào bạn, mình có thể giúp gì?',
      sender: staff.user,
      role: 'STAFF',
    });

    const left = waitFor(socket, 'user_left', { filter: (p) => p.userId === staff.user.id });
    staffSocket.emit('leave_room', { roomId: room.id });
    assert.deepEqual(await left, { roomId: room.id, userId: staff.user.id, userName: staff.userName });
    assert.equal(ev.error.items.length, 0, `customer saw no error: ${JSON.stringify(ev.error.items)}`);
    closeAll(staffSocket, socket);
  });
});

// ---------------------------------------------------------------------------
// 2. LUỒNG STAFF/ADMIN — Cách 1: Qua Sessions (staff on websocket-only transport)
// ---------------------------------------------------------------------------
describe('guide flow (b) staff via sessions', () => {
  let customer;
  let staff;
  let staff2;
  let room;
  let session;
  let claimed;
  let customerSocket;
  let staffSocket;
  let staffErrors;
  let firstCustomerMessage;

  before(async () => {
    customer = await registerCustomer(server, { firstName: 'Le', lastName: 'Thi C' });
    staff = await createUser(server, 'staff', { firstName: 'Pham', lastName: 'Van D' });
    staff2 = await createUser(server, 'staff', { firstName: 'Hoang', lastName: 'Van E' });
    // The customer side of the guide: room, session, socket, first message.
    [room] = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });
    session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token,
      body: { title: 'Tư vấn về gói khám' },
      expect: 201,
    });
    customerSocket = await connect(server, customer.token);
    sockets.push(customerSocket);
    customerSocket.emit('join_room', { roomId: room.id });
    await waitFor(customerSocket, 'room_history');
    const mine = waitFor(customerSocket, 'new_message');
    customerSocket.emit('send_message', { roomId: room.id, content: 'Tôi muốn hỏi về gói khám' });
    firstCustomerMessage = await mine;
  });

  it('Bước 1: GET /api/chat/sessions/unassigned lists the OPEN session', async () => {
    const res = await api(server, 'GET', '/api/chat/sessions/unassigned', { token: staff.token });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body));
    const s = res.body.find((x) => x.id === session.id);
    assert.ok(s, `session ${session.id} not in unassigned: ${JSON.stringify(res.body.map((x) => x.id))}`);
    assertSessionShape(s, 'unassigned session');
    assert.equal(s.status, 'OPEN');
    assert.equal(s.staffId, null);
    assert.equal(s.roomId, room.id);
    assert.equal(s.title, 'Tư vấn về gói khám');
    assert.equal(s.room.id, room.id);
    assertUserSummary(s.room.customer, customer.user, 'session.room.customer');
    assertUserSummary(s.customer, customer.user, 'session.customer');
    // Oldest first.
    const started = res.body.map((x) => Date.parse(x.startedAt));
    assert.deepEqual([...started].sort((a, b) => a - b), started, 'unassigned sessions are oldest first');
  });

  it('Bước 2: POST /api/chat/sessions/:id/join claims it; it leaves the unassigned list', async () => {
    const joined = waitFor(customerSocket, 'session_joined');
    const res = await api(server, 'POST', `/api/chat/sessions/${session.id}/join`, { token: staff.token });
    assert.ok(res.status === 200 || res.status === 201, `claim status ${res.status}: ${JSON.stringify(res.body)}`);
    claimed = res.body;
    assertSessionShape(claimed, 'claimed session');
    assert.equal(claimed.id, session.id);
    assert.equal(claimed.status, 'IN_PROGRESS');
    assert.equal(claimed.staffId, staff.user.id);
    assertUserSummary(claimed.staff, staff.user, 'claimed.staff');
    assert.match(claimed.claimedAt, ISO_MS);

    const sj = await joined;
    assert.equal(sj.sessionId, session.id);
    assert.equal(sj.roomId, room.id);
    assertUserSummary(sj.staff, staff.user, 'session_joined.staff');

    const unassigned = await apiOk(server, 'GET', '/api/chat/sessions/unassigned', { token: staff.token });
    assert.ok(!unassigned.some((x) => x.id === session.id), 'claimed session is gone from unassigned');

    // Claiming again a session you hold returns it.
    const again = await api(server, 'POST', `/api/chat/sessions/${session.id}/join`, { token: staff.token });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.staffId, staff.user.id);

    // The room is now the staff's.
    const mine = await apiOk(server, 'GET', '/api/chat/rooms', { token: staff.token });
    const r = mine.find((x) => x.id === room.id);
    assert.ok(r, 'room is listed among the staff\'s rooms');
    assert.equal(r.staffId, staff.user.id);
    assertUserSummary(r.staff, staff.user, 'room.staff');
  });

  it('Bước 3: staff connects (websocket only), join_room -> joined_room + room_history', async () => {
    staffSocket = await connect(server, staff.token, { transports: ['websocket'] });
    sockets.push(staffSocket);
    assert.equal(staffSocket.initialTransport, 'websocket');
    assert.equal(staffSocket.connectedPayload.userRole, 'STAFF');
    assert.equal(staffSocket.connectedPayload.userId, staff.user.id);
    staffErrors = record(staffSocket, 'error');

    const joinedRoom = waitFor(staffSocket, 'joined_room');
    const history = waitFor(staffSocket, 'room_history');
    const userJoined = waitFor(customerSocket, 'user_joined');
    staffSocket.emit('join_room', { roomId: session.roomId });
    assert.deepEqual(await joinedRoom, { roomId: room.id, message: 'Successfully joined room' });
    const h = await history;
    assert.deepEqual(h.messages.map((m) => m.id), [firstCustomerMessage.id]);
    assert.equal(h.messages[0].content, 'Tôi muốn hỏi về gói khám');
    assert.deepEqual(await userJoined, { roomId: room.id, userId: staff.user.id, userName: staff.userName });
  });

  it('Bước 4: messages flow both ways', async () => {
    const c1 = waitFor(customerSocket, 'new_message', { filter: (m) => m.sender.id === staff.user.id });
    const s1 = waitFor(staffSocket, 'new_message', { filter: (m) => m.sender.id === staff.user.id });
    staffSocket.emit('send_message', { roomId: session.roomId, content: 'Xin chào, tôi có thể giúp gì cho bạn?' });
    const [atCustomer, atStaff] = await Promise.all([c1, s1]);
    assert.equal(atCustomer.id, atStaff.id);
    assertMessage(atCustomer, {
      roomId: room.id,
      sessionId: session.id,
      content: 'Xin chào, tôi có thể giúp gì cho bạn?',
      sender: staff.user,
      role: 'STAFF',
    });

    const c2 = waitFor(customerSocket, 'new_message', { filter: (m) => m.sender.id === customer.user.id });
    const s2 = waitFor(staffSocket, 'new_message', { filter: (m) => m.sender.id === customer.user.id });
    customerSocket.emit('send_message', { roomId: room.id, content: 'Cảm ơn bạn' });
    const [cc, sc] = await Promise.all([c2, s2]);
    assert.equal(cc.id, sc.id);
    assert.ok(sc.id > atStaff.id, 'ids increase');
    assertMessage(sc, { roomId: room.id, sessionId: session.id, content: 'Cảm ơn bạn', sender: customer.user, role: 'CUSTOMER' });
    assert.equal(staffErrors.items.length, 0, JSON.stringify(staffErrors.items));
  });

  it('Bước 5: POST end -> ENDED; room stays open and keeps staffId', async () => {
    const res = await api(server, 'POST', `/api/chat/sessions/${session.id}/end`, { token: staff.token });
    assert.ok(res.status === 200 || res.status === 201, `end status ${res.status}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.id, session.id);
    assert.equal(res.body.status, 'ENDED');
    assert.match(res.body.endedAt, ISO_MS);

    const r = await apiOk(server, 'GET', `/api/chat/rooms/${room.id}`, { token: staff.token });
    assert.equal(r.isClosed, false, 'room stays open');
    assert.equal(r.staffId, staff.user.id, 'room.staffId is NOT cleared');

    const again = await api(server, 'POST', `/api/chat/sessions/${session.id}/end`, { token: staff.token });
    assert.equal(again.status, 409, 'ending twice is a conflict');
    assert.equal(again.body.statusCode, 409);
    assert.equal(typeof again.body.message, 'string');

    // The ended session is not back in unassigned.
    const unassigned = await apiOk(server, 'GET', '/api/chat/sessions/unassigned', { token: staff.token });
    assert.ok(!unassigned.some((x) => x.id === session.id));

  });

  it('after end: leave_room -> customer gets user_left; leave_session -> room gets session_left', async () => {
    const left = waitFor(customerSocket, 'user_left', { filter: (p) => p.userId === staff.user.id });
    staffSocket.emit('leave_room', { roomId: session.roomId });
    assert.deepEqual(await left, { roomId: room.id, userId: staff.user.id, userName: staff.userName });

    const sessionLeft = waitFor(customerSocket, 'session_left', { filter: (p) => p.sessionId === session.id });
    staffSocket.emit('leave_session', { sessionId: session.id });
    assert.deepEqual(await sessionLeft, { sessionId: session.id, userId: staff.user.id, userName: staff.userName });

    // The session stays ENDED (leave_session never changes status).
    const s = await apiOk(server, 'GET', `/api/chat/sessions/${session.id}`, { token: staff.token });
    assert.equal(s.status, 'ENDED');
    assert.ok(staffSocket.connected);
  });

  it('then the customer opens a new session and another staff member can claim it', async () => {
    // The customer can open a new session at once ...
    const next = await api(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token,
      body: { title: 'Câu hỏi khác' },
    });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    assert.equal(next.body.status, 'OPEN');
    assert.notEqual(next.body.id, session.id);

    // ... and another staff member can claim it.
    const list2 = await apiOk(server, 'GET', '/api/chat/sessions/unassigned', { token: staff2.token });
    assert.ok(list2.some((x) => x.id === next.body.id), 'new session is unassigned');
    const claim2 = await api(server, 'POST', `/api/chat/sessions/${next.body.id}/join`, { token: staff2.token });
    assert.ok(claim2.status === 200 || claim2.status === 201, `claim by staff2: ${claim2.status} ${JSON.stringify(claim2.body)}`);
    assert.equal(claim2.body.status, 'IN_PROGRESS');
    assert.equal(claim2.body.staffId, staff2.user.id);
    const r2 = await apiOk(server, 'GET', `/api/chat/rooms/${room.id}`, { token: staff2.token });
    assert.equal(r2.staffId, staff2.user.id, 'claiming sets the room\'s staffId to the claimer');
    closeAll(staffSocket, customerSocket);
  });
});

// ---------------------------------------------------------------------------
// 2. LUỒNG STAFF/ADMIN — Cách 2: Qua Rooms (staff on default transports)
// ---------------------------------------------------------------------------
describe('guide flow (c) staff via rooms', () => {
  let customer;
  let staff;
  let otherStaff;
  let room;
  let session;
  let customerSocket;
  let staffSocket;
  let customerMessage;

  before(async () => {
    customer = await registerCustomer(server, { firstName: 'Vo', lastName: 'Thi F' });
    staff = await createUser(server, 'staff', { firstName: 'Mary', lastName: 'Smith' });
    otherStaff = await createUser(server, 'staff');
    [room] = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });
    session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token,
      body: { title: 'Hỏi về đơn hàng' },
      expect: 201,
    });
    customerSocket = await connect(server, customer.token, { transports: ['websocket'] });
    sockets.push(customerSocket);
    customerSocket.emit('join_room', { roomId: room.id });
    await waitFor(customerSocket, 'room_history');
    const mine = waitFor(customerSocket, 'new_message');
    customerSocket.emit('send_message', { roomId: room.id, content: 'Đơn hàng của tôi ở đâu?' });
    customerMessage = await mine;
  });

  it('Bước 1: GET /api/chat/rooms/unassigned lists the room', async () => {
    const res = await api(server, 'GET', '/api/chat/rooms/unassigned', { token: staff.token });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body));
    const r = res.body.find((x) => x.id === room.id);
    assert.ok(r, `room ${room.id} not in unassigned: ${JSON.stringify(res.body.map((x) => x.id))}`);
    assert.equal(r.staffId, null);
    assert.equal(r.isClosed, false);
    assert.equal(r.customerId, customer.user.id);
    assertUserSummary(r.customer, customer.user, 'room.customer');
    assert.ok(Array.isArray(r.messages));
    assert.equal(r.messages.at(-1)?.id, customerMessage.id, 'room.messages holds the latest message');
    assert.equal(r._count.messages, 1);
    // Latest activity first.
    const times = res.body.map((x) => Date.parse(x.lastMessageAt));
    assert.deepEqual([...times].sort((a, b) => b - a), times, 'unassigned rooms are latest activity first');
  });

  it('Bước 2: staff connects and joins the unassigned room directly', async () => {
    staffSocket = await connect(server, staff.token); // default transports
    sockets.push(staffSocket);
    assert.equal(staffSocket.initialTransport, 'polling');
    const joinedRoom = waitFor(staffSocket, 'joined_room');
    const history = waitFor(staffSocket, 'room_history');
    staffSocket.emit('join_room', { roomId: room.id });
    assert.deepEqual(await joinedRoom, { roomId: room.id, message: 'Successfully joined room' });
    const h = await history;
    assert.deepEqual(h.messages.map((m) => m.id), [customerMessage.id]);

    // Joining does not assign.
    const r = await apiOk(server, 'GET', `/api/chat/rooms/${room.id}`, { token: staff.token });
    assert.equal(r.staffId, null, 'join_room alone does not assign the room');
  });

  it('Bước 3: the first send_message auto-assigns the room and claims the OPEN session', async () => {
    const roomUpdated = waitFor(staffSocket, 'room_updated', {
      filter: (p) => p.roomId === room.id && p.reason === 'assigned',
    });
    const sessionJoined = waitFor(customerSocket, 'session_joined');
    const atCustomer = waitFor(customerSocket, 'new_message', { filter: (m) => m.sender.id === staff.user.id });
    const atStaff = waitFor(staffSocket, 'new_message', { filter: (m) => m.sender.id === staff.user.id });
    staffSocket.emit('send_message', { roomId: room.id, content: 'Xin chào, tôi có thể giúp gì cho bạn?' });

    const [mc, ms] = await Promise.all([atCustomer, atStaff]);
    assert.equal(mc.id, ms.id);
    assertMessage(mc, {
      roomId: room.id,
      sessionId: session.id,
      content: 'Xin chào, tôi có thể giúp gì cho bạn?',
      sender: staff.user,
      role: 'STAFF',
    });

    const sj = await sessionJoined;
    assert.equal(sj.sessionId, session.id);
    assert.equal(sj.roomId, room.id);
    assertUserSummary(sj.staff, staff.user, 'session_joined.staff');

    const ru = await roomUpdated;
    assert.equal(ru.staffId, staff.user.id);
    assert.match(ru.lastMessageAt, ISO_MS);

    const s = await apiOk(server, 'GET', `/api/chat/sessions/${session.id}`, { token: staff.token });
    assert.equal(s.status, 'IN_PROGRESS', 'the OPEN session became IN_PROGRESS');
    assert.equal(s.staffId, staff.user.id);
  });

  it('Bước 4: GET /api/chat/rooms/assigned contains the room (own rooms only); it left unassigned', async () => {
    const assigned = await apiOk(server, 'GET', '/api/chat/rooms/assigned', { token: staff.token });
    const r = assigned.find((x) => x.id === room.id);
    assert.ok(r, `room ${room.id} not in assigned: ${JSON.stringify(assigned.map((x) => x.id))}`);
    assert.equal(r.staffId, staff.user.id);
    assertUserSummary(r.staff, staff.user, 'room.staff');
    assertUserSummary(r.customer, customer.user, 'room.customer');
    assert.equal(r._count.messages, 2);
    assert.ok(assigned.every((x) => x.staffId === staff.user.id), 'staff sees only rooms assigned to them');

    const other = await apiOk(server, 'GET', '/api/chat/rooms/assigned', { token: otherStaff.token });
    assert.ok(!other.some((x) => x.id === room.id), 'another staff does not see it as assigned');

    const unassigned = await apiOk(server, 'GET', '/api/chat/rooms/unassigned', { token: staff.token });
    assert.ok(!unassigned.some((x) => x.id === room.id), 'room left the unassigned list');
  });

  it('chat continues; leave_room -> customer gets user_left', async () => {
    const reply = waitFor(staffSocket, 'new_message', { filter: (m) => m.sender.id === customer.user.id });
    customerSocket.emit('send_message', { roomId: room.id, content: 'Mã đơn 12345' });
    const m = await reply;
    assert.equal(m.content, 'Mã đơn 12345');
    assert.equal(m.sessionId, session.id);

    const left = waitFor(customerSocket, 'user_left', { filter: (p) => p.userId === staff.user.id });
    staffSocket.emit('leave_room', { roomId: room.id });
    assert.deepEqual(await left, { roomId: room.id, userId: staff.user.id, userName: staff.userName });
    closeAll(staffSocket, customerSocket);
  });
});
