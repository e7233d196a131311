// The community pillar in the browser: a grid worker on a phone (390×844)
// opens an entry of the day's list, records a follow-up with SpO₂ 90 %, and
// sees the entry turn red and a transfer proposed (the required
// test); a resident registers home isolation and sends a self-check; a
// commander sees the community figures and the ledger's download link; a
// hospital sees a transfer coming to it (set up through the API) and accepts
// it; a grid worker imports the community office's roster of residents (one
// bad row: checked first, nothing written without skipping, one person with).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, apiGet, BASE } from './helpers.mjs';

const PHONE_390 = { width: 390, height: 844 };
const GRID = '330106004001001';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

// a write through the API with the page's session (CSRF token from /me); a
// string body is sent as it is (a CSV, with its Content-Type in headers)
async function apiSend(page, method, path, body, headers = {}) {
  return page.evaluate(async ([m, p, b, hd]) => {
    const me = await (await fetch('/api/v1/me', { cache: 'no-store' })).json();
    const r = await fetch(`/api/v1${p}`, {
      method: m,
      headers: {
        'Content-Type': 'application/json',
        'Accept-Language': 'zh-CN',
        'X-CSRF-Token': me.csrf,
        ...(m === 'POST' ? { 'Idempotency-Key': `${Date.now()}-${Math.random()}` } : {}),
        ...hd,
      },
      body: typeof b === 'string' ? b : JSON.stringify(b),
    });
    return { status: r.status, body: await r.json() };
  }, [method, path, body, headers]);
}

test('a grid worker on a phone records SpO₂ 90 %: the entry turns red and a transfer is proposed', async () => {
  const page = await newPage(browser, { viewport: PHONE_390, isMobile: true });
  await login(page, 'grid');
  await page.waitForSelector('[data-page="grid"] [data-today-list] a[data-episode]');
  assert.ok((await overflow(page)) <= 0, 'the day\'s list fits the phone');
  // the list: overdue first, then red, yellow, green
  const rows = await page.$$eval('[data-today-list] a[data-episode]', (els) => els.map((e) => ({ id: e.dataset.episode, grade: e.dataset.grade, overdue: e.dataset.overdue })));
  assert.equal(rows.length, 30, 'the demo grid has 30 people isolating');
  const rank = { red: 0, yellow: 1, green: 2 };
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    assert.ok(a.overdue >= b.overdue, 'overdue first');
    if (a.overdue === b.overdue) assert.ok(rank[a.grade] <= rank[b.grade], `${a.grade} before ${b.grade}`);
  }
  // each entry: a badge, the reason, a masked ID number
  const first = await page.$('[data-today-list] a[data-episode]');
  assert.match(await first.$eval('[data-reason]', (e) => e.textContent), /\S/);
  assert.match(await first.$eval('[data-id-masked]', (e) => e.textContent), /^\d{6}\*{8}\d{3}[\dX]$/);

  // an entry that is not red yet, with no transfer under way
  const target = rows.find((r) => r.grade !== 'red');
  assert.ok(target, 'an entry that is not red');
  await page.click(`[data-today-list] a[data-episode="${target.id}"]`);
  await page.waitForSelector(`[data-page="episode"][data-episode="${target.id}"] [data-followup-form]`);
  assert.notEqual(await page.getAttribute('[data-page="episode"]', 'data-grade'), 'red');
  assert.equal(await page.getAttribute('#fu-spo2', 'inputmode'), 'numeric');
  await page.fill('#fu-temp', '38.2');
  await page.fill('#fu-spo2', '90');
  await page.check('input[name="symptom"][value="cough"]');
  await page.click('[data-followup-submit]');
  const result = await page.waitForSelector('[data-followup-result]');
  assert.equal(await result.getAttribute('data-grade'), 'red');
  assert.match(await result.$eval('[data-grade-reason]', (e) => e.textContent), /90\s*%\s*≤\s*93\s*%/);
  assert.equal(await page.getAttribute('[data-page="episode"]', 'data-grade'), 'red');
  // the proposal: an ICU bed (SpO₂ ≤ 90 %), the nearest hospitals with a free one
  const prop = await page.waitForSelector('[data-transfer-proposal]');
  assert.equal(await prop.getAttribute('data-bed'), 'icu');
  const options = await page.$$eval('[data-transfer-proposal] [data-option]', (els) =>
    els.map((e) => ({ km: e.querySelector('[data-distance]').textContent, free: Number(e.querySelector('[data-free]').dataset.free) })));
  assert.ok(options.length >= 1 && options.length <= 3, 'the top options');
  for (const o of options) {
    assert.match(o.km, /\d/);
    assert.ok(o.free > 0, 'a free bed');
  }
  assert.ok((await overflow(page)) <= 0, 'the entry page fits the phone');

  // back on the list, the entry is red (and a reservation is a tap away)
  await page.click('[data-back]');
  await page.waitForSelector(`[data-today-list] a[data-episode="${target.id}"][data-grade="red"]`);
  await closePage(page);
});

test('a resident registers home isolation and sends a self-check', async () => {
  const page = await newPage(browser, { viewport: PHONE_390, isMobile: true });
  await login(page, 'resident');
  await page.waitForSelector('[data-page="records"] [data-selfcare] [data-register-form]');
  // the demo resident is registered already: only the kind of case is asked
  assert.equal(await page.getAttribute('[data-register-form]', 'data-register-form'), 'known');
  await page.selectOption('#me-kind', 'confirmed');
  await page.selectOption('#me-source', 'antigen');
  await page.click('[data-register-submit]');
  await page.waitForSelector('[data-selfcheck] [data-followup-form]');
  const { body: me } = await apiGet(page, '/community/me');
  assert.equal(me.episode.status, 'isolating');
  assert.equal(me.episode.kind, 'confirmed');
  assert.equal(me.episode.self_report_pending, true, 'the grid worker sees a new self-report');

  await page.fill('#fu-temp', '37.6');
  await page.fill('#fu-spo2', '97');
  await page.check('input[name="symptom"][value="sore_throat"]');
  await page.click('[data-followup-submit]');
  const result = await page.waitForSelector('[data-followup-result]');
  assert.ok(['green', 'yellow'].includes(await result.getAttribute('data-grade')));
  const { body: fus } = await apiGet(page, `/community/episodes/${me.episode.id}/followups`);
  assert.equal(fus.items[0].spo2, 97);
  assert.equal(fus.items[0].self_report, true);

  // ask for help; the request shows under "my requests"
  await page.selectOption('#help-type', 'medicine');
  await page.fill('#help-detail', '需要布洛芬一盒');
  await page.click('[data-help-submit]');
  await page.waitForSelector('[data-help-sent]');
  await page.waitForSelector('[data-my-requests] [data-request]:has-text("需要布洛芬一盒")');
  assert.ok((await overflow(page)) <= 0, 'the page fits the phone');
  await closePage(page);
});

test('a commander sees the community figures, the map and the ledger download', async () => {
  const page = await newPage(browser);
  await login(page, 'commander');
  await page.click('[data-nav="community"]');
  await page.waitForSelector('[data-page="community"][data-region="33"] [data-comm-kpis]');
  const { body: s } = await apiGet(page, '/community/stats?region=33');
  const total = await page.$eval('[data-kpi="isolating"] .kpi-value', (e) => e.textContent);
  assert.equal(total.replace(/\D/g, ''), String(s.isolating.total));
  assert.ok(s.isolating.total > 0);
  await page.waitForSelector('[data-comm-map] .chart[data-map-ready="1"][data-map-figure="comm_per_10k"]');
  await page.selectOption('[data-comm-figure]', 'comm_red');
  await page.waitForSelector('[data-comm-map] .chart[data-map-figure="comm_red"]');
  const link = await page.$('[data-ledger] a[data-download="ledger"]');
  assert.ok(link, 'the ledger download link');
  assert.equal(await link.getAttribute('href'), '/api/v1/community/ledger.xlsx?region=33');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^isolation-ledger-33-.*\.xlsx$/);
  // down to Xihu district
  await page.goto(`${BASE}/#/community/330106`);
  await page.waitForSelector('[data-page="community"][data-region="330106"] [data-comm-table] tr[data-code]');
  await closePage(page);
});

test('a hospital sees an incoming transfer and accepts it', async () => {
  // the grid worker finds an entry, records a warning sign and reserves a
  // bed at the `hospital` login's hospital through the API
  const grid = await newPage(browser);
  await login(grid, 'grid');
  const { body: day } = await apiGet(grid, `/community/grids/${GRID}/today`);
  const ep = day.items.find((e) => e.grade !== 'red' && !e.alert);
  assert.ok(ep, 'an entry to transfer');
  const fu = await apiSend(grid, 'POST', `/community/episodes/${ep.id}/followups`, { spo2: 89, symptoms: ['breathless'] });
  assert.equal(fu.status, 201, JSON.stringify(fu.body));
  assert.equal(fu.body.episode.grade, 'red');
  const hosp = await newPage(browser);
  await login(hosp, 'hospital');
  const { body: hme } = await apiGet(hosp, '/me');
  let tr = null;
  for (const bed of ['icu', 'general']) {
    const r = await apiSend(grid, 'POST', '/community/transfers', { episode_id: ep.id, hospital_id: hme.facility_id, bed, green: true, reason: 'e2e' });
    if (r.status === 201) {
      tr = r.body;
      break;
    }
  }
  assert.ok(tr, 'a bed reserved at the hospital');
  await closePage(grid);

  await hosp.reload();
  const row = await hosp.waitForSelector(`[data-incoming] [data-transfer="${tr.id}"][data-status="reserved"]`);
  assert.match(await row.textContent(), new RegExp(ep.person.name));
  await hosp.click(`[data-transfer="${tr.id}"] [data-tr-action="accepted"]`);
  await hosp.waitForSelector(`[data-incoming] [data-transfer="${tr.id}"][data-status="accepted"]`);
  await hosp.waitForSelector('[data-tr-flash]');
  const { body: list } = await apiGet(hosp, '/community/transfers?status=active');
  assert.equal(list.items.find((x) => x.id === tr.id).status, 'accepted');
  // and the arrival closes the entry
  await hosp.click(`[data-transfer="${tr.id}"] [data-tr-action="arrived"]`);
  await hosp.waitForSelector(`[data-incoming]:not(:has([data-transfer="${tr.id}"])) [data-tr-flash]`);
  await closePage(hosp);
});

// GB 11643: the 18th character from the first 17
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return first17 + '10X98765432'[s % 11];
}

// every person of the grid (masked list, paged by the API's cursor)
async function gridPeople(page) {
  return page.evaluate(async (grid) => {
    const all = [];
    let after = 0;
    for (;;) {
      const r = await fetch(`/api/v1/persons?region=${grid}&limit=1000&after=${after}`, { cache: 'no-store' });
      const b = await r.json();
      all.push(...b.items.map((p) => p.name));
      if (!b.next) return all;
      after = b.next;
    }
  }, GRID);
}

test('a grid worker on a phone imports residents: the bad row is named, nothing is written without skipping, one person with it', async () => {
  const page = await newPage(browser, { viewport: PHONE_390, isMobile: true });
  await login(page, 'grid');
  await page.click('[data-nav="grid_new"]');
  const panel = await page.waitForSelector('[data-page="grid_new"] [data-import-panel="persons"]');
  // the help names the columns; the template is the header row
  const help = await panel.$eval('p.muted', (e) => e.textContent);
  for (const col of ['身份证号', '姓名', '网格代码', '联系电话', '慢性病']) assert.ok(help.includes(col), `the help names ${col}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-import-template]')]);
  assert.match(dl.suggestedFilename(), /\.csv$/);
  const chunks = [];
  for await (const c of await dl.createReadStream()) chunks.push(c);
  const tpl = Buffer.concat(chunks).toString('utf8');
  assert.equal(tpl.replace(/^\ufeff/, '').split(/\r?\n/)[0].split(',').slice(0, 3).join(','), '身份证号,姓名,网格代码');

  // one good row and one with a wrong check digit (unique per run)
  const seq = String(100 + (Date.now() % 800)).padStart(3, '0');
  const good = idNumber(`33010619800315${seq}`);
  const right = idNumber(`33010619800316${seq}`);
  const wrong = right.slice(0, 17) + (right[17] === '0' ? '1' : '0');
  const goodName = `E2E导入甲${seq}`;
  const badName = `E2E导入乙${seq}`;
  const csv = `身份证号,姓名,网格代码,联系电话,独居,慢性病\r\n${good},${goodName},${GRID},13812345678,是,高血压\r\n${wrong},${badName},${GRID},,否,\r\n`;
  // other test files run alongside: look for this file's names only
  const ours = async () => (await gridPeople(page)).filter((n) => n === goodName || n === badName);
  assert.deepEqual(await ours(), []);

  await page.setInputFiles('[data-import-panel="persons"] [data-import-file]', { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('[data-import-panel="persons"] [data-import-check]:not([disabled])');
  const report = await page.waitForSelector('[data-import-panel="persons"] [data-import-report][data-dry-run="1"]');
  assert.deepEqual(
    await report.evaluate((e) => ({ rows: e.dataset.rows, valid: e.dataset.valid, invalid: e.dataset.invalid, created: e.dataset.created })),
    { rows: '2', valid: '1', invalid: '1', created: '0' },
  );
  const errs = await page.$$eval('[data-import-panel="persons"] [data-import-errors] tbody tr', (trs) =>
    trs.map((tr) => ({ row: tr.dataset.row, field: tr.dataset.field, text: tr.textContent })));
  assert.equal(errs.length, 1);
  assert.equal(errs[0].row, '3', 'the file\'s line');
  assert.equal(errs[0].field, 'id_number');
  assert.match(errs[0].text, /身份证号/, 'the column as the office knows it');
  assert.ok((await overflow(page)) <= 0, 'the report fits the phone');
  assert.deepEqual(await ours(), [], 'a check writes nothing');

  // without skipping: 422 with the same report, and nothing written
  const plain = await apiSend(page, 'POST', '/persons/import', csv, { 'Content-Type': 'text/csv' });
  assert.equal(plain.status, 422);
  assert.equal(plain.body.invalid, 1);
  assert.equal(plain.body.created, 0);
  assert.deepEqual(await ours(), [], 'a bad row stops the whole import');
  // so the page offers only importing the good rows, skipping the bad one
  assert.equal(await page.$('[data-import-panel="persons"] [data-import-go="all"]'), null);

  await page.click('[data-import-panel="persons"] [data-import-go="skip"]');
  const done = await page.waitForSelector('[data-import-panel="persons"] [data-import-report][data-dry-run="0"]');
  assert.equal(await done.getAttribute('data-created'), '1');
  assert.match(await done.textContent(), /1/);
  assert.deepEqual(await ours(), [goodName], 'exactly the good row\'s person registered');
  assert.ok((await overflow(page)) <= 0, 'the page fits the phone');
  await closePage(page);
});
