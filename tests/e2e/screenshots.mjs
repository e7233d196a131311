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

async function shot(page, name) {
  // let the fonts settle and the caret stop blinking in the picture
  await page.evaluate(() => document.fonts.ready);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const path = join(DIR, `${name}.png`);
  await page.screenshot({ path });
  written.push([path, statSync(path).size]);
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
} finally {
  await browser.close();
}
for (const [path, size] of written) console.log(`${path}  ${Math.round(size / 1024)} KiB`);
void BASE;
