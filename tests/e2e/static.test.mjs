// Checks on web/ that need no browser: both languages have the same strings,
// every string the code asks for exists, the pages carry no inline script or
// event handler (CSP script-src 'self'), and no library is copied into web/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const zh = JSON.parse(readFileSync(join(WEB, 'i18n', 'zh-CN.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(WEB, 'i18n', 'en.json'), 'utf8'));
const files = readdirSync(WEB).filter((f) => f.endsWith('.js'));

// web/ modules without imports, loaded as ES modules (package.json has no
// "type": a plain import would make node guess, and warn)
const importWeb = (f) => import(`data:text/javascript,${encodeURIComponent(readFileSync(join(WEB, f), 'utf8'))}`);

test('zh-CN and en have the same keys, none empty', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort());
  for (const d of [zh, en]) for (const [k, v] of Object.entries(d)) assert.ok(typeof v === 'string' && v.length, k);
});

test('every string the UI asks for exists', async () => {
  const used = new Set();
  for (const f of files) {
    const src = readFileSync(join(WEB, f), 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([a-z0-9_.]+)'/gi)) used.add(m[1]);
    // keys passed around before t() gets them ({key: 'report.err.negative'}, t(cond ? 'a' : 'b'))
    for (const m of src.matchAll(/'((?:report|reports|cap|facility|facilities|import|hospital)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)'/g)) used.add(m[1]);
  }
  // keys built from data: pages, roles, pillars, levels, sources
  const { PAGES, ROLE_PAGES } = await importWeb('roles.js');
  for (const [p, def] of Object.entries(PAGES)) {
    used.add(def.label);
    if (p !== 'dashboard') used.add(`page.${p}.title`).add(`page.${p}.lead`);
    for (const pillar of def.upcoming || []) used.add(`pillar.${pillar}`).add(`coming.${p}.${pillar}`);
  }
  for (const r of Object.keys(ROLE_PAGES)) used.add(`role.${r}`);
  for (const l of ['province', 'city', 'county', 'township', 'community', 'grid']) used.add(`level.${l}`).add(`levels.${l}`);
  for (const s of ['census2020', 'secondary', 'derived', 'estimated', 'illustrative', 'reported', 'unknown'])
    used.add(`source.${s}`).add(`source.${s}.long`);
  const { FIGURES } = await importWeb('figures.js');
  for (const f of FIGURES) used.add(f.label).add(f.unit);
  // the capacity pillar's vocabulary, labelled by keys built from its names
  const T = await importWeb('terms.js');
  for (const k of T.KINDS) used.add(`kind.${k}`);
  for (const k of T.HOSPITAL_LEVELS) used.add(`hlevel.${k}`);
  for (const k of T.CATEGORIES) used.add(`category.${k}`);
  for (const k of T.HOSPITAL_ROLES) used.add(`hrole.${k}`);
  for (const k of T.RULES) used.add(`rule.${k}`);
  for (const k of T.STATUSES) used.add(`status.${k}`);
  for (const k of [...T.REPORT_COUNTS, ...T.REPORT_FLAGS, ...T.FACILITY_FIELDS, 'date']) used.add(`field.${k}`);
  for (const k of T.REPORT_COUNTS) used.add(`reports.col.${k}`);
  for (const k of ['icu_beds', 'icu_convertible']) used.add(`cap.${k}.gap`);
  const missing = [...used].filter((k) => !(k in zh));
  assert.deepEqual(missing, []);
});

test('no inline scripts or event handlers in the HTML', () => {
  for (const f of readdirSync(WEB).filter((x) => x.endsWith('.html'))) {
    const html = readFileSync(join(WEB, f), 'utf8');
    for (const m of html.matchAll(/<script\b([^>]*)>/gi)) assert.match(m[1], /\bsrc=/, `${f}: inline <script>`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${f}: inline event handler`);
    assert.doesNotMatch(html, /javascript:/i, `${f}: javascript: URL`);
  }
  for (const f of files) assert.doesNotMatch(readFileSync(join(WEB, f), 'utf8'), /\binnerHTML\s*=|\beval\(|new Function\(/, f);
});

test('libraries come from npm, not copied into web/', () => {
  const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const f of walk(WEB)) {
    assert.ok(statSync(f).size < 100000, `${f} is small (not a vendored library)`);
    assert.doesNotMatch(f, /echarts|zhejiang/i, f);
  }
});
