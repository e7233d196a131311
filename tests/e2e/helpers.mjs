// helpers.mjs - shared by the e2e tests: Debian's Chromium through
// playwright-core, the demo logins run.sh collected, signing in, and a watch
// for Content-Security-Policy violations and uncaught page errors (a UI that
// breaks CSP works nowhere crest is deployed).
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE = process.env.CREST_URL;
if (!BASE) throw new Error('CREST_URL is not set: run the e2e tests through tests/e2e/run.sh');
export const LOGINS = JSON.parse(readFileSync(process.env.E2E_LOGINS, 'utf8'));

export const PHONE = { width: 360, height: 740 };
export const WALL = { width: 1920, height: 1080 };

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A fresh browser context (no cookies, no localStorage) and a page in it,
// with page.problems collecting CSP violations and uncaught errors.
export async function newPage(browser, { viewport = { width: 1280, height: 860 }, isMobile = false } = {}) {
  const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.problems = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) page.problems.push(m.text());
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  return page;
}

export async function closePage(page) {
  const problems = page.problems;
  await page.context().close();
  assert.deepEqual(problems, [], 'no CSP violations or uncaught errors');
}

export async function gotoLogin(page, hash = '') {
  await page.goto(`${BASE}/${hash}`);
  await page.waitForSelector('[data-page="login"] form[data-login]');
}

// fill the login form and submit (the caller waits for what should follow)
export async function submitLogin(page, user, password = LOGINS[user]) {
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('[data-login] button[type="submit"]');
}

// sign in from the start page and wait for the first page after the login
export async function login(page, user, hash = '') {
  assert.ok(LOGINS[user], `demo login for ${user}`);
  await gotoLogin(page, hash);
  await submitLogin(page, user);
  await page.waitForSelector('[data-page]:not([data-page="login"])');
}

// GET an API path with the page's session (as the page itself would), for
// comparing what a page shows with what the API says → {status, body}
export async function apiGet(page, path, lang = 'zh-CN') {
  return page.evaluate(async ([p, l]) => {
    const r = await fetch(`/api/v1${p}`, { headers: { 'Accept-Language': l }, cache: 'no-store' });
    return { status: r.status, body: await r.json() };
  }, [path, lang]);
}

export async function navItems(page) {
  return page.$$eval('[data-nav]', (els) => els.map((e) => e.dataset.nav));
}
