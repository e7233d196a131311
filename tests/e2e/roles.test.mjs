// Each demo role signs in and lands on its own home page, with its own
// navigation and none of another role's; the page header names the user's
// region (GET /api/v1/me region_path); a page of another role typed into the
// URL is refused with a message, and the pages a role does not use do not
// download the map library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, navItems, BASE } from './helpers.mjs';

// demo user → [home page, last region name in the header]; commanders and
// admins also have the facility registry and the community figures, grid
// workers their service requests and a new entry (community pillar), a
// resident their queue ticket (queue pillar)
const NAV = {
  admin: ['dashboard', 'facilities', 'community'],
  commander: ['dashboard', 'facilities', 'community'],
  grid: ['grid', 'grid_requests', 'grid_new'],
  resident: ['records', 'queue'],
};
// supply pillar: a Supplies page for the command, hospitals and pharmacies
for (const r of ['admin', 'commander']) NAV[r].push('supply');
NAV.hospital = ['hospital', 'supply'];
NAV.pharmacy = ['pharmacy', 'supply'];
const HOMES = {
  admin: ['dashboard', '浙江省'],
  commander: ['dashboard', '浙江省'],
  'hz-commander': ['dashboard', '杭州市'],
  'xihu-commander': ['dashboard', '西湖区'],
  hospital: ['hospital', '西湖区'],
  clinic: ['clinic', '西湖区'],
  grid: ['grid', '第1网格'],
  pharmacy: ['pharmacy', '西湖区'],
  insurer: ['insurer', '杭州市'],
  venue: ['venue', '西溪街道'],
  vaccinator: ['vaccinator', '西溪街道'],
  resident: ['records', '第1网格'],
};

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const [user, [home, regionName]] of Object.entries(HOMES)) {
  test(`${user} signs in to the ${home} page and sees only its own navigation`, async () => {
    const page = await newPage(browser);
    await login(page, user);
    await page.waitForSelector(`[data-page="${home}"]`);
    const role = user.endsWith('commander') ? 'commander' : user;
    assert.deepEqual(await navItems(page), NAV[role] || [home]);
    const active = await page.$eval('[data-nav][aria-current="page"]', (e) => e.dataset.nav);
    assert.equal(active, home);
    const region = await page.textContent('[data-user-region]');
    assert.ok(region.trim().endsWith(regionName), `header region "${region}" ends with ${regionName}`);
    assert.equal(await page.getAttribute('[data-role]', 'data-role'), role);
    if (home !== 'dashboard') {
      // pages waiting for later pillars say so and show no figures of their
      // own; the hospital's has its report form (capacity pillar) and
      // incoming transfers, the resident's their self-service (community)
      if (home === 'hospital') await page.waitForSelector('[data-report-form]');
      else if (home === 'records') await page.waitForSelector('[data-selfcare]');
      else if (home === 'clinic') await page.waitForSelector('[data-desk] [data-call-next]'); // queue pillar
      else if (home !== 'grid') await page.waitForSelector('[data-not-yet]');
      // the clinic's and the hospital's pillars have all landed: nothing upcoming
      if (home !== 'clinic' && home !== 'hospital') await page.waitForSelector('[data-upcoming] li');
      assert.equal(await page.evaluate(() => typeof window.echarts), 'undefined', 'no map library on this page');
      // another role's page by URL: refused with a message, not shown
      await page.goto(`${BASE}/#/dashboard`);
      await page.waitForSelector('[data-page="not-allowed"]');
      assert.equal(await page.$('[data-map]'), null);
      await page.goto(`${BASE}/#/facility/1`);
      await page.waitForSelector('[data-page="not-allowed"]');
    } else {
      await page.waitForSelector('[data-map] .chart');
      await page.goto(`${BASE}/#/grid`);
      await page.waitForSelector('[data-page="not-allowed"]');
    }
    await closePage(page);
  });
}

test('the grid worker sees their own grid with its population and where the figure comes from', async () => {
  const page = await newPage(browser);
  await login(page, 'grid');
  const card = await page.waitForSelector('[data-grid-card]');
  const code = await card.getAttribute('data-grid-card');
  assert.match(code, /^330106004001/);
  assert.equal(await card.$eval('[data-source]', (e) => e.dataset.source), 'illustrative');
  assert.match(await card.textContent(), /\d/);
  await closePage(page);
});
