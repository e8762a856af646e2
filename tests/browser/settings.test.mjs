// The shop's settings in Chromium: an admin saves the customer page's texts and a week of hours
// on the console's Settings page (and a bad interval is refused, naming the day, saving
// nothing); the customer page, on a phone in another time zone, then shows the shop's name and
// topics and, outside the hours, a banner with the next opening in the customer's own time,
// while a session still opens. Inside the hours there is no banner.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, rest, login, registerCustomer, customerPage,
  screenshot, tempDir, cleanup, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

const SHOP = 'Tiệm Sách Mây';
const TOPICS = ['Bảo hành', 'Trả góp', 'Đặt lịch hẹn'];
const OFFLINE = 'Cửa hàng đang nghỉ. Hãy để lại lời nhắn!';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** A phone the size the brief names, in a zone far from the shop's UTC. */
const PHONE = { viewport: { width: 390, height: 844 }, timezoneId: 'Asia/Ho_Chi_Minh' };

before(async () => {
  dir = await tempDir();
  server = await startServer(dir);
  await createUser(server, 'admin', 'lan', 'Lan', 'Pham');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

/** Two intervals a day in UTC, both in the hour two hours from now: the shop is closed now. */
function closedNow() {
  const h = String((new Date().getUTCHours() + 2) % 24).padStart(2, '0');
  return { hour: Number(h), text: `${h}:00-${h}:20, ${h}:40-${h}:50` };
}

async function adminToken() {
  return (await login(server, 'lan')).accessToken;
}

test('an admin saves the settings, and a bad interval is refused naming the day', async () => {
  const admin = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(admin, server, 'lan');
  await admin.click('nav a[href="/console/admin/settings"]');
  await admin.waitForURL(/\/console\/admin\/settings$/);
  assert.equal(await admin.getAttribute('nav a[href="/console/admin/settings"]', 'aria-current'), 'page');
  // A new shop: open around the clock in UTC, the page's own texts.
  assert.equal(await admin.inputValue('#timezone'), 'UTC');
  assert.equal(await admin.inputValue('#hours_mon'), '00:00-24:00');
  assert.equal(await admin.inputValue('#shop_name'), '');
  await expectAccessible(admin, 'the settings page (phone)');
  await screenshot(admin, 'settings-new-shop-phone');

  const closed = closedNow();
  await admin.fill('#shop_name', SHOP);
  await admin.fill('#topics', TOPICS.join('\n') + '\n\n');
  await admin.fill('#offline_message', OFFLINE);
  await admin.fill('#timezone', 'UTC');
  for (const d of DAYS) await admin.fill(`#hours_${d}`, closed.text);
  await admin.selectOption('#prechat_email', 'required');
  await admin.selectOption('#routing', 'auto');
  await admin.fill('#max_chats_per_staff', '4');
  await admin.uncheck('#ratings_enabled');
  await Promise.all([admin.waitForURL(/done=saved/), admin.click('#settings-save')]);
  assert.equal((await admin.textContent('#settings-saved')).trim(), 'Saved.');
  // The form shows what was stored.
  assert.equal(await admin.inputValue('#shop_name'), SHOP);
  assert.equal(await admin.inputValue('#topics'), TOPICS.join('\n'));
  assert.equal(await admin.inputValue('#hours_sun'), closed.text);
  assert.equal(await admin.inputValue('#prechat_email'), 'required');
  assert.equal(await admin.isChecked('#ratings_enabled'), false);
  await expectAccessible(admin, 'the settings page after saving');
  await screenshot(admin, 'settings-saved-phone');

  const stored = await rest(server, 'GET', '/admin/settings', undefined, await adminToken());
  assert.equal(stored.shopName, SHOP);
  assert.deepEqual(stored.topics, TOPICS);
  assert.equal(stored.routing, 'auto');
  assert.equal(stored.maxChatsPerStaff, 4);
  assert.equal(stored.ratingsEnabled, false);
  assert.deepEqual(stored.prechat, { email: 'required', phone: 'hidden' });
  const hh = String(closed.hour).padStart(2, '0');
  assert.deepEqual(stored.hours.wed, [[`${hh}:00`, `${hh}:20`], [`${hh}:40`, `${hh}:50`]]);

  // Hours that are no time: refused by the rules, the day named, the typing kept, nothing saved.
  await admin.fill('#shop_name', 'Not saved');
  await admin.fill('#hours_wed', '25:00-26:00');
  await admin.click('#settings-save');
  const error = admin.locator('#settings-error');
  await error.waitFor();
  assert.match(await error.textContent(), /Wednesday: hours\.wed\[0\] must be times from 00:00 to 24:00/);
  assert.match(await error.textContent(), /Nothing was saved/);
  assert.equal(await admin.inputValue('#hours_wed'), '25:00-26:00');
  assert.equal(await admin.inputValue('#shop_name'), 'Not saved');
  assert.equal(await admin.getAttribute('#hours_wed', 'aria-invalid'), 'true');
  assert.equal(await admin.getAttribute('#hours_mon', 'aria-invalid'), null);
  await expectAccessible(admin, 'the settings page with a refused interval');
  await screenshot(admin, 'settings-refused-phone');
  await admin.locator('#hours_wed').scrollIntoViewIfNeeded();
  await screenshot(admin, 'settings-refused-hours-phone');

  // An entry that is no interval at all is refused by the page itself, the same way.
  await admin.fill('#hours_wed', closed.text);
  await admin.fill('#hours_fri', '9am-5pm');
  await admin.click('#settings-save');
  await admin.waitForFunction(() => /Friday: “9am-5pm” is not an interval/.test(document.getElementById('settings-error')?.textContent || ''));
  assert.equal(await admin.getAttribute('#hours_fri', 'aria-invalid'), 'true');

  const after = await rest(server, 'GET', '/admin/settings', undefined, await adminToken());
  assert.deepEqual(after, stored);
  assert.deepEqual(admin.errors, []);
  await admin.context().close();
});

test('outside the hours the customer page shows the shop, its topics and the next opening', async () => {
  // The first test turned automatic routing on; this one watches a session wait in the queue.
  const { accessToken } = await login(server, 'lan');
  await rest(server, 'PUT', '/admin/settings', { routing: 'manual' }, accessToken);
  const pub = await rest(server, 'GET', '/settings/public');
  assert.equal(pub.open, false);
  const next = new Date(pub.nextOpenAt);
  assert.equal(next.getUTCHours(), closedNow().hour);
  assert.equal(next.getUTCMinutes(), 0);

  // The front door, in the shop's name.
  const door = await newPage(browser, PHONE);
  await door.goto(`${server.url}/`);
  assert.equal(await door.textContent('h1'), SHOP);
  await expectAccessible(door, 'the front door (phone)');
  await screenshot(door, 'home');
  await door.click('a[href="/chat"]');
  await door.waitForURL(/\/chat$/);
  await door.context().close();

  // Signed out: the banner is there before anything else.
  const visitor = await newPage(browser, PHONE);
  await visitor.goto(`${server.url}/chat`);
  await visitor.waitForSelector('#customer[data-open="closed"]');
  assert.equal(await visitor.textContent('#chat-title'), SHOP);
  assert.equal(await visitor.title(), SHOP);
  assert.equal(await visitor.isVisible('#offline-banner'), true);
  await expectAccessible(visitor, 'the customer page signed out, shop closed (phone)');
  await screenshot(visitor, 'customer-closed-signed-out');
  await visitor.context().close();

  const c = await registerCustomer(server, 'hoa', 'Hoa', 'Ly');
  const page = await customerPage(browser, server, c, PHONE);
  await page.waitForSelector('#customer[data-open="closed"]');
  assert.equal(await page.textContent('#chat-title'), SHOP);
  const banner = page.locator('#offline-banner');
  assert.equal(await banner.isVisible(), true);
  assert.equal(await page.textContent('#offline-text'), OFFLINE);
  // The next opening in the customer's own zone (UTC+7) and language, with its weekday.
  const when = await page.evaluate((iso) => new Intl.DateTimeFormat('en-US',
    { weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(new Date(iso)), pub.nextOpenAt);
  assert.equal(await page.textContent('#offline-next'), `We open again: ${when}`);
  const localHour = (closedNow().hour + 7) % 24;
  assert.match(when, new RegExp(`\\b${localHour % 12 || 12}:00\\s?${localHour < 12 ? 'AM' : 'PM'}`));
  assert.match(await banner.textContent(), /we'll answer when we open/);
  await expectAccessible(page, 'the customer page signed in, shop closed (phone)');
  await screenshot(page, 'customer-closed');

  // A staff desk open meanwhile hears of the session live, marked as opened after hours.
  await createUser(server, 'staff', 'minhdesk', 'Minh', 'Vo');
  const desk = await newPage(browser);
  await signIn(desk, server, 'minhdesk');

  // The shop's own topics as the chips, and a session still opens: it waits in the queue.
  await page.click('#get-help');
  assert.deepEqual(await page.$$eval('#chips .chip', (els) => els.map((e) => e.textContent)), TOPICS);
  await expectAccessible(page, 'the customer page picking a topic, shop closed');
  await screenshot(page, 'customer-closed-topics');
  await page.click('#chips .chip >> text=Trả góp');
  await page.waitForSelector('#customer[data-session="OPEN"]');
  assert.match(await page.textContent('#status-line'), /Waiting for a staff member… · Trả góp/);
  assert.equal(await banner.isVisible(), true);
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, c.accessToken);
  assert.equal(room.activeSession.title, 'Trả góp');
  assert.equal(room.activeSession.openedAfterHours, true);
  const queued = desk.locator(`#queue li[data-session-id="${room.activeSession.id}"]`);
  await queued.locator('.tag.after-hours', { hasText: 'After hours' }).waitFor();
  await desk.reload();
  await queued.locator('.tag.after-hours', { hasText: 'After hours' }).waitFor();
  await expectAccessible(desk, 'the desk with a session opened after hours');
  await screenshot(desk, 'desk-after-hours');
  await desk.context().close();
  await expectAccessible(page, 'the customer page waiting, shop closed');
  await screenshot(page, 'customer-closed-waiting');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('inside the hours there is no banner; without the settings the page keeps its own', async () => {
  const token = await adminToken();
  const always = Object.fromEntries(DAYS.map((d) => [d, [['00:00', '24:00']]]));
  await rest(server, 'PUT', '/admin/settings', { hours: always }, token);
  const c = await registerCustomer(server, 'minh', 'Minh', 'Tran');
  const page = await customerPage(browser, server, c, PHONE);
  await page.waitForSelector('#customer[data-open="open"]');
  assert.equal(await page.textContent('#chat-title'), SHOP);
  assert.equal(await page.isVisible('#offline-banner'), false);
  await page.click('#get-help');
  assert.deepEqual(await page.$$eval('#chips .chip', (els) => els.map((e) => e.textContent)), TOPICS);
  await expectAccessible(page, 'the customer page, shop open');
  await screenshot(page, 'customer-open');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The settings request fails: the page's own title and chips, no banner, no error.
  const c2 = await registerCustomer(server, 'quan', 'Quan', 'Le');
  const bare = await newPage(browser, PHONE);
  await bare.route('**/api/settings/public', (route) => route.abort());
  await bare.addInitScript(([tok, user]) => {
    sessionStorage.setItem('fd.customer', JSON.stringify({ token: tok, user }));
  }, [c2.accessToken, c2.user]);
  await bare.goto(`${server.url}/chat`);
  await bare.waitForSelector('#customer[data-open="unknown"]');
  await bare.waitForSelector('#customer[data-conn="up"]');
  assert.equal(await bare.textContent('#chat-title'), 'Customer support');
  assert.equal(await bare.isVisible('#offline-banner'), false);
  await bare.click('#get-help');
  assert.deepEqual(await bare.$$eval('#chips .chip', (els) => els.map((e) => e.textContent)),
    ['My order', 'Shipping', 'Returns', 'A product']);
  await bare.click('#chips .chip >> nth=1');
  await bare.waitForSelector('#customer[data-session="OPEN"]');
  assert.deepEqual(bare.errors, []);
  await bare.context().close();
});
