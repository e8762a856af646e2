// Files in Chromium at phone width (issue 12, contract §9): a guest starts from the widget on a
// shop page of another origin, a staff member sends a photo with the attach button, the guest
// sees it as a thumbnail that opens full size and sends a photo by pasting it and a PDF by
// dropping it, the desk shows the photo and the PDF's name and size (live and after a reload),
// a kind of file the shop does not take is refused in the page's words, and the session ends
// with the guest's rating on the desk and the dashboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { deflateSync } from 'node:zlib';
import {
  startServer, createUser, launch, newPage, signIn, send, bubble, screenshot, tempDir, cleanup,
  expectAccessible,
} from './helpers.mjs';

let server, browser, dir;
const PHONE = { viewport: { width: 390, height: 844 } };

before(async () => {
  dir = await tempDir();
  server = await startServer(dir, 0, { FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE: '1000' });
  await createUser(server, 'staff', 'lananh', 'Lan', 'Anh');
  await createUser(server, 'admin', 'chief', 'Chi', 'Pham');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

/** A real PNG of `w` x `h` pixels in two colours, so a thumbnail has something to show. */
function png(w, h, [r1, g1, b1], [r2, g2, b2]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = [0];
    for (let x = 0; x < w; x++) row.push(...((x + y) % 40 < 20 ? [r1, g1, b1] : [r2, g2, b2]));
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Puts files into a page (or frame) as a paste into the composer or a drop onto the chat. */
async function giveFiles(frame, how, files) {
  await frame.evaluate(([how, files]) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    if (how === 'paste') {
      document.getElementById('composer-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    } else {
      const zone = document.getElementById('composer').closest('section');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, [how, files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') }))]);
}

/** Waits until every upload in the tray is done, then sends the composer. */
async function sendFiles(frame, text = '') {
  await frame.locator('#attach-tray li.upload').first().waitFor();
  await frame.waitForFunction(() => {
    const items = document.querySelectorAll('#attach-tray li.upload');
    return items.length > 0 && Array.from(items).every((li) => li.classList.contains('ready'));
  });
  if (text) await frame.locator('#composer-text').fill(text);
  await frame.locator('#composer button[type=submit]').click();
}

/** Whether an <img> has loaded real pixels. */
const loaded = (loc) => loc.evaluate((img) => img.complete && img.naturalWidth > 0);

test('a guest in the widget and a staff member send each other photos and a PDF, then rate', async () => {
  const shop = await newPage(browser, PHONE);
  const html = `<!doctype html><html lang="vi"><title>Shop</title><h1>Cửa hàng</h1>` +
    `<script src="${server.url}/widget.js" data-lang="en" async></script>`;
  const site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  const desk = await newPage(browser, PHONE);
  try {
    await shop.goto(`http://127.0.0.1:${site.address().port}/`);
    await shop.locator('button[aria-label="Chat with us"]').click();
    const framed = shop.frameLocator(`iframe[src^="${server.url}/chat"]`);
    await framed.locator('#guest-form input[name=firstName]').fill('Thu');
    await framed.locator('#guest-form button[type=submit]').click();
    await framed.locator('.chip >> nth=0').click();
    await framed.locator('#customer[data-session="OPEN"]').waitFor();
    const guest = shop.frames().find((f) => f.url().startsWith(`${server.url}/chat`));
    await send(guest, 'Cái ấm bị nứt, em gửi ảnh nhé');

    await signIn(desk, server, 'lananh');
    await desk.locator('#queue li button.claim').first().click();
    await desk.waitForURL(/\/console\/rooms\/\d+$/);
    await desk.waitForSelector('body[data-conn="up"]');
    await bubble(desk, 'Cái ấm bị nứt, em gửi ảnh nhé');

    // Staff: the attach button opens the file chooser; the upload shows its progress.
    const [chooser] = await Promise.all([desk.waitForEvent('filechooser'), desk.click('#composer-attach')]);
    await chooser.setFiles({ name: 'mau-am.png', mimeType: 'image/png', buffer: png(320, 200, [30, 120, 200], [240, 240, 240]) });
    await desk.locator('#attach-tray li.upload progress').waitFor();
    await expectAccessible(desk, 'the desk with an upload in the tray (phone)');
    await screenshot(desk, 'desk-upload-tray');
    await sendFiles(desk, 'Mẫu ấm thay thế đây ạ');
    const staffThumb = desk.locator('#message-list li[data-id] .file-thumb img[alt="mau-am.png"]');
    await staffThumb.waitFor();
    assert.equal(await desk.isVisible('#attach-tray'), false, 'the tray empties once sent');

    // The guest sees it inline, and the thumbnail opens the full-size image.
    const guestThumb = guest.locator('.file-thumb img[alt="mau-am.png"]');
    await guestThumb.waitFor();
    assert.equal(await loaded(guestThumb), true, 'the signed link loads in <img>');
    const link = guest.locator('.file-thumb:has(img[alt="mau-am.png"])');
    assert.equal(await link.getAttribute('target'), '_blank');
    const full = await fetch(server.url + await link.getAttribute('href'));
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'image/png');
    await expectAccessible(guest, 'the widget with a photo from staff');
    await screenshot(shop, 'widget-photo-from-staff');

    // The guest pastes a photo, then drops a PDF and sends both without text.
    await giveFiles(guest, 'paste', [{ name: 'vet-nut.png', type: 'image/png', bytes: png(200, 260, [180, 60, 40], [250, 230, 200]) }]);
    await giveFiles(guest, 'drop', [{ name: 'hoá đơn.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n') }]);
    assert.equal(await guest.locator('#attach-tray li.upload').count(), 2);
    await sendFiles(guest);
    await guest.locator('#message-list li[data-id] .file-thumb img[alt="vet-nut.png"]').waitFor();
    await screenshot(shop, 'widget-sent-photo-and-pdf');

    // The desk has both, live: the photo inline, the PDF as a link with its name and size.
    const deskPhoto = desk.locator('#message-list .file-thumb img[alt="vet-nut.png"]');
    await deskPhoto.waitFor();
    assert.equal(await loaded(deskPhoto), true);
    const pdf = desk.locator('#message-list .file-link', { hasText: 'hoá đơn.pdf' });
    await pdf.waitFor();
    assert.match(await pdf.textContent(), /hoá đơn\.pdf \(\d+ B\)/);
    assert.equal(await pdf.getAttribute('download'), 'hoá đơn.pdf');
    await expectAccessible(desk, 'the desk with photos and a PDF (phone)');
    await screenshot(desk, 'desk-photos-and-pdf');

    // An SVG is refused, in the page's words, and nothing is left in the tray.
    await giveFiles(guest, 'paste', [{ name: 'logo.svg', type: 'image/svg+xml', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') }]);
    await guest.locator('.toast.error', { hasText: 'Could not upload logo.svg' }).waitFor();
    assert.equal(await guest.locator('#attach-tray li.upload').count(), 0);

    // After a reload the desk draws the same files from the server's page.
    await desk.reload();
    await desk.waitForSelector('body[data-conn="up"]');
    assert.equal(await loaded(desk.locator('#message-list .file-thumb img[alt="vet-nut.png"]')), true);
    await desk.locator('#message-list .file-link', { hasText: 'hoá đơn.pdf' }).waitFor();
    assert.equal(await desk.locator('#message-list .file-thumb img[alt="mau-am.png"]').count(), 1);

    // The session ends; the guest rates it; the desk and the dashboard show it.
    await desk.click('#end-session');
    await framed.locator('#rating-form:not([hidden])').waitFor();
    await framed.locator('label[for=star-5]').click();
    await framed.locator('#rating-form button[type=submit]').click();
    await framed.locator('#rating-thanks:not([hidden])').waitFor();
    const rating = desk.locator('#chat-session .rating-text');
    await rating.waitFor();
    assert.equal(await rating.textContent(), '★ 5/5');
    const admin = await newPage(browser, PHONE);
    await signIn(admin, server, 'chief');
    await admin.goto(`${server.url}/console/admin`);
    assert.match((await admin.textContent('#fig-rating')).trim(), /^5\.0 \/ 5/);
    await admin.context().close();
    assert.deepEqual(desk.errors, []);
  } finally {
    await shop.context().close();
    await desk.context().close();
    await new Promise((resolve) => site.close(resolve));
  }
});
