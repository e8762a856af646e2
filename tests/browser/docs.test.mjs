// The API reference page renders in Chromium under its own Content-Security-Policy: its inline
// scripts are allowed by hash, nothing else runs, and no script is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, screenshot, tempDir, cleanup, expectAccessible } from './helpers.mjs';

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
  // What is ours here is the page around Swagger UI (its language, title and main landmark,
  // set in src/api/docs.rs); everything inside #ui is Swagger UI's own rendering, which has
  // violations we cannot fix from our side short of forking it: method badges and the
  // Authorize button below 4.5:1 contrast, buttons nested in the operation summary buttons,
  // an unlabelled servers <select>, and its title is an <h2> (so page-has-heading-one, a
  // page-wide rule that `exclude` cannot scope, is off here and only here).
  await expectAccessible(page, 'the API docs page around Swagger UI',
    { exclude: '#ui', disable: ['page-has-heading-one'] });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('main#ui .opblock-tag').count() > 0, true);
  assert.deepEqual(refused, []);
});
