// screenshots.mjs - PNGs of the main pages for the README, written by
// `make screenshots` (through tests/e2e/run.sh --screenshots, which builds the
// demo province and starts the server). Each shot waits for the page to be
// complete (the map drawn) so the pictures show the product as a user sees it.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { launch, newPage, closePage, gotoLogin, login, BASE, PHONE, WALL } from './helpers.mjs';

const DIR = process.env.SCREENSHOT_DIR || 'docs/screenshots';
mkdirSync(DIR, { recursive: true });

const browser = await launch();
const written = [];

async function shot(page, name, element = null) {
  // let the fonts settle and the caret stop blinking in the picture
  await page.evaluate(() => document.fonts.ready);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const path = join(DIR, `${name}.png`);
  if (element) await (await page.$(element)).screenshot({ path });
  else await page.screenshot({ path });
  written.push([path, statSync(path).size]);
}

// scroll so that `selector` is at the top of the window (under nothing: the
// page has no sticky header)
async function scrollTo(page, selector) {
  await page.$eval(selector, (e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 8));
}

async function setLang(page, lang) {
  await page.evaluate((l) => localStorage.setItem('crest.lang', l), lang);
}

try {
  // the login page
  let page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await gotoLogin(page);
  await shot(page, 'login');
  await closePage(page);

  // the command dashboard on a wall screen, in Chinese and in English
  for (const lang of ['zh-CN', 'en']) {
    page = await newPage(browser, { viewport: WALL });
    await gotoLogin(page);
    await setLang(page, lang);
    await login(page, 'commander');
    await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
    await shot(page, lang === 'en' ? 'dashboard-en' : 'dashboard-zh');
    await closePage(page);
  }

  // a county drilled into: Xihu district's streets
  page = await newPage(browser, { viewport: WALL });
  await login(page, 'commander', '#/region/330106');
  await page.waitForSelector('[data-page="dashboard"][data-region="330106"] [data-map] .chart[data-map-ready="1"]');
  await shot(page, 'dashboard-county');
  await closePage(page);

  // a grid worker's phone
  page = await newPage(browser, { viewport: PHONE, isMobile: true });
  await login(page, 'grid');
  await page.waitForSelector('[data-page="grid"] [data-grid-card]');
  await shot(page, 'grid-phone');
  await closePage(page);

  // community: a grid worker records SpO₂ 90 % on a phone; the entry turns
  // red and the nearest hospitals with a free bed are proposed
  page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
  await login(page, 'grid');
  await page.waitForSelector('[data-page="grid"] [data-today-list] a[data-episode]');
  const entry = await page.$eval('[data-today-list] a[data-episode]:not([data-grade="red"])', (e) => e.dataset.episode);
  await page.click(`[data-today-list] a[data-episode="${entry}"]`);
  await page.waitForSelector('[data-followup-form]');
  await page.fill('#fu-spo2', '90');
  await page.click('[data-followup-submit]');
  await page.waitForSelector('[data-transfer-proposal]');
  await scrollTo(page, '[data-followup-out]');
  await shot(page, 'community-followup');
  await closePage(page);

  // community: the commander's figures and the map by isolating per 10,000
  page = await newPage(browser, { viewport: { width: 1600, height: 900 } });
  await login(page, 'commander', '#/community');
  await page.waitForSelector('[data-comm-map] .chart[data-map-ready="1"]');
  await shot(page, 'community-dashboard');
  await closePage(page);

  // capacity on a command centre's screen: the targets, and the map coloured
  // by occupancy (1600×900: a wall's worth of map in under 300 KB)
  page = await newPage(browser, { viewport: { width: 1600, height: 900 } });
  await login(page, 'commander');
  await page.waitForSelector('[data-map] .chart[data-map-ready="1"]');
  await page.selectOption('[data-figure]', 'occupancy');
  await page.waitForSelector('[data-map] .chart[data-map-figure="occupancy"]');
  await page.waitForSelector('[data-trend] .chart[data-chart-ready="1"]');
  await scrollTo(page, '[data-capacity-section]');
  await shot(page, 'capacity-dashboard');
  // … and further down: the hospitals short of a target, occupancy over the year
  await scrollTo(page, '.dash-grid-cap');
  await shot(page, 'capacity-failing');
  await closePage(page);

  // a hospital administrator's report form on a phone, checking as it is typed
  page = await newPage(browser, { viewport: PHONE, isMobile: true });
  await login(page, 'hospital');
  await page.waitForSelector('[data-page="hospital"] [data-report-form]');
  const open = await page.inputValue('#rf-open_beds');
  await page.fill('#rf-occupied_beds', String(Number(open) + 12));
  await shot(page, 'hospital-form', '[data-report-panel]');
  await closePage(page);

  // the same page on a desktop
  page = await newPage(browser, { viewport: { width: 1440, height: 900 } });
  await login(page, 'hospital');
  await page.waitForSelector('[data-page="hospital"] [data-reports]');
  await shot(page, 'hospital-desktop');
  await closePage(page);

  // the facility registry: an import checked before anything is written
  page = await newPage(browser, { viewport: { width: 1440, height: 900 } });
  await login(page, 'hz-commander', '#/facilities');
  await page.waitForSelector('[data-page="facilities"] [data-facilities] tbody tr');
  const csv = '区划代码,类型,名称,等级,类别,定点类型\r\n330106002,pharmacy,北山街道新药房,,,\r\n330106002,hospital,北山街道新医院,tertiary,,designated\r\n3399,school,不存在区划的学校,,,\r\n';
  await page.setInputFiles('[data-import-file]', { name: 'facilities.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('[data-import-check]:not([disabled])');
  await page.waitForSelector('[data-import-report][data-dry-run="1"]');
  await scrollTo(page, '[data-import-panel]');
  await shot(page, 'facilities-import');
  await closePage(page);
} finally {
  await browser.close();
}
// the README embeds these: each stays under 300 KB
for (const [path, size] of written) console.log(`${path}  ${Math.round(size / 1024)} KiB${size >= 300000 ? '  WARNING: over 300 KB' : ''}`);
void BASE;
