// The facility registry page: the list filters by kind and pages by the
// API's cursor; a spreadsheet import is checked first (the dry run names the
// bad row and its field in the server's words, and creates nothing), then
// imported skipping the bad row, which creates only the good one; the form
// to add a facility shows the server's field errors next to the fields.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, apiGet } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a commander imports a CSV with one bad row: dry run, then import skipping it', async () => {
  const page = await newPage(browser);
  await login(page, 'hz-commander');
  await page.click('[data-nav="facilities"]');
  await page.waitForSelector('[data-page="facilities"] [data-facilities] tbody tr');

  // the list: filtered by kind, paged
  // the table names the filter it shows: the unfiltered list is still there
  // until the filtered answer arrives
  await page.selectOption('[data-kind-filter]', 'pharmacy');
  await page.waitForSelector('[data-facilities][data-kind="pharmacy"] tbody tr');
  const kinds = await page.$$eval('[data-facilities] tbody tr td:nth-child(2)', (td) => [...new Set(td.map((x) => x.textContent.trim()))]);
  assert.deepEqual(kinds, ['药店']);
  await page.selectOption('[data-kind-filter]', '');
  await page.waitForSelector('[data-facilities][data-kind=""][data-page="1"] tbody tr');
  const first = await page.$$eval('[data-facilities] tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.equal(first.length, 50);
  await page.click('[data-page-next]');
  await page.waitForSelector('[data-facilities][data-page="2"]');
  const second = await page.$$eval('[data-facilities] tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.ok(second.length > 0 && second[0] > first[first.length - 1], 'the next page continues after the last id');
  await page.click('[data-page-prev]');
  await page.waitForSelector('[data-facilities][data-page="1"]');

  const good = 'E2E测试大药房';
  const bad = 'E2E测试三级医院';
  const csv = `区划代码,类型,名称,等级,类别,定点类型,地址\r\n330106002,pharmacy,${good},,,,北山街道1号\r\n330106002,hospital,${bad},tertiary,,designated,北山街道2号\r\n`;
  await page.setInputFiles('[data-import-file]', { name: 'new.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('[data-import-check]:not([disabled])');
  const report = await page.waitForSelector('[data-import-report][data-dry-run="1"]');
  assert.deepEqual(
    await report.evaluate((e) => ({ rows: e.dataset.rows, valid: e.dataset.valid, invalid: e.dataset.invalid, created: e.dataset.created })),
    { rows: '2', valid: '1', invalid: '1', created: '0' },
  );
  const errs = await page.$$eval('[data-import-errors] tbody tr', (trs) => trs.map((tr) => ({ row: tr.dataset.row, field: tr.dataset.field, text: tr.textContent })));
  assert.equal(errs.length, 1);
  assert.equal(errs[0].row, '3', 'the file\'s line');
  assert.equal(errs[0].field, 'category');
  assert.match(errs[0].text, /三级医院必须注明类别/);
  // a dry run creates nothing
  const none = await apiGet(page, '/facilities?region=330106002&kind=pharmacy&limit=1000');
  assert.ok(!none.body.items.some((f) => f.name === good));
  // with a bad row only "import the good rows, skipping it" is offered
  assert.equal(await page.$('[data-import-go="all"]'), null);
  await page.click('[data-import-go="skip"]');
  const done = await page.waitForSelector('[data-import-report][data-dry-run="0"]');
  assert.equal(await done.getAttribute('data-created'), '1');
  const made = await apiGet(page, '/facilities?region=330106002&limit=1000');
  assert.deepEqual(made.body.items.filter((f) => f.name === good || f.name === bad).map((f) => [f.name, f.kind, f.address]), [[good, 'pharmacy', '北山街道1号']]);

  // the form: the server's field errors next to the fields, then a facility
  await page.fill('#fac-region', '330106002');
  await page.selectOption('#fac-kind', 'hospital');
  await page.fill('#fac-name', 'E2E测试医院');
  await page.selectOption('#fac-level', 'tertiary');
  await page.fill('#fac-phone', '12');
  await page.click('[data-create-facility] button[type="submit"]');
  await page.waitForSelector('[data-error-for="category"]:not(:empty)');
  assert.match(await page.textContent('[data-error-for="category"]'), /三级医院必须注明类别/);
  assert.notEqual(await page.textContent('[data-error-for="phone"]'), '');
  // a pharmacy instead (no hospital is added: other tests count them)
  await page.selectOption('#fac-kind', 'pharmacy');
  assert.ok(await page.$('[data-field="level"][hidden]'), 'level, category and designation are for hospitals');
  await page.fill('#fac-name', 'E2E测试药房');
  await page.fill('#fac-phone', '0571-88886666');
  await page.click('[data-create-facility] button[type="submit"]');
  const created = await page.waitForSelector('[data-create-status] [data-created]');
  const id = await created.getAttribute('data-created');
  assert.equal(await page.textContent('[data-error-for="phone"]'), '', 'the old errors are gone');
  await page.click('[data-create-status] a');
  await page.waitForSelector(`[data-page="facility"][data-facility="${id}"]`);
  assert.match(await page.textContent('[data-page="facility"] h1'), /E2E测试药房/);
  assert.match(await page.textContent('[data-page="facility"] .facts'), /0571-88886666/);
  await closePage(page);
});
