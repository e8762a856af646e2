// Shared helpers for the Frontdesk end-to-end suite.
//
// Every test file starts its own real server (the compiled binary) on a random
// port with a fresh database in a temp directory, talks to it over REST (fetch)
// and Socket.IO (the official socket.io-client), and stops it afterwards.
//
// Nothing here sleeps for correctness: we wait for concrete signals (the
// "listening" line, process exit, socket events) and use timeouts only as
// failure bounds.

import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn, execFile } from 'node:child_process';
import { randomBytes, createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Path of the frontdesk binary: $FRONTDESK_BIN or ../../target/debug/frontdesk. */
export const BIN = process.env.FRONTDESK_BIN
  ? path.resolve(process.env.FRONTDESK_BIN)
  : path.resolve(here, '../../target/debug/frontdesk');

/**
 * The AsyncAPI document of the `/chat` events (docs/asyncapi.json): `receive` operations are
 * what the server accepts, `send` operations what it emits. Every socket these helpers open
 * notes each event it sends or hears that the document does not name, and every test file
 * fails at its end if there was one.
 */
export const ASYNCAPI = JSON.parse(readFileSync(path.resolve(here, '../../docs/asyncapi.json'), 'utf8'));
const documented = (action) =>
  new Set(Object.entries(ASYNCAPI.operations).filter(([, op]) => op.action === action).map(([name]) => name));
export const ACCEPTED = documented('receive');
export const EMITTED = documented('send');
const undocumented = new Set();
/** Event names heard by any socket of this file (for the document's own test). */
export const HEARD = new Set();
/** Test-only events a file sends on purpose to see them ignored. */
export const PROBE_PREFIX = 'undocumented_probe';
const guarded = new Set();
const servers = new Set();
function guard(socket) {
  guarded.add(socket);
  socket.onAny((event) => {
    HEARD.add(event);
    if (!EMITTED.has(event)) undocumented.add(`server emitted "${event}"`);
  });
  socket.onAnyOutgoing((event) => {
    if (!ACCEPTED.has(event) && !event.startsWith(PROBE_PREFIX)) undocumented.add(`client sent "${event}"`);
  });
}
// Root hooks run in the order they were registered, this one first; on a failure it closes
// what the file's own hooks would have, so the file ends instead of hanging on open handles.
after(async () => {
  if (undocumented.size === 0) return;
  for (const socket of guarded) socket.close();
  for (const server of servers) await server.stop().catch(() => {});
  assert.deepEqual([...undocumented], [], 'events not named in docs/asyncapi.json');
});

const LISTENING = /Frontdesk listening on (http:\/\/[^\s]+?):(\d+)\b/;

/** Fails a promise after `ms` with `what` in the message. */
export function withTimeout(promise, ms, what) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

let serial = 0;
/** A unique, valid user name (3..50 chars of [A-Za-z0-9_.-]). */
export function uniqueName(prefix = 'u') {
  serial += 1;
  return `${prefix}_${process.pid}_${serial}_${randomBytes(3).toString('hex')}`.slice(0, 50);
}

/**
 * Rate limits lifted far above anything a test does, for tests that flood on purpose
 * (pass as `startServer({ env: UNLIMITED_RATES })`). Unknown variables are ignored by
 * builds without rate limits.
 */
export const UNLIMITED_RATES = {
  FRONTDESK_MESSAGES_PER_SECOND: '10000',
  FRONTDESK_LOGINS_PER_MINUTE: '10000',
  FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '10000',
};

/**
 * Starts `frontdesk serve` on 127.0.0.1:0 with a fresh database (server defaults, plus `env`).
 * Resolves once the "Frontdesk listening on http://127.0.0.1:PORT" line is printed.
 */
export async function startServer({ startTimeoutMs = 20_000, env: extraEnv = {} } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'frontdesk-e2e-'));
  const db = path.join(dir, 'frontdesk.db');
  const jwtSecret = randomBytes(32).toString('hex'); // 64 chars
  const env = {
    ...process.env,
    FRONTDESK_JWT_SECRET: jwtSecret,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...extraEnv,
  };
  delete env.FRONTDESK_ADDR;
  delete env.FRONTDESK_DB;

  const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--db', db], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const listening = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let seen = '';
    lines.on('line', (line) => {
      seen += line + '\n';
      const m = LISTENING.exec(line);
      if (m) resolve({ base: `${m[1]}:${m[2]}`, port: Number(m[2]) });
    });
    child.once('error', (err) => reject(new Error(`cannot spawn ${BIN}: ${err.message}`)));
    exited.then(({ code, signal }) =>
      reject(new Error(
        `frontdesk exited before listening (code ${code}, signal ${signal})\nstdout:\n${seen}\nstderr:\n${stderr}`,
      )),
    );
  });

  let base;
  let port;
  try {
    ({ base, port } = await withTimeout(listening, startTimeoutMs, 'server "listening" line'));
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const server = {
    url: base,
    port,
    db,
    /** With `FRONTDESK_DATABASE_URL` in `env`: a node of a cluster on that PostgreSQL. */
    databaseUrl: extraEnv.FRONTDESK_DATABASE_URL,
    dir,
    jwtSecret,
    child,
    get stderr() {
      return stderr;
    },
    /** SIGTERM, wait for exit (SIGKILL as a last resort), remove the temp dir. */
    async stop({ graceMs = 10_000 } = {}) {
      const diedEarly = child.exitCode !== null || child.signalCode !== null;
      if (!diedEarly) {
        child.kill('SIGTERM');
        try {
          await withTimeout(exited, graceMs, 'server exit after SIGTERM');
        } catch {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await rm(dir, { recursive: true, force: true });
      const status = await exited;
      if (diedEarly) {
        throw new Error(
          `frontdesk died during the tests (code ${status.code}, signal ${status.signal}); stderr tail:\n${stderr.slice(-4000)}`,
        );
      }
      return status;
    },
    /** True while the server process runs. */
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
  servers.add(server);
  return server;
}

/** Runs `frontdesk user create ...` against the server's database. */
export function cliCreateUser(server, { role, username, password, firstName, lastName }) {
  const args = ['user', 'create', '--role', role, '--username', username, '--password', password, '--db', server.db];
  if (firstName !== undefined) args.push('--first-name', firstName);
  if (lastName !== undefined) args.push('--last-name', lastName);
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FRONTDESK_DB: '', FRONTDESK_DATABASE_URL: server.databaseUrl ?? '' };
    if (!server.databaseUrl) delete env.FRONTDESK_DATABASE_URL;
    execFile(BIN, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`user create failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * REST call. Returns {status, body, headers}; body is parsed JSON when possible,
 * the raw text otherwise (or null when empty).
 */
export async function api(server, method, urlPath, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(server.url + urlPath, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = null;
  if (text.length) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Like api() but asserts a 2xx status (or `expect`) and returns the body. */
export async function apiOk(server, method, urlPath, opts = {}) {
  const res = await api(server, method, urlPath, opts);
  const expected = opts.expect;
  const ok = expected === undefined ? res.status >= 200 && res.status < 300 : res.status === expected;
  if (!ok) {
    throw new Error(
      `${method} ${urlPath} -> ${res.status} (expected ${expected ?? '2xx'}): ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

export async function login(server, userName, password) {
  return apiOk(server, 'POST', '/api/auth/login', { body: { userName, password } });
}

/** Creates a staff/admin/customer user through the CLI and logs in. */
export async function createUser(server, role, { prefix = role, firstName, lastName } = {}) {
  const userName = uniqueName(prefix);
  const password = `pw-${randomBytes(6).toString('hex')}`;
  await cliCreateUser(server, {
    role,
    username: userName,
    password,
    firstName: firstName ?? `${role[0].toUpperCase()}${role.slice(1)}`,
    lastName: lastName ?? 'Tester',
  });
  const { accessToken, user } = await login(server, userName, password);
  return { token: accessToken, user, userName, password };
}

/** Self-registers a customer over REST (201 {accessToken, user}). */
export async function registerCustomer(server, { prefix = 'cust', firstName = 'Nguyen', lastName = 'Van A' } = {}) {
  const userName = uniqueName(prefix);
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const { accessToken, user } = await apiOk(server, 'POST', '/api/auth/register', {
    body: { userName, password, firstName, lastName },
    expect: 201,
  });
  return { token: accessToken, user, userName, password };
}

/** A customer with their room and an OPEN session (title given). */
export async function customerWithSession(server, title = 'Need help') {
  const customer = await registerCustomer(server);
  const rooms = await apiOk(server, 'GET', '/api/chat/rooms', { token: customer.token });
  const room = rooms[0];
  const session = await apiOk(server, 'POST', `/api/chat/rooms/${room.id}/sessions`, {
    token: customer.token,
    body: { title },
    expect: 201,
  });
  return { ...customer, room, session };
}

/**
 * Opens a socket to the /chat namespace and resolves with it once the server's
 * `connected` event arrives (`socket.connectedPayload` holds it).
 * Rejects on `connect_error`. Options go to io(); reconnection is off by default.
 */
export function connect(server, token, { timeoutMs = 10_000, auth, ...opts } = {}) {
  const socket = io(`${server.url}/chat`, {
    forceNew: true,
    reconnection: false,
    auth: auth ?? (token === undefined ? undefined : { token }),
    ...opts,
  });
  socket.io.on('open', () => {
    if (socket.initialTransport === undefined) socket.initialTransport = socket.io.engine.transport.name;
  });
  guard(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      const onError = (err) => {
        socket.off('connected', onConnected);
        socket.close();
        reject(Object.assign(new Error(`connect_error: ${err?.message}`), { cause: err }));
      };
      const onConnected = (payload) => {
        socket.off('connect_error', onError);
        socket.connectedPayload = payload;
        resolve(socket);
      };
      socket.once('connect_error', onError);
      socket.once('connected', onConnected);
    }),
    timeoutMs,
    'socket `connected` event',
  ).catch((err) => {
    socket.close();
    throw err;
  });
}

/** (Re)connects an existing socket and resolves on the next `connected` event. */
export function reconnect(socket, { timeoutMs = 10_000 } = {}) {
  const p = new Promise((resolve, reject) => {
    const onError = (err) => {
      socket.off('connected', onConnected);
      reject(new Error(`connect_error: ${err?.message}`));
    };
    const onConnected = (payload) => {
      socket.off('connect_error', onError);
      socket.connectedPayload = payload;
      resolve(socket);
    };
    socket.once('connect_error', onError);
    socket.once('connected', onConnected);
  });
  socket.connect();
  return withTimeout(p, timeoutMs, 'socket reconnect `connected` event');
}

/** Resolves with the payload of `connect_error` (the connection must be refused). */
export function expectConnectError(server, ioOpts = {}, { timeoutMs = 10_000 } = {}) {
  const socket = io(`${server.url}/chat`, { forceNew: true, reconnection: false, ...ioOpts });
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect_error', (err) => resolve(err));
      socket.once('connected', (payload) =>
        reject(new Error(`expected connect_error but got connected: ${JSON.stringify(payload)}`)),
      );
    }),
    timeoutMs,
    'connect_error',
  ).finally(() => socket.close());
}

/**
 * Waits for the next `event` on `socket` whose payload passes `filter`.
 * Register it BEFORE triggering the action that causes the event.
 */
export function waitFor(socket, event, { filter = () => true, timeoutMs = 5_000 } = {}) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (payload) => {
      if (filter(payload)) {
        socket.off(event, handler);
        resolve(payload);
      }
    };
    socket.on(event, handler);
  });
  return withTimeout(p, timeoutMs, `event "${event}"`).finally(() => socket.off(event, handler));
}

/**
 * Records every `event` payload into an array from now on.
 * rec.items is the array; rec.waitCount(n) resolves once n items are recorded;
 * rec.stop() detaches.
 */
export function record(socket, event, { filter = () => true } = {}) {
  const items = [];
  let waiters = [];
  const handler = (payload) => {
    if (!filter(payload)) return;
    items.push(payload);
    waiters = waiters.filter((w) => {
      if (w.pred(items)) {
        w.resolve(items);
        return false;
      }
      return true;
    });
  };
  socket.on(event, handler);
  return {
    items,
    until(pred, { timeoutMs = 5_000, what = `"${event}" condition` } = {}) {
      if (pred(items)) return Promise.resolve(items);
      const p = new Promise((resolve) => waiters.push({ pred, resolve }));
      if (timeoutMs === Infinity) return p; // the caller bounds it
      return withTimeout(p, timeoutMs, `${what} (got ${items.length} "${event}")`);
    },
    waitCount(n, opts = {}) {
      return this.until((xs) => xs.length >= n, { what: `${n} x "${event}"`, ...opts });
    },
    stop() {
      socket.off(event, handler);
    },
  };
}

/** emitWithAck bounded by a timeout. */
export function ack(socket, event, payload, { timeoutMs = 5_000 } = {}) {
  return withTimeout(socket.emitWithAck(event, payload), timeoutMs, `ack of "${event}"`);
}

/** Waits until the socket's engine is on the websocket transport (after an upgrade). */
export async function waitForWebsocket(socket, { timeoutMs = 5_000 } = {}) {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return;
  await withTimeout(
    new Promise((resolve) => engine.once('upgrade', resolve)),
    timeoutMs,
    'transport upgrade to websocket',
  );
}

/** An HS256 JWT signed with an arbitrary secret (for forged-token tests). */
export function signJwt(claims, secret) {
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64(claims);
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** ISO-8601 UTC with milliseconds, as the contract demands. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Closes sockets, ignoring those already closed. */
export function closeAll(...sockets) {
  for (const s of sockets.flat()) {
    if (s) s.close();
  }
}
