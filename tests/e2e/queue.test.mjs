// The queue pillar end to end: a resident on a phone finds the fever clinic
// with the shortest travel + wait and takes a ticket there; the clinic desk's
// screen shows the new ticket without a reload, the desk calls it, and the
// resident's page and the public call display (display.html, no sign-in)
// change without a reload (Server-Sent Events). The desk first makes its
// clinic open around the clock and calls everyone already waiting, so the
// test holds at any hour and the resident's ticket is next.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, closePage, login, apiGet, BASE, PHONE } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// a write with the page's session and CSRF token → {status, body}
async function apiSend(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const me = await (await fetch('/api/v1/me', { cache: 'no-store' })).json();
    const r = await fetch(`/api/v1${p}`, {
      method: m,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
      body: JSON.stringify(b),
    });
    return { status: r.status, body: await r.json() };
  }, [method, path, body]);
}

test('a resident takes a ticket on a phone, the desk calls it, the ticket page and the call display follow live', async () => {
  const desk = await newPage(browser);
  await login(desk, 'clinic');
  await desk.waitForSelector('[data-page="clinic"][data-desk] [data-call-next]');
  const { body: me } = await apiGet(desk, '/me');
  const id = me.facility_id;
  assert.ok(id, 'the demo clinic login is bound to a fever clinic');
  assert.equal((await apiSend(desk, 'PUT', `/queue/clinics/${id}/hours`, { hours: '24h' })).status, 200);
  assert.equal((await apiSend(desk, 'PUT', `/queue/clinics/${id}/counters/1`, { open: true })).status, 200);
  for (let i = 0; i < 200; i++) {
    const r = await apiSend(desk, 'POST', `/queue/clinics/${id}/call-next`, { counter: 1 });
    if (r.status !== 200) {
      assert.equal(r.body.code, 'queue_empty');
      break;
    }
    await apiSend(desk, 'POST', `/queue/tickets/${r.body.ticket.id}/events`, { event: 'start' });
  }
  const { body: clinic } = await apiGet(desk, `/queue/clinics/${id}`);
  assert.equal(clinic.waiting, 0);
  await desk.reload();
  await desk.waitForSelector('[data-waiting-empty]');

  // the public display, signed out
  const display = await newPage(browser, { viewport: { width: 1280, height: 720 } });
  await display.goto(`${BASE}/display.html?clinic=${id}`);
  await display.waitForSelector('[data-page="display"] .display-head h1');

  // the resident, on a phone, standing at the clinic
  const phone = await newPage(browser, { viewport: PHONE, isMobile: true });
  await login(phone, 'resident');
  await phone.goto(`${BASE}/#/queue`);
  await phone.waitForSelector('[data-page="queue"] [data-recommend]');
  await phone.fill('#q-lat', String(clinic.lat));
  await phone.fill('#q-lon', String(clinic.lon));
  await phone.click('[data-recommend]');
  await phone.waitForSelector(`[data-reco-item="${id}"]`);
  const first = await phone.getAttribute('[data-reco-item]', 'data-reco-item');
  assert.equal(first, String(id), 'nobody waits and no travel: this clinic ranks first');
  assert.equal(await phone.$$eval('[data-reco-item]', (l) => l.length) <= 3, true, 'top three at most');
  await phone.click(`[data-take="${id}"]`);
  await phone.waitForSelector('[data-ticket-state="waiting"]');
  const number = await phone.getAttribute('[data-ticket-number]', 'data-ticket-number');
  assert.match(number, /^A\d{3}$/);
  assert.equal(await phone.getAttribute('[data-ticket-ahead]', 'data-ticket-ahead'), '0');
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width, `the ticket page fits a phone (${wide} px)`);
  // pages that must not reload: a mark that a reload would wipe
  await phone.evaluate(() => { window.__kept = 1; });
  await desk.evaluate(() => { window.__kept = 1; });
  await display.evaluate(() => { window.__kept = 1; });

  // the desk sees the ticket arrive, live, and calls it
  await desk.waitForSelector(`[data-waiting] li[data-number="${number}"]`);
  await desk.click('[data-call-next]');
  await desk.waitForSelector(`[data-called="${number}"]`);

  // the resident's page and the display follow, without a reload
  await phone.waitForSelector('[data-ticket-state="called"]');
  assert.match(await phone.textContent('.ticket-call'), /1 号诊台/);
  await display.waitForSelector(`[data-display-now="${number}"]`);
  for (const p of [phone, desk, display]) assert.equal(await p.evaluate(() => window.__kept), 1, 'no reload');

  await closePage(phone);
  await closePage(display);
  await closePage(desk);
});

test('the dashboard map can be coloured by the fever-clinic wait', async () => {
  const page = await newPage(browser);
  await login(page, 'commander');
  await page.waitForSelector('[data-map] .chart');
  const { status, body } = await apiGet(page, '/queue/stats?region=33');
  assert.equal(status, 200);
  assert.ok(body.regions.length > 0, 'cities with fever-clinic waits');
  assert.equal(body.source, 'illustrative');
  await page.selectOption('[data-figure]', 'queue_wait');
  await page.waitForSelector('[data-map] .chart[data-map-figure="queue_wait"]');
  const data = await page.evaluate(() => {
    const chart = window.echarts.getInstanceByDom(document.querySelector('[data-map] .chart'));
    return chart.getOption().series[0].data.map((d) => ({ code: d.code, value: d.value }));
  });
  const want = new Map(body.regions.map((r) => [r.region, r.p90_wait_min]));
  for (const d of data) if (want.has(d.code)) assert.equal(d.value, want.get(d.code), `city ${d.code}`);
  assert.ok(data.some((d) => want.has(d.code)), 'the map shows the API\'s waits');
  await closePage(page);
});
