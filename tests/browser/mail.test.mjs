// E-mail in Chromium (issue 14): a staff member reaches "E-mail alerts" from the desk, is told
// an address is needed, opts in; a guest who gave an e-mail has the transcript of an ended
// session sent with one button, and it arrives at a small SMTP receiver written here. Without
// --smtp-url the pages say e-mail is off and offer no button.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  startServer, createUser, launch, newPage, signIn, send, screenshot, tempDir, cleanup, rest,
  login, expectAccessible,
} from './helpers.mjs';

/** Enough SMTP to accept mail (220, EHLO 250, MAIL/RCPT 250, DATA 354, "." 250, QUIT 221). */
function smtpReceiver() {
  const mails = [];
  const server = createServer((socket) => {
    let buffer = '', data = null, rcpt = [];
    socket.write('220 test.local ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data !== null) {
          if (line === '.') { mails.push({ to: rcpt, raw: data }); data = null; socket.write('250 queued\r\n'); }
          else data += (line.startsWith('.') ? line.slice(1) : line) + '\n';
          continue;
        }
        const cmd = line.toUpperCase();
        if (cmd.startsWith('EHLO') || cmd.startsWith('HELO')) socket.write('250 test.local\r\n');
        else if (cmd.startsWith('MAIL FROM:')) { rcpt = []; socket.write('250 OK\r\n'); }
        else if (cmd.startsWith('RCPT TO:')) { rcpt.push(line.slice(8).trim()); socket.write('250 OK\r\n'); }
        else if (cmd === 'DATA') { data = ''; socket.write('354 go on\r\n'); }
        else if (cmd === 'QUIT') { socket.end('221 bye\r\n'); }
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, mails, port: server.address().port })));
}

async function until(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let server, off, browser, dir, offDir, smtp;

before(async () => {
  smtp = await smtpReceiver();
  dir = await tempDir();
  server = await startServer(dir, 0, {
    FRONTDESK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    FRONTDESK_SMTP_FROM: 'Shop desk <desk@shop.example>',
    FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000',
  });
  await createUser(server, 'staff', 'minhtran', 'Minh', 'Tran');
  await createUser(server, 'admin', 'boss', 'Bao', 'Le');
  offDir = await tempDir();
  off = await startServer(offDir, 0, {});
  await createUser(off, 'staff', 'lan', 'Lan', 'Pham');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await off?.stop();
  smtp?.server.close();
  await cleanup(dir);
  await cleanup(offDir);
});

test('a staff member opts in to waiting alerts from the desk', async () => {
  const page = await newPage(browser);
  await signIn(page, server, 'minhtran');
  await screenshot(page, 'mail-desk-link');
  await Promise.all([page.waitForURL(/\/console\/notifications$/), page.click('#mail-link')]);
  await page.waitForSelector('#mail-form');
  assert.equal(await page.isVisible('#mail-off'), false, 'e-mail is on');
  assert.equal(await page.isVisible('#mail-shop-off'), true, 'the shop has not set a wait yet');
  await expectAccessible(page, 'the notifications page');
  await screenshot(page, 'mail-notifications');

  // Alerts without an address are refused, with the reason, and nothing is saved.
  await page.check('#mail-waiting');
  await page.click('#mail-save');
  await page.waitForSelector('#mail-error');
  assert.match(await page.textContent('#mail-error'), /e-mail address/i);
  assert.equal(await page.getAttribute('#mail-email', 'aria-invalid'), 'true');
  await expectAccessible(page, 'the notifications page with a refusal');
  await screenshot(page, 'mail-notifications-refused');
  const { accessToken } = await login(server, 'minhtran');
  assert.equal((await rest(server, 'GET', '/users/me/notifications', undefined, accessToken)).waitingAlerts, false);

  await page.fill('#mail-email', 'minh@shop.example');
  await page.check('#mail-waiting');
  await Promise.all([page.waitForURL(/done=saved/), page.click('#mail-save')]);
  await page.waitForSelector('#mail-saved');
  assert.equal(await page.inputValue('#mail-email'), 'minh@shop.example');
  assert.equal(await page.isChecked('#mail-waiting'), true);
  await expectAccessible(page, 'the notifications page, saved');
  await screenshot(page, 'mail-notifications-saved');
  const mine = await rest(server, 'GET', '/users/me/notifications', undefined, accessToken);
  assert.deepEqual([mine.email, mine.waitingAlerts], ['minh@shop.example', true]);
  await page.context().close();
});

test('an admin sets the wait before alerts and the e-mails\' language in the settings', async () => {
  const page = await newPage(browser);
  await signIn(page, server, 'boss');
  await page.goto(`${server.url}/console/admin/settings`);
  await page.waitForSelector('#email_alert_wait_minutes');
  // Past the browser's own check (max=10080), the server refuses it too, naming the field.
  await page.$eval('#settings-form', (f) => { f.noValidate = true; });
  await page.fill('#email_alert_wait_minutes', '99999');
  await page.click('#settings-save');
  await page.waitForSelector('#settings-error');
  assert.match(await page.textContent('#settings-error'), /waited/);
  assert.equal(await page.getAttribute('#email_alert_wait_minutes', 'aria-invalid'), 'true');
  await page.fill('#email_alert_wait_minutes', '15');
  await page.selectOption('#email_language', 'en');
  await Promise.all([page.waitForURL(/done=saved/), page.click('#settings-save')]);
  await page.locator('#set-mail-h').scrollIntoViewIfNeeded();
  await expectAccessible(page, 'the settings with the e-mail section');
  await screenshot(page, 'mail-admin-settings');
  const boss = await login(server, 'boss');
  const saved = await rest(server, 'GET', '/admin/settings', undefined, boss.accessToken);
  assert.deepEqual([saved.emailAlertWaitMinutes, saved.emailLanguage], [15, 'en']);
  // The staff page tells the wait.
  const staff = await newPage(browser);
  await signIn(staff, server, 'minhtran');
  await staff.goto(`${server.url}/console/notifications`);
  assert.match(await staff.textContent('#mail-shop-wait'), /15/);
  await staff.context().close();
  await page.context().close();
});

test('a guest e-mails themselves the transcript of an ended session', async () => {
  const boss = await login(server, 'boss');
  await rest(server, 'PUT', '/admin/settings', { prechat: { email: 'optional', phone: 'hidden' }, emailLanguage: 'en' }, boss.accessToken);
  const guest = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await guest.goto(`${server.url}/chat`);
  await guest.waitForSelector('#guest-email-field:not([hidden])');
  await guest.fill('#guest-form input[name=firstName]', 'Hoa');
  await guest.fill('#guest-form input[name=email]', 'hoa@example.com');
  await guest.click('#guest-form button[type=submit]');
  await guest.waitForSelector('#customer[data-conn="up"]');
  await guest.click('.chip >> nth=0');
  await guest.waitForSelector('#customer[data-session="OPEN"]');
  assert.equal(await guest.isVisible('#transcript-mail'), false, 'no button while the session runs');
  await send(guest, 'Where is order <b>#42</b>?');

  const staff = await login(server, 'minhtran');
  const [open] = await rest(server, 'GET', '/chat/sessions/unassigned', undefined, staff.accessToken);
  await rest(server, 'POST', `/chat/sessions/${open.id}/join`, {}, staff.accessToken);
  await rest(server, 'POST', `/chat/sessions/${open.id}/end`, {}, staff.accessToken);
  await guest.waitForSelector('#transcript-mail:not([hidden])');
  await expectAccessible(guest, 'the ended session with the transcript button');
  await screenshot(guest, 'mail-transcript-offer');

  await guest.click('#transcript-mail-btn');
  await guest.waitForFunction(() => /hoa@example\.com/.test(document.getElementById('transcript-mail-status').textContent));
  await until('the transcript e-mail', () => smtp.mails.some((m) => m.to.includes('<hoa@example.com>')));
  const mail = smtp.mails.find((m) => m.to.includes('<hoa@example.com>'));
  assert.match(mail.raw, /multipart\/alternative/);
  await expectAccessible(guest, 'the transcript sent');
  await screenshot(guest, 'mail-transcript-sent');

  // Again at once: the limit is said in the page's words.
  await guest.click('#transcript-mail-btn');
  await guest.waitForFunction(() => /moment ago/.test(document.getElementById('transcript-mail-status').textContent));
  assert.equal(smtp.mails.filter((m) => m.to.includes('<hoa@example.com>')).length, 1);
  assert.deepEqual(guest.errors, []);
  await guest.context().close();
});

test('without --smtp-url the page says e-mail is off and the customer gets no button', async () => {
  const page = await newPage(browser);
  await signIn(page, off, 'lan');
  await page.goto(`${off.url}/console/notifications`);
  await page.waitForSelector('#mail-off');
  await expectAccessible(page, 'the notifications page with e-mail off');
  await screenshot(page, 'mail-notifications-off');
  await page.context().close();

  const guest = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await guest.goto(`${off.url}/chat`);
  await guest.fill('#guest-form input[name=firstName]', 'Mai');
  await guest.click('#guest-form button[type=submit]');
  await guest.waitForSelector('#customer[data-conn="up"]');
  assert.equal(await guest.getAttribute('#customer', 'data-mail'), 'off');
  await guest.click('.chip >> nth=0');
  await guest.waitForSelector('#customer[data-session="OPEN"]');
  const staff = await login(off, 'lan');
  const [open] = await rest(off, 'GET', '/chat/sessions/unassigned', undefined, staff.accessToken);
  await rest(off, 'POST', `/chat/sessions/${open.id}/join`, {}, staff.accessToken);
  await rest(off, 'POST', `/chat/sessions/${open.id}/end`, {}, staff.accessToken);
  await guest.waitForSelector('#customer[data-session="NONE"]');
  assert.equal(await guest.isVisible('#transcript-mail'), false);
  await guest.context().close();
});
