// The admin console in Chromium: live dashboard figures, creating a staff member who can then
// sign in, and the lists with their filters.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, rest, screenshot, tempDir, cleanup, unique,
  PASSWORD, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir);
  await createUser(server, 'admin', 'chi', 'Chi', 'Vo');
  await createUser(server, 'staff', 'khoa', 'Khoa', 'Bui');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

/** A customer with an open session, made through the API like any client would. */
async function customerWithSession(title) {
  const { accessToken } = await rest(server, 'POST', '/auth/register',
    { userName: unique('cust'), password: PASSWORD, firstName: 'Bao', lastName: 'Dang' });
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, accessToken);
  return rest(server, 'POST', `/chat/rooms/${room.id}/sessions`, { title }, accessToken);
}

test('the dashboard figures follow new sessions without a reload', async () => {
  const admin = await newPage(browser);
  await signIn(admin, server, 'chi');
  await admin.goto(`${server.url}/console/admin`);
  await admin.waitForSelector('body[data-conn="up"]');
  await admin.evaluate(() => { window.sameDocument = true; });
  const waitingBefore = Number(await admin.textContent('#fig-waiting'));

  const waiting = (n) => admin.waitForFunction(
    (v) => document.getElementById('fig-waiting').textContent.trim() === String(v), n);
  const first = await customerWithSession('Hỏi về bảo hành');
  await customerWithSession('Giao hàng chậm');
  await customerWithSession('Đổi trả tai nghe');
  await waiting(waitingBefore + 3);
  assert.equal(await admin.evaluate(() => window.sameDocument), true);
  assert.equal(await admin.locator('svg.chart g.bar').count(), 14);
  assert.equal(await admin.locator('svg.chart g.bar.today text.value').textContent(), String(waitingBefore + 3));

  // A staff member claims one and ends it: the queue shrinks and a session length appears.
  const { accessToken } = await rest(server, 'POST', '/auth/login', { userName: 'khoa', password: PASSWORD });
  await rest(server, 'POST', `/chat/sessions/${first.id}/join`, {}, accessToken);
  await waiting(waitingBefore + 2);
  await rest(server, 'POST', `/chat/sessions/${first.id}/end`, {}, accessToken);
  await admin.waitForFunction(() => document.getElementById('fig-length').textContent.trim() !== '—');
  assert.match(await admin.textContent('#load-table'), /Khoa Bui[\s\S]*1/);
  await screenshot(admin, 'admin-dashboard');
  await expectAccessible(admin, 'the admin dashboard');
  assert.deepEqual(admin.errors, []);
  await admin.context().close();
});

test('an admin creates a staff member who can then sign in', async () => {
  const admin = await newPage(browser);
  await signIn(admin, server, 'chi');
  await admin.goto(`${server.url}/console/admin/users`);
  const name = unique('thu');
  await admin.fill('#create-user input[name=user_name]', name);
  await admin.fill('#create-user input[name=password]', 'a-new-password-9');
  await admin.fill('#create-user input[name=first_name]', 'Thu');
  await admin.fill('#create-user input[name=last_name]', 'Ho');
  await admin.selectOption('#create-user select[name=role]', 'STAFF');
  await Promise.all([admin.waitForURL(/done=created/), admin.click('#create-user button[type=submit]')]);
  const row = admin.locator('#users-table tr', { hasText: name });
  await row.waitFor();
  assert.match(await row.textContent(), /Thu Ho/);
  await screenshot(admin, 'admin-users');
  await expectAccessible(admin, 'the user list and create form, after a creation');

  // A name that is taken is refused with a reason, and nothing is created twice.
  await admin.fill('#create-user input[name=user_name]', name);
  await admin.fill('#create-user input[name=password]', 'another-password-9');
  await admin.click('#create-user button[type=submit]');
  await admin.waitForSelector('#create-error');
  assert.match(await admin.textContent('#create-error'), /already taken/);
  await expectAccessible(admin, 'the create form with its error');
  assert.equal(await admin.locator('#users-table tr', { hasText: name }).count(), 1);

  const staff = await newPage(browser);
  await staff.goto(`${server.url}/console/login`);
  await staff.fill('input[name=user_name]', name);
  await staff.fill('input[name=password]', 'a-new-password-9');
  await Promise.all([staff.waitForURL(/\/console$/), staff.click('#login-form button[type=submit]')]);
  assert.equal((await staff.textContent('#me-name')).trim(), 'Thu Ho');
  // Staff have no admin console.
  const res = await staff.goto(`${server.url}/console/admin`);
  assert.equal(res.status(), 403);
  await expectAccessible(staff, 'the 403 page');
  await admin.context().close();
  await staff.context().close();
});

test('the sessions list filters by status and customer; rooms can be reassigned', async () => {
  const s = await customerWithSession('Cần đổi địa chỉ');
  const admin = await newPage(browser);
  await signIn(admin, server, 'chi');
  await admin.goto(`${server.url}/console/admin/sessions?status=OPEN`);
  await admin.locator('#sessions-table tr', { hasText: 'Cần đổi địa chỉ' }).waitFor();
  await expectAccessible(admin, 'the session list, open sessions');
  await screenshot(admin, 'admin-sessions');
  await admin.goto(`${server.url}/console/admin/sessions?status=ENDED`);
  assert.equal(await admin.locator('#sessions-table tr', { hasText: 'Cần đổi địa chỉ' }).count(), 0);
  await expectAccessible(admin, 'the session list, ended sessions');

  await admin.goto(`${server.url}/console/admin/rooms?active=1`);
  const row = admin.locator(`#rooms-table tr[data-room-id="${s.roomId}"]`);
  await row.waitFor();
  await expectAccessible(admin, 'the room list');
  await row.locator('select[name=staff_id]').selectOption({ label: 'Khoa Bui' });
  await Promise.all([admin.waitForURL(/done=assigned/), row.locator('button[type=submit]').click()]);
  await expectAccessible(admin, 'the room list after a reassignment');
  await screenshot(admin, 'admin-rooms');
  await admin.goto(`${server.url}/console/admin/rooms?staff=none`);
  assert.equal(await admin.locator(`#rooms-table tr[data-room-id="${s.roomId}"]`).count(), 0);
  await admin.context().close();
});

test('the edit page, the console sign-in with its errors and the 404 page pass axe-core', async () => {
  const admin = await newPage(browser);
  await signIn(admin, server, 'chi');
  await admin.goto(`${server.url}/console/admin/users?q=khoa`);
  await Promise.all([admin.waitForURL(/\/console\/admin\/users\/\d+$/),
    admin.locator('#users-table tr', { hasText: 'Khoa Bui' }).locator('a').click()]);
  await expectAccessible(admin, 'the edit page of a staff member');
  await Promise.all([admin.waitForURL(/done=saved/), admin.click('#edit-user button[type=submit]')]);
  await expectAccessible(admin, 'the edit page after a save');
  await screenshot(admin, 'admin-user-edit');
  const res = await admin.goto(`${server.url}/console/no-such-page`);
  assert.equal(res.status(), 404);
  await expectAccessible(admin, 'the 404 page');
  await admin.context().close();

  for (const locale of ['vi-VN', 'en-US']) {
    const page = await newPage(browser, { locale });
    await page.goto(`${server.url}/console/login`);
    await expectAccessible(page, `the console sign-in (${locale})`);
    await page.fill('input[name=user_name]', 'chi');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-error');
    await expectAccessible(page, `the console sign-in with its error (${locale})`);
    await page.context().close();
  }
  // A customer at the staff door is sent to the chat page, by a link in the error.
  const { user } = await rest(server, 'POST', '/auth/register',
    { userName: unique('cust'), password: PASSWORD, firstName: 'Bao', lastName: 'Dang' });
  const page = await newPage(browser);
  await page.goto(`${server.url}/console/login`);
  await page.fill('input[name=user_name]', user.userName);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-error a[href="/chat"]');
  await expectAccessible(page, 'the console sign-in refusing a customer');
  await screenshot(page, 'login-customer-refused');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
