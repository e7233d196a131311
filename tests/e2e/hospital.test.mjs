// A hospital administrator's daily report: the form is prefilled from the
// last report, checks as it is typed (occupied > open is flagged before
// anything is sent), shows the server's own field errors next to the fields,
// and handles a report for the same date filed from elsewhere (409: the
// fields typed in are kept, the others take the report on file, the next
// submit corrects it with If-Match) and a
// correction that lost a race (412: say so, reload, correct again). On a
// phone (360×740) the form fits and asks for the numeric keypad.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, apiGet, PHONE } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const COUNTS = ['open_beds', 'occupied_beds', 'icu_beds', 'icu_occupied', 'icu_convertible', 'fever_visits', 'ventilators'];

async function openForm(page) {
  await login(page, 'hospital');
  await page.waitForSelector('[data-page="hospital"] [data-report-form] [data-report-mode]');
}

async function pickDate(page, date) {
  await page.fill('#rf-date', date);
  await page.dispatchEvent('#rf-date', 'change');
  await page.waitForSelector(`[data-report-mode]:has-text("${date}")`);
}

const noticeKind = (page, kind) => page.waitForSelector(`[data-report-notice][data-kind="${kind}"]`);
const errorFor = (page, field) => page.textContent(`[data-error-for="${field}"]`);

test('a hospital reports a day: inline checks, the server\'s field errors, 409 then If-Match, 412 then reload', async () => {
  const a = await newPage(browser);
  const b = await newPage(browser); // the same hospital on a second screen
  await openForm(a);
  await openForm(b);
  const { body: me } = await apiGet(a, '/me');
  const { body: list } = await apiGet(a, `/facilities/${me.facility_id}/reports`);
  assert.equal(list.today, '2022-12-28', 'the business date is the demo\'s scenario date');
  assert.equal(await a.getAttribute('#rf-date', 'max'), list.today, 'no date after today can be picked');
  // today is already reported in the demo: the form opens it for correction
  assert.equal(await a.getAttribute('[data-report-mode]', 'data-report-mode'), 'correct');
  assert.equal(await a.getAttribute('[data-today]', 'data-today-filed'), String(list.items[0].version));
  // the latest day without a report, and the report before it
  const have = new Set(list.items.map((r) => r.date));
  let day = new Date(`${list.today}T00:00:00Z`);
  while (have.has(day.toISOString().slice(0, 10))) day = new Date(day - 86400000);
  const date = day.toISOString().slice(0, 10);
  const prev = list.items.find((r) => r.date < date);
  assert.ok(prev, `a report before ${date}`);

  // a new report, prefilled from the previous one
  await pickDate(a, date);
  assert.equal(await a.getAttribute('[data-report-mode]', 'data-report-mode'), 'new');
  assert.match(await a.textContent('[data-report-mode]'), new RegExp(`已按 ${prev.date} 的报告预填`));
  for (const f of COUNTS) assert.equal(await a.inputValue(`#rf-${f}`), String(prev[f]), f);
  assert.equal(await a.getAttribute('#rf-open_beds', 'inputmode'), 'numeric');

  // occupied > open: flagged as it is typed, and nothing is sent
  const posts = [];
  a.on('request', (r) => r.method() === 'POST' && r.url().includes('/reports') && posts.push(r.url()));
  await a.fill('#rf-occupied_beds', String(prev.open_beds + 5));
  assert.equal(await errorFor(a, 'occupied_beds'), '在用床位不能多于开放床位');
  assert.equal(await a.getAttribute('#rf-occupied_beds', 'aria-invalid'), 'true');
  await a.click('[data-report-submit]');
  await noticeKind(a, 'invalid');
  assert.equal(await a.evaluate(() => document.activeElement.id), 'rf-occupied_beds', 'the field to fix has the focus');
  assert.deepEqual(posts, [], 'nothing was sent');
  // a negative count and a 24 h clinic without a clinic, likewise
  await a.fill('#rf-ventilators', '-1');
  assert.equal(await errorFor(a, 'ventilators'), '不能为负数');
  await a.fill('#rf-ventilators', String(prev.ventilators));
  await a.uncheck('#rf-fever_clinic');
  assert.match(await errorFor(a, 'fever_visits'), /没有发热门诊/);
  await a.check('#rf-fever_clinic');
  const occupied = prev.open_beds - 10;
  await a.fill('#rf-occupied_beds', String(occupied));
  assert.equal(await errorFor(a, 'occupied_beds'), '', 'the message goes once it is right');

  // the server's own field errors land next to their fields (the request is
  // altered on the way, as a client with other rules might send it)
  await a.route('**/api/v1/facilities/*/reports', async (route) => {
    const sent = JSON.parse(route.request().postData());
    await route.continue({ postData: JSON.stringify({ ...sent, icu_occupied: sent.icu_beds + 1 }) });
  }, { times: 1 });
  await a.click('[data-report-submit]');
  await noticeKind(a, 'error');
  assert.equal(await a.getAttribute('[data-error-for="icu_occupied"]', 'data-source'), 'server');
  assert.equal(await errorFor(a, 'icu_occupied'), 'ICU 在用不能多于 ICU 床位');

  // submitted: saved as version 1, now shown and open for correction
  await a.click('[data-report-submit]');
  await noticeKind(a, 'saved');
  assert.match(await a.textContent('[data-report-notice]'), new RegExp(`已保存 ${date} 的报告（第 1 版）`));
  await a.waitForSelector('[data-report-mode="correct"][data-version="1"]');

  // the second screen still thinks the day is empty: 409, its figures kept
  await pickDate(b, date);
  assert.equal(await b.getAttribute('[data-report-mode]', 'data-report-mode'), 'new');
  await b.fill('#rf-ventilators', String(prev.ventilators + 3));
  const [conflict] = await Promise.all([
    b.waitForResponse((r) => r.url().includes('/reports') && r.request().method() === 'POST'),
    b.click('[data-report-submit]'),
  ]);
  assert.equal(conflict.status(), 409);
  await noticeKind(b, 'conflict');
  assert.match(await b.textContent('[data-report-notice]'), new RegExp(`${date} 已经有一份报告（第 1 版）`));
  assert.equal(await b.inputValue('#rf-ventilators'), String(prev.ventilators + 3), 'what was typed in is kept');
  assert.equal(await b.inputValue('#rf-occupied_beds'), String(occupied), 'the rest is the report on file');
  assert.match(await b.textContent('[data-report-notice]'), /您改过的栏目（呼吸机）/);
  assert.equal(await b.getAttribute('[data-report-mode]', 'data-report-mode'), 'correct');
  assert.equal((await b.textContent('[data-report-submit]')).trim(), '提交更正');
  const [corrected] = await Promise.all([
    b.waitForRequest((r) => r.url().includes('/reports') && r.method() === 'POST'),
    b.click('[data-report-submit]'),
  ]);
  assert.equal(corrected.headers()['if-match'], '"1"');
  await noticeKind(b, 'saved');
  assert.match(await b.textContent('[data-report-notice]'), /现为第 2 版/);

  // the first screen corrects version 1, which is no longer current: 412
  await a.fill('#rf-fever_visits', '7');
  await a.click('[data-report-submit]');
  await noticeKind(a, 'stale');
  assert.match(await a.textContent('[data-report-notice]'), /被别人改过了/);
  assert.match(await a.textContent('[data-report-notice]'), /现为第 2 版/);
  await a.click('[data-report-reload]');
  await noticeKind(a, 'reloaded');
  assert.equal(await a.inputValue('#rf-ventilators'), String(prev.ventilators + 3), 'the other screen\'s figures');
  assert.equal(await a.getAttribute('[data-report-mode]', 'data-version'), '2');
  await a.fill('#rf-fever_visits', '7');
  await a.click('[data-report-submit]');
  await noticeKind(a, 'saved');
  await a.waitForSelector('[data-report-mode="correct"][data-version="3"]');

  // the history keeps every version; the current one has both screens' changes
  const { body: hist } = await apiGet(a, `/facilities/${me.facility_id}/reports?from=${date}&to=${date}&history=1`);
  assert.deepEqual(hist.items.map((r) => [r.version, r.superseded]), [[3, false], [2, true], [1, true]]);
  assert.equal(hist.items[0].fever_visits, 7);
  assert.equal(hist.items[0].ventilators, prev.ventilators + 3);
  assert.equal(hist.items[0].occupied_beds, occupied);
  await closePage(b);
  await closePage(a);
});

test('a report whose answer was lost on the way is sent again with the same Idempotency-Key', async () => {
  const page = await newPage(browser);
  await openForm(page);
  const { body: me } = await apiGet(page, '/me');
  const { body: list } = await apiGet(page, `/facilities/${me.facility_id}/reports`);
  // a day without a report, well before the ones other tests use
  const have = new Set(list.items.map((r) => r.date));
  let day = new Date('2022-08-31T00:00:00Z');
  while (have.has(day.toISOString().slice(0, 10))) day = new Date(day - 86400000);
  const date = day.toISOString().slice(0, 10);
  await pickDate(page, date);
  const keys = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/reports') && keys.push(r.headers()['idempotency-key']));
  // the server stores the report, the answer never arrives
  await page.route('**/api/v1/facilities/*/reports', async (route) => {
    await route.fetch();
    await route.abort('connectionreset');
  }, { times: 1 });
  await page.click('[data-report-submit]');
  await noticeKind(page, 'network');
  assert.match(await page.textContent('[data-report-notice]'), /无法连接服务器.*再按一次提交/);
  // sent again: the first answer, not a conflict with itself
  await page.click('[data-report-submit]');
  await noticeKind(page, 'saved');
  assert.match(await page.textContent('[data-report-notice]'), /（第 1 版）/);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  const { body: hist } = await apiGet(page, `/facilities/${me.facility_id}/reports?from=${date}&to=${date}&history=1`);
  assert.equal(hist.items.length, 1, 'written once');
  await closePage(page);
});

test('a hospital\'s phone: the report form fits 360 px and asks for the numeric keypad', async () => {
  const page = await newPage(browser, { viewport: PHONE, isMobile: true });
  await openForm(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`);
  for (const f of COUNTS) {
    assert.equal(await page.getAttribute(`#rf-${f}`, 'inputmode'), 'numeric', f);
    const box = await page.$eval(`#rf-${f}`, (e) => e.getBoundingClientRect().toJSON());
    assert.ok(box.left >= 0 && box.right <= PHONE.width && box.height >= 36, `${f} is on screen and big enough to tap`);
  }
  const submit = await page.$eval('[data-report-submit]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(submit.right <= PHONE.width && submit.height >= 40);
  // the form comes before the list of past reports
  const form = await page.$eval('[data-report-panel]', (e) => e.getBoundingClientRect().toJSON());
  const recent = await page.$eval('[data-recent-reports]', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(recent.top >= form.bottom);
  // an error on a phone stays inside the screen too
  await page.fill('#rf-icu_convertible', '99999');
  assert.match(await page.textContent('[data-error-for="icu_convertible"]'), /不能多于开放床位/);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0);
  await closePage(page);
});
