// Signing in and out: a wrong password shows the server's message and stays
// on the login page; repeated failures show the throttling message; logout
// calls DELETE /api/v1/session with the CSRF token and returns to the login
// page; a tampered session cookie is refused by the server and brings the
// login page back with a note, after which signing in works again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, gotoLogin, submitLogin, BASE } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a wrong password shows the server\'s message and stays on the login page', async () => {
  const page = await newPage(browser);
  await gotoLogin(page);
  await submitLogin(page, 'pharmacy', 'not-the-password');
  const err = await page.waitForSelector('[data-login-error] [data-problem="login_failed"]');
  assert.match(await err.textContent(), /用户名或密码错误/);
  assert.ok(await page.$('[data-page="login"]'));
  // and it is not sticky: the right password signs in
  await submitLogin(page, 'pharmacy');
  await page.waitForSelector('[data-page="pharmacy"]');
  await closePage(page);
});

test('repeated failures show the throttling message', async () => {
  const page = await newPage(browser);
  await gotoLogin(page);
  let text = '';
  for (let i = 0; i < 8 && !/登录失败次数过多/.test(text); i++) {
    await submitLogin(page, 'nobody-e2e', `wrong-${i}`);
    const box = await page.waitForSelector('[data-login-error] [data-problem]');
    text = await box.textContent();
    await page.waitForSelector('[data-login] button[type="submit"]:not([disabled])');
  }
  assert.match(text, /登录失败次数过多，请 \d+ 秒后再试/);
  assert.equal(await page.$eval('[data-login-error] [data-problem]', (e) => e.dataset.problem), 'login_throttled');
  await closePage(page);
});

test('logout ends the session on the server and returns to the login page', async () => {
  const page = await newPage(browser);
  await login(page, 'grid');
  await page.waitForSelector('[data-page="grid"]');
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/api/v1/session') && r.method() === 'DELETE'),
    page.click('[data-logout]'),
  ]);
  assert.match(req.headers()['x-csrf-token'] || '', /^[0-9a-f]{32}$/, 'the write carries the CSRF token');
  const res = await req.response();
  assert.equal(res.status(), 204);
  await page.waitForSelector('[data-page="login"] [data-flash="login.signed_out"]');
  // signed out for real: a reload and a deep link both land on the login page
  await page.goto(`${BASE}/#/grid`);
  await page.reload();
  await page.waitForSelector('[data-page="login"]');
  assert.equal(await page.$('[data-flash="login.expired"]'), null, 'a clean sign-out is not an expiry');
  await closePage(page);
});

test('a tampered session cookie is refused and the page returns to the login page with a note', async () => {
  const page = await newPage(browser);
  await login(page, 'commander');
  // the dashboard drawn (data-region is set once its data are in): tampering
  // earlier races its own first requests
  await page.waitForSelector('[data-page="dashboard"][data-region] [data-region-table]');
  const ctx = page.context();
  const [cookie] = (await ctx.cookies()).filter((c) => c.name === 'crest_session');
  assert.ok(cookie, 'the session cookie');
  assert.ok(cookie.httpOnly, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Strict');
  // same length, one character changed
  const v = cookie.value;
  const tampered = v.slice(0, -1) + (v.endsWith('A') ? 'B' : 'A');
  await ctx.addCookies([{ ...cookie, value: tampered }]);
  // the next call the page makes is refused (401) and the page says why
  await page.click('[data-region-table] tr[data-code="3301"] a');
  await page.waitForSelector('[data-page="login"] [data-flash="login.expired"]');
  assert.match(await page.textContent('[data-flash]'), /登录已失效/);
  // the stale cookie does not stand in the way of signing in again, and the
  // page the user was going to is where they land
  await submitLogin(page, 'commander');
  await page.waitForSelector('[data-page="dashboard"][data-region="3301"]');
  // a reload with a cookie the server never issued: the same note
  await ctx.addCookies([{ ...cookie, value: 'x'.repeat(43) }]);
  await page.reload();
  await page.waitForSelector('[data-page="login"] [data-flash="login.expired"]');
  await closePage(page);
});

test('a role forged in the browser is refused by the server and shown as a message', async () => {
  // the grid worker's browser is made to believe it is the provincial
  // commander (a doctored /api/v1/me answer): the page offers the dashboard,
  // the server still answers for the grid worker's session only
  const page = await newPage(browser);
  await page.route('**/api/v1/me', async (route) => {
    const res = await route.fetch();
    const me = await res.json();
    if (res.status() === 200) Object.assign(me, { role: 'commander', scope: '33' });
    await route.fulfill({ response: res, json: me });
  });
  await login(page, 'grid');
  const box = await page.waitForSelector('[data-page="dashboard"] [data-region-error="404"]');
  assert.match(await box.textContent(), /没有这个区划，或不在您的管辖范围内/);
  assert.equal(await page.$('[data-map]'), null);
  await closePage(page);
});
