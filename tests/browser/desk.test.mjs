// The staff desk in Chromium: a session appears live, is claimed, both sides talk, staff ends
// it; a losing claim says who won and the item goes; hostile text shows as text. After a
// dropped connection the lists and the open room catch up, and a retried message is stored
// once; a room given to someone else stops being live. Whether the open room's composer is
// open is the server's word (`canSend`), and who won a claim comes as data, not as words.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createUser, launch, newPage, signIn, signUpCustomer, send, bubble, bubbles,
  rest, screenshot, tempDir, cleanup, unique, PASSWORD, dropSocket, restoreSocket, login,
  registerCustomer, customerPage, connected, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  // Many sign-ups and sign-ins from one address: more than a shop's default allows a minute.
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

test('staff see a new session live, claim it, chat both ways and end it', async () => {
  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await expectAccessible(desk, 'the desk, empty');
  // Marks this document: if the desk reloaded, the mark would be gone.
  await desk.evaluate(() => { window.sameDocument = true; });

  const customer = await newPage(browser, { phone: true });
  await signUpCustomer(customer, server, unique('hoa'), 'Hoa', 'Pham');
  await customer.click('#get-help');
  await customer.fill('#topic-input', 'Đơn hàng #1234 chưa giao');
  await customer.click('#topic-picker button[type=submit]');
  await customer.waitForSelector('#customer[data-session="OPEN"]');

  const item = desk.locator('#queue li', { hasText: 'Đơn hàng #1234 chưa giao' });
  await item.waitFor();
  assert.match(await item.textContent(), /Hoa Pham/);
  assert.equal(await desk.evaluate(() => window.sameDocument), true, 'the item arrived without a reload');
  assert.equal(await desk.getAttribute('body', 'data-alerts'), '1', 'the new session raised an alert');
  await expectAccessible(desk, 'the desk with a queue entry');

  await Promise.all([desk.waitForURL(/\/console\/rooms\/\d+$/), item.locator('button.claim').click()]);
  await desk.waitForSelector('body[data-conn="up"]');
  await customer.waitForSelector('#customer[data-session="IN_PROGRESS"]');
  assert.match(await customer.textContent('#status-line'), /Chatting with Lan Nguyen/);

  await send(customer, 'Xin chào, tôi cần giúp đỡ');
  await bubble(desk, 'Xin chào, tôi cần giúp đỡ');
  await send(desk, 'Chào chị Hoa, em kiểm tra ngay ạ.');
  await bubble(customer, 'Chào chị Hoa, em kiểm tra ngay ạ.');

  // Typing shows on the other side.
  await customer.type('#composer-text', 'Cảm ơn');
  await desk.waitForSelector('#typing:not([hidden])');
  assert.match(await desk.textContent('#typing'), /Hoa Pham is typing/);
  await customer.press('#composer-text', 'Enter');
  await bubble(desk, 'Cảm ơn');

  assert.deepEqual(await bubbles(desk), ['Xin chào, tôi cần giúp đỡ', 'Chào chị Hoa, em kiểm tra ngay ạ.', 'Cảm ơn']);
  assert.deepEqual(await bubbles(customer), await bubbles(desk));
  await screenshot(desk, 'desk');
  await screenshot(customer, 'customer-page');
  await expectAccessible(desk, 'the desk with a room open, chatting');
  await expectAccessible(customer, 'the customer page chatting with staff');

  await desk.click('#end-session');
  await desk.waitForSelector('#chat-status.status-ENDED');
  await customer.waitForSelector('#customer[data-session="NONE"]');
  await customer.waitForSelector('#help-bar:not([hidden])');
  assert.match(await customer.textContent('#message-list'), /The session has ended/);
  await expectAccessible(desk, 'the desk with its session ended');
  assert.deepEqual(desk.errors, []);
  assert.deepEqual(customer.errors, []);
  await desk.context().close();
  await customer.context().close();
});

test("a second staff member's claim loses with the winner's name and the item disappears", async () => {
  const name = unique('quang');
  const { accessToken, user } = await rest(server, 'POST', '/auth/register',
    { userName: name, password: PASSWORD, firstName: 'Quang', lastName: 'Le' });
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, accessToken);
  const session = await rest(server, 'POST', `/chat/rooms/${room.id}/sessions`, { title: 'Đổi size áo' }, accessToken);
  assert.equal(session.customerId, user.id);

  const winner = await newPage(browser);
  await signIn(winner, server, 'lan');
  const loser = await newPage(browser);
  // The loser's desk hears nothing live, so its item is still there when it clicks: exactly
  // the race a slow network makes.
  await loser.route('**/socket.io/**', (route) => route.abort());
  await loser.goto(`${server.url}/console/login`);
  await loser.fill('input[name=user_name]', 'minh');
  await loser.fill('input[name=password]', PASSWORD);
  await Promise.all([loser.waitForURL(/\/console$/), loser.click('#login-form button[type=submit]')]);
  const loserItem = loser.locator(`#queue li[data-session-id="${session.id}"]`);
  await loserItem.waitFor();

  const winnerItem = winner.locator(`#queue li[data-session-id="${session.id}"]`);
  await Promise.all([winner.waitForURL(/\/console\/rooms\/\d+$/), winnerItem.locator('button.claim').click()]);

  await loserItem.locator('button.claim').click();
  const toast = loser.locator('.toast', { hasText: 'already claimed by Lan Nguyen' });
  await toast.waitFor();
  await expectAccessible(loser, 'the desk showing a toast');
  await loserItem.waitFor({ state: 'detached' });
  await winner.context().close();
  await loser.context().close();
});

test('hostile names, topics and messages show as text in the desk', async () => {
  const payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>'];
  const name = unique('mallory');
  const { accessToken } = await rest(server, 'POST', '/auth/register',
    { userName: name, password: PASSWORD, firstName: payloads[1], lastName: payloads[2] });
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, accessToken);

  const desk = await newPage(browser);
  let dialogs = 0;
  desk.on('dialog', () => { dialogs += 1; });
  await signIn(desk, server, 'minh');

  // The topic arrives live (rendered by the script) ...
  await rest(server, 'POST', `/chat/rooms/${room.id}/sessions`, { title: payloads[0] }, accessToken);
  const item = desk.locator('#queue li', { hasText: payloads[0] });
  await item.waitFor();
  assert.equal(await item.locator('.item-title').textContent(), payloads[0]);
  assert.equal(await item.locator('.who').textContent(), `${payloads[1]} ${payloads[2]}`);

  // ... and as the server renders it, with the messages, after a claim.
  await Promise.all([desk.waitForURL(/\/console\/rooms\/\d+$/), item.locator('button.claim').click()]);
  await desk.waitForSelector('body[data-conn="up"]');
  const customer = await newPage(browser);
  await customer.addInitScript(([token, user]) => {
    sessionStorage.setItem('fd.customer', JSON.stringify({ token, user }));
  }, [accessToken, { id: room.customerId }]);
  await customer.goto(`${server.url}/chat`);
  await customer.waitForSelector('#customer[data-conn="up"]');
  for (const p of payloads) await send(customer, p);
  for (const p of payloads) await bubble(desk, p);
  assert.deepEqual(await bubbles(desk), payloads);
  assert.equal(await desk.textContent('#chat-title'), `${payloads[1]} ${payloads[2]}`);

  await desk.reload();
  await desk.waitForSelector('#message-list li.msg');
  assert.deepEqual(await bubbles(desk), payloads, 'server-rendered history is text too');
  assert.equal(await desk.locator('#chat-topic').textContent(), payloads[0]);
  for (const p of [desk, customer]) {
    assert.equal(await p.locator('main img[src="x"], main svg[onload], main script').count(), 0);
  }
  assert.equal(dialogs, 0, 'no payload ran');
  await desk.context().close();
  await customer.context().close();
});

test('the desk fits a phone: the list, then one conversation at a time', async () => {
  const name = unique('tam');
  const { accessToken } = await rest(server, 'POST', '/auth/register',
    { userName: name, password: PASSWORD, firstName: 'Tâm', lastName: 'Vu' });
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, accessToken);
  await rest(server, 'POST', `/chat/rooms/${room.id}/sessions`, { title: 'Hỏi giá sỉ' }, accessToken);

  const phone = await newPage(browser, { phone: true, locale: 'vi-VN' });
  await signIn(phone, server, 'minh');
  const item = phone.locator('#queue li', { hasText: 'Hỏi giá sỉ' });
  await item.waitFor();
  assert.equal(await phone.isVisible('#chat'), false, 'the list takes the whole screen');
  await screenshot(phone, 'desk-phone');
  await expectAccessible(phone, 'the desk list on a phone (Vietnamese)');
  await Promise.all([phone.waitForURL(/\/console\/rooms\/\d+$/), item.locator('.item-title').click()]);
  assert.equal(await phone.isVisible('#sidebar'), false, 'the conversation takes the whole screen');
  assert.equal(await phone.isVisible('#claim-session'), true, 'a waiting session can be claimed from here');
  await phone.click('#claim-session');
  await phone.waitForSelector('#chat-status.status-IN_PROGRESS');
  await phone.waitForSelector('body[data-conn="up"]');
  await send(phone, 'Dạ em chào anh/chị');
  await expectAccessible(phone, 'a room on the phone desk (Vietnamese)');
  await screenshot(phone, 'desk-phone-room');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `nothing wider than the screen (${width}px)`);
  await Promise.all([phone.waitForURL(/\/console$/), phone.click('a.back')]);
  await phone.context().close();
});

test('after a dropped connection the desk lists catch up without a reload', async () => {
  const lan = await login(server, 'lan');
  const minh = await login(server, 'minh');
  const first = await registerCustomer(server, 'binh', 'Bình', 'Ho');
  const third = await registerCustomer(server, 'chi', 'Chi', 'Dang');
  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.evaluate(() => { window.sameDocument = true; });
  const s1 = await rest(server, 'POST', `/chat/rooms/${first.room.id}/sessions`, { title: 'Hoàn tiền' }, first.accessToken);
  const s3 = await rest(server, 'POST', `/chat/rooms/${third.room.id}/sessions`, { title: 'Bảo hành' }, third.accessToken);
  await desk.locator(`#queue li[data-session-id="${s1.id}"]`).waitFor();
  await desk.locator(`#queue li[data-session-id="${s3.id}"]`).waitFor();

  // While the desk is offline: a new session, one claimed by someone else, one claimed by lan
  // from another tab. The staff feed announces each once, to nobody on this page.
  await dropSocket(desk);
  const second = await registerCustomer(server, 'dung', 'Dũng', 'Lam');
  const s2 = await rest(server, 'POST', `/chat/rooms/${second.room.id}/sessions`, { title: 'Sai địa chỉ' }, second.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s1.id}/join`, undefined, minh.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s3.id}/join`, undefined, lan.accessToken);
  assert.equal(await desk.locator(`#queue li[data-session-id="${s2.id}"]`).count(), 0, 'the page heard nothing');

  await restoreSocket(desk);
  await desk.locator(`#queue li[data-session-id="${s2.id}"]`, { hasText: 'Sai địa chỉ' }).waitFor();
  await desk.locator(`#queue li[data-session-id="${s1.id}"]`).waitFor({ state: 'detached' });
  await desk.locator(`#queue li[data-session-id="${s3.id}"]`).waitFor({ state: 'detached' });
  await desk.locator(`#mine li[data-room-id="${third.room.id}"]`, { hasText: 'Chi Dang' }).waitFor();
  assert.equal(await desk.locator(`#mine li[data-room-id="${first.room.id}"]`).count(), 0, "minh's room is not lan's");
  assert.equal(await desk.textContent('#queue-count'), String(await desk.locator('#queue li').count()));
  assert.equal(await desk.evaluate(() => window.sameDocument), true, 'caught up without a reload');

  // And the feed keeps working on the new connection.
  const fourth = await registerCustomer(server, 'em', 'Em', 'Ly');
  await rest(server, 'POST', `/chat/rooms/${fourth.room.id}/sessions`, { title: 'Đổi trả' }, fourth.accessToken);
  await desk.locator('#queue li', { hasText: 'Đổi trả' }).waitFor();
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

test('after a dropped connection the open room shows what changed meanwhile', async () => {
  const lan = await login(server, 'lan');
  const c = await registerCustomer(server, 'giang', 'Giang', 'Vo');
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Tra cứu đơn' }, c.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s.id}/join`, undefined, lan.accessToken);
  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.goto(`${server.url}/console/rooms/${c.room.id}`);
  await connected(desk);
  await desk.waitForSelector('#chat-status.status-IN_PROGRESS');
  assert.equal(await desk.isVisible('#end-session'), true);

  await dropSocket(desk);
  await rest(server, 'POST', `/chat/sessions/${s.id}/end`, undefined, c.accessToken);
  await restoreSocket(desk);

  await desk.waitForSelector('#chat-status.status-ENDED');
  assert.equal(await desk.isVisible('#end-session'), false, 'nothing left to end');
  assert.match(await desk.textContent('#message-list'), /The session has ended/);
  await desk.waitForSelector(`#session-history li[data-session-id="${s.id}"] .status-ENDED`);
  assert.match(await desk.textContent('#chat-session'), /Assigned to: Lan Nguyen/);
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

test('a room given to someone else stops being live on the desk of the one who had it open', async () => {
  const customer = await newPage(browser, { phone: true });
  await signUpCustomer(customer, server, unique('hai'), 'Hải', 'Mai');
  await send(customer, 'Shop còn size M không?');
  const { token } = JSON.parse(await customer.evaluate(() => sessionStorage.getItem('fd.customer')));
  const [room] = await rest(server, 'GET', '/chat/rooms', undefined, token);

  const minh = await newPage(browser);
  await signIn(minh, server, 'minh');
  await minh.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(minh);
  await minh.locator(`#unassigned li[data-room-id="${room.id}"]`).waitFor();
  // Minh is in the room once the customer's typing reaches him.
  await customer.type('#composer-text', 'M');
  await minh.waitForSelector('#typing:not([hidden])');
  // The feed's room_updated for this room goes astray: only the server's word to this socket
  // (an `error` naming the room) says the room is gone.
  await minh.evaluate(() => { window.__muted = new Set(['room_updated']); });

  const lanDesk = await newPage(browser);
  await signIn(lanDesk, server, 'lan');
  await lanDesk.goto(`${server.url}/console/rooms/${room.id}`);
  await connected(lanDesk);
  await send(lanDesk, 'Dạ còn ạ, em giữ cho anh nhé.');

  const notice = minh.locator('#chat-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'This room was just assigned to someone else.');
  assert.equal(await minh.isVisible('#composer'), false, 'no more writing here');
  assert.equal(await minh.isDisabled('#composer-text'), true);
  assert.equal(await minh.getAttribute('#chat', 'data-live'), 'false');
  await expectAccessible(minh, 'the desk with a room no longer live (notice shown)');
  await screenshot(minh, 'desk-room-gone');
  await minh.locator(`#unassigned li[data-room-id="${room.id}"]`).waitFor({ state: 'detached' });
  assert.deepEqual(minh.errors, []);
  await minh.context().close();
  await lanDesk.context().close();
  await customer.context().close();
});

test('a message retried after its answer was lost is stored once', async () => {
  const lan = await login(server, 'lan');
  const c = await registerCustomer(server, 'khanh', 'Khánh', 'Ta');
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Xuất hoá đơn' }, c.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s.id}/join`, undefined, lan.accessToken);
  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.goto(`${server.url}/console/rooms/${c.room.id}`);
  await connected(desk);

  // The server stores the message, but neither its ack nor its new_message reaches the page
  // before the connection drops: to the staff member it was not sent.
  const text = 'Em gửi hoá đơn qua email ạ.';
  await desk.evaluate(() => {
    window.__sockets[0].onack = () => {};
    window.__muted = new Set(['new_message']);
  });
  await desk.fill('#composer-text', text);
  await desk.press('#composer-text', 'Enter');
  await expectStored(lan.accessToken, c.room.id, text, 1);
  await dropSocket(desk);
  await desk.waitForFunction((t) => document.querySelector('#composer-text').value === t, text);
  await desk.locator('.toast', { hasText: 'Not sent' }).waitFor();

  // The staff member tries again (still offline, then the connection comes back).
  await desk.evaluate(() => { delete window.__sockets[0].onack; window.__muted = null; });
  await desk.press('#composer-text', 'Enter');
  await restoreSocket(desk);
  await bubble(desk, text, '[data-id]');
  await send(desk, 'Anh kiểm tra giúp em nhé.');
  assert.deepEqual(await bubbles(desk), [text, 'Anh kiểm tra giúp em nhé.']);
  await expectStored(lan.accessToken, c.room.id, text, 1);
  await desk.reload();
  assert.deepEqual(await bubbles(desk), [text, 'Anh kiểm tra giúp em nhé.']);
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

test("a room another holds is read-only on the desk until it is claimed, as the server says", async () => {
  const minh = await login(server, 'minh');
  const c = await registerCustomer(server, 'oanh', 'Oanh', 'Trinh');
  // Minh helped before and still holds the room; the customer asks again and waits.
  const s1 = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Lần đầu' }, c.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s1.id}/join`, undefined, minh.accessToken);
  await rest(server, 'POST', `/chat/sessions/${s1.id}/end`, undefined, minh.accessToken);
  const s2 = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Lần hai' }, c.accessToken);

  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.goto(`${server.url}/console/rooms/${c.room.id}`);
  await connected(desk);
  await desk.evaluate(() => { window.sameDocument = true; });
  // joined_room said canSend: false. Lan may read the waiting session, not write in Minh's room.
  await desk.waitForFunction(() => document.querySelector('#composer-text').disabled);
  assert.equal(await desk.isVisible('#composer'), false, 'no composer to write with');
  assert.equal(await desk.isDisabled('#composer button[type=submit]'), true);
  assert.equal(await desk.isVisible('#claim-session'), true, 'the waiting session can be claimed');
  assert.equal(await desk.isVisible('#chat-notice'), false, 'the room is still read live');
  await screenshot(desk, 'desk-read-only');
  await expectAccessible(desk, 'a read-only room on the desk');

  // Claimed here: the server's room_access opens the composer, without a reload.
  await desk.click('#claim-session');
  await desk.waitForSelector('#chat-status.status-IN_PROGRESS');
  await desk.waitForSelector('#composer:not([hidden])');
  assert.equal(await desk.isDisabled('#composer-text'), false);
  assert.equal(await desk.isVisible('#claim-session'), false);
  assert.equal(await desk.isVisible('#end-session'), true);
  assert.equal(await desk.evaluate(() => window.sameDocument), true, 'the same page, not reloaded');
  await send(desk, 'Dạ em Lan tiếp chị Oanh ạ.');
  const page = await rest(server, 'GET', `/chat/rooms/${c.room.id}/messages?limit=10`, undefined, c.accessToken);
  assert.deepEqual(page.messages.map((m) => [m.content, m.sender.userName]), [['Dạ em Lan tiếp chị Oanh ạ.', 'lan']]);
  const s = await rest(server, 'GET', `/chat/sessions/${s2.id}`, undefined, c.accessToken);
  assert.equal(s.status, 'IN_PROGRESS');
  await screenshot(desk, 'desk-claimed-here');
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

test("a claim lost in the open room names the holder from the refusal's data, in the page's words", async () => {
  const lan = await login(server, 'lan');
  const c = await registerCustomer(server, 'phuong', 'Phương', 'Do');
  const s = await rest(server, 'POST', `/chat/rooms/${c.room.id}/sessions`, { title: 'Giao nhầm màu' }, c.accessToken);
  const desk = await newPage(browser, { locale: 'vi-VN' });
  await signIn(desk, server, 'minh');
  await desk.goto(`${server.url}/console/rooms/${c.room.id}`);
  await connected(desk);
  await desk.waitForSelector('#claim-session:not([hidden])');
  // The page hears nothing of Lan's claim (a slow network), so its button is still there. And
  // the refusal's message is worded otherwise (as another server version might word it): the
  // page must take the holder from the body's `code` and `holder`, not from the words.
  await desk.evaluate(() => {
    window.__muted = new Set(['session_updated', 'session_joined', 'room_updated', 'room_access', 'left_room']);
  });
  await desk.route('**/api/chat/sessions/*/join', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    await route.fulfill({ response: res, json: { ...body, message: 'Conflict' } });
  });
  const won = await rest(server, 'POST', `/chat/sessions/${s.id}/join`, undefined, lan.accessToken);
  assert.equal(won.staffId, lan.user.id);

  await desk.click('#claim-session');
  const toast = desk.locator('.toast.error');
  await toast.waitFor();
  assert.equal(await toast.textContent(), 'Phiên này đã được Lan Nguyen nhận.');
  await expectAccessible(desk, 'the desk with an error toast (Vietnamese)');
  await screenshot(desk, 'desk-error-toast');
  assert.deepEqual(desk.errors, []);
  await desk.context().close();
});

/** Waits until the room holds exactly `n` messages with this text (as the server has them). */
async function expectStored(token, roomId, text, n) {
  let found = -1;
  for (let i = 0; i < 100; i += 1) {
    const page = await rest(server, 'GET', `/chat/rooms/${roomId}/messages?limit=100`, undefined, token);
    found = page.messages.filter((m) => m.content === text).length;
    if (found === n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(found, n, `${n} stored message(s) "${text}"`);
}
