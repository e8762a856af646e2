// Guests and ratings in Chromium (issue 12), at phone width: a guest starts with only a first
// name, a staff member answers and ends the session, the guest rates it and the desk and the
// dashboard show the rating; the guest finds the conversation again after closing the tab, and
// "Not me" starts over; a shop that requires an e-mail gets it asked, and the server's refusal
// of a bad one is shown.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import {
  startServer, createUser, launch, newPage, signIn, send, bubble, bubbles, screenshot, tempDir,
  cleanup, rest, login, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;
const SITE_SECRET = 'the-shops-own-site-secret-of-32-bytes!';
const ENV = { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000', FRONTDESK_SITE_SECRET: SITE_SECRET };
const PHONE = { viewport: { width: 390, height: 844 } };

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, ENV);
  await createUser(server, 'staff', 'minhtran', 'Minh', 'Tran');
  await createUser(server, 'admin', 'boss', 'Bao', 'Le');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

/** Starts as a guest on /chat with the fields given, and waits for the topics. */
async function startAsGuest(page, fields) {
  await page.goto(`${server.url}/chat`);
  await page.waitForSelector('#guest-form input[name=firstName]');
  for (const [name, value] of Object.entries(fields)) await page.fill(`#guest-form input[name=${name}]`, value);
  await page.click('#guest-form button[type=submit]');
  await page.waitForSelector('#room:not([hidden])');
  await page.waitForSelector('#customer[data-conn="up"]');
}

test('a guest starts with a first name, is answered, rates the ended session; desk and dashboard show it', async () => {
  const guest = await newPage(browser, PHONE);
  await guest.goto(`${server.url}/chat`);
  await guest.waitForSelector('#guest-form input[name=firstName][required]');
  // The shop asks for nothing else by default.
  assert.equal(await guest.isVisible('#guest-email-field'), false);
  assert.equal(await guest.isVisible('#guest-phone-field'), false);
  await expectAccessible(guest, 'the guest start form (phone)');
  await screenshot(guest, 'guest-start');

  await startAsGuest(guest, { firstName: 'Hoa' });
  await guest.waitForSelector('#topic-picker:not([hidden])');
  assert.match(await guest.textContent('#guest-as'), /Hoa/);
  await expectAccessible(guest, 'the guest picking a topic');
  await screenshot(guest, 'guest-topics');
  await guest.click('.chip >> nth=0');
  await guest.waitForSelector('#customer[data-session="OPEN"]');
  await send(guest, 'Xin chào, tôi cần hỏi về đơn hàng');

  const desk = await newPage(browser, PHONE);
  await signIn(desk, server, 'minhtran');
  await desk.locator('#queue li button.claim').first().click();
  await desk.waitForURL(/\/console\/rooms\/\d+$/);
  await desk.waitForSelector('body[data-conn="up"]');
  await send(desk, 'Chào chị Hoa, em xem giúp chị nhé.');
  await bubble(guest, 'Chào chị Hoa, em xem giúp chị nhé.');
  await guest.waitForSelector('#customer[data-session="IN_PROGRESS"]');

  await desk.click('#end-session');
  await guest.waitForSelector('#rating-form:not([hidden])');
  assert.equal(await guest.isVisible('#help-bar'), true); // asking again stays at hand
  await expectAccessible(guest, 'the guest asked for a rating');
  await screenshot(guest, 'guest-rating');
  // Sending without stars says so; the stars are radio buttons the keyboard reaches.
  await guest.click('#rating-form button[type=submit]');
  await guest.waitForSelector('#rating-error:not([hidden])');
  await guest.focus('#star-1');
  await guest.keyboard.press('ArrowRight');
  await guest.keyboard.press('ArrowRight');
  await guest.keyboard.press('ArrowRight');
  assert.equal(await guest.isChecked('#star-4'), true);
  assert.equal(await guest.locator('.stars label.on').count(), 4);
  await guest.fill('#rating-comment', 'Nhanh và nhiệt tình');
  await guest.click('#rating-form button[type=submit]');
  await guest.waitForSelector('#rating-thanks:not([hidden])');
  assert.equal(await guest.isVisible('#rating-form'), false);
  await expectAccessible(guest, 'the guest thanked for the rating');
  await screenshot(guest, 'guest-rated');

  // The desk hears it live on the session (the header on a phone, where the history list is
  // off screen; the list too), and has it after a reload as well.
  const rated = '★ 4/5 — Nhanh và nhiệt tình';
  const live = desk.locator('#chat-session .rating-text');
  await live.waitFor();
  assert.equal(await live.textContent(), rated);
  assert.equal(await desk.locator('#session-history .rating-text').first().textContent(), rated);
  await desk.reload();
  await desk.waitForSelector('body[data-conn="up"]');
  assert.equal(await desk.locator('#chat-session .rating-text').textContent(), rated);
  assert.equal(await desk.locator('#session-history .rating-text').first().textContent(), rated);
  await expectAccessible(desk, 'the desk with a rated session (phone)');
  await screenshot(desk, 'desk-rated-session');

  // A reload of the guest's page does not ask again.
  await guest.reload();
  await guest.waitForSelector('#customer[data-conn="up"]');
  await bubble(guest, 'Chào chị Hoa, em xem giúp chị nhé.');
  assert.equal(await guest.isVisible('#rating-form'), false);

  const admin = await newPage(browser);
  await signIn(admin, server, 'boss');
  await admin.goto(`${server.url}/console/admin`);
  assert.match((await admin.textContent('#fig-rating')).trim(), /^4\.0 \/ 5/);
  assert.deepEqual(guest.errors, []);
  assert.deepEqual(desk.errors, []);
  await guest.context().close();
  await desk.context().close();
  await admin.context().close();
});

test('a guest who comes back finds the conversation; "Not me" starts over as a new guest', async () => {
  const first = await newPage(browser, PHONE);
  await startAsGuest(first, { firstName: 'Lan' });
  await first.click('.chip >> nth=1');
  await first.waitForSelector('#customer[data-session="OPEN"]');
  await send(first, 'Tôi muốn hỏi về giao hàng');
  const { user } = JSON.parse(await first.evaluate(() => localStorage.getItem('fd.guest')));
  assert.match(user.userName, /^guest-/);
  assert.equal(await first.evaluate(() => sessionStorage.getItem('fd.customer')), null);

  // The tab closes; a new one in the same browser goes straight back to the chat.
  const context = first.context();
  await first.close();
  const again = await context.newPage();
  again.errors = [];
  again.on('pageerror', (e) => again.errors.push(e.message));
  await again.goto(`${server.url}/chat`);
  await again.waitForSelector('#customer[data-conn="up"]');
  await again.waitForSelector('#customer[data-session="OPEN"]');
  // The session comes by REST and the history by the socket's join, in either order.
  await bubble(again, 'Tôi muốn hỏi về giao hàng');
  assert.deepEqual(await bubbles(again), ['Tôi muốn hỏi về giao hàng']);
  assert.equal(await again.isVisible('#auth'), false);
  await expectAccessible(again, 'a returning guest back in the conversation');
  await screenshot(again, 'guest-returned');

  await again.click('#not-me');
  await again.waitForSelector('#guest-form input[name=firstName]');
  assert.equal(await again.evaluate(() => localStorage.getItem('fd.guest')), null);
  assert.equal(await again.inputValue('#guest-form input[name=firstName]'), '');
  await expectAccessible(again, 'the start form after "Not me"');
  await startAsGuest(again, { firstName: 'Mai' });
  assert.deepEqual(await bubbles(again), []);
  const next = JSON.parse(await again.evaluate(() => localStorage.getItem('fd.guest')));
  assert.notEqual(next.user.id, user.id);
  assert.deepEqual(again.errors, []);
  await context.close();
});

test('a shop that requires an e-mail: the form asks for it and shows the server refusing a bad one', async () => {
  const { accessToken } = await login(server, 'boss');
  await rest(server, 'PUT', '/admin/settings', { prechat: { email: 'required', phone: 'optional' } }, accessToken);
  try {
    for (const locale of ['vi-VN', 'en-US']) {
      const page = await newPage(browser, { ...PHONE, locale });
      await page.goto(`${server.url}/chat`);
      const email = page.locator('#guest-form input[name=email]');
      await email.waitFor();
      assert.equal(await email.evaluate((e) => e.required), true);
      assert.equal(await page.locator('#guest-phone-field input').evaluate((e) => e.required), false);
      assert.match(await page.textContent('#guest-email-field .mark'), locale === 'vi-VN' ? /bắt buộc/ : /required/);
      await expectAccessible(page, `the guest form with a required e-mail (${locale})`);

      // Without it the browser holds the form back: no guest is made.
      await page.fill('#guest-form input[name=firstName]', 'Tuấn');
      await page.click('#guest-form button[type=submit]');
      assert.equal(await email.evaluate((e) => e.validity.valueMissing), true);
      assert.equal(await page.isVisible('#room'), false);
      // An address the browser takes but the server does not: its refusal is shown.
      await email.fill('tuan@shop');
      await page.click('#guest-form button[type=submit]');
      await page.waitForSelector('#guest-error:not([hidden])');
      assert.match(await page.textContent('#guest-error'), /email must be an e-mail address/);
      await expectAccessible(page, `the guest form refused (${locale})`);
      await screenshot(page, `guest-email-refused-${locale}`);
      await email.fill('tuan@shop.vn');
      await page.click('#guest-form button[type=submit]');
      await page.waitForSelector('#room:not([hidden])');
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  } finally {
    await rest(server, 'PUT', '/admin/settings', { prechat: { email: 'hidden', phone: 'hidden' } }, accessToken);
  }
});

test('a guest starts from the widget on another origin', async () => {
  const shop = await newPage(browser, PHONE);
  const html = `<!doctype html><title>Shop</title><h1>Cửa hàng</h1>` +
    `<script src="${server.url}/widget.js" data-lang="en" async></script>`;
  const site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    await shop.goto(`http://127.0.0.1:${site.address().port}/`);
    await shop.locator('button[aria-label="Chat with us"]').click();
    const frame = shop.frameLocator(`iframe[src^="${server.url}/chat"]`);
    await frame.locator('#guest-form input[name=firstName]').fill('Quang');
    await frame.locator('#guest-form button[type=submit]').click();
    await frame.locator('#topic-picker:not([hidden])').waitFor();
    await frame.locator('.chip >> nth=0').click();
    await frame.locator('#customer[data-session="OPEN"]').waitFor();
    await expectAccessible(shop.frames().find((f) => f.url().startsWith(`${server.url}/chat`)),
      'a guest chatting in the widget');
    await screenshot(shop, 'widget-guest-started');
  } finally {
    await shop.context().close();
    await new Promise((resolve) => site.close(resolve));
  }
});

/** A token as the shop's server signs it (HS256 with the site secret), valid 10 minutes. */
function siteToken(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', SITE_SECRET).update(body).digest('base64url')}`;
}

test('the shop\'s signed-in customer opens the same room from the widget on two visits', async () => {
  const visit = async (token) => {
    const shop = await newPage(browser, PHONE);
    const html = `<!doctype html><title>Shop</title><h1>Cửa hàng</h1>` +
      `<script src="${server.url}/widget.js" data-lang="en" data-identity-token="${token}" async></script>`;
    const site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    await shop.goto(`http://127.0.0.1:${site.address().port}/`);
    await shop.locator('button[aria-label="Chat with us"]').click();
    const frame = shop.frameLocator(`iframe[src^="${server.url}/chat"]`);
    await frame.locator('#room:not([hidden])').waitFor();
    await frame.locator('#customer[data-conn="up"]').waitFor();
    return { shop, site, frame };
  };
  const first = await visit(siteToken({ sub: 'shop-customer-7', name: 'Hoa Pham' }));
  try {
    // No start form: the shop said who this is.
    assert.equal(await first.frame.locator('#guest-form').isVisible(), false);
    await first.frame.locator('#get-help').click();
    await first.frame.locator('#topic-picker .chip >> nth=0').click();
    await first.frame.locator('#customer[data-session="OPEN"]').waitFor();
    await first.frame.locator('#composer-text').fill('Đơn hàng #88 của tôi');
    await first.frame.locator('#composer button[type=submit]').click();
    await first.frame.locator('.msg', { hasText: 'Đơn hàng #88 của tôi' }).waitFor();
    await expectAccessible(first.shop.frames().find((f) => f.url().startsWith(`${server.url}/chat`)),
      'the shop\'s customer chatting in the widget');
    await screenshot(first.shop, 'widget-site-identity');
  } finally {
    await first.shop.context().close();
    await new Promise((resolve) => first.site.close(resolve));
  }
  // Another day, another browser, a new token for the same customer: the same conversation.
  const second = await visit(siteToken({ sub: 'shop-customer-7' }));
  try {
    await second.frame.locator('.msg', { hasText: 'Đơn hàng #88 của tôi' }).waitFor();
  } finally {
    await second.shop.context().close();
    await new Promise((resolve) => second.site.close(resolve));
  }
});
