// The customer page in Chromium: it rides out a server restart without losing a message, and
// the one-line widget opens it in a panel on another page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  startServer, createUser, launch, newPage, signIn, signUpCustomer, send, bubble, bubbles,
  screenshot, tempDir, cleanup, unique,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir);
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
  server = await startServer(dir, server.port);

  await desk.waitForSelector('body[data-conn="up"]');
  await customer.waitForSelector('#customer[data-conn="up"]');
  await bubble(customer, 'Tôi vẫn ở đây', '[data-id]');
  await bubble(desk, 'Tôi vẫn ở đây');
  await send(desk, 'Cảm ơn anh đã chờ.');
  await bubble(customer, 'Cảm ơn anh đã chờ.');

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
  await frame.locator('#tab-sign-up').waitFor();
  assert.equal((await frame.locator('h1').textContent()).trim(), 'Customer support');
  await screenshot(shop, 'widget');
  await shop.context().close();
  await new Promise((resolve) => site.close(resolve));
});
