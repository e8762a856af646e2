// Canned replies and labels on the desk in Chromium (contract §10): staff type `/`, pick a
// reply with the keyboard, `{firstName}` is filled, the customer's page gets it; `/note` still
// writes a note; labels chosen on the desk show in the admin session list, whose filter works.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, signUpCustomer, send, bubble,
  rest, screenshot, tempDir, cleanup, unique, connected, expectAccessible, login,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' });
  await createUser(server, 'staff', 'lan', 'Lan', 'Nguyen');
  await createUser(server, 'admin', 'boss', 'Boss', 'Admin');
  const { accessToken } = await login(server, 'boss');
  for (const [shortcut, content] of [
    ['hello', 'Xin chào {firstName}!'],
    ['refund', 'Chào {firstName}, tiền hoàn sẽ về trong 3 ngày.'],
    ['refund-late', 'Xin lỗi {firstName}, tiền hoàn bị chậm.'],
  ]) {
    await rest(server, 'POST', '/chat/canned-replies', { shortcut, content }, accessToken);
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

test('a canned reply picked with the keyboard, filled and sent; labels reach the admin list', async () => {
  const customer = await newPage(browser, { phone: true });
  await signUpCustomer(customer, server, unique('hoa'), 'Hoa', 'Pham');
  await send(customer, 'Tôi chưa nhận được tiền hoàn');
  const { token } = JSON.parse(await customer.evaluate(() => sessionStorage.getItem('fd.customer')));
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, token);
  await rest(server, 'POST', `/chat/rooms/${room.id}/sessions`, { title: 'Tiền hoàn' }, token);

  const lan = await newPage(browser);
  await signIn(lan, server, 'lan');
  await lan.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(lan);
  await send(lan, 'Dạ em xem ngay');
  await lan.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(lan);

  // `/ref`: the two refund replies, the first one active.
  const input = lan.locator('#composer-text');
  await input.click();
  await lan.keyboard.type('/ref');
  const list = lan.locator('#canned-list');
  await list.waitFor();
  assert.equal(await input.getAttribute('aria-controls'), 'canned-list');
  assert.deepEqual(await list.locator('[role=option]').evaluateAll((os) => os.map((o) => o.dataset.shortcut)),
    ['refund', 'refund-late']);
  assert.equal(await input.getAttribute('aria-activedescendant'),
    await list.locator('[role=option]').first().getAttribute('id'));
  await expectAccessible(lan, 'the desk with the canned-reply picker open');
  await screenshot(lan, 'desk-canned-picker');
  // ArrowDown, ArrowUp, ArrowDown: the second one; Enter takes it without sending.
  await lan.keyboard.press('ArrowDown');
  await lan.keyboard.press('ArrowUp');
  await lan.keyboard.press('ArrowDown');
  assert.equal(await list.locator('[aria-selected=true]').getAttribute('data-shortcut'), 'refund-late');
  await lan.keyboard.press('Enter');
  assert.equal(await input.inputValue(), 'Xin lỗi Hoa, tiền hoàn bị chậm.');
  assert.equal(await list.isHidden(), true);
  assert.equal(await input.getAttribute('aria-activedescendant'), null);
  await lan.keyboard.press('Enter');
  await bubble(lan, 'Xin lỗi Hoa, tiền hoàn bị chậm.', '[data-id]');
  await bubble(customer, 'Xin lỗi Hoa, tiền hoàn bị chậm.');

  // Escape closes; Tab chooses; a click chooses.
  await lan.keyboard.type('/hel');
  await list.waitFor();
  await lan.keyboard.press('Escape');
  assert.equal(await list.isHidden(), true);
  assert.equal(await input.inputValue(), '/hel');
  await input.fill('');
  await lan.keyboard.type('/h');
  await list.waitFor();
  await lan.keyboard.press('Tab');
  assert.equal(await input.inputValue(), 'Xin chào Hoa!');
  await input.fill('');
  await lan.keyboard.type('/');
  await list.locator('[data-shortcut="refund"]').click();
  assert.equal(await input.inputValue(), 'Chào Hoa, tiền hoàn sẽ về trong 3 ngày.');

  // `/note ` is still a private note, picker or not.
  await input.fill('');
  await lan.keyboard.type('/note Khách hỏi lần hai');
  assert.equal(await list.isHidden(), true);
  await lan.keyboard.press('Enter');
  await lan.locator('#message-list li.note', { hasText: 'Khách hỏi lần hai' }).waitFor();
  assert.doesNotMatch(await customer.content(), /lần hai/);

  // Labels: two added (one in capitals, stored lowercase), one removed.
  for (const label of ['Refund', 'vip', 'late']) {
    await lan.fill('#label-input', label);
    await lan.press('#label-input', 'Enter');
    await lan.locator(`#label-chips li[data-label="${label.toLowerCase()}"]`).waitFor();
  }
  await lan.click('#label-chips li[data-label="vip"] .chip-x');
  await lan.locator('#label-chips li[data-label="vip"]').waitFor({ state: 'detached' });
  assert.deepEqual(await lan.locator('#label-chips li').evaluateAll((ls) => ls.map((l) => l.dataset.label)),
    ['late', 'refund']);
  await expectAccessible(lan, 'the desk with labels');
  await screenshot(lan, 'desk-labels');
  assert.deepEqual(lan.errors, []);

  // The admin session list shows them and filters by one.
  const other = await newPage(browser, { phone: true });
  await signUpCustomer(other, server, unique('binh'), 'Binh', 'Le');
  const otherToken = JSON.parse(await other.evaluate(() => sessionStorage.getItem('fd.customer'))).token;
  const [otherRoom] = await rest(server, 'GET', '/chat/rooms', undefined, otherToken);
  await rest(server, 'POST', `/chat/rooms/${otherRoom.id}/sessions`, { title: 'Câu hỏi khác' }, otherToken);
  const boss = await newPage(browser);
  await signIn(boss, server, 'boss');
  await boss.goto(`${server.url}/console/admin/sessions`);
  const rows = boss.locator('#sessions-table tbody tr');
  assert.equal(await rows.count(), 2);
  const labelled = rows.filter({ hasText: 'refund' });
  assert.match(await labelled.locator('td.labels').textContent(), /late\s+refund/);
  await boss.fill('input[name=label]', 'Refund');
  await Promise.all([boss.waitForURL(/label=Refund/), boss.click('form.filters button[type=submit]')]);
  assert.equal(await rows.count(), 1);
  assert.equal(await boss.inputValue('input[name=label]'), 'Refund');
  await expectAccessible(boss, 'the admin session list filtered by a label');
  await screenshot(boss, 'admin-sessions-label-filter');
  await boss.goto(`${server.url}/console/admin/sessions?label=vip`);
  assert.equal(await rows.count(), 0);
  assert.deepEqual(boss.errors, []);
  for (const p of [lan, customer, other, boss]) await p.context().close();
});

test('admins add, change and delete canned replies on their console page', async () => {
  const boss = await newPage(browser);
  await signIn(boss, server, 'boss');
  await boss.goto(`${server.url}/console/admin/canned`);
  assert.equal(await boss.locator('nav a[aria-current=page]').textContent(), 'Canned replies');
  await boss.fill('#canned-shortcut', 'thanks');
  await boss.fill('#canned-content', 'Cảm ơn {firstName}!');
  await Promise.all([boss.waitForURL(/done=saved/), boss.click('#create-canned button[type=submit]')]);
  const item = boss.locator('#canned-replies li[data-shortcut="thanks"]');
  assert.equal(await item.locator('textarea').inputValue(), 'Cảm ơn {firstName}!');
  await expectAccessible(boss, 'the canned replies page');
  await screenshot(boss, 'admin-canned');

  // A taken shortcut: said on the page, nothing added.
  await boss.fill('#canned-shortcut', 'hello');
  await boss.fill('#canned-content', 'again');
  await boss.click('#create-canned button[type=submit]');
  await boss.locator('#canned-error').waitFor();
  assert.match(await boss.locator('#canned-error').textContent(), /already has this shortcut/);
  assert.equal(await boss.locator('#canned-replies li[data-shortcut="hello"]').count(), 1);
  await expectAccessible(boss, 'the canned replies page with a refusal');

  await item.locator('textarea').fill('Cảm ơn {firstName} nhiều!');
  await Promise.all([boss.waitForURL(/done=saved/), item.locator('button.primary').click()]);
  assert.equal(await boss.locator('#canned-replies li[data-shortcut="thanks"] textarea').inputValue(), 'Cảm ơn {firstName} nhiều!');
  await Promise.all([boss.waitForURL(/done=deleted/),
    boss.locator('#canned-replies li[data-shortcut="thanks"] button.danger').click()]);
  assert.equal(await boss.locator('#canned-replies li[data-shortcut="thanks"]').count(), 0);
  const { accessToken } = await login(server, 'boss');
  const left = await rest(server, 'GET', '/chat/canned-replies', undefined, accessToken);
  assert.deepEqual(left.map((r) => r.shortcut), ['hello', 'refund', 'refund-late']);
  assert.deepEqual(boss.errors, []);
  await boss.context().close();
});
