// The command dashboard: the map of Zhejiang renders with its 11 cities tied
// to their region codes and coloured by the chosen figure; the table labels
// each figure's source; the region picker drills down the tree; a region
// outside the user's scope typed into the URL gets the server's message, and a
// malformed one the field it is about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, gotoLogin, submitLogin, BASE } from './helpers.mjs';

const CITY_CODES = ['3301', '3302', '3303', '3304', '3305', '3306', '3307', '3308', '3309', '3310', '3311'];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function mapSeries(page) {
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  return page.evaluate(() => {
    const el = document.querySelector('[data-map] .chart');
    const chart = window.echarts.getInstanceByDom(el);
    const geo = window.echarts.getMap('zhejiang');
    const features = (geo.geoJSON || geo.geoJson).features;
    return {
      canvas: !!el.querySelector('canvas'),
      features: features.map((f) => f.properties.name),
      data: chart.getOption().series[0].data.map((d) => ({ name: d.name, code: d.code, value: d.value })),
      visualMap: chart.getOption().visualMap?.length ?? 0,
    };
  });
}

test('the map of Zhejiang renders its 11 cities, coloured by population', async () => {
  const page = await newPage(browser, { viewport: { width: 1920, height: 1080 } });
  await login(page, 'commander');
  await page.waitForSelector('[data-page="dashboard"][data-region="33"]');
  const m = await mapSeries(page);
  assert.ok(m.canvas, 'the chart draws on a canvas');
  assert.equal(m.features.length, 11, 'the map data has 11 city shapes');
  assert.deepEqual(m.data.map((d) => d.code).sort(), CITY_CODES, 'every city shape is tied to its region code');
  for (const d of m.data) assert.ok(Number.isInteger(d.value) && d.value > 1000000, `${d.name} has its population`);
  assert.equal(m.data.find((d) => d.code === '3301').value, 11936010, 'Hangzhou: 2020 census');
  assert.equal(m.visualMap, 1, 'a colour scale');
  // the figure select exists (pillars add their figures to it: capacity's in
  // capacity.test.mjs) and drives the map
  assert.deepEqual((await page.$$eval('[data-figure] option', (o) => o.map((x) => x.value)))[0], 'population');
  // a click on a city opens it (a point well inside Hangzhou, near Tonglu)
  const at = await page.evaluate(() => {
    const el = document.querySelector('[data-map] .chart');
    el.scrollIntoView({ block: 'center' });
    const [x, y] = window.echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [119.6, 29.85]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('[data-page="dashboard"][data-region="3301"]');
  await closePage(page);
});

test('the region table labels where each figure comes from', async () => {
  const page = await newPage(browser);
  await login(page, 'commander');
  await page.waitForSelector('[data-region-table] tbody tr');
  const rows = await page.$$eval('[data-region-table] tbody tr', (trs) =>
    trs.map((tr) => ({ code: tr.dataset.code, source: tr.querySelector('[data-source]').dataset.source })),
  );
  assert.deepEqual(rows.map((r) => r.code), CITY_CODES);
  assert.ok(rows.every((r) => r.source === 'census2020'));
  assert.match(await page.textContent('[data-region-table] tfoot'), /64,567,588/);
  assert.match(await page.textContent('[data-legend]'), /第七次全国人口普查/);
  // Wenzhou's counties mix census, secondary and estimated figures: each labelled
  await page.goto(`${BASE}/#/region/3303`);
  await page.waitForSelector('[data-page="dashboard"][data-region="3303"] [data-region-table]');
  const sources = await page.$$eval('[data-region-table] tbody [data-source]', (e) => [...new Set(e.map((x) => x.dataset.source))].sort());
  assert.deepEqual(sources, ['census2020', 'estimated', 'secondary']);
  // townships and below are generated for the demo and say so
  await page.goto(`${BASE}/#/region/330106`);
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"] [data-region-table]');
  const townships = await page.$$eval('[data-region-table] tbody [data-source]', (e) => [...new Set(e.map((x) => x.dataset.source))]);
  assert.deepEqual(townships, ['illustrative']);
  await closePage(page);
});

test('the region picker drills from the province down to a grid', async () => {
  const page = await newPage(browser);
  await login(page, 'commander');
  const steps = ['3301', '330106', '330106004', '330106004001', '330106004001001'];
  for (const code of steps) {
    await page.waitForSelector('[data-page="dashboard"] select[data-picker]:not([disabled])');
    await page.selectOption('select[data-picker]', code);
    await page.waitForSelector(`[data-page="dashboard"][data-region="${code}"]`);
    assert.equal(page.url(), `${BASE}/#/region/${code}`);
  }
  // a grid is the smallest unit: nothing further to pick
  assert.ok(await page.$('select[data-picker][disabled]'));
  const crumbs = await page.$$eval('[data-picker-path] a', (a) => a.map((x) => x.getAttribute('href')));
  assert.deepEqual(crumbs, ['#/region/33', '#/region/3301', '#/region/330106', '#/region/330106004', '#/region/330106004001']);
  // below city level the map marks the city the region lies in
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  // back up by the breadcrumb, and down again by the table
  await page.click('[data-picker-path] a[href="#/region/3301"]');
  await page.waitForSelector('[data-page="dashboard"][data-region="3301"]');
  await page.click('[data-region-table] tr[data-code="330102"] a');
  await page.waitForSelector('[data-page="dashboard"][data-region="330102"]');
  await closePage(page);
});

test('a region outside the user\'s scope in the URL shows the server\'s message', async () => {
  const page = await newPage(browser);
  await login(page, 'xihu-commander');
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"]');
  await page.goto(`${BASE}/#/region/3302`);
  const box = await page.waitForSelector('[data-region-error="404"]');
  assert.match(await box.textContent(), /没有这个区划，或不在您的管辖范围内/);
  assert.equal(await page.$('[data-map]'), null, 'nothing of Ningbo is drawn');
  // ancestors are outside the scope too: the breadcrumb does not offer them
  await page.click('[data-region-error] a');
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"]');
  assert.deepEqual(await page.$$eval('[data-picker-path] a', (a) => a.length), 0);
  // a malformed code: the field and what is wrong with it
  await page.goto(`${BASE}/#/region/33x`);
  const bad = await page.waitForSelector('[data-region-error="422"]');
  assert.match(await bad.textContent(), /区划代码/);
  assert.match(await bad.textContent(), /应为数字/);
  await closePage(page);
});

test('a deep link survives signing in', async () => {
  const page = await newPage(browser);
  await gotoLogin(page, '#/region/3305');
  await submitLogin(page, 'hz-commander');
  // Huzhou is outside Hangzhou's command centre: the link is followed and refused
  await page.waitForSelector('[data-region-error="404"]');
  await page.goto(`${BASE}/#/region/330106`);
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"]');
  await closePage(page);
});
