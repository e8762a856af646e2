// The desk's tools in Chromium (contract §10): a transfer seen live in both staff members'
// browsers (the dialog lists colleagues with who is online and their chats; the receiver gets
// the room and the note at once; the giver's page lets go), and a private note written with
// `/note` that shows as a note on the desk and never on the customer's page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, signUpCustomer, send, bubble,
  rest, screenshot, tempDir, cleanup, unique, connected, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' });
  await createUser(server, 'staff', 'lan', 'Lan', 'Nguyen');
  await createUser(server, 'staff', 'minh', 'Minh', 'Tran');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

test('a transfer is seen live in both desks, with the note; a /note never reaches the customer', async () => {
  const customer = await newPage(browser, { phone: true });
  await signUpCustomer(customer, server, unique('hoa'), 'Hoa', 'Pham');
  await send(customer, 'Tôi muốn đổi hàng');
  const { token } = JSON.parse(await customer.evaluate(() => sessionStorage.getItem('fd.customer')));
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, token);

  const minh = await newPage(browser);
  await signIn(minh, server, 'minh');
  await connected(minh);

  const lan = await newPage(browser);
  await signIn(lan, server, 'lan');
  await lan.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(lan);
  await send(lan, 'Dạ em chào chị');
  await bubble(customer, 'Dạ em chào chị');
  // Lan now holds the room; the page opened again shows the Transfer button.
  await lan.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(lan);

  // A private note written with /note: a yellow card on the desk, nothing on the customer's page.
  await lan.fill('#composer-text', '/note Khách VIP, ưu tiên đổi');
  await lan.press('#composer-text', 'Enter');
  await lan.locator('#message-list li.note', { hasText: 'Khách VIP, ưu tiên đổi' }).waitFor();
  await send(lan, 'Chị gửi giúp em mã đơn nhé');
  await bubble(customer, 'Chị gửi giúp em mã đơn nhé');
  assert.doesNotMatch(await customer.content(), /ưu tiên đổi/);

  await lan.click('#transfer-open');
  await lan.waitForSelector('#transfer-dialog[open]');
  const option = lan.locator(`#transfer-to option`, { hasText: 'Minh Tran' });
  assert.match(await option.textContent(), /online, 0 chats held/);
  await expectAccessible(lan, 'the transfer dialog open');
  await screenshot(lan, 'desk-transfer-dialog');
  await lan.selectOption('#transfer-to', { label: await option.textContent() });
  await lan.fill('#transfer-note', 'Chị Hoa muốn đổi size');
  await lan.click('#transfer-submit');

  // Lan's page lets go; Minh has the room with the note at once.
  const notice = lan.locator('#chat-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'This chat was transferred to a colleague.');
  const item = minh.locator(`#mine li[data-room-id="${room.id}"]`);
  await item.waitFor();
  await minh.locator('#toasts .toast', { hasText: 'Lan Nguyen transferred a chat to you.' }).waitFor();
  assert.match(await item.textContent(), /Chị Hoa muốn đổi size/);
  await screenshot(minh, 'desk-transfer-received');
  await expectAccessible(minh, 'the desk with a transferred room');

  await minh.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(minh);
  await minh.locator('#message-list li.note', { hasText: 'Khách VIP, ưu tiên đổi' }).waitFor();
  await send(minh, 'Em là Minh, em hỗ trợ tiếp ạ');
  await bubble(customer, 'Em là Minh, em hỗ trợ tiếp ạ');
  assert.doesNotMatch(await customer.content(), /ưu tiên đổi|đổi size/);
  assert.deepEqual(lan.errors, []);
  assert.deepEqual(minh.errors, []);
  await lan.context().close();
  await minh.context().close();
  await customer.context().close();
});
