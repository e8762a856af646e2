// The API reference page renders in Chromium under its own Content-Security-Policy: its inline
// scripts are allowed by hash, nothing else runs, and no script is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, screenshot, tempDir, cleanup } from './helpers.mjs';

let server, browser, dir;

before(async () => {
  dir = await tempDir();
  server = await startServer(dir);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await cleanup(dir);
});

test('the API docs page works under its CSP', async () => {
  const page = await newPage(browser);
  const refused = [];
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) refused.push(m.text()); });
  const res = await page.goto(`${server.url}/api/docs`);
  assert.match(res.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await page.waitForSelector('.opblock-tag', { timeout: 15_000 });
  assert.ok(await page.getByText('/chat/rooms/unassigned').first().isVisible());
  await screenshot(page, 'api-docs');
  assert.deepEqual(refused, []);
});
