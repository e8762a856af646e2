// The customer page in Chromium: it rides out a server restart without losing a message, reads
// the session again after a dropped connection, gets every message of a long outage (batch
// after batch), and the one-line widget opens it in a panel on another page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  startServer, createUser, launch, newPage, signIn, signUpCustomer, send, bubble, bubbles,
  screenshot, tempDir, cleanup, unique, rest, login, registerCustomer, customerPage,
  dropSocket, restoreSocket, connected, expectAccessible, PASSWORD,
} from './helpers.mjs';

let server, browser, dir;
// Lets a test write hundreds of messages quickly; sign-ups from one address are many too.
const ENV = { FRONTDESK_MESSAGES_PER_SECOND: '1000', FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' };

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, ENV);
  await createUser(server, 'staff', 'vyngo', 'Vy', 'Ngo');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

test('the customer page reconnects after a server restart and shows every message', async () => {
  const customer = await newPage(browser, { phone: true });
  await signUpCustomer(customer, server, unique('an'), 'An', 'Do');
  await customer.click('#get-help');
  await customer.click('.chip >> nth=1');
  await customer.waitForSelector('#customer[data-session="OPEN"]');
  await send(customer, 'Khi nào hàng tới?');

  const desk = await newPage(browser);
  await signIn(desk, server, 'vyngo');
  await desk.locator('#queue li button.claim').first().click();
  await desk.waitForURL(/\/console\/rooms\/\d+$/);
  await desk.waitForSelector('body[data-conn="up"]');
  await send(desk, 'Dạ, hàng sẽ tới vào ngày mai.');
  await bubble(customer, 'Dạ, hàng sẽ tới vào ngày mai.');

  // The server goes away (as a crash would take it) and comes back on the same file and port.
  await server.stop('SIGKILL');
  await customer.waitForSelector('#customer[data-conn="down"]');
  // Written while the server is down: kept on the page and sent once it is back.
  await customer.fill('#composer-text', 'Tôi vẫn ở đây');
  await customer.press('#composer-text', 'Enter');
  await customer.waitForSelector('#message-list li.pending');
  await expectAccessible(customer, 'the customer page offline, a message waiting to go');
  await screenshot(customer, 'customer-offline-pending');
  server = await startServer(dir, server.port, ENV);

  await desk.waitForSelector('body[data-conn="up"]');
  await customer.waitForSelector('#customer[data-conn="up"]');
  await bubble(customer, 'Tôi vẫn ở đây', '[data-id]');
  await bubble(desk, 'Tôi vẫn ở đây');
  await send(desk, 'Cảm ơn anh đã chờ.');
  await bubble(customer, 'Cảm ơn anh đã chờ.');
  await expectAccessible(customer, 'the customer page chatting (English, phone)');

  const expected = ['Khi nào hàng tới?', 'Dạ, hàng sẽ tới vào ngày mai.', 'Tôi vẫn ở đây', 'Cảm ơn anh đã chờ.'];
  assert.deepEqual(await bubbles(customer), expected);
  assert.equal(await customer.locator('#message-list li.pending').count(), 0);
  // A fresh load of the page shows the same conversation, each message once.
  await customer.reload();
  await customer.waitForSelector('#customer[data-conn="up"]');
  await bubble(customer, 'Cảm ơn anh đã chờ.');
  assert.deepEqual(await bubbles(customer), expected);
  await desk.reload();
  assert.deepEqual(await bubbles(desk), expected);
  await screenshot(customer, 'customer-after-restart');
  await customer.context().close();
  await desk.context().close();
});

test('after a dropped connection the customer page shows how the session stands now', async () => {
  const staff = await login(server, 'vyngo');
  const c = await registerCustomer(server, 'phuc', 'Phúc', 'Cao');
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Đơn bị thiếu hàng' }, c.accessToken);
  const page = await customerPage(browser, server, c);
  await page.waitForSelector('#customer[data-session="OPEN"]');
  await page.evaluate(() => { window.sameDocument = true; });

  // Claimed while the page is offline: its session_joined never arrives.
  await dropSocket(page);
  await rest(server, 'POST', `/chat/sessions/${s.id}/join`, undefined, staff.accessToken);
  await restoreSocket(page);
  await page.waitForSelector('#customer[data-session="IN_PROGRESS"]');
  assert.match(await page.textContent('#status-line'), /Chatting with Vy Ngo/);

  // Ended while offline: its session_updated never arrives either.
  await dropSocket(page);
  await rest(server, 'POST', `/chat/sessions/${s.id}/end`, undefined, staff.accessToken);
  await restoreSocket(page);
  await page.waitForSelector('#customer[data-session="NONE"]');
  await page.waitForSelector('#help-bar:not([hidden])');
  assert.match(await page.textContent('#message-list'), /The session has ended/);
  await expectAccessible(page, 'the customer page after its session ended');
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'without a reload');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('after a long outage both sides get every message, batch after batch', async () => {
  const staff = await login(server, 'vyngo');
  const c = await registerCustomer(server, 'quyen', 'Quyên', 'Ha');
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Khiếu nại' }, c.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s.id}/join`, undefined, staff.accessToken);
  const page = await customerPage(browser, server, c);
  await send(page, 'Alo shop');
  const desk = await newPage(browser);
  await signIn(desk, server, 'vyngo');
  await desk.goto(`${server.url}/console/rooms/${c.room.id}`);
  await connected(desk);
  await bubble(desk, 'Alo shop');

  // More than one catch-up batch (the server sends at most 500 per room_history) is written
  // from another device while both pages are offline.
  await dropSocket(page);
  await dropSocket(desk);
  const total = 520;
  const other = await newPage(browser);
  await other.goto(`${server.url}/chat`);
  const failed = await other.evaluate(async ([token, roomId, n]) => {
    const socket = io('/chat', { auth: { token }, forceNew: true });
    await new Promise((resolve, reject) => { socket.on('connect', resolve); socket.on('connect_error', reject); });
    let bad = 0;
    for (let i = 1; i <= n; i += 50) {
      const batch = [];
      for (let k = i; k < i + 50 && k <= n; k += 1) {
        batch.push(socket.timeout(10000).emitWithAck('send_message', { roomId, content: 'tin ' + k }));
      }
      bad += (await Promise.all(batch)).filter((ack) => !ack.ok).length;
    }
    socket.disconnect();
    return bad;
  }, [c.accessToken, c.room.id, total]);
  assert.equal(failed, 0);
  await other.context().close();

  const expected = ['Alo shop', ...Array.from({ length: total }, (_, i) => `tin ${i + 1}`)];
  await restoreSocket(page);
  await bubble(page, `tin ${total}`, '[data-id]');
  assert.deepEqual(await bubbles(page), expected);
  await restoreSocket(desk);
  await bubble(desk, `tin ${total}`);
  assert.deepEqual(await bubbles(desk), expected);
  // A conversation longer than the screen: its list scrolls, by keyboard too.
  await expectAccessible(page, 'the customer page with a long conversation');
  await expectAccessible(desk, 'the desk with a long conversation');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(desk.errors, []);
  await page.context().close();
  await desk.context().close();
});

test('the one-line widget opens the chat page in a panel', async () => {
  const shop = await newPage(browser);
  // A shop page on another origin with nothing but the pasted line.
  // A shop's page on another origin, with nothing but the pasted line.
  const html = `<!doctype html><title>Shop</title><h1>Cửa hàng</h1>` +
    `<script src="${server.url}/widget.js" data-lang="en" async></script>`;
  const site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  await shop.goto(`http://127.0.0.1:${site.address().port}/`);
  const bubbleButton = shop.locator('button[aria-label="Chat with us"]');
  await bubbleButton.click();
  const frame = shop.frameLocator(`iframe[src^="${server.url}/chat"]`);
  await frame.locator('#guest-form input[name=firstName]').waitFor();
  await screenshot(shop, 'widget-guest-form');
  await frame.locator('#have-account').click();
  await frame.locator('#tab-sign-up').waitFor();
  assert.equal((await frame.locator('h1').textContent()).trim(), 'Customer support');
  await screenshot(shop, 'widget');
  // The framed page is ours, as is the button; the rest of the shop's page is not.
  await expectAccessible(shop.frames().find((f) => f.url().startsWith(`${server.url}/chat`)),
    'the widget\'s chat page in its frame');
  await expectAccessible(shop, 'the widget\'s button and panel',
    { include: ['body > button[aria-label]', 'body > div[role=dialog]'] });
  await shop.context().close();
  await new Promise((resolve) => site.close(resolve));
});

test('the customer page in Vietnamese and English: sign-in, sign-up, a refused sign-up, chatting', async () => {
  const taken = unique('lien');
  await rest(server, 'POST', '/auth/register', { userName: taken, password: PASSWORD, firstName: 'Liên', lastName: 'Mai' });
  for (const locale of ['vi-VN', 'en-US']) {
    const page = await newPage(browser, { phone: locale === 'vi-VN', locale });
    await page.goto(`${server.url}/chat`);
    await page.click('#have-account');
    await page.waitForSelector('#sign-in-form:not([hidden])');
    await expectAccessible(page, `the customer sign-in form (${locale})`);
    await page.click('#tab-sign-up');
    await page.waitForSelector('#sign-up-form:not([hidden])');
    await expectAccessible(page, `the customer sign-up tab (${locale})`);
    await page.fill('#sign-up-form input[name=userName]', taken);
    await page.fill('#sign-up-form input[name=password]', PASSWORD);
    await page.click('#sign-up-form button[type=submit]');
    await page.waitForSelector('#auth-error:not([hidden])');
    await expectAccessible(page, `the customer sign-up refused (${locale})`);
    await screenshot(page, `customer-sign-up-refused-${locale}`);

    await signUpCustomer(page, server, unique('kim'), 'Kim', 'Lam');
    await page.click('#get-help');
    await page.waitForSelector('#topic-picker:not([hidden])');
    await expectAccessible(page, `the customer topic picker (${locale})`);
    await page.click('.chip >> nth=0');
    await page.waitForSelector('#customer[data-session="OPEN"]');
    await send(page, 'Cho tôi hỏi về đơn hàng');
    await expectAccessible(page, `the customer page waiting with a message (${locale})`);
    await screenshot(page, `customer-waiting-${locale}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});
