// Shared helpers for the browser suite: start the real frontdesk binary on a temp database,
// create staff with its `user create` command, drive Debian's Chromium with playwright-core,
// and save screenshots to artifacts/. Nothing sleeps for correctness: every wait is for a
// concrete signal (the "listening" line, an element, a process exit) with a timeout as bound.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = path.resolve(process.env.FRONTDESK_BIN || path.join(here, '../../target/debug/frontdesk'));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = path.join(here, 'artifacts');
export const PASSWORD = 'correct-horse-1';
const LISTENING = /Frontdesk listening on (http:\/\/[^\s]+?):(\d+)\b/;

function timeout(promise, ms, what) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** A fresh folder for one test's database. */
export async function tempDir() {
  return mkdtemp(path.join(tmpdir(), 'frontdesk-browser-'));
}

/**
 * Starts `frontdesk serve` on `dir`/frontdesk.db, on `port` (0: any free port), and resolves
 * once it prints its address. `extraEnv` adds settings (FRONTDESK_MESSAGES_PER_SECOND, say).
 */
export async function startServer(dir, port = 0, extraEnv = {}) {
  const db = path.join(dir, 'frontdesk.db');
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn', ...extraEnv };
  for (const k of ['FRONTDESK_ADDR', 'FRONTDESK_DB', 'FRONTDESK_JWT_SECRET']) delete env[k];
  const child = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--db', db], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => { stderr = (stderr + c).slice(-50_000); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = LISTENING.exec(line);
      if (m) resolve({ url: `${m[1]}:${m[2]}`, port: Number(m[2]) });
    });
    child.once('error', (e) => reject(new Error(`cannot start ${BIN}: ${e.message}`)));
    exited.then(({ code }) => reject(new Error(`frontdesk exited (code ${code}) before listening:\n${stderr}`)));
  });
  const { url, port: bound } = await timeout(listening, 30_000, 'the server to listen');
  return {
    url, port: bound, db, dir, child,
    /** Stops the process (SIGTERM, or SIGKILL to simulate a crash) and waits for it. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return timeout(exited, 15_000, 'the server to exit');
    },
  };
}

/** Creates a staff member or admin with the operator's command, as a shop would. */
export function createUser(server, role, username, firstName, lastName) {
  const args = ['user', 'create', '--role', role, '--username', username, '--password', PASSWORD,
    '--first-name', firstName, '--last-name', lastName, '--db', server.db];
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`user create: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout));
  });
}

/** Debian's Chromium, headless. */
export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A separate browser profile (cookies, storage) in English, with a phone or desktop screen (or
 * the `viewport` given), in the machine's time zone or `timezoneId`.
 */
export async function newPage(browser, { phone = false, locale = 'en-US', viewport, timezoneId } = {}) {
  const context = await browser.newContext({
    locale,
    viewport: viewport || (phone ? { width: 390, height: 780 } : { width: 1360, height: 820 }),
    deviceScaleFactor: 1,
    ...(timezoneId ? { timezoneId } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.addInitScript(trackSockets);
  // Any dialog other than our confirm() would mean script ran that should not have.
  page.on('dialog', (d) => (d.type() === 'confirm' ? d.accept() : d.dismiss()));
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

/**
 * Runs in the page before its scripts: keeps every Socket.IO socket the page opens in
 * `window.__sockets`, so a test can cut a connection (see dropSocket). A listener added with
 * `socket.on` is skipped for events named in `window.__muted`, to stand for a lost event.
 */
function trackSockets() {
  let real;
  Object.defineProperty(window, 'io', {
    configurable: true,
    get: () => real,
    set(lookup) {
      const tracked = function (...args) {
        const socket = lookup(...args);
        (window.__sockets = window.__sockets || []).push(socket);
        const on = socket.on.bind(socket);
        socket.on = (event, fn) => {
          const muted = (...a) => (window.__muted && window.__muted.has(event) ? undefined : fn(...a));
          muted.fn = fn; // so socket.off(event, fn) still finds it
          return on(event, muted);
        };
        return socket;
      };
      real = Object.assign(tracked, lookup);
    },
  });
}

/**
 * Cuts the page's chat connection (its first socket) and keeps it down, as a network outage
 * would: the page sees `disconnect`, and nothing the server says meanwhile reaches it.
 */
export async function dropSocket(page) {
  await page.evaluate(() => {
    const socket = window.__sockets[0];
    socket.io.reconnection(false);
    socket.io.engine.close();
  });
  await page.waitForFunction(() => !window.__sockets[0].connected);
}

/** Ends the outage dropSocket started: the page's socket connects again, as it would by itself. */
export async function restoreSocket(page) {
  await page.evaluate(() => {
    const socket = window.__sockets[0];
    socket.io.reconnection(true);
    socket.connect();
  });
  await page.waitForFunction(() => window.__sockets[0].connected);
}

/** Signs in on /console/login and waits for the desk. */
export async function signIn(page, server, username) {
  await page.goto(`${server.url}/console/login`);
  await page.fill('input[name=user_name]', username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(/\/console(\/|$|\?)/), page.click('#login-form button[type=submit]')]);
  await page.waitForSelector('#sign-out');
  await connected(page);
}

/** Waits until the page's socket is connected (the top bar's dot, or the customer card). */
export async function connected(page) {
  await page.waitForSelector('body[data-conn="up"]');
}

/** Signs a new customer up on /chat and waits for the room. */
export async function signUpCustomer(page, server, username, firstName = 'Khách', lastName = username) {
  await page.goto(`${server.url}/chat`);
  // The page opens on the guest form; an account is behind "I have an account".
  await page.click('#have-account');
  await page.click('#tab-sign-up');
  await page.fill('#sign-up-form input[name=firstName]', firstName);
  await page.fill('#sign-up-form input[name=lastName]', lastName);
  await page.fill('#sign-up-form input[name=userName]', username);
  await page.fill('#sign-up-form input[name=password]', PASSWORD);
  await page.click('#sign-up-form button[type=submit]');
  await page.waitForSelector('#room:not([hidden])');
  await page.waitForSelector('#customer[data-conn="up"]');
}

/** Sends a message from a page's composer and waits until the server has it (its id shows). */
export async function send(page, text) {
  await page.fill('#composer-text', text);
  await page.press('#composer-text', 'Enter');
  await bubble(page, text, '[data-id]');
}

/** The message bubble whose text is exactly `text`, once it is there. */
export async function bubble(page, text, within = '') {
  const loc = page.locator(`#message-list li${within} .bubble`).filter({ hasText: text });
  await loc.first().waitFor();
  return loc.first();
}

/** The texts of a page's message bubbles, in order. */
export function bubbles(page) {
  return page.$$eval('#message-list li.msg .bubble', (els) => els.map((e) => e.textContent));
}

/** REST as a client: returns the JSON body or throws with the status. */
export async function rest(server, method, p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(server.url + '/api' + p, { method, headers, body: body && JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** Saves a screenshot as artifacts/NAME.png. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

const AXE = path.join(here, 'node_modules/axe-core/axe.min.js');
let axeSource;
// The rule sets the project holds every page to.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core on the page (or frame) as it is now and fails with every violation: rule,
 * impact, help, and each failing node's selector, markup and reason. `include`/`exclude` (CSS
 * selectors) narrow the check to our part of a page that is not all ours; `disable` turns off
 * named rules, each with its reason at the call. Frames are checked on their own, by calling
 * this with the frame: axe does not reach into them from here.
 *
 * axe goes into the page with `page.evaluate` of its source, not `page.addScriptTag`: our
 * pages' policy is `script-src 'self'` (the API docs page's allows only its own hashed inline
 * scripts), so the inline <script> that addScriptTag writes is refused. Evaluated code runs
 * through the DevTools protocol, which the policy does not govern, so the page keeps its real
 * CSP for everything else the test does (no `bypassCSP` context).
 */
export async function expectAccessible(page, label, { include, exclude, disable = [] } = {}) {
  axeSource ??= readFileSync(AXE, 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async ([tags, include, exclude, disable]) => {
    const context = include || exclude
      ? { include: include ? [].concat(include).map((s) => [s]) : [['html']], exclude: [].concat(exclude || []).map((s) => [s]) }
      : document;
    const rules = Object.fromEntries(disable.map((id) => [id, { enabled: false }]));
    const result = await window.axe.run(context,
      { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'], iframes: false });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, why: n.failureSummary })),
    }));
  }, [AXE_TAGS, include || null, exclude || null, disable]);
  if (violations.length === 0) return;
  const oneLine = (s) => s.replace(/\s+/g, ' ').trim();
  const text = violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map((n) =>
    `    at ${n.target}\n      ${oneLine(n.html).slice(0, 200)}\n      ${oneLine(n.why || '')}`).join('\n'))
    .join('\n');
  throw new Error(`axe-core found ${violations.length} accessibility violation(s) on ${label}:\n${text}`);
}

/** Removes a test's folder. */
export function cleanup(dir) {
  return rm(dir, { recursive: true, force: true });
}

let serial = 0;
/** A user name no other test uses. */
export function unique(prefix) {
  serial += 1;
  return `${prefix}${serial}_${process.pid}`.slice(0, 40);
}

/** Signs in over REST; returns `{accessToken, user}`. */
export function login(server, userName) {
  return rest(server, 'POST', '/auth/login', { userName, password: PASSWORD });
}

/** A customer signed up over REST: `{accessToken, user, room}`. */
export async function registerCustomer(server, prefix, firstName, lastName) {
  const { accessToken, user } = await rest(server, 'POST', '/auth/register',
    { userName: unique(prefix), password: PASSWORD, firstName, lastName });
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, accessToken);
  return { accessToken, user, room };
}

/** The customer page of a customer signed up over REST, connected. */
export async function customerPage(browser, server, customer, options = { phone: true }) {
  const page = await newPage(browser, options);
  await page.addInitScript(([token, user]) => {
    sessionStorage.setItem('fd.customer', JSON.stringify({ token, user }));
  }, [customer.accessToken, customer.user]);
  await page.goto(`${server.url}/chat`);
  await page.waitForSelector('#customer[data-conn="up"]');
  return page;
}
