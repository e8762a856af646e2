// A customer's data-protection requests in the admin console (issue 14): the export downloads
// as a JSON file, and the erasure happens only once the customer's user name is typed exactly.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  startServer, createUser, launch, newPage, signIn, screenshot, tempDir, cleanup, rest,
  registerCustomer, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' });
  await createUser(server, 'admin', 'dpo', 'Dao', 'Pham');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

test('an admin downloads a customer\'s data and erases it after typing the user name', async () => {
  const c = await registerCustomer(server, 'gdpr', 'Thanh', 'Tam');
  const admin = await newPage(browser);
  await signIn(admin, server, 'dpo');
  await admin.goto(`${server.url}/console/admin/users/${c.user.id}`);
  await admin.waitForSelector('#erase-user');
  await expectAccessible(admin, 'a customer\'s page with the privacy actions');
  await screenshot(admin, 'admin-privacy');

  const [download] = await Promise.all([admin.waitForEvent('download'), admin.click('#export-user')]);
  const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(doc.user.userName, c.user.userName);
  assert.equal(doc.roomId, c.room.id);

  await admin.fill('#erase-user input[name=confirm]', 'not-the-name');
  await admin.click('#erase-user button[type=submit]');
  await admin.waitForSelector('.flash.error');
  assert.match(await admin.textContent('.flash.error'), /does not match; nothing was erased/);
  await rest(server, 'GET', '/auth/me', undefined, c.accessToken); // still signed in

  await admin.fill('#erase-user input[name=confirm]', c.user.userName);
  await admin.click('#erase-user button[type=submit]');
  await admin.waitForSelector('#erased-note');
  assert.match(await admin.textContent('.flash.ok'), /personal data was erased/);
  await expectAccessible(admin, 'an erased customer\'s page');
  await screenshot(admin, 'admin-erased');
  await assert.rejects(rest(server, 'GET', '/auth/me', undefined, c.accessToken), /401/);
  assert.deepEqual(admin.errors, []);
  await admin.context().close();
});
