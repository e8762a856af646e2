// A Frontdesk cluster (issue 16, contract §12): nodes sharing one PostgreSQL and one Redis,
// all started here as plain processes. Clients on different nodes talk as if on one server:
// messages cross nodes in order, the staff feed and the access checks of contract §6 reach
// every node, a claim has one winner, a killed node loses no acked message, and a node whose
// Redis goes away reports unhealthy, exits, and works again once restarted.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startServer,
  api,
  apiOk,
  createUser,
  registerCustomer,
  connect,
  waitFor,
  record,
  ack,
  closeAll,
  withTimeout,
  UNLIMITED_RATES,
} from './helpers.mjs';
import { startPostgres, startRedis } from './services.mjs';

let postgres;
let redis;
let env;
let a;
let b;
const sockets = [];

/** A node of the cluster. */
function startNode() {
  return startServer({ env });
}

async function open(node, token) {
  const socket = await connect(node, token);
  sockets.push(socket);
  return socket;
}

async function joinRoom(socket, roomId) {
  const history = waitFor(socket, 'room_history');
  const res = await ack(socket, 'join_room', { roomId });
  assert.equal(res.ok, true, JSON.stringify(res));
  await history;
}

/** A customer signed up on `node`, with their room. */
async function customerOn(node) {
  const customer = await registerCustomer(node);
  const [room] = await apiOk(node, 'GET', '/api/chat/rooms', { token: customer.token });
  return { ...customer, room };
}

/** A customer on `first` and a staff member on `second`, both in the customer's room. */
async function pairAcross(first, second) {
  const customer = await customerOn(first);
  const staff = await createUser(second, 'staff');
  const onA = await open(first, customer.token);
  const onB = await open(second, staff.token);
  await joinRoom(onA, customer.room.id);
  await joinRoom(onB, customer.room.id);
  return { customer, staff, onA, onB };
}

/** Resolves when `node`'s /healthz answers `status`, polling; rejects after `ms`. */
async function healthBecomes(node, status, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await api(node, 'GET', '/healthz').catch(() => ({ status: 'unreachable' }));
    if (res.status === status) return res;
    if (Date.now() > deadline) throw new Error(`/healthz stayed ${res.status}, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  postgres = await startPostgres();
  redis = await startRedis();
  env = {
    ...UNLIMITED_RATES,
    FRONTDESK_DATABASE_URL: await postgres.database(),
    FRONTDESK_REDIS_URL: redis.url,
    // Every node signs and checks tokens with the same secret.
    FRONTDESK_JWT_SECRET: randomBytes(32).toString('hex'),
  };
  // One after the other: the first creates the schema.
  a = await startNode();
  b = await startNode();
});

after(async () => {
  closeAll(sockets);
  for (const node of [a, b]) await node?.stop().catch(() => {});
  await redis?.remove();
  await postgres?.stop();
});

describe('a cluster of nodes on PostgreSQL and Redis', () => {
  it('delivers messages across nodes, in order, both ways', async () => {
    const { customer, staff, onA, onB } = await pairAcross(a, b);

    const heardOnB = record(onB, 'new_message', { filter: (m) => m.roomId === customer.room.id });
    const sent = [];
    for (let i = 0; i < 40; i += 1) sent.push(ack(onA, 'send_message', { roomId: customer.room.id, content: `m${i}` }));
    const acks = await Promise.all(sent);
    assert.ok(acks.every((r) => r.ok), JSON.stringify(acks.find((r) => !r.ok)));
    await heardOnB.waitCount(40);
    assert.deepEqual(heardOnB.items.map((m) => m.content), acks.map((_, i) => `m${i}`));
    const seqs = heardOnB.items.map((m) => m.id);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in commit order');

    const heardOnA = waitFor(onA, 'new_message', { filter: (m) => m.content === 'from B' });
    assert.equal((await ack(onB, 'send_message', { roomId: customer.room.id, content: 'from B' })).ok, true);
    assert.equal((await heardOnA).sender.id, staff.user.id);
  });

  it('tells the staff feed on every node, and takes a room from those who lost it', async () => {
    const customer = await customerOn(a);
    const watcher = await createUser(b, 'staff');
    const claimer = await createUser(a, 'staff');
    const watcherOnB = await open(b, watcher.token);
    const customerOnA = await open(a, customer.token);
    await joinRoom(customerOnA, customer.room.id);
    // An unassigned room is open to every staff member: the watcher on B looks in.
    await joinRoom(watcherOnB, customer.room.id);

    const created = waitFor(watcherOnB, 'session_created', { filter: (s) => s.roomId === customer.room.id });
    const session = await apiOk(a, 'POST', `/api/chat/rooms/${customer.room.id}/sessions`, {
      token: customer.token,
      body: { title: 'Order 1234 is late' },
      expect: 201,
    });
    assert.equal((await created).title, 'Order 1234 is late', 'in full: a waiting session is everyone\'s');

    const updated = waitFor(watcherOnB, 'session_updated', { filter: (s) => s.id === session.id });
    const left = waitFor(watcherOnB, 'left_room', { filter: (n) => n.roomId === customer.room.id });
    const userLeft = waitFor(customerOnA, 'user_left', { filter: (n) => n.userId === watcher.user.id });
    await apiOk(a, 'POST', `/api/chat/sessions/${session.id}/join`, { token: claimer.token });
    const redacted = await updated;
    assert.equal(redacted.staffId, claimer.user.id);
    assert.equal(redacted.title, undefined, 'no topic to staff who may not read the room');
    assert.deepEqual(await left, { roomId: customer.room.id, reason: 'assigned' });
    assert.equal((await userLeft).userName, watcher.userName);

    // Out of the room on B: the next message in it does not reach the watcher.
    const leaked = record(watcherOnB, 'new_message', { filter: (m) => m.roomId === customer.room.id });
    const seen = waitFor(customerOnA, 'new_message', { filter: (m) => m.content === 'after the claim' });
    await ack(customerOnA, 'send_message', { roomId: customer.room.id, content: 'after the claim' });
    await seen;
    await ack(watcherOnB, 'set_away', { away: false }); // a round trip on B, after the broadcast
    assert.equal(leaked.items.length, 0);
  });

  it('gives a session claimed at once on two nodes to one of them', async () => {
    const customer = await customerOn(a);
    const session = await apiOk(a, 'POST', `/api/chat/rooms/${customer.room.id}/sessions`, {
      token: customer.token,
      body: { title: 'race' },
      expect: 201,
    });
    const one = await open(a, (await createUser(a, 'staff')).token);
    const two = await open(b, (await createUser(b, 'staff')).token);
    const results = await Promise.all([
      ack(one, 'join_session', { sessionId: session.id }),
      ack(two, 'join_session', { sessionId: session.id }),
    ]);
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
    assert.equal(results.find((r) => !r.ok).error.code, 'SESSION_ALREADY_CLAIMED');
  });

  it('closes a deactivated user\'s sockets on every node', async () => {
    const admin = await createUser(a, 'admin');
    const staff = await createUser(b, 'staff');
    const onB = await open(b, staff.token);
    const gone = withTimeout(new Promise((resolve) => onB.once('disconnect', resolve)), 5_000, 'disconnect on B');
    await apiOk(a, 'POST', `/api/admin/users/${staff.user.id}/deactivate`, { token: admin.token });
    assert.equal(await gone, 'io server disconnect');
  });

  it('keeps every acked message of a node killed mid-stream', async () => {
    const c = await startNode();
    const customer = await customerOn(c);
    const onC = await open(c, customer.token);
    await joinRoom(onC, customer.room.id);
    const acked = [];
    const sending = (async () => {
      for (let i = 0; ; i += 1) {
        const res = await ack(onC, 'send_message', { roomId: customer.room.id, content: `k${i}` }).catch(() => null);
        if (!res?.ok) return;
        acked.push(res.message);
      }
    })();
    while (acked.length < 25) await new Promise((r) => setTimeout(r, 5));
    c.child.kill('SIGKILL');
    await sending;
    await c.stop().catch(() => {}); // it died on purpose

    const page = await apiOk(a, 'GET', `/api/chat/rooms/${customer.room.id}/messages?limit=100`, {
      token: customer.token,
    });
    const stored = new Set((page.messages ?? page).map((m) => m.id));
    const lost = acked.filter((m) => !stored.has(m.id));
    assert.deepEqual(lost, [], `${acked.length} acked`);
  });

  it('keeps clusters that share one Redis apart', async () => {
    // Another shop: its own database, the same Redis. Its first room has the id of a room of
    // this cluster's (ids start at 1 in every database).
    const other = await startServer({ env: { ...env, FRONTDESK_DATABASE_URL: await postgres.database() } });
    try {
      const theirs = await customerOn(other);
      const theirSocket = await open(other, theirs.token);
      await joinRoom(theirSocket, theirs.room.id);
      const admin = await createUser(a, 'admin');
      const ours = await open(a, admin.token);
      await joinRoom(ours, theirs.room.id);
      const leaked = record(theirSocket, 'new_message');
      const sent = await ack(ours, 'send_message', { roomId: theirs.room.id, content: 'for this shop only' });
      assert.equal(sent.ok, true, JSON.stringify(sent));
      const own = waitFor(theirSocket, 'new_message', { filter: (m) => m.content === 'their own' });
      await ack(theirSocket, 'send_message', { roomId: theirs.room.id, content: 'their own' });
      await own;
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(leaked.items.map((m) => m.content), ['their own']);
    } finally {
      await other.stop();
    }
  });

  it('reports unhealthy and exits when Redis goes, and works again once restarted', async () => {
    await redis.stop();
    for (const node of [a, b]) {
      const res = await healthBecomes(node, 503);
      assert.match(res.body.message, /Redis/);
    }
    const exits = await Promise.all([a, b].map((node) => withTimeout(
      new Promise((resolve) => {
        if (!node.alive) resolve(node.child.exitCode);
        else node.child.once('exit', (code) => resolve(code));
      }),
      15_000,
      'node exit',
    )));
    assert.ok(exits.every((code) => code !== 0), `exit codes ${exits}`);
    await Promise.all([a, b].map((node) => node.stop().catch(() => {})));

    await redis.start();
    a = await startNode();
    b = await startNode();
    await healthBecomes(a, 200);
    await healthBecomes(b, 200);
    const { customer, onA, onB } = await pairAcross(a, b);
    const heard = waitFor(onB, 'new_message', { filter: (m) => m.content === 'back' });
    await ack(onA, 'send_message', { roomId: customer.room.id, content: 'back' });
    await heard;
  });
});
