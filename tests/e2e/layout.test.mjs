// The same pages on a grid worker's phone (360×740) and on a command centre's
// wall screen (1920×1080): nothing runs off the side of the phone, and the
// wall puts the map and the table side by side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, gotoLogin, submitLogin, PHONE, WALL } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('a grid worker\'s phone: the login page and the grid page fit the screen', async () => {
  const page = await newPage(browser, { viewport: PHONE, isMobile: true });
  await gotoLogin(page);
  assert.ok((await overflow(page)) <= 0, 'the login page fits');
  const submit = await page.$eval('[data-login] button[type="submit"]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(submit.bottom <= PHONE.height, 'sign-in is reachable without scrolling');
  await submitLogin(page, 'grid');
  await page.waitForSelector('[data-page="grid"] [data-grid-card]');
  assert.ok((await overflow(page)) <= 0, 'no sideways scrolling');
  const nav = await page.$eval('[data-nav="grid"]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(nav.right <= PHONE.width && nav.height >= 32, 'the navigation is on screen and big enough to tap');
  const logout = await page.$eval('[data-logout]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(logout.right <= PHONE.width, 'sign-out is on screen');
  await closePage(page);
});

test('a commander on a phone: the dashboard stacks and fits', async () => {
  const page = await newPage(browser, { viewport: PHONE, isMobile: true });
  await login(page, 'commander');
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  assert.ok((await overflow(page)) <= 0, 'no sideways scrolling');
  const map = await page.$eval('[data-map]', (e) => e.getBoundingClientRect().toJSON());
  const table = await page.$eval('[data-region-table]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(table.top >= map.bottom, 'the table comes under the map');
  await closePage(page);
});

test('a command centre\'s wall screen: map and table side by side', async () => {
  const page = await newPage(browser, { viewport: WALL });
  await login(page, 'commander');
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  assert.ok((await overflow(page)) <= 0);
  const map = await page.$eval('[data-map]', (e) => e.getBoundingClientRect().toJSON());
  const table = await page.$eval('[data-region-table]', (e) => e.closest('.panel').getBoundingClientRect().toJSON());
  assert.ok(table.left >= map.right - 1, 'the table is beside the map');
  assert.ok(Math.abs(table.top - map.top) < 2, 'aligned at the top');
  assert.ok(map.width > 900, 'the map uses the wall');
  await closePage(page);
});
