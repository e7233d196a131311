// The supply page (issue 7): a commander sees each item's days of cover as
// the API computes them (labelled as the demo's), the shortage list, then
// computes a dispatch plan for one item, reviews its explained transfers,
// approves it, and tracks the shipments to a receipt. A pharmacy gets the
// same page for its own stock, without the plan.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, apiGet, BASE } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const num = (n) => new Intl.NumberFormat('zh-CN').format(n);

test('a commander computes, approves and tracks a dispatch plan', async () => {
  const page = await newPage(browser, { viewport: { width: 1400, height: 1000 } });
  await login(page, 'commander');
  await page.goto(`${BASE}/#/supply`);
  await page.waitForSelector('[data-page="supply"] [data-supply-items] tbody tr');
  const { status, body: cover } = await apiGet(page, '/supply/cover');
  assert.equal(status, 200);
  assert.equal(cover.source, 'illustrative');
  assert.equal(await page.getAttribute('[data-supply-asof]', 'data-supply-asof'), '2022-12-28');
  assert.equal(await page.getAttribute('[data-page="supply"] [data-source]', 'data-source'), 'illustrative');
  // every item row shows the API's days of cover and sites below target
  for (const it of cover.items) {
    const row = await page.$eval(`[data-supply-items] tr[data-item="${it.item}"]`, (tr) =>
      Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((td) => [td.dataset.col, td.textContent.trim()])));
    assert.equal(row.cover, it.days_of_cover === null ? '∞' : num(Math.round(it.days_of_cover)), it.item_code);
    assert.equal(row.below, `${num(it.sites_below_target)} / ${num(it.sites)}`, it.item_code);
  }
  // the shortage list is the API's
  const { body: short } = await apiGet(page, '/supply/shortages?limit=50');
  const listed = await page.$$eval('[data-shortage-list] tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.site)));
  assert.deepEqual(listed, short.items.map((s) => s.site));
  assert.ok(listed.length > 0, 'the demo has sites below target');

  // compute a plan for the item with the most sites below target; its
  // days-of-cover map colours the 11 cities
  const item = [...cover.items].sort((a, b) => b.sites_below_target - a.sites_below_target)[0];
  await page.click(`[data-pick-item="${item.item}"]`);
  await page.waitForSelector(`[data-cover-map="${item.item}"][data-map-ready="1"]`);
  assert.equal(await page.getAttribute('[data-cover-map]', 'data-map-regions'), '11');
  await page.selectOption('select[data-plan-item]', String(item.item));
  await page.click('[data-compute]');
  await page.waitForSelector('[data-plan-lines] tbody tr');
  assert.equal(await page.getAttribute('[data-plan-status]', 'data-plan-status'), 'proposed');
  const explain = await page.textContent('[data-plan-lines] tbody tr [data-explain]');
  assert.match(explain, /：\d+ → \d+ 天（由.+调入 \d+/);
  const lines = await page.$$eval('[data-plan-lines] tbody tr', (trs) => trs.length);
  const planId = await page.getAttribute('[data-plan-lines]', 'data-plan-lines');
  const { body: plan } = await apiGet(page, `/supply/plans/${planId}`);
  assert.equal(lines, Math.min(300, plan.lines.length));
  assert.ok(plan.summary[0].level_after >= plan.summary[0].level_before);

  // approve: the plan's lines leave as shipments
  await page.click('[data-approve]');
  await page.waitForSelector('[data-plan-status="approved"]');
  await page.waitForSelector(`[data-shipments="${planId}"] tr[data-shipment]`);
  const ships = await page.$$eval(`[data-shipments="${planId}"] tr[data-shipment]`, (trs) => trs.map((tr) => tr.dataset.status));
  assert.equal(ships.length, plan.lines.filter((l) => l.qty > 0).length);
  assert.ok(ships.every((s) => s === 'dispatched'));

  // track: receive the first shipment in full
  const first = await page.getAttribute(`[data-shipments="${planId}"] tr[data-shipment]`, 'data-shipment');
  await page.click(`[data-receive="${first}"]`);
  await page.waitForSelector(`tr[data-shipment="${first}"][data-status="received"]`);
  const { body: sh } = await apiGet(page, `/supply/shipments?plan=${planId}`);
  const s1 = sh.items.find((x) => String(x.id) === first);
  assert.equal(s1.status, 'received');
  assert.equal(s1.received, s1.qty);
  await closePage(page);
});

test('a pharmacy sees its own stock and cover, and no dispatch plan', async () => {
  const page = await newPage(browser);
  await login(page, 'pharmacy');
  await page.goto(`${BASE}/#/supply`);
  await page.waitForSelector('[data-page="supply"] [data-supply-items]');
  assert.equal(await page.$('[data-plans]'), null);
  await page.waitForSelector('[data-shipments="own"]');
  const { body: me } = await apiGet(page, '/me');
  const { body: stock } = await apiGet(page, '/supply/stock');
  assert.ok(stock.items.length > 0);
  assert.ok(stock.items.every((r) => r.site === me.facility_id));
  await closePage(page);
});
