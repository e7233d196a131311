// capacity.js - the capacity pillar (DESIGN.md §1) on the command dashboard:
// the seed's targets for the region being looked at (designated beds against
// the province's target, the ICU rules, 24 h fever clinics), occupancy, the
// occupancy time series, the hospitals short of a target with their gaps in
// the server's words, and the gap list as a spreadsheet. Also a hospital's
// own page as a commander sees it (its gaps, its recent reports).
//
// Everything comes from GET /api/v1/capacity/compliance and /timeseries; the
// targets' numbers (100,000 beds, 4 %) from the policy pack (GET
// /api/v1/policy), never from this file. A database built by `crest demo`
// says so (source "illustrative"): its figures carry the "illustrative" label.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, getLang, fmtNumber, fmtRate, regionName } from './i18n.js';
import { getRegion, ancestors } from './regions.js';
import { drawChart } from './map.js';
import { problemBox, sourceBadge, statusChip, facilityTags, downloadLink, loading, levelName } from './ui.js';
import { loadReports, reportForm, reportsTable } from './report.js';

let policy = null;

export function getPolicy() {
  if (!policy) {
    policy = api('GET', '/policy').catch((e) => {
      policy = null;
      throw e;
    });
  }
  return policy;
}

// the badge id for capacity figures: the demo's are labelled as generated
// (their own legend text: generated hospitals and reports, not census-based)
export function capSource(s) {
  return s === 'illustrative' ? 'demo' : s || 'reported';
}

export function policyTitle(p) {
  if (!p || !p.title) return '';
  return getLang() === 'en' ? p.title.en || p.title.zh : p.title.zh || p.title.en;
}

// compliance for a region (and the policy it is judged by)
export async function loadCapacity(code, date) {
  const q = new URLSearchParams({ region: code });
  if (date) q.set('date', date);
  const [c, p] = await Promise.all([api('GET', `/capacity/compliance?${q}`), getPolicy().catch(() => null)]);
  return { c, policy: p };
}

// The region row's `capacity` (what figures.js reads): the region itself from
// the summary, its children from `children`.
export function attachCapacity(region, kids, c) {
  const source = capSource(c.source);
  region.capacity = {
    hospitals: c.hospitals,
    failing: c.failing,
    stale: c.stale,
    designated_beds: c.rules.designated_beds.have,
    occupancy_rate: c.occupancy.rate,
    icu_rate: c.occupancy.icu_rate,
    compliance_rate: c.hospitals ? (c.hospitals - c.failing) / c.hospitals : null,
    source,
  };
  const byCode = new Map((c.children || []).map((k) => [k.code, k]));
  for (const k of kids) {
    const x = byCode.get(k.code);
    k.capacity = x ? { ...x, source } : null;
  }
}

// ---- the dashboard's capacity section ----

function kpi(key, label, value, small, notes, { bar = null, raw = null } = {}) {
  return h(
    'div',
    { class: 'kpi kpi-cap', dataset: { kpi: key } },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, h('span', { dataset: { value: raw === null ? '' : String(raw) } }, value), small ? [' ', h('small', {}, small)] : null),
    bar,
    notes.filter(Boolean).map((n) => h('span', { class: 'kpi-note' }, n)),
  );
}

function progress(have, need) {
  const pct = need > 0 ? Math.min(100, (have / need) * 100) : 0;
  const bar = h('span', { class: 'bar-fill' });
  bar.style.width = `${pct.toFixed(1)}%`;
  return h('span', { class: 'bar', role: 'img', 'aria-label': t('cap.designated.bar', { pct: fmtRate(need > 0 ? have / need : null) }) }, bar);
}

function ruleCard(key, r, label, scope) {
  if (!r.applicable) return kpi(key, label, t('figure.none'), null, [scope, t('cap.rule.none_applicable')]);
  return kpi(
    key,
    label,
    `${fmtNumber(r.met)} / ${fmtNumber(r.applicable)}`,
    t('cap.rule.met_of'),
    [
      scope,
      h('span', { dataset: { breakdown: '' } },
        r.not_met ? statusChip('not_met') : statusChip('met'), ' ',
        t('cap.rule.breakdown', { not_met: fmtNumber(r.not_met), unknown: fmtNumber(r.unknown) })),
      r.gap && key !== 'fever_clinic_24h' ? t(`cap.${key}.gap`, { gap: fmtNumber(r.gap) }) : null,
      r.deadline ? t('cap.deadline', { date: r.deadline }) : null,
    ],
    { raw: r.met },
  );
}

export function capacityKpis(region, c, pol) {
  const pc = (pol && pol.capacity) || {};
  const d = c.rules.designated_beds;
  const province = d.status !== 'not_applicable';
  const o = c.occupancy;
  const cards = [];
  cards.push(
    kpi(
      'designated_beds',
      t('cap.designated.label'),
      fmtNumber(d.have),
      province ? t('cap.designated.of', { need: fmtNumber(d.need) }) : t('unit.beds'),
      [
        province
          ? h('span', {}, statusChip(d.status), ' ',
            d.status === 'met' ? t('cap.designated.met', { deadline: d.deadline }) : t('cap.designated.gap', { gap: fmtNumber(d.gap), deadline: d.deadline }))
          : t('cap.designated.contribution', { target: pc.designated_beds_min ? fmtNumber(pc.designated_beds_min) : '—', deadline: d.deadline }),
        d.not_reporting_last_known
          ? h('span', { dataset: { lastKnown: String(d.not_reporting_last_known) } }, t('cap.designated.last_known', { n: fmtNumber(d.not_reporting_last_known) }))
          : null,
      ],
      { bar: province ? progress(d.have, d.need) : null, raw: d.have },
    ),
  );
  cards.push(ruleCard('icu_beds', c.rules.icu_beds, t('cap.icu_beds.label', { pct: pc.icu_beds_min_pct ?? '—' }), t('cap.icu.scope')));
  cards.push(ruleCard('icu_convertible', c.rules.icu_convertible, t('cap.icu_convertible.label', { pct: pc.icu_convertible_min_pct ?? '—' }), t('cap.icu.scope')));
  cards.push(ruleCard('fever_clinic_24h', c.rules.fever_clinic_24h, t('cap.fever_clinic_24h.label'), t('cap.fever.scope', { level: tOr(`hlevel.${pc.fever_clinic_24h_min_level}`, pc.fever_clinic_24h_min_level || '—') })));
  cards.push(
    kpi('occupancy', t('cap.occupancy.label'), fmtRate(o.rate), null,
      [t('cap.occupancy.note', { occupied: fmtNumber(o.occupied_beds), open: fmtNumber(o.open_beds) })],
      { raw: o.rate }),
  );
  cards.push(
    kpi('icu_occupancy', t('cap.icu_occupancy.label'), fmtRate(o.icu_rate), null,
      [t('cap.icu_occupancy.note', { occupied: fmtNumber(o.icu_occupied), beds: fmtNumber(o.icu_beds) })],
      { raw: o.icu_rate }),
  );
  cards.push(
    kpi('reporting', t('cap.reporting.label'), `${fmtNumber(c.reporting)} / ${fmtNumber(c.hospitals)}`, t('cap.reporting.unit'),
      [
        c.stale ? h('span', { dataset: { stale: String(c.stale) } }, statusChip('not_met'), ' ', t('cap.reporting.stale', { n: fmtNumber(c.stale), days: pc.report_stale_days ?? '—' })) : t('cap.reporting.all'),
        t('cap.reporting.failing', { n: fmtNumber(c.failing) }),
      ],
      { raw: c.reporting }),
  );
  cards.push(
    kpi('fever_visits', t('cap.fever_visits.label'), fmtNumber(o.fever_visits), t('unit.visits'),
      [t('cap.fever_visits.note', { ventilators: fmtNumber(o.ventilators) })],
      { raw: o.fever_visits }),
  );
  return cards;
}

// the heading of the capacity part: what date and which policy it is judged by
export function capacityHead(region, c, pol) {
  const source = capSource(c.source);
  return h(
    'div',
    { class: 'cap-head', dataset: { capacity: c.region, asOf: c.as_of } },
    h('h2', {}, t('cap.title')),
    h('p', { class: 'cap-asof' },
      h('strong', {}, t(c.source === 'illustrative' ? 'cap.as_of_scenario' : 'cap.as_of', { date: c.as_of })),
      ' · ',
      t('cap.policy', { policy: policyTitle(pol) || c.policy }),
      ' ',
      sourceBadge(source)),
    c.hospitals ? null : h('p', { class: 'empty', dataset: { noHospitals: '' } }, t('cap.no_hospitals')),
  );
}

// the occupancy of the region's hospitals over the year before the date
export function occupancyPanel(region, c) {
  const el = h('div', { class: 'chart chart-small', role: 'img', 'aria-label': t('cap.trend.aria') });
  const note = h('p', { class: 'map-note' });
  const panel = h('section', { class: 'panel trend-panel', dataset: { trend: '' } },
    h('div', { class: 'panel-head' }, h('h2', {}, t('cap.trend.title')), sourceBadge(capSource(c.source))),
    el, note);
  const to = c.as_of;
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 364 * 86400000).toISOString().slice(0, 10);
  const q = new URLSearchParams({ region: c.region, from, to });
  queueMicrotask(async () => {
    let ts;
    try {
      ts = await api('GET', `/capacity/timeseries?${q}`);
    } catch (e) {
      if (e.status !== 401 && el.isConnected) clear(el).append(problemBox(e, { compact: true }));
      return;
    }
    if (!el.isConnected) return;
    const items = ts.items || [];
    if (!items.length) {
      clear(el).append(h('p', { class: 'empty' }, t('cap.trend.none')));
      el.classList.add('chart-empty');
      return;
    }
    el.dataset.points = String(items.length);
    const rate = (a, b) => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);
    const small = el.clientWidth < 520;
    note.textContent = t('cap.trend.note', { from: items[0].date, to: items[items.length - 1].date });
    try {
      await drawChart(el, {
        animation: false,
        grid: { left: 44, right: small ? 44 : 60, top: 40, bottom: 28 },
        legend: { top: 0, textStyle: { fontSize: small ? 10 : 12 } },
        tooltip: {
          trigger: 'axis',
          valueFormatter: (v) => (typeof v === 'number' ? fmtNumber(v) : t('figure.none')),
        },
        xAxis: { type: 'time', axisLabel: { fontSize: small ? 10 : 12, hideOverlap: true } },
        yAxis: [
          { type: 'value', min: (v) => Math.max(0, Math.floor(v.min / 10) * 10), max: 100, axisLabel: { formatter: '{value}%' } },
          { type: 'value', name: small ? '' : t('cap.trend.visits_axis'), splitLine: { show: false }, axisLabel: { formatter: (v) => fmtNumber(v) } },
        ],
        series: [
          { name: t('cap.trend.occupancy'), type: 'line', showSymbol: false, color: '#d7301f', data: items.map((i) => [i.date, rate(i.occupied_beds, i.open_beds)]) },
          { name: t('cap.trend.icu'), type: 'line', showSymbol: false, color: '#7f0000', lineStyle: { type: 'dashed' }, data: items.map((i) => [i.date, rate(i.icu_occupied, i.icu_beds)]) },
          { name: t('cap.trend.visits'), type: 'line', yAxisIndex: 1, showSymbol: false, color: '#00695c', areaStyle: { opacity: 0.12 }, lineStyle: { width: 1 }, data: items.map((i) => [i.date, i.fever_visits]) },
        ],
      });
    } catch (e) {
      console.error(e);
      clear(el).append(h('p', { class: 'problem', role: 'alert' }, t('map.failed')));
    }
  });
  return panel;
}

// which child region (city at province level, …) a hospital's code lies in
function childOf(code, kids) {
  return kids.find((k) => code.startsWith(k.code)) || null;
}

// the hospitals short of a target, with the server's gap messages; each
// links to its page, each area to its own dashboard (the drill-down)
export function failingPanel(region, c) {
  const kids = c.children || [];
  const list = c.failing_list || [];
  const q = new URLSearchParams({ region: c.region, date: c.as_of }).toString();
  const rules = [...new Set(list.flatMap((f) => f.gaps.map((g) => g.rule)))];
  const filter = h(
    'select',
    { dataset: { failingRule: '' }, 'aria-label': t('cap.failing.filter') },
    h('option', { value: '' }, t('cap.failing.all_rules')),
    rules.map((r) => h('option', { value: r }, tOr(`rule.${r}`, r))),
  );
  const PAGE = 50;
  let shown = PAGE;
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'btn', dataset: { failingMore: '' } }, t('cap.failing.more'));
  const fill = () => {
    const rows = list.filter((f) => !filter.value || f.gaps.some((g) => g.rule === filter.value));
    clear(body).append(
      ...rows.slice(0, shown).map((f) => {
        const k = childOf(f.region, kids);
        return h('tr', { dataset: { facility: String(f.id), region: f.region } },
          h('td', {},
            h('a', { href: `#/facility/${f.id}`, dataset: { facilityLink: String(f.id) } }, f.name),
            ' ',
            facilityTags(f)),
          h('td', {}, k ? h('a', { href: `#/region/${k.code}`, dataset: { drill: k.code } }, regionName(k)) : h('span', { class: 'code' }, f.region)),
          h('td', {},
            f.last_report || t('cap.failing.never'),
            f.stale ? [' ', h('span', { class: 'tag tag-warn', dataset: { stale: '' } }, t('cap.failing.stale'))] : null),
          h('td', {}, h('ul', { class: 'gaps' }, f.gaps.map((g) => h('li', { dataset: { rule: g.rule }, title: tOr(`rule.${g.rule}`, g.rule) }, g.message)))));
      }),
    );
    more.hidden = rows.length <= shown;
    more.textContent = t('cap.failing.more', { n: fmtNumber(rows.length - shown) });
  };
  filter.addEventListener('change', () => {
    shown = PAGE;
    fill();
  });
  more.addEventListener('click', () => {
    shown += PAGE;
    fill();
  });
  fill();
  const table = h(
    'table',
    { class: 'regions failing', dataset: { failingList: c.region } },
    h('caption', {}, t('cap.failing.caption', { n: fmtNumber(c.failing), hospitals: fmtNumber(c.hospitals), date: c.as_of })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('cap.failing.col.hospital')),
      h('th', { scope: 'col' }, kids.length ? t('cap.failing.col.area', { level: levelName(kidsLevel(kids)) }) : t('cap.failing.col.region')),
      h('th', { scope: 'col' }, t('cap.failing.col.last_report')),
      h('th', { scope: 'col' }, t('cap.failing.col.gaps')))),
    body,
  );
  return h(
    'section',
    { class: 'panel failing-panel', dataset: { failing: String(c.failing) } },
    h('div', { class: 'panel-head' },
      h('h2', {}, t('cap.failing.title')),
      h('div', { class: 'panel-tools' },
        list.length ? h('label', { class: 'figure-pick' }, h('span', {}, t('cap.failing.filter')), filter) : null,
        h('span', { class: 'dl-group' },
          h('span', { class: 'muted' }, t('cap.failing.download')), ' ',
          downloadLink(`/capacity/gaps.csv?${q}`, 'CSV', 'gaps-csv'), ' ',
          downloadLink(`/capacity/gaps.xlsx?${q}`, 'XLSX', 'gaps-xlsx')))),
    list.length
      ? [h('div', { class: 'table-wrap' }, table), more,
        c.failing_list_truncated ? h('p', { class: 'map-note', dataset: { truncated: '' } }, t('cap.failing.truncated', { shown: fmtNumber(list.length), n: fmtNumber(c.failing) })) : null]
      : h('p', { class: 'empty', dataset: { failingNone: '' } }, t(c.hospitals ? 'cap.failing.none' : 'cap.no_hospitals')),
  );
}

function kidsLevel(kids) {
  const n = kids[0].code.length;
  return { 4: 'city', 6: 'county', 9: 'township', 12: 'community', 15: 'grid' }[n] || '';
}

// ---- a facility's page (commanders) ----

export async function renderFacility(main, { me, id, alive }) {
  const page = h('section', { class: 'page page-facility', dataset: { page: 'facility' } }, loading());
  main.append(page);
  let f;
  try {
    f = await api('GET', `/facilities/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(h('h1', {}, t('facility.title')), problemBox(e), h('p', {}, h('a', { class: 'btn', href: '#/facilities' }, t('facility.back'))));
    page.dataset.facilityError = String(e.status);
    return;
  }
  const hospital = f.kind === 'hospital';
  const [path, area, reports, cap] = await Promise.all([
    ancestors(f.region, me.scope),
    getRegion(f.region).catch(() => null),
    hospital ? loadReports(f.id).catch((e) => e) : null,
    hospital ? loadCapacity(f.region).catch((e) => e) : null,
  ]);
  if (!alive()) return;
  page.dataset.facility = String(f.id);
  const crumbs = h('ol', { class: 'crumbs', dataset: { facilityPath: '' } },
    [...path, area || { code: f.region, name: f.region }].map((a) =>
      h('li', {}, a.code.startsWith(me.scope) ? h('a', { href: `#/region/${a.code}` }, regionName(a)) : h('span', {}, regionName(a)))),
    h('li', { 'aria-current': 'page' }, h('strong', {}, f.name)));
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('field.kind')), h('dd', {}, tOr(`kind.${f.kind}`, f.kind)),
    hospital ? [h('dt', {}, t('facility.class')), h('dd', {}, facilityTags(f))] : null,
    h('dt', {}, t('field.region')), h('dd', {}, area ? regionName(area) : '', ' ', h('span', { class: 'code' }, f.region)),
    f.address ? [h('dt', {}, t('field.address')), h('dd', {}, f.address)] : null,
    f.phone ? [h('dt', {}, t('field.phone')), h('dd', {}, f.phone)] : null,
    f.opened ? [h('dt', {}, t('field.opened')), h('dd', {}, f.opened)] : null,
    h('dt', {}, t('facility.id')), h('dd', { class: 'code' }, String(f.id)),
    f.active ? null : [h('dt', {}, t('field.active')), h('dd', {}, t('facility.inactive'))]);
  const parts = [
    crumbs,
    h('div', { class: 'regionbar-title' }, h('h1', {}, f.name), facilityTags(f)),
    h('section', { class: 'panel' }, facts),
  ];
  if (hospital) {
    parts.push(gapsPanel(f, cap));
    const table = h('div', { dataset: { reportsWrap: '' } });
    if (reports instanceof Error) {
      table.append(problemBox(reports));
      parts.push(h('section', { class: 'panel' }, h('h2', {}, t('reports.title')), table));
    } else {
      const form = reportForm(reports, {
        idPrefix: 'cf',
        onChange: (d) => clear(table).append(reportsTable(d.items, { onPick, limit: 30 })),
      });
      function onPick(date) {
        details.open = true;
        form.pick(date);
      }
      table.append(reportsTable(reports.items, { onPick, limit: 30 }));
      const details = h('details', { class: 'panel report-details', dataset: { onBehalf: '' } },
        h('summary', {}, h('strong', {}, t('facility.on_behalf')), ' ', h('span', { class: 'muted' }, t('facility.on_behalf_note'))),
        form.el);
      parts.push(
        h('section', { class: 'panel', dataset: { facilityReports: '' } },
          h('div', { class: 'panel-head' }, h('h2', {}, t('reports.title')), sourceBadge(capSource(reports.source))),
          table),
        details,
      );
    }
  }
  clear(page).append(...parts);
}

// the hospital's gaps, from its township's compliance (the failing list
// names it with the server's messages when it is short of anything)
function gapsPanel(f, cap) {
  const head = h('div', { class: 'panel-head' }, h('h2', {}, t('facility.gaps_title')));
  if (!cap || cap instanceof Error) return h('section', { class: 'panel' }, head, cap ? problemBox(cap) : null);
  const { c } = cap;
  const mine = (c.failing_list || []).find((x) => x.id === f.id);
  head.append(sourceBadge(capSource(c.source)));
  return h(
    'section',
    { class: 'panel', dataset: { facilityGaps: mine ? String(mine.gaps.length) : '0' } },
    head,
    h('p', { class: 'muted' }, t('cap.as_of', { date: c.as_of })),
    mine
      ? h('ul', { class: 'gaps big' }, mine.gaps.map((g) =>
        h('li', { dataset: { rule: g.rule } },
          statusChip('not_met'), ' ',
          h('span', { class: 'gap-rule' }, g.message),
          g.rule !== 'reporting' && g.rule !== 'fever_clinic_24h' ? h('span', { class: 'muted' }, ' ', t('facility.have_need', { have: fmtNumber(g.have), need: fmtNumber(g.need) })) : null)))
      : h('p', {}, statusChip('met'), ' ', t('facility.no_gaps')),
  );
}
