// The language switch: zh-CN by default, English on a click, remembered
// across reloads; the page's own strings and the server's messages (asked for
// with Accept-Language) both follow it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, gotoLogin, submitLogin, BASE } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the language switch changes the page and the server\'s messages, and is remembered', async () => {
  const page = await newPage(browser);
  await gotoLogin(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await page.textContent('[data-login] button[type="submit"]')).trim(), '登录');

  await page.click('[data-lang-switch="en"]');
  await page.waitForSelector('html[lang="en"]');
  assert.equal((await page.textContent('[data-login] button[type="submit"]')).trim(), 'Sign in');
  assert.equal((await page.textContent('label[for="username"]')).trim(), 'Username');

  // the server answers in English too
  const [req] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/api/v1/session') && r.method() === 'POST'),
    submitLogin(page, 'clinic', 'wrong-password'),
  ]);
  assert.equal(req.headers()['accept-language'], 'en');
  const err = await page.waitForSelector('[data-login-error] [data-problem]');
  assert.match(await err.textContent(), /Wrong username or password/);

  // remembered across a reload
  await page.reload();
  await page.waitForSelector('[data-page="login"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');

  await submitLogin(page, 'commander');
  await page.waitForSelector('[data-page="dashboard"] [data-region-table] tbody tr');
  assert.equal((await page.textContent('[data-nav="dashboard"]')).trim(), 'Command dashboard');
  assert.equal((await page.textContent('[data-logout]')).trim(), 'Sign out');
  assert.match(await page.textContent('[data-region-table] tbody tr[data-code="3301"]'), /Hangzhou/);
  assert.match(await page.textContent('[data-region-table] tbody tr[data-code="3301"] [data-source]'), /2020 census/);
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  const names = await page.evaluate(() =>
    window.echarts.getInstanceByDom(document.querySelector('[data-map] .chart')).getOption().series[0].data.map((d) => d.name),
  );
  assert.ok(names.includes('Hangzhou') && names.includes('Lishui'), 'the map speaks English');
  const noChinese = await page.$$eval('[data-nav], .kpi-label, .panel-head h2, th', (els) => els.every((e) => !/[\u4e00-\u9fff]/.test(e.textContent)));
  assert.ok(noChinese, 'no Chinese left in the page\'s own strings');

  // and back: a server message fetched again arrives in Chinese
  await page.goto(`${BASE}/#/region/33x`);
  const en = await page.waitForSelector('[data-region-error="422"]');
  assert.match(await en.textContent(), /Region code/);
  assert.match(await en.textContent(), /Malformed region code/);
  await page.click('[data-lang-switch="zh-CN"]');
  await page.waitForSelector('html[lang="zh-CN"] [data-region-error="422"]');
  assert.match(await page.textContent('[data-region-error]'), /区划代码格式错误/);
  assert.equal((await page.textContent('[data-nav="dashboard"]')).trim(), '指挥驾驶舱');
  await closePage(page);
});
