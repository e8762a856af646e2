// The desk's routing tools in Chromium (issue 13): waiting sessions turn amber, then red, as
// they near and pass the shop's first-reply target, with words beside the colour; with
// automatic routing a new session lands on the online staff member's desk at once, and a staff
// member who set themselves away gets none until they are back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, screenshot, tempDir, cleanup, rest, login,
  registerCustomer, expectAccessible,
} from './helpers.mjs';

let server, browser, dir, boss;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' });
  await createUser(server, 'staff', 'ngoc', 'Ngoc', 'Vu');
  await createUser(server, 'admin', 'owner', 'Owen', 'Ng');
  boss = (await login(server, 'owner')).accessToken;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

const settings = (body) => rest(server, 'PUT', '/admin/settings', body, boss);

async function openSession(title) {
  const c = await registerCustomer(server, 'rt', 'Khach', title);
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title }, c.accessToken);
  return { customer: c, session: s };
}

test('waiting sessions turn amber and then red against the first-reply target', async () => {
  await settings({ firstReplyTargetSeconds: 4, routing: 'manual' });
  const desk = await newPage(browser);
  await signIn(desk, server, 'ngoc');
  const { session } = await openSession('Đợi lâu');
  const item = desk.locator(`#queue li[data-session-id="${session.id}"]`);
  await item.waitFor();
  assert.equal(await item.getAttribute('data-wait'), null, 'fresh: no mark');
  await desk.locator(`#queue li.wait-near[data-session-id="${session.id}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await item.locator('.wait-tag').textContent(), 'due soon');
  await desk.locator(`#queue li.wait-over[data-session-id="${session.id}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await item.locator('.wait-tag').textContent(), 'past the reply target');
  await expectAccessible(desk, 'the desk with a session past its reply target');
  await screenshot(desk, 'desk-wait-over-target');
  // Claimed, it leaves the queue with its mark.
  await item.locator('button.claim').click();
  await desk.waitForURL(/\/console\/rooms\/\d+$/);
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

test('automatic routing puts a new session on the desk at once; away gets none', async () => {
  await settings({ routing: 'auto', firstReplyTargetSeconds: 120, maxChatsPerStaff: 0 });
  const desk = await newPage(browser);
  await signIn(desk, server, 'ngoc');
  const { customer, session } = await openSession('Tự động');
  // No claim: it is hers, in her rooms, live.
  await desk.locator(`#mine li[data-room-id="${customer.room.id}"]`).waitFor();
  assert.equal(await desk.locator(`#queue li[data-session-id="${session.id}"]`).count(), 0);
  const routed = await rest(server, 'GET', `/chat/sessions/${session.id}`, undefined, boss);
  assert.equal(routed.status, 'IN_PROGRESS');

  // Away: the button says so, and the next session waits in the queue.
  const away = desk.locator('#away-toggle');
  assert.equal(await away.getAttribute('aria-pressed'), 'false');
  await away.click();
  await desk.locator('#away-toggle[aria-pressed="true"]').waitFor();
  const next = await openSession('Chờ');
  await desk.locator(`#queue li[data-session-id="${next.session.id}"]`).waitFor();
  await expectAccessible(desk, 'the desk while away');
  await screenshot(desk, 'desk-away');
  // The state is kept across a reload; back, the waiting one is routed to her.
  await desk.reload();
  await desk.waitForSelector('body[data-conn="up"]');
  assert.equal(await away.getAttribute('aria-pressed'), 'true');
  await away.click();
  await desk.locator(`#mine li[data-room-id="${next.customer.room.id}"]`).waitFor();
  assert.equal(await away.getAttribute('aria-pressed'), 'false');
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
  await settings({ routing: 'manual' });
});
