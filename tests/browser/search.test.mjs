// Search on the desk in Chromium (issue 13): a staff member types a query without the
// Vietnamese marks, the matches show in the sidebar (customer, room, snippet, time), and the
// chosen one opens its room at the found message, scrolled into view and marked, with the
// newer messages after it and the search still in the sidebar. axe-core checks each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  rest, login, startServer, createUser, launch, newPage, signIn, screenshot, tempDir, cleanup,
  registerCustomer, customerPage, expectAccessible,
} from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_MESSAGES_PER_SECOND: '1000' });
  await createUser(server, 'staff', 'lan', 'Lan', 'Nguyen');
  await createUser(server, 'admin', 'ada', 'Ada', 'Admin');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

/** Sends each text from the page's own socket, one after another, each acknowledged. */
function sendAll(page, roomId, texts) {
  return page.evaluate(async ([roomId, texts]) => {
    const socket = window.__sockets[0];
    for (const content of texts) {
      const ack = await socket.timeout(5000).emitWithAck('send_message', { roomId, content });
      if (!ack.ok) throw new Error(JSON.stringify(ack));
    }
  }, [roomId, texts]);
}

test('a staff member searches on the desk and the right room opens at the message', async () => {
  const hoa = await registerCustomer(server, 'hoa', 'Hoa', 'Pham');
  const binh = await registerCustomer(server, 'binh', 'Bình', 'Đặng');
  const hoaPage = await customerPage(browser, server, hoa);
  const binhPage = await customerPage(browser, server, binh);
  await sendAll(binhPage, binh.room.id, ['Cho tôi hỏi đổi trả hàng thế nào?']);
  const later = Array.from({ length: 70 }, (_, i) => `Tin nhắn thứ ${i + 1}`);
  await sendAll(hoaPage, hoa.room.id, ['Xin chào', 'Tôi muốn đổi size áo đầm <b>M</b> sang L', ...later]);

  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.fill('#search-q', 'doi size');
  await Promise.all([desk.waitForURL(/\/console\?q=doi\+size/), desk.press('#search-q', 'Enter')]);
  const results = desk.locator('#search-results li');
  assert.equal(await results.count(), 1);
  const hit = results.first();
  assert.equal(await hit.locator('.item-title').textContent(), 'Hoa Pham');
  assert.equal(await hit.locator('.snippet').textContent(), 'Tôi muốn đổi size áo đầm <b>M</b> sang L',
    'the snippet is text, markup and all');
  assert.match(await hit.locator('.room-name').textContent(), /Support Request/);
  assert.ok(await hit.locator('time').textContent());
  assert.equal(await desk.textContent('#search-count'), '1');
  assert.equal(await desk.inputValue('#search-q'), 'doi size', 'the box keeps the query');
  await expectAccessible(desk, 'the desk with search results');

  // A word both customers used finds both rooms, newest first.
  await desk.fill('#search-q', 'đổi');
  await Promise.all([desk.waitForURL(/q=/), desk.press('#search-q', 'Enter')]);
  assert.deepEqual(await desk.locator('#search-results .item-title').allTextContents(), ['Hoa Pham', 'Bình Đặng']);
  await desk.fill('#search-q', 'doi size');
  await Promise.all([desk.waitForURL(/q=doi/), desk.press('#search-q', 'Enter')]);

  await Promise.all([
    desk.waitForURL(new RegExp(`/console/rooms/${hoa.room.id}\\?`)),
    desk.locator('#search-results a').first().click(),
  ]);
  assert.equal(await desk.getAttribute('#chat', 'data-room-id'), String(hoa.room.id));
  const found = desk.locator('#message-list li.found');
  await found.waitFor();
  assert.equal(await found.locator('.bubble').textContent(), 'Tôi muốn đổi size áo đầm <b>M</b> sang L');
  // Scrolled to it: the found message is inside the visible part of the conversation.
  const inView = await desk.evaluate(() => {
    const box = document.getElementById('messages').getBoundingClientRect();
    const msg = document.querySelector('#message-list li.found').getBoundingClientRect();
    return msg.top >= box.top - 1 && msg.bottom <= box.bottom + 1;
  });
  assert.ok(inView, "the found message is in view");
  // The messages after it arrive too (the page catches up over the socket), and before it.
  await desk.locator('#message-list .bubble', { hasText: 'Tin nhắn thứ 70' }).waitFor({ state: 'attached' });
  assert.ok(await desk.locator('#message-list .bubble', { hasText: /^Xin chào$/ }).count() === 1);
  assert.equal(await desk.locator('#search-results li.current').count(), 1, 'the search stays, its hit marked');
  const stillInView = await desk.evaluate(() => {
    const box = document.getElementById('messages').getBoundingClientRect();
    const msg = document.querySelector('#message-list li.found').getBoundingClientRect();
    return msg.bottom > box.top && msg.top < box.bottom;
  });
  assert.ok(stillInView, 'catching up did not scroll the found message away');
  await screenshot(desk, 'desk-search-found');
  await expectAccessible(desk, 'a room opened at a found message');
  assert.deepEqual(desk.errors, []);

  // A query with nothing to find says so; one with no word says why.
  await desk.fill('#search-q', 'xyzzy');
  await Promise.all([desk.waitForURL(/q=xyzzy/), desk.press('#search-q', 'Enter')]);
  await desk.locator('#search-panel .empty').waitFor();
  await desk.fill('#search-q', '*');
  await Promise.all([desk.waitForURL(/q=/), desk.press('#search-q', 'Enter')]);
  assert.match(await desk.textContent('#search-panel [role=alert]'), /at least one word/);
  await expectAccessible(desk, 'a refused search');

  // On a phone the top bar has no room: the desk's list has the box.
  const phone = await newPage(browser, { phone: true });
  await signIn(phone, server, 'lan');
  assert.equal(await phone.isVisible('#search-q'), false);
  await phone.fill('#search-q-side', 'doi size');
  await Promise.all([phone.waitForURL(/q=doi/), phone.press('#search-q-side', 'Enter')]);
  assert.equal(await phone.locator('#search-results .item-title').textContent(), 'Hoa Pham');
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `nothing wider than the screen (${wide}px)`);
  await expectAccessible(phone, 'search on a phone');
  await screenshot(phone, 'desk-search-phone');
});

/** Clicks a download link and returns the file's suggested name and text. */
async function download(page, link) {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

test('transcripts download from the desk and from the admin console', async () => {
  const kim = await registerCustomer(server, 'kim', 'Kim', 'Le');
  const kimPage = await customerPage(browser, server, kim);
  const session = await rest(server, 'POST', `/chat/rooms/${kim.room.id}/sessions`, { title: 'Hoá đơn <VAT>' }, kim.accessToken);
  await sendAll(kimPage, kim.room.id, ['Cho tôi xin hoá đơn <script>x()</script>']);

  const desk = await newPage(browser);
  await signIn(desk, server, 'lan');
  await desk.goto(`${server.url}/console/rooms/${kim.room.id}`);
  const room = await download(desk, desk.locator('#room-transcript a', { hasText: 'TXT' }));
  assert.equal(room.name, `transcript-room-${kim.room.id}.txt`);
  assert.match(room.text, /\] Kim Le: Cho tôi xin hoá đơn <script>x\(\)<\/script>/);
  const one = await download(desk, desk.locator(`#session-history li[data-session-id="${session.id}"] a`, { hasText: 'HTML' }));
  assert.equal(one.name, `transcript-room-${kim.room.id}-session-${session.id}.html`);
  assert.ok(!one.text.includes('<script>x()'), 'escaped');
  // Claimed live, the session's line is redrawn by the page, links and all.
  await desk.click('#claim-session');
  await desk.waitForSelector('#chat-status.status-IN_PROGRESS');
  const again = await download(desk, desk.locator(`#session-history li[data-session-id="${session.id}"] a`, { hasText: 'TXT' }));
  assert.match(again.text, /Hoá đơn <VAT> \(IN_PROGRESS\)/);
  await expectAccessible(desk, 'the desk with transcript links');

  const admin = await newPage(browser);
  await signIn(admin, server, 'ada');
  await admin.goto(`${server.url}/console/admin/sessions`);
  const row = admin.locator('#sessions-table tr', { hasText: 'Hoá đơn <VAT>' });
  const json = await download(admin, row.locator('a', { hasText: 'JSON' }));
  const t = JSON.parse(json.text);
  assert.equal(t.sessions[0].id, session.id);
  assert.equal(t.messages[0].content, 'Cho tôi xin hoá đơn <script>x()</script>');
  await expectAccessible(admin, 'the admin session list with transcript links');
  await screenshot(admin, 'admin-sessions-transcripts');
  assert.deepEqual(desk.errors, []);
});
