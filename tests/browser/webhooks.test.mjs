// The admin console's Webhooks page in Chromium: an admin adds an endpoint, sees its secret, sends a test event that a real local receiver gets
// signed, and sees the delivery's status; a bad URL is refused with the reason and nothing saved.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import {
  startServer, createUser, launch, newPage, signIn, screenshot, tempDir, cleanup, expectAccessible,
} from './helpers.mjs';

let server, browser, dir, receiver;
const received = [];

before(async () => {
  dir = await tempDir();
  server = await startServer(dir);
  await createUser(server, 'admin', 'thu', 'Thu', 'Ha');
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
  await cleanup(dir);
});

test('an admin adds a webhook, sees its secret, and a test event is delivered', async () => {
  const page = await newPage(browser);
  await signIn(page, server, 'thu');
  await page.goto(`${server.url}/console`);
  await page.click('nav a[href="/console/admin/webhooks"]');
  await page.waitForSelector('#create-webhook');
  await expectAccessible(page, 'the webhooks page, empty');

  // A URL that is not http(s) is refused with the reason; nothing is saved.
  await page.fill('#wh-url', 'ftp://crm.example/hook');
  await page.check('input[name="events"][value="message.created"]');
  await page.click('#create-webhook button[type="submit"]');
  await page.waitForSelector('#create-error');
  assert.match(await page.textContent('#create-error'), /url/);
  assert.equal(await page.isChecked('input[name="events"][value="message.created"]'), true, 'the form is kept');
  assert.equal(await page.locator('#no-webhooks').count(), 1);

  const url = `http://127.0.0.1:${receiver.address().port}/hooks/frontdesk`;
  await page.fill('#wh-url', url);
  await page.check('input[name="events"][value="session.created"]');
  await page.click('#create-webhook button[type="submit"]');
  await page.waitForSelector('#wh-secret');
  const secret = (await page.textContent('#wh-secret')).trim();
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.equal((await page.textContent('h1')).trim(), url);
  assert.equal(await page.locator('#no-deliveries').count(), 1);

  await page.click('#send-test button');
  await page.waitForSelector('#deliveries-table');
  // The dispatcher sends it at once; the page shows the stored state, so look again until it is in.
  for (let i = 0; i < 50; i++) {
    if (await page.getAttribute('#deliveries-table [data-status]', 'data-status') === 'delivered') break;
    await new Promise((r) => setTimeout(r, 100));
    await page.click('#refresh');
    await page.waitForSelector('#deliveries-table');
  }
  const row = page.locator('#deliveries-table tbody tr').first();
  assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'delivered');
  assert.match(await row.textContent(), /webhook\.test[\s\S]*1[\s\S]*200/);

  assert.equal(received.length, 1);
  const [got] = received;
  assert.equal(got.headers['frontdesk-event'], 'webhook.test');
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(got.headers['frontdesk-signature']);
  assert.equal(createHmac('sha256', secret).update(`${t}.${got.body}`).digest('hex'), v1);
  assert.equal(JSON.parse(got.body).type, 'webhook.test');
  await expectAccessible(page, 'a webhook with a delivery');
  await screenshot(page, 'admin-webhook');

  // In English too, and the list shows it.
  await page.goto(`${server.url}/console/admin/webhooks?lang=en`);
  assert.equal((await page.textContent('h1')).trim(), 'Webhooks');
  assert.match(await page.textContent('#webhooks-table'), /session\.created[\s\S]*message\.created[\s\S]*Enabled/);
  await expectAccessible(page, 'the webhooks list');
  await screenshot(page, 'admin-webhooks');
  await page.goto(`${server.url}/console/admin/webhooks?lang=vi`);
  assert.equal((await page.textContent('h1')).trim(), 'Webhook');
  assert.match(await page.textContent('#webhooks-table'), /Đang bật/);
  await page.goto(`${server.url}/console/admin/webhooks?lang=en`);

  // Disabled, then deleted (the page's own confirm() is accepted by newPage).
  await page.click('#webhooks-table a');
  await page.click('#toggle-enabled button');
  await page.waitForSelector('#wh-state');
  assert.equal((await page.textContent('#wh-state')).trim(), 'Disabled');
  await page.click('#delete-webhook button');
  await page.waitForSelector('#no-webhooks');
  await page.close();
});
