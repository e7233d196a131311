// communitystats.js - the commander's view of the community pillar for the
// region they pick (#/community/330106): people isolating by grade (and per
// 10,000 residents), alerts, overdue follow-ups, open service requests by
// type, transfers by status, new and ended entries per day; the map of
// Zhejiang coloured by isolating per 10,000 people or by red-grade count
// (GET /api/v1/community/stats children[]); the ledger as the XLSX a township
// office reports upward.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, fmtNumber, regionName } from './i18n.js';
import { getRegion, ancestors } from './regions.js';
import { CITIES, drawMap } from './map.js';
import { problemBox, sourceBadge, levelName, levelsName, loading, downloadLink } from './ui.js';
import { REQ_TYPES, reqTypeName } from './community.js';

// per 10,000: two decimals while small (a demo's figures are), one above 10
const round1 = (x) => (typeof x !== 'number' ? null : x < 10 ? Math.round(x * 100) / 100 : Math.round(x * 10) / 10);

// what the map can be coloured by (the shape of figures.js' FIGURES)
export const COMMUNITY_FIGURES = [
  {
    key: 'comm_per_10k',
    label: 'comm.fig.per_10k',
    unit: 'comm.fig.per_10k_unit',
    colors: ['#fff7ec', '#fdae61', '#d7301f', '#7f0000'],
    value: (r) => round1(r.per_10k),
    source: () => 'illustrative',
  },
  {
    key: 'comm_red',
    label: 'comm.fig.red',
    unit: 'unit.people',
    colors: ['#fff5f0', '#fb6a4a', '#a50f15'],
    value: (r) => (typeof r.red === 'number' ? r.red : null),
    source: () => 'illustrative',
  },
];
let figureKey = COMMUNITY_FIGURES[0].key;

function kpi(key, label, value, note) {
  return h('div', { class: 'kpi', dataset: { kpi: key } },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value),
    note ? h('span', { class: 'kpi-note' }, note) : null);
}

function kpis(s) {
  const iso = s.isolating || {};
  return h(
    'div',
    { class: 'kpis', dataset: { commKpis: '' } },
    kpi('isolating', t('comm.stats.isolating'), fmtNumber(iso.total),
      typeof iso.per_10k === 'number' ? t('comm.stats.per_10k', { v: fmtNumber(round1(iso.per_10k)) }) : null),
    h('div', { class: 'kpi', dataset: { kpi: 'grades' } },
      h('span', { class: 'kpi-label' }, t('comm.stats.by_grade')),
      h('span', { class: 'grade-counts' },
        ['red', 'yellow', 'green'].map((g) => h('span', { class: `gc gc-${g}`, dataset: { gradeCount: g } }, h('strong', {}, fmtNumber(iso[g])), ' ', t(`comm.grade.${g}`))))),
    kpi('alerts', t('comm.stats.alerts'), fmtNumber(s.alerts), t('comm.stats.alerts_note')),
    kpi('overdue', t('comm.stats.overdue'), fmtNumber(s.overdue_followups), t('comm.stats.overdue_note')),
    kpi('requests', t('comm.stats.requests'), fmtNumber(s.requests && s.requests.open),
      t('comm.stats.requests_overdue', { n: fmtNumber(s.requests && s.requests.overdue) })),
  );
}

function requestsPanel(s) {
  const by = (s.requests && s.requests.open_by_type) || {};
  return h('section', { class: 'panel', dataset: { commRequests: '' } },
    h('h2', {}, t('comm.stats.requests_by_type')),
    h('table', { class: 'regions' },
      h('tbody', {}, REQ_TYPES.map((k) => h('tr', { dataset: { reqType: k } }, h('th', { scope: 'row' }, reqTypeName(k)), h('td', { class: 'num' }, fmtNumber(by[k] || 0)))))));
}

function transfersPanel(s) {
  const tr = s.transfers || {};
  return h('section', { class: 'panel', dataset: { commTransfers: '' } },
    h('h2', {}, t('comm.stats.transfers')),
    h('table', { class: 'regions' },
      h('tbody', {}, ['reserved', 'accepted', 'arrived', 'declined', 'cancelled'].map((k) =>
        h('tr', { dataset: { trStatus: k } }, h('th', { scope: 'row' }, t(`comm.tr.status.${k}`)), h('td', { class: 'num' }, fmtNumber(tr[k] || 0)))))));
}

// a bar of a 0..1 share (set through the CSSOM: CSP allows no inline style)
function bar(x) {
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, x)) * 100)}%`;
  return h('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
}

function dailyPanel(s) {
  const days = (s.daily || []).slice(-14);
  const max = Math.max(1, ...days.map((d) => Math.max(d.new, d.ended)));
  return h('section', { class: 'panel', dataset: { commDaily: '' } },
    h('h2', {}, t('comm.stats.daily')),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'regions daily' },
        h('thead', {}, h('tr', {}, h('th', {}, t('field.date')), h('th', { class: 'num' }, t('comm.stats.new')), h('th', { class: 'num' }, t('comm.stats.ended')))),
        h('tbody', {}, days.map((d) => h('tr', {},
          h('td', {}, d.date),
          h('td', { class: 'num' }, fmtNumber(d.new), bar(d.new / max)),
          h('td', { class: 'num' }, fmtNumber(d.ended))))))));
}

function mapPanel(region, kids, s, me, go) {
  const chartEl = h('div', { class: 'chart', role: 'img', 'aria-label': t('map.aria') });
  const note = h('p', { class: 'map-note' });
  const select = h('select', { dataset: { commFigure: '' }, 'aria-label': t('map.figure') },
    COMMUNITY_FIGURES.map((f) => h('option', { value: f.key, selected: f.key === figureKey }, t(f.label))));
  const cityCode = region.code.slice(0, 4);
  const draw = () => {
    const figure = COMMUNITY_FIGURES.find((f) => f.key === figureKey);
    const values = new Map();
    if (region.level === 'province') {
      for (const k of kids) values.set(k.code, { value: figure.value(k.stats || { red: 0, per_10k: k.population ? 0 : null }), source: 'illustrative' });
    } else if (region.level === 'city') {
      values.set(region.code, { value: figure.value({ red: s.isolating.red, per_10k: s.isolating.per_10k }), source: 'illustrative' });
    }
    const city = CITIES.find((c) => c.code === cityCode);
    clear(note).append(region.level === 'province'
      ? t('comm.map.note_province')
      : t('map.note_city', { city: city ? regionName({ name: city.feature, name_en: city.en }) : cityCode }));
    drawMap(chartEl, {
      figure,
      values,
      mark: region.level === 'province' ? null : cityCode,
      onPick: (code) => code.startsWith(me.scope) && go(`#/community/${code}`),
    }).catch((e) => {
      console.error(e);
      clear(chartEl).append(h('p', { class: 'problem', role: 'alert' }, t('map.failed')));
    });
  };
  select.addEventListener('change', () => {
    figureKey = select.value;
    draw();
  });
  queueMicrotask(draw);
  return h('section', { class: 'panel map-panel', dataset: { map: '', commMap: '' } },
    h('div', { class: 'panel-head' }, h('h2', {}, t('comm.map.title')),
      h('label', { class: 'figure-pick' }, h('span', {}, t('map.figure')), select)),
    chartEl, note);
}

function childTable(region, kids) {
  const rows = kids.map((k) => ({ k, s: k.stats || { isolating: 0, red: 0, yellow: 0, green: 0, alerts: 0, overdue_followups: 0, per_10k: null } }));
  rows.sort((a, b) => b.s.isolating - a.s.isolating || (a.k.code < b.k.code ? -1 : 1));
  return h('section', { class: 'panel table-panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, kids.length ? t('table.title', { level: levelsName(kids[0].level) }) : t('table.title_none'))),
    kids.length
      ? h('div', { class: 'table-wrap' },
        h('table', { class: 'regions comm-table', dataset: { commTable: '' } },
          h('thead', {}, h('tr', {},
            h('th', {}, t('table.name')),
            h('th', { class: 'num' }, t('comm.stats.isolating_short')),
            h('th', { class: 'num' }, t('comm.fig.per_10k_short')),
            h('th', { class: 'num' }, t('comm.grade.red')),
            h('th', { class: 'num' }, t('comm.grade.yellow')),
            h('th', { class: 'num' }, t('comm.grade.green')),
            h('th', { class: 'num' }, t('comm.stats.overdue_short')))),
          h('tbody', {}, rows.map(({ k, s }) => h('tr', { dataset: { code: k.code } },
            h('td', {}, h('a', { href: `#/community/${k.code}` }, regionName(k))),
            h('td', { class: 'num' }, fmtNumber(s.isolating)),
            h('td', { class: 'num' }, s.per_10k === null || s.per_10k === undefined ? t('figure.none') : fmtNumber(round1(s.per_10k))),
            h('td', { class: 'num' }, fmtNumber(s.red)),
            h('td', { class: 'num' }, fmtNumber(s.yellow)),
            h('td', { class: 'num' }, fmtNumber(s.green)),
            h('td', { class: 'num' }, fmtNumber(s.overdue_followups)))))))
      : h('p', { class: 'empty' }, t('table.empty')));
}

export async function renderCommunityStats(main, { me, code, alive, go }) {
  const page = h('section', { class: 'page page-community', dataset: { page: 'community' } }, loading());
  main.append(page);
  let region;
  let s;
  try {
    [region, s] = await Promise.all([getRegion(code), api('GET', `/community/stats?region=${encodeURIComponent(code)}`)]);
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(h('h1', {}, t('page.community.title')), problemBox(e),
      h('p', {}, h('a', { href: '#/community', class: 'btn' }, t('dashboard.back_to_scope'))));
    return;
  }
  const path = await ancestors(region.code, me.scope);
  if (!alive()) return;
  page.dataset.region = region.code;
  const byCode = new Map((s.children || []).map((c) => [c.code, c]));
  const kids = (region.children || []).map((k) => ({ ...k, stats: byCode.get(k.code) || null }));
  const inScope = (c) => c.startsWith(me.scope);
  const select = h('select', { dataset: { commPicker: '' }, disabled: kids.length === 0, 'aria-label': t('picker.label') },
    h('option', { value: '' }, kids.length ? t('picker.choose', { level: levelsName(kids[0].level) }) : t('picker.none')),
    kids.map((k) => h('option', { value: k.code }, `${regionName(k)} (${k.code})`)));
  select.addEventListener('change', () => select.value && go(`#/community/${select.value}`));
  const up = path.filter((a) => inScope(a.code)).pop();
  clear(page).append(
    h('div', { class: 'regionbar' },
      h('div', { class: 'regionbar-title' },
        h('h1', {}, t('page.community.title'), ' · ', regionName(region)),
        h('span', { class: 'level' }, levelName(region.level)),
        h('span', { class: 'code' }, region.code)),
      path.length
        ? h('ol', { class: 'crumbs' },
          path.map((a) => h('li', {}, inScope(a.code) ? h('a', { href: `#/community/${a.code}` }, regionName(a)) : h('span', {}, regionName(a)))),
          h('li', { 'aria-current': 'page' }, h('strong', {}, regionName(region))))
        : null,
      h('div', { class: 'regionbar-actions' },
        up ? h('a', { href: `#/community/${up.code}`, class: 'btn' }, '↑ ', t('picker.up')) : null,
        h('label', { class: 'picker' }, h('span', {}, t('picker.label')), select))),
    h('div', { class: 'cap-head' },
      h('p', { class: 'cap-asof' }, t('comm.stats.as_of', { date: s.as_of })),
      s.illustrative ? sourceBadge('illustrative') : null,
      h('span', { dataset: { ledger: '' } }, downloadLink(`/community/ledger.xlsx?region=${encodeURIComponent(region.code)}`, t('comm.stats.ledger'), 'ledger'))),
    kpis(s),
    h('div', { class: 'dash-grid' }, mapPanel(region, kids, s, me, go), childTable(region, kids)),
    h('div', { class: 'dash-grid dash-grid-even comm-grid3' }, requestsPanel(s), transfersPanel(s), dailyPanel(s)),
  );
}
