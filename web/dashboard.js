// dashboard.js - the command dashboard: the region the commander is looking at
// (picked down the tree from their scope), its figures with their sources, the
// map of Zhejiang coloured by the chosen figure, and the table of its
// subregions. Pillars add figures in figures.js; this page shows what exists.
// The capacity pillar adds its targets, occupancy and failing hospitals
// (capacity.js) for the same region.
import { h, clear } from './dom.js';
import { t, fmtNumber, fmtRate, regionName } from './i18n.js';
import { getRegion, ancestors } from './regions.js';
import { FIGURES, currentFigure, chooseFigure } from './figures.js';
import { loadQueueStats, attachQueue } from './queue.js'; // queue pillar
import { CITIES, drawMap } from './map.js';
import { problemBox, sourceBadge, sourceLegend, levelName, levelsName, loading } from './ui.js';
import { loadCapacity, attachCapacity, capacityHead, capacityKpis, occupancyPanel, failingPanel } from './capacity.js';

const CHILD_LEVEL = { province: 'city', city: 'county', county: 'township', township: 'community', community: 'grid' };

export async function renderDashboard(main, { me, code, alive, go }) {
  const page = h('section', { class: 'page page-dashboard', dataset: { page: 'dashboard' } }, loading());
  main.append(page);
  let region;
  // capacity alongside: its failure shows in its own part of the page
  const capacity = loadCapacity(code).catch((e) => e);
  const queue = loadQueueStats(code).catch(() => null); // queue pillar: waits for the map
  try {
    region = await getRegion(code);
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(
      h('h1', {}, t('dashboard.title')),
      h('div', { class: 'panel', dataset: { regionError: String(e.status) } },
        problemBox(e),
        h('p', {}, h('a', { href: '#/dashboard', class: 'btn' }, t('dashboard.back_to_scope')))),
    );
    return;
  }
  const [path, cap] = await Promise.all([ancestors(region.code, me.scope), capacity]);
  if (!alive()) return;
  page.dataset.region = region.code;
  const kids = region.children || [];
  const ok = !(cap instanceof Error);
  if (ok) attachCapacity(region, kids, cap.c);
  attachQueue(region, kids, await queue); // queue pillar
  if (!ok && cap.status === 401) return;

  clear(page).append(
    picker(region, path, me, go),
    kpis(region, kids),
    ok
      ? h('section', { class: 'cap-section', dataset: { capacitySection: '' } },
        capacityHead(region, cap.c, cap.policy),
        h('div', { class: 'kpis kpis-cap' }, capacityKpis(region, cap.c, cap.policy)))
      : h('section', { class: 'panel', dataset: { capacityError: String(cap.status) } }, h('h2', {}, t('cap.title')), problemBox(cap)),
    h('div', { class: 'dash-grid' }, mapPanel(region, kids, path, me, go), tablePanel(region, kids)),
    ok ? h('div', { class: 'dash-grid dash-grid-cap' }, failingPanel(region, cap.c), occupancyPanel(region, cap.c)) : null,
    sourceLegend([region, ...kids].map((r) => r.population_source).concat(ok ? [region.capacity.source] : [])),
  );
}

// the breadcrumb from the province down, links inside the user's scope, and a
// select to go one level further down
function picker(region, path, me, go) {
  const inScope = (c) => c.startsWith(me.scope);
  const crumbs = h(
    'ol',
    { class: 'crumbs', dataset: { pickerPath: '' } },
    path.map((a) =>
      h('li', {}, inScope(a.code) ? h('a', { href: `#/region/${a.code}` }, regionName(a)) : h('span', {}, regionName(a))),
    ),
    h('li', { 'aria-current': 'page' }, h('strong', {}, regionName(region))),
  );
  const kids = region.children || [];
  const select = h(
    'select',
    { dataset: { picker: '' }, disabled: kids.length === 0, 'aria-label': t('picker.label') },
    h('option', { value: '' }, kids.length ? t('picker.choose', { level: levelsName(CHILD_LEVEL[region.level]) }) : t('picker.none')),
    kids.map((k) => h('option', { value: k.code }, `${regionName(k)} (${k.code})`)),
  );
  select.addEventListener('change', () => select.value && go(`#/region/${select.value}`));
  const up = path.filter((a) => inScope(a.code)).pop();
  return h(
    'div',
    { class: 'regionbar' },
    h('div', { class: 'regionbar-title' },
      h('h1', {}, regionName(region)),
      h('span', { class: 'level' }, levelName(region.level)),
      h('span', { class: 'code' }, region.code)),
    path.length ? crumbs : null,
    h('div', { class: 'regionbar-actions' },
      up ? h('a', { href: `#/region/${up.code}`, class: 'btn', dataset: { pickerUp: '' } }, '↑ ', t('picker.up')) : null,
      h('label', { class: 'picker' }, h('span', {}, t('picker.label')), select)),
  );
}

function kpis(region, kids) {
  return h(
    'div',
    { class: 'kpis' },
    FIGURES.filter((f) => f.kpi !== false).map((f) =>
      h('div', { class: 'kpi', dataset: { kpi: f.key } },
        h('span', { class: 'kpi-label' }, t(f.label)),
        h('span', { class: 'kpi-value' }, fmtNumber(f.value(region)), ' ', h('small', {}, t(f.unit))),
        sourceBadge(f.source(region))),
    ),
    h('div', { class: 'kpi' },
      h('span', { class: 'kpi-label' }, t('dashboard.subregions')),
      h('span', { class: 'kpi-value' }, fmtNumber(kids.length), ' ', h('small', {}, kids.length ? levelsName(kids[0].level) : '')),
      h('span', { class: 'kpi-note' }, t('dashboard.subregions_note'))),
    h('div', { class: 'kpi kpi-coming', dataset: { kpi: 'coming' } },
      h('span', { class: 'kpi-label' }, t('dashboard.coming_title')),
      h('span', { class: 'kpi-note' }, t('dashboard.coming'))),
  );
}

function mapPanel(region, kids, path, me, go) {
  let figure = currentFigure();
  const chartEl = h('div', { class: 'chart', role: 'img', 'aria-label': t('map.aria') });
  const note = h('p', { class: 'map-note' });
  const select = h(
    'select',
    { dataset: { figure: '' }, 'aria-label': t('map.figure') },
    FIGURES.map((f) => h('option', { value: f.key, selected: f.key === figure.key }, t(f.label))),
  );
  const cityCode = region.code.slice(0, 4);
  const draw = () => {
    // cities' figures: from this region's children at province level, else
    // only the city the region lies in, when the user may see it
    const values = new Map();
    const rows = region.level === 'province' ? kids : [region, ...path].filter((r) => r.code === cityCode && figure.value(r) !== null);
    for (const r of rows) values.set(r.code, { value: figure.value(r), source: figure.source(r) });
    const city = CITIES.find((c) => c.code === cityCode);
    clear(note).append(
      region.level === 'province'
        ? t('map.note_province')
        : t('map.note_city', { city: city ? regionName({ name: city.feature, name_en: city.en }) : cityCode }),
    );
    drawMap(chartEl, {
      figure,
      values,
      mark: region.level === 'province' ? null : cityCode,
      onPick: (code) => code.startsWith(me.scope) && go(`#/region/${code}`),
    }).then(({ unmatched }) => {
      if (unmatched.length) note.append(' ', t('map.unmatched', { names: unmatched.join(', ') }));
    }).catch((e) => {
      console.error(e);
      clear(chartEl).append(h('p', { class: 'problem', role: 'alert' }, t('map.failed')));
    });
  };
  select.addEventListener('change', () => {
    chooseFigure(select.value);
    figure = currentFigure();
    draw();
  });
  queueMicrotask(draw); // once the panel is in the document and has a size
  return h(
    'section',
    { class: 'panel map-panel', dataset: { map: '' } },
    h('div', { class: 'panel-head' },
      h('h2', {}, t('map.title')),
      h('label', { class: 'figure-pick' }, h('span', {}, t('map.figure')), select)),
    chartEl,
    note,
  );
}

// the subregions: population and, where they have hospitals, capacity
function tablePanel(region, kids) {
  let sortKey = 'code';
  let asc = true;
  const body = h('tbody');
  const heads = {};
  const cap = (r, k) => (r.capacity ? r.capacity[k] : null);
  const num = (v) => (typeof v === 'number' ? v : -1);
  const KEYS = {
    name: (r) => regionName(r),
    code: (r) => r.code,
    population: (r) => num(r.population),
    hospitals: (r) => num(cap(r, 'hospitals')),
    failing: (r) => num(cap(r, 'failing')),
    occupancy: (r) => num(cap(r, 'occupancy_rate')),
    compliance: (r) => num(cap(r, 'compliance_rate')),
  };
  const capCells = (r) => [
    h('td', { class: 'num cap-col', dataset: { col: 'hospitals' } }, fmtNumber(cap(r, 'hospitals'))),
    h('td', { class: 'num cap-col', dataset: { col: 'failing' } }, fmtNumber(cap(r, 'failing'))),
    h('td', { class: 'num cap-col', dataset: { col: 'occupancy' } }, fmtRate(cap(r, 'occupancy_rate'))),
    h('td', { class: 'num cap-col', dataset: { col: 'compliance' } }, fmtRate(cap(r, 'compliance_rate'))),
  ];
  const fill = () => {
    const key = KEYS[sortKey];
    const rows = [...kids].sort((a, b) => {
      const va = key(a);
      const vb = key(b);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return asc ? c : -c;
    });
    clear(body).append(
      ...rows.map((k) =>
        h('tr', { dataset: { code: k.code } },
          h('td', {}, h('a', { href: `#/region/${k.code}` }, regionName(k))),
          h('td', { class: 'code' }, k.code),
          h('td', { class: 'num pop' }, fmtNumber(k.population), ' ', sourceBadge(k.population_source)),
          capCells(k)),
      ),
    );
    for (const [k, th] of Object.entries(heads)) th.setAttribute('aria-sort', k === sortKey ? (asc ? 'ascending' : 'descending') : 'none');
  };
  const th = (key, label, cls) => {
    const btn = h('button', { type: 'button', class: 'sort' }, label);
    btn.addEventListener('click', () => {
      asc = sortKey === key ? !asc : key === 'name' || key === 'code';
      sortKey = key;
      fill();
    });
    heads[key] = h('th', { class: cls, scope: 'col' }, btn);
    return heads[key];
  };
  const table = h(
    'table',
    { class: 'regions', dataset: { regionTable: '' } },
    h('caption', {}, t('table.caption', { region: regionName(region) })),
    h('thead', {}, h('tr', {},
      th('name', t('table.name')),
      th('code', t('table.code'), 'code'),
      th('population', t('figure.population'), 'num'),
      th('hospitals', t('table.hospitals'), 'num cap-col'),
      th('failing', t('table.failing'), 'num cap-col'),
      th('occupancy', t('table.occupancy'), 'num cap-col'),
      th('compliance', t('table.compliance'), 'num cap-col'))),
    body,
    h('tfoot', {}, h('tr', {},
      h('th', { scope: 'row' }, t('table.total', { region: regionName(region) })),
      h('td', { class: 'code' }, region.code),
      h('td', { class: 'num pop' }, fmtNumber(region.population), ' ', sourceBadge(region.population_source)),
      capCells(region))),
  );
  fill();
  return h(
    'section',
    { class: 'panel table-panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, kids.length ? t('table.title', { level: levelsName(kids[0].level) }) : t('table.title_none'))),
    kids.length ? h('div', { class: 'table-wrap' }, table) : h('p', { class: 'empty' }, t('table.empty')),
  );
}
