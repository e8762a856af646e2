// Real-time guarantees of CONTRACT.md §5 against a real Frontdesk server:
// ordering, catch-up after reconnect, idempotent resend, handshake refusal,
// bad payloads, the staff feed and concurrent claims.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startServer,
  api,
  apiOk,
  createUser,
  registerCustomer,
  customerWithSession,
  connect,
  reconnect,
  expectConnectError,
  waitFor,
  record,
  ack,
  signJwt,
  closeAll,
  withTimeout,
  UNLIMITED_RATES,
} from './helpers.mjs';

let server;
let staff;
let staffB;
let admin;
const sockets = [];

async function open(token, opts) {
  const s = await connect(server, token, opts);
  sockets.push(s);
  return s;
}

async function joinRoom(socket, roomId, extra = {}) {
  const history = waitFor(socket, 'room_history');
  const res = await ack(socket, 'join_room', { roomId, ...extra });
  assert.equal(res.ok, true, `join_room ${roomId}: ${JSON.stringify(res)}`);
  return history;
}

async function allMessages(token, roomId) {
  // Walks the REST history back with ?before= (newest page first).
  const out = [];
  let before;
  for (;;) {
    const q = before ? `?limit=100&before=${before}` : '?limit=100';
    const page = await apiOk(server, 'GET', `/api/chat/rooms/${roomId}/messages${q}`, { token });
    out.unshift(...page.messages);
    if (!page.pagination.hasMore) return out;
    before = page.pagination.nextBefore ?? page.messages[0].id;
  }
}

function assertStrictlyIncreasing(ids, what) {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i] > ids[i - 1])) {
      assert.fail(`${what}: id ${ids[i]} at index ${i} is not above ${ids[i - 1]}`);
    }
  }
}

before(async () => {
  // The ordering test floods on purpose (150 sends per user at once): lift the per-user
  // message rate limit so it measures delivery, not the limiter.
  server = await startServer({ env: UNLIMITED_RATES });
  [staff, staffB, admin] = await Promise.all([
    createUser(server, 'staff'),
    createUser(server, 'staff'),
    createUser(server, 'admin'),
  ]);
});

after(async () => {
  closeAll(sockets);
  if (server) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, 'SIGTERM shuts the server down cleanly');
  }
});

describe('ordering', () => {
  it('300 concurrent messages (150 customer + 150 staff) reach every member in strictly increasing id order', { timeout: 30_000 }, async () => {
    const c = await customerWithSession(server, 'ordering');
    await apiOk(server, 'POST', `/api/chat/sessions/${c.session.id}/join`, { token: staff.token });

    const custSock = await open(c.token, { transports: ['websocket'] });
    const staffSock = await open(staff.token, { transports: ['websocket'] });
    const observer = await open(admin.token); // default transports (polling, then upgrade)
    for (const s of [custSock, staffSock, observer]) await joinRoom(s, c.room.id);

    const N = 150;
    const isOurs = (m) => m.roomId === c.room.id;
    const recs = [custSock, staffSock, observer].map((s) => record(s, 'new_message', { filter: isOurs }));
    const errors = [custSock, staffSock, observer].map((s) => record(s, 'error'));

    // Fire everything without waiting for any ack.
    const acks = [];
    let acked = 0;
    for (let i = 0; i < N; i++) {
      for (const [sock, p] of [[custSock, 'c'], [staffSock, 's']]) {
        acks.push(
          sock
            .emitWithAck('send_message', { roomId: c.room.id, content: `${p}${i}`, clientMessageId: `ord-${p}-${i}` })
            .then((r) => {
              acked++;
              return r;
            }),
        );
      }
    }

    // Collect (bounded); on a shortfall, report everything that did arrive.
    const names = ['customer', 'staff', 'observer'];
    const everything = Promise.all([Promise.all(acks), ...recs.map((r) => r.waitCount(2 * N, { timeoutMs: Infinity }))]);
    const settled = await withTimeout(everything, 10_000, 'acks and new_message events').then(
      () => null,
      (err) => err,
    );
    if (settled) {
      const orderOk = recs.map((r) => r.items.every((m, i, xs) => i === 0 || m.id > xs[i - 1].id));
      const storedCount = (await allMessages(admin.token, c.room.id)).length;
      assert.fail(
        `after 10 s: ${storedCount}/${2 * N} messages stored (REST); ${acked}/${2 * N} send_message acks; new_message received: ` +
          names.map((n, k) => `${n} ${recs[k].items.length}/${2 * N}${orderOk[k] ? '' : ' (OUT OF ORDER)'}`).join(', ') +
          `; error events: ${JSON.stringify(errors.map((e) => e.items.length))}` +
          '. Every member must receive every new_message (and every sender every ack).',
      );
    }
    const results = await Promise.all(acks);
    const failed = results.filter((r) => !r.ok);
    assert.equal(failed.length, 0, `failed acks: ${JSON.stringify(failed.slice(0, 3))}`);
    const ackIds = new Set(results.map((r) => r.message.id));
    assert.equal(ackIds.size, 2 * N, 'every send got its own message id');

    for (let k = 0; k < 3; k++) {
      const got = recs[k].items;
      assert.equal(got.length, 2 * N, `${names[k]} got exactly ${2 * N} new_message`);
      const ids = got.map((m) => m.id);
      assertStrictlyIncreasing(ids, names[k]);
      assert.deepEqual(new Set(ids), ackIds, `${names[k]} received exactly the acked messages`);
      assert.equal(errors[k].items.length, 0, `${names[k]} errors: ${JSON.stringify(errors[k].items.slice(0, 3))}`);
    }
    // And the store agrees.
    const stored = await allMessages(admin.token, c.room.id);
    assert.equal(stored.length, 2 * N);
    assert.deepEqual(stored.map((m) => m.id), recs[2].items.map((m) => m.id));
    recs.forEach((r) => r.stop());
    closeAll(custSock, staffSock, observer);
  });
});

describe('reconnect with catch-up', () => {
  it('join_room {afterMessageId} after a reconnect returns exactly the missed 20 messages, in order', { timeout: 30_000 }, async () => {
    const c = await customerWithSession(server, 'catch-up');
    await apiOk(server, 'POST', `/api/chat/sessions/${c.session.id}/join`, { token: staff.token });
    const custSock = await open(c.token);
    const staffSock = await open(staff.token, { transports: ['websocket'] });
    await joinRoom(custSock, c.room.id);
    await joinRoom(staffSock, c.room.id);

    // A few messages the customer does see.
    for (let i = 0; i < 3; i++) {
      const r = await ack(custSock, 'send_message', { roomId: c.room.id, content: `seen ${i}` });
      assert.equal(r.ok, true);
    }
    const seen = record(custSock, 'new_message');
    const last = await ack(staffSock, 'send_message', { roomId: c.room.id, content: 'last seen' });
    assert.equal(last.ok, true);
    await seen.until((xs) => xs.some((m) => m.id === last.message.id));
    seen.stop();
    const lastSeenId = seen.items.at(-1).id;
    assert.equal(lastSeenId, last.message.id);

    // Drop the connection.
    const gone = waitFor(custSock, 'disconnect');
    custSock.disconnect();
    await gone;
    assert.equal(custSock.connected, false);

    const missed = [];
    for (let i = 0; i < 20; i++) {
      const r = await ack(staffSock, 'send_message', { roomId: c.room.id, content: `missed ${i}` });
      assert.equal(r.ok, true, JSON.stringify(r));
      missed.push(r.message.id);
    }

    await reconnect(custSock);
    const history = await joinRoom(custSock, c.room.id, { afterMessageId: lastSeenId });
    assert.deepEqual(history.messages.map((m) => m.id), missed, 'room_history holds exactly the missed messages, oldest first');
    assert.deepEqual(history.messages.map((m) => m.content), missed.map((_, i) => `missed ${i}`));

    // Live again after the catch-up.
    const live = waitFor(custSock, 'new_message');
    const after = await ack(staffSock, 'send_message', { roomId: c.room.id, content: 'after reconnect' });
    assert.equal((await live).id, after.message.id);
    closeAll(custSock, staffSock);
  });
});

describe('idempotent resend', () => {
  it('the same clientMessageId twice stores one message and acks it twice', async () => {
    const c = await customerWithSession(server, 'idempotency');
    await apiOk(server, 'POST', `/api/chat/sessions/${c.session.id}/join`, { token: staff.token });
    const custSock = await open(c.token, { transports: ['websocket'] });
    const staffSock = await open(staff.token);
    await joinRoom(custSock, c.room.id);
    await joinRoom(staffSock, c.room.id);
    const atStaff = record(staffSock, 'new_message');

    const cmid = `dup-${randomBytes(8).toString('hex')}`;
    const first = await ack(custSock, 'send_message', { roomId: c.room.id, content: 'only once', clientMessageId: cmid });
    const second = await ack(custSock, 'send_message', { roomId: c.room.id, content: 'only once', clientMessageId: cmid });
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(second.ok, true, JSON.stringify(second));
    assert.equal(second.message.id, first.message.id, 'both acks carry the same message id');
    assert.equal(first.message.clientMessageId, cmid);

    // A sentinel after the resend: new_message is ordered per room, so once the
    // sentinel arrives any duplicate broadcast would already have arrived.
    const sentinel = await ack(custSock, 'send_message', { roomId: c.room.id, content: 'sentinel' });
    await atStaff.until((xs) => xs.some((m) => m.id === sentinel.message.id));
    const dups = atStaff.items.filter((m) => m.clientMessageId === cmid || m.content === 'only once');
    assert.equal(dups.length, 1, `the other member got ${dups.length} new_message for it`);
    assert.equal(dups[0].id, first.message.id);

    const stored = await apiOk(server, 'GET', `/api/chat/rooms/${c.room.id}/messages`, { token: c.token });
    assert.equal(stored.messages.filter((m) => m.content === 'only once').length, 1, 'stored once');
    assert.deepEqual(stored.messages.map((m) => m.id), [first.message.id, sentinel.message.id]);
    closeAll(custSock, staffSock);
  });

  it('the same clientMessageId fired twice without waiting stores one message', async () => {
    const c = await customerWithSession(server, 'idempotency-race');
    const custSock = await open(c.token, { transports: ['websocket'] });
    await joinRoom(custSock, c.room.id);
    const cmid = `race-${randomBytes(8).toString('hex')}`;
    const [a, b] = await Promise.all([
      ack(custSock, 'send_message', { roomId: c.room.id, content: 'raced', clientMessageId: cmid }),
      ack(custSock, 'send_message', { roomId: c.room.id, content: 'raced', clientMessageId: cmid }),
    ]);
    assert.equal(a.ok, true, JSON.stringify(a));
    assert.equal(b.ok, true, JSON.stringify(b));
    assert.equal(a.message.id, b.message.id);
    const stored = await apiOk(server, 'GET', `/api/chat/rooms/${c.room.id}/messages`, { token: c.token });
    assert.equal(stored.messages.length, 1);
    closeAll(custSock);
  });
});

describe('handshake', () => {
  it('no token -> connect_error "Unauthorized"', async () => {
    const err = await expectConnectError(server, {});
    assert.equal(err.message, 'Unauthorized');
  });

  it('forged token (right shape, wrong secret) -> connect_error "Unauthorized"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = signJwt(
      { sub: String(admin.user.id), role: 'ADMIN', ver: 0, iat: now, exp: now + 3600 },
      randomBytes(32).toString('hex'),
    );
    const err = await expectConnectError(server, { auth: { token: forged } });
    assert.equal(err.message, 'Unauthorized');
    const err2 = await expectConnectError(server, { auth: { token: 'not-a-jwt' } });
    assert.equal(err2.message, 'Unauthorized');
    // A real token with a tampered payload (signature no longer matches).
    const [h, , sig] = admin.token.split('.');
    const body = Buffer.from(JSON.stringify({ sub: String(staff.user.id), role: 'ADMIN', ver: 0, iat: now, exp: now + 3600 })).toString('base64url');
    const err3 = await expectConnectError(server, { transports: ['websocket'], auth: { token: `${h}.${body}.${sig}` } });
    assert.equal(err3.message, 'Unauthorized');
  });

  it('a valid token in the query (?token=) is accepted', async () => {
    const s = await open(undefined, { query: { token: staff.token } });
    assert.equal(s.connectedPayload.userId, staff.user.id);
    assert.equal(s.connectedPayload.userRole, 'STAFF');
    closeAll(s);
  });
});

describe('bad payloads', () => {
  it('send_message with a bad payload -> one refusal (ack ok:false, or an error event without an ack), with its code; stays connected, stores nothing', async () => {
    const c = await customerWithSession(server, 'bad payloads');
    const s = await open(c.token, { transports: ['websocket'] });
    await joinRoom(s, c.room.id);
    const errors = record(s, 'error');
    const news = record(s, 'new_message');

    const cases = [
      { name: 'missing roomId', payload: { content: 'hello' }, about: /room/i },
      { name: 'roomId "abc"', payload: { roomId: 'abc', content: 'hello' }, about: /room/i },
      { name: 'empty content', payload: { roomId: c.room.id, content: '' }, about: /content|message|empty/i },
      { name: 'whitespace-only content', payload: { roomId: c.room.id, content: '   \n\t ' }, about: /content|message|empty/i },
      { name: 'content of 5001 chars', payload: { roomId: c.room.id, content: 'x'.repeat(5001) }, about: /content|message|5000|long/i },
      { name: 'payload is a string', payload: 'hello', about: /./ },
    ];
    for (const { name, payload, about } of cases) {
      const before = errors.items.length;
      const res = await ack(s, 'send_message', payload);
      assert.equal(res.ok, false, `${name}: ack must be ok:false, got ${JSON.stringify(res).slice(0, 300)}`);
      assert.equal(typeof res.error?.message, 'string', `${name}: ack error.message`);
      assert.ok(res.error.message.length > 0, `${name}: ack error.message is empty`);
      assert.match(res.error.message, about, `${name}: ack message "${res.error.message}" is not clear`);
      assert.doesNotMatch(res.error.message, /panick|sqlite|SELECT|INSERT|thread '|at src\//i, `${name}: leaks internals`);
      assert.equal(res.error.code, 'VALIDATION_FAILED', `${name}: ack error.code`);
      // Without an ack callback the same refusal arrives as one `error` event.
      s.emit('send_message', payload);
      const [ev] = await errors.until((xs) => xs.length > before, { what: `${name}: error event` }).then((xs) => xs.slice(before));
      assert.equal(typeof ev.message, 'string', `${name}: error event {message}`);
      assert.ok(ev.message.length > 0);
      assert.equal(ev.code, 'VALIDATION_FAILED', `${name}: error event code`);
      assert.equal(s.connected, true, `${name}: still connected`);
    }
    assert.equal(errors.items.length, cases.length, 'exactly one error per refused action');

    // Still fully usable, and nothing was stored.
    const good = await ack(s, 'send_message', { roomId: c.room.id, content: 'y'.repeat(5000) });
    assert.equal(good.ok, true, `5000 chars are fine: ${JSON.stringify(good).slice(0, 300)}`);
    await news.until((xs) => xs.some((m) => m.id === good.message.id));
    assert.equal(news.items.length, 1, 'no new_message for any bad payload');
    const stored = await apiOk(server, 'GET', `/api/chat/rooms/${c.room.id}/messages`, { token: c.token });
    assert.deepEqual(stored.messages.map((m) => m.id), [good.message.id], 'only the valid message is stored');
    assert.equal(stored.messages[0].content.length, 5000);
    closeAll(s);
  });
});

describe('staff feed', () => {
  it('session_created on open, session_updated on REST claim and on end', async () => {
    const feed = await open(staffB.token, { transports: ['websocket'] });
    const customer = await registerCustomer(server);
    const [room] = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });

    const sessionOf = (p) => p?.session ?? p;
    const created = waitFor(feed, 'session_created', { filter: (p) => sessionOf(p)?.roomId === room.id });
    const session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
      token: customer.token,
      body: { title: 'feed' },
      expect: 201,
    });
    const c = sessionOf(await created);
    assert.equal(c.id, session.id);
    assert.equal(c.status, 'OPEN');
    assert.equal(c.title, 'feed');

    const claimedEv = waitFor(feed, 'session_updated', {
      filter: (p) => sessionOf(p)?.id === session.id && sessionOf(p).status === 'IN_PROGRESS',
    });
    await apiOk(server, 'POST', `/api/chat/sessions/${session.id}/join`, { token: staff.token });
    const cl = sessionOf(await claimedEv);
    assert.equal(cl.staffId, staff.user.id);

    // The claimer's own socket hears the ended session in full; a colleague who may not read
    // the room hears only enough to drop it from a queue (contract section 6).
    const holder = await open(staff.token, { transports: ['websocket'] });
    const isEnded = (p) => sessionOf(p)?.id === session.id && sessionOf(p).status === 'ENDED';
    const endedEv = waitFor(holder, 'session_updated', { filter: isEnded });
    const shortEv = waitFor(feed, 'session_updated', { filter: isEnded });
    await apiOk(server, 'POST', `/api/chat/sessions/${session.id}/end`, { token: staff.token });
    const en = sessionOf(await endedEv);
    assert.equal(typeof en.endedAt, 'string');
    assert.equal(en.title, 'feed');
    const short = await shortEv;
    assert.deepEqual(Object.keys(short).sort(), ['id', 'roomId', 'staffId', 'status']);
    closeAll(feed, holder);
  });
});

describe('concurrent claim', () => {
  it('REST claim vs socket join_session at once: exactly one wins, the other is told "already claimed"', { timeout: 30_000 }, async () => {
    const customer = await registerCustomer(server);
    const [room] = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });
    const sockB = await open(staffB.token, { transports: ['websocket'] });
    const wins = { rest: 0, socket: 0 };

    for (let round = 0; round < 8; round++) {
      const session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
        token: customer.token,
        body: { title: `race ${round}` },
        expect: 201,
      });
      const [rest, sock] = await Promise.all([
        api(server, 'POST', `/api/chat/sessions/${session.id}/join`, { token: staff.token }),
        ack(sockB, 'join_session', { sessionId: session.id }),
      ]);
      const restWon = rest.status === 200 || rest.status === 201;
      const sockWon = sock.ok === true;
      assert.equal(
        Number(restWon) + Number(sockWon),
        1,
        `round ${round}: exactly one winner; REST ${rest.status} ${JSON.stringify(rest.body).slice(0, 200)}, socket ${JSON.stringify(sock).slice(0, 200)}`,
      );
      const final = await apiOk(server, 'GET', `/api/chat/sessions/${session.id}`, { token: admin.token });
      assert.equal(final.status, 'IN_PROGRESS');
      if (restWon) {
        wins.rest++;
        assert.equal(sock.ok, false);
        assert.match(sock.error?.message ?? '', /already claimed/i, `socket loser message: ${JSON.stringify(sock)}`);
        assert.equal(final.staffId, staff.user.id);
      } else {
        wins.socket++;
        assert.equal(rest.status, 409, `REST loser status: ${rest.status} ${JSON.stringify(rest.body)}`);
        assert.equal(rest.body.statusCode, 409);
        assert.equal(rest.body.error, 'Conflict');
        assert.match(rest.body.message, /already claimed/i);
        assert.equal(sock.session.id, session.id);
        assert.equal(sock.session.staffId, staffB.user.id);
        assert.equal(final.staffId, staffB.user.id);
      }
      const r = await apiOk(server, 'GET', `/api/chat/rooms/${room.id}`, { token: admin.token });
      assert.equal(r.staffId, final.staffId, 'the room is assigned to the winner');
      await apiOk(server, 'POST', `/api/chat/sessions/${session.id}/end`, { token: admin.token });
    }
    // Both sides can win; which one does is up to the race, so only report it.
    process.stdout.write(`# concurrent claim wins: ${JSON.stringify(wins)}\n`);
    closeAll(sockB);
  });
});
