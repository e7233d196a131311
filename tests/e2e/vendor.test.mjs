// The server side of the UI: pages and modules with the security headers, the
// two npm files crest serves under /vendor/ (ECharts and the Zhejiang map),
// and nothing else from node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE } from './helpers.mjs';

test('index.html and the modules are served with CSP and sensible caching', async () => {
  const r = await fetch(`${BASE}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.match(await r.text(), /<script type="module" src="\/app\.js"><\/script>/);
  const js = await fetch(`${BASE}/app.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const i18n = await fetch(`${BASE}/i18n/en.json`);
  assert.equal(i18n.status, 200);
  assert.equal((await i18n.json())['app.name'], 'crest');
});

test('ECharts and the map data come from node_modules through a fixed list', async () => {
  const e = await fetch(`${BASE}/vendor/echarts.min.js`);
  assert.equal(e.status, 200);
  assert.match(e.headers.get('content-type'), /^text\/javascript/);
  assert.match(e.headers.get('cache-control'), /max-age/);
  assert.match((await e.text()).slice(0, 2000), /echarts/i);
  const m = await fetch(`${BASE}/vendor/zhejiang.json`);
  assert.equal(m.status, 200);
  const geo = await m.json();
  assert.equal(geo.features.length, 11);
  for (const path of [
    '/vendor/echarts.js',
    '/vendor/',
    '/vendor/../package.json',
    '/vendor/%2e%2e/package.json',
    '/node_modules/echarts/dist/echarts.min.js',
    '/../node_modules/echarts/dist/echarts.min.js',
    '/vendor/zhejiang.json/',
  ]) {
    const r = await fetch(`${BASE}${path}`);
    assert.ok(r.status === 404 || (r.status === 200 && /^text\/html/.test(r.headers.get('content-type'))), `${path}: ${r.status}`);
    if (r.status === 200) assert.doesNotMatch(await r.text(), /"dependencies"|echarts\.init/);
  }
});
