// The command dashboard's capacity part: its figures are the ones the API
// computes (compared with GET /api/v1/capacity/compliance read with the same
// session), labelled as the demo's; the map colours the cities by occupancy
// and by compliance; the failing list drills from the province through a
// city and a county to a hospital's page with its recent reports; the gap
// list downloads as a spreadsheet in the page's language.
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

const num = (n) => new Intl.NumberFormat('zh-CN').format(n);
const pct = (rate) => `${new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(rate * 100)}%`;

async function kpi(page, key) {
  return page.$eval(`[data-capacity-section] [data-kpi="${key}"]`, (e) => ({
    value: e.querySelector('[data-value]').dataset.value,
    text: e.textContent.replace(/\s+/g, ' '),
  }));
}

test('the capacity figures on the dashboard are the API\'s, labelled as illustrative', async () => {
  const page = await newPage(browser, { viewport: { width: 1600, height: 1000 } });
  const series = page.waitForResponse((r) => r.url().includes('/api/v1/capacity/timeseries?region=33'));
  await login(page, 'commander');
  await page.waitForSelector('[data-page="dashboard"][data-region="33"] [data-capacity-section] [data-kpi="designated_beds"]');
  const { status, body: c } = await apiGet(page, '/capacity/compliance?region=33');
  assert.equal(status, 200);
  assert.equal(c.as_of, '2022-12-28', 'the demo\'s scenario date');
  assert.equal(c.source, 'illustrative');
  assert.equal(await page.getAttribute('[data-capacity]', 'data-as-of'), c.as_of);
  assert.match(await page.textContent('.cap-asof'), /情景日期 2022-12-28/);

  const d = c.rules.designated_beds;
  const beds = await kpi(page, 'designated_beds');
  assert.equal(Number(beds.value), d.have);
  assert.ok(beds.text.includes(num(d.have)) && beds.text.includes(`/ ${num(d.need)}`), beds.text);
  assert.equal(d.need, 100000, 'the province is judged against the policy\'s target');
  assert.ok(beds.text.includes(d.deadline), 'with its deadline');
  assert.ok(beds.text.includes(num(d.gap)), 'and the gap');
  for (const key of ['icu_beds', 'icu_convertible', 'fever_clinic_24h']) {
    const r = c.rules[key];
    const k = await kpi(page, key);
    assert.equal(Number(k.value), r.met, key);
    assert.ok(k.text.includes(`${num(r.met)} / ${num(r.applicable)}`), `${key}: ${k.text}`);
    assert.ok(k.text.includes(`未达标 ${num(r.not_met)} 家`) && k.text.includes(`无当前数据 ${num(r.unknown)} 家`), `${key}: ${k.text}`);
  }
  assert.match((await kpi(page, 'icu_beds')).text, /ICU 床位 ≥ 总床位的 4%/, 'the percentage comes from the policy pack');
  const occ = await kpi(page, 'occupancy');
  assert.equal(Number(occ.value), c.occupancy.rate);
  assert.ok(occ.text.includes(pct(c.occupancy.rate)) && occ.text.includes(num(c.occupancy.occupied_beds)) && occ.text.includes(num(c.occupancy.open_beds)), occ.text);
  const icu = await kpi(page, 'icu_occupancy');
  assert.ok(icu.text.includes(pct(c.occupancy.icu_rate)) && icu.text.includes(num(c.occupancy.icu_beds)), icu.text);
  const rep = await kpi(page, 'reporting');
  assert.ok(rep.text.includes(`${num(c.reporting)} / ${num(c.hospitals)}`), rep.text);
  assert.ok(rep.text.includes(`${num(c.failing)} 家至少一项未达标`), rep.text);
  assert.ok((await kpi(page, 'fever_visits')).text.includes(num(c.occupancy.fever_visits)));
  // the capacity figures say they are the demo's, and the legend says what that means
  const sources = await page.$$eval('[data-capacity-section] [data-source]', (e) => [...new Set(e.map((x) => x.dataset.source))]);
  assert.deepEqual(sources, ['demo']);
  assert.equal(await page.getAttribute('[data-trend] [data-source]', 'data-source'), 'demo');
  assert.match(await page.textContent('[data-legend]'), /由 crest demo 生成的模拟医院/);

  // the subregion table: each city's hospitals, failing, occupancy, compliance
  for (const k of c.children) {
    const row = await page.$eval(`[data-region-table] tr[data-code="${k.code}"]`, (tr) =>
      Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((td) => [td.dataset.col, td.textContent.trim()])));
    assert.deepEqual(row, { hospitals: num(k.hospitals), failing: num(k.failing), occupancy: pct(k.occupancy_rate), compliance: pct(k.compliance_rate) }, k.code);
  }
  // the failing list: the hospitals the API names, with the API's messages
  const rows = await page.$$eval('[data-failing-list] tbody tr', (trs) =>
    trs.map((tr) => ({ id: Number(tr.dataset.facility), gaps: [...tr.querySelectorAll('[data-rule]')].map((li) => li.textContent.trim()) })));
  assert.deepEqual(rows, c.failing_list.slice(0, 50).map((f) => ({ id: f.id, gaps: f.gaps.map((g) => g.message) })));
  assert.ok(rows.length > 0, 'the demo has hospitals short of a target');
  // the time series of the year up to the date is drawn, every point of it
  const ts = await series;
  assert.match(ts.url(), /from=2021-12-29&to=2022-12-28/);
  await page.waitForSelector('[data-trend] .chart[data-chart-ready="1"]');
  const points = await page.getAttribute('[data-trend] .chart', 'data-points');
  assert.equal(Number(points), (await ts.json()).items.length);
  const drawn = await page.evaluate(() => window.echarts.getInstanceByDom(document.querySelector('[data-trend] .chart')).getOption().series.map((s) => s.data.length));
  assert.deepEqual(drawn, [Number(points), Number(points), Number(points)]);
  await closePage(page);
});

test('the map colours the cities by occupancy and by compliance', async () => {
  const page = await newPage(browser, { viewport: { width: 1600, height: 1000 } });
  await login(page, 'commander');
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  const { body: c } = await apiGet(page, '/capacity/compliance?region=33');
  const byCode = new Map(c.children.map((k) => [k.code, k]));
  const options = await page.$$eval('[data-figure] option', (o) => o.map((x) => x.value));
  // the capacity figures first; later pillars add theirs after (queue: queue_wait)
  assert.deepEqual(options.slice(0, 4), ['population', 'occupancy', 'icu_occupancy', 'compliance']);
  for (const [figure, field] of [['occupancy', 'occupancy_rate'], ['compliance', 'compliance_rate']]) {
    await page.selectOption('[data-figure]', figure);
    await page.waitForSelector(`[data-map] .chart[data-map-figure="${figure}"]`);
    const m = await page.evaluate(() => {
      const chart = window.echarts.getInstanceByDom(document.querySelector('[data-map] .chart'));
      const o = chart.getOption();
      return { data: o.series[0].data.map((d) => ({ code: d.code, value: d.value })), colors: o.visualMap[0].inRange.color };
    });
    assert.equal(m.data.length, 11);
    for (const d of m.data) {
      const k = byCode.get(d.code);
      assert.equal(d.value, k ? Math.round(k[field] * 1000) / 10 : null, `${figure} of ${d.code}`);
    }
    assert.ok(m.data.every((d) => typeof d.value === 'number' && d.value > 0 && d.value <= 100), 'percentages');
    assert.ok(m.colors.length >= 3, 'a colour scale');
    if (figure === 'occupancy') assert.notEqual(m.colors[0], '#e0f2f1', 'its own colours, not the population\'s');
  }
  // the choice is remembered on the next visit
  await page.reload();
  await page.waitForSelector('[data-map] .chart[data-map-figure="compliance"]');
  await closePage(page);
});

test('the failing list drills from the province to a county and a hospital\'s reports', async () => {
  const page = await newPage(browser, { viewport: { width: 1600, height: 1000 } });
  await login(page, 'commander');
  await page.waitForSelector('[data-failing-list="33"] tbody tr');
  const { body: c } = await apiGet(page, '/capacity/compliance?region=33');
  const h = c.failing_list.find((f) => f.region.startsWith('330106'));
  assert.ok(h, 'a failing hospital in Xihu district');
  // province → Hangzhou
  await page.click(`[data-failing-list="33"] tr[data-facility="${h.id}"] [data-drill="3301"]`);
  await page.waitForSelector('[data-page="dashboard"][data-region="3301"] [data-failing-list="3301"]');
  // Hangzhou → Xihu
  await page.click(`[data-failing-list="3301"] tr[data-facility="${h.id}"] [data-drill="330106"]`);
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"] [data-failing-list="330106"]');
  const county = await apiGet(page, '/capacity/compliance?region=330106');
  assert.equal(Number(await page.getAttribute('[data-capacity-section] [data-kpi="designated_beds"] [data-value]', 'data-value')), county.body.rules.designated_beds.have);
  assert.match(await page.textContent('[data-kpi="designated_beds"]'), /计入全省 100,000 张的目标/, 'below the province the beds are a contribution');
  // the gap list of the county as a spreadsheet, in Chinese like the page
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="gaps-csv"]')]);
  assert.match(download.suggestedFilename(), /^capacity-gaps-330106-2022-12-28\.csv$/);
  const chunks = [];
  for await (const ch of await download.createReadStream()) chunks.push(ch);
  const csv = Buffer.concat(chunks).toString('utf8');
  assert.ok(csv.startsWith('\uFEFF区划代码,机构编号,机构名称'), csv.slice(0, 40));
  assert.ok(csv.includes(h.name));
  // Xihu → the hospital
  await page.click(`[data-failing-list="330106"] tr[data-facility="${h.id}"] [data-facility-link]`);
  await page.waitForSelector(`[data-page="facility"][data-facility="${h.id}"] [data-reports] tbody tr`);
  assert.equal(await page.getAttribute('[data-nav][aria-current="page"]', 'data-nav'), 'facilities');
  const gaps = await page.$$eval('[data-facility-gaps] [data-rule]', (li) => li.map((x) => x.textContent));
  assert.equal(gaps.length, h.gaps.length);
  h.gaps.forEach((g, i) => assert.ok(gaps[i].includes(g.message), gaps[i]));
  const reports = await apiGet(page, `/facilities/${h.id}/reports`);
  const dates = await page.$$eval('[data-reports] tbody tr', (trs) => trs.map((tr) => tr.dataset.date));
  assert.deepEqual(dates, reports.body.items.slice(0, 30).map((r) => r.date));
  assert.equal(dates[0], h.last_report);
  // a commander may correct a report on the hospital's behalf, in the same form
  assert.equal(await page.$eval('[data-on-behalf]', (d) => d.open), false);
  await page.click(`[data-reports] tr[data-date="${dates[1]}"] [data-pick-date]`);
  await page.waitForSelector(`[data-on-behalf][open] [data-report-mode="correct"]:has-text("${dates[1]}")`);
  assert.equal(await page.inputValue('#cf-open_beds'), String(reports.body.items[1].open_beds));
  // and back up by the breadcrumb
  await page.click('[data-facility-path] a[href="#/region/330106"]');
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"]');
  await closePage(page);
});
