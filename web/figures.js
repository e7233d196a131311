// figures.js - the figures the dashboard can colour the map and fill the
// table with. Each pillar adds its own entry (beds per 10,000, fever-clinic
// wait, days of cover, …); `value` reads it from a region row of
// GET /api/v1/regions/{code} (capacity figures: from the row's `capacity`,
// the region's entry in GET /api/v1/capacity/compliance, which the dashboard
// attaches), `source` says where it comes from. `percent` figures are shown
// as "94.1 %"; `colors` runs from low to high (red where high is bad);
// `kpi: false` figures have their own cards instead of the generic one.
// No imports: tests load this file on its own.

// a 0..1 rate as a percentage with one decimal, null when unknown
const pct = (x) => (typeof x === 'number' ? Math.round(x * 1000) / 10 : null);
const cap = (r) => r.capacity || null;

export const FIGURES = [
  {
    key: 'population',
    label: 'figure.population',
    unit: 'unit.people',
    value: (r) => (typeof r.population === 'number' ? r.population : null),
    source: (r) => r.population_source || null,
  },
  {
    key: 'occupancy',
    label: 'figure.occupancy',
    unit: 'unit.percent',
    percent: true,
    kpi: false,
    colors: ['#fff7ec', '#fdae61', '#d7301f', '#7f0000'],
    value: (r) => pct(cap(r) && cap(r).occupancy_rate),
    source: (r) => (cap(r) ? cap(r).source : null),
  },
  {
    key: 'icu_occupancy',
    label: 'figure.icu_occupancy',
    unit: 'unit.percent',
    percent: true,
    kpi: false,
    colors: ['#fff7ec', '#fdae61', '#d7301f', '#7f0000'],
    value: (r) => pct(cap(r) && cap(r).icu_rate),
    source: (r) => (cap(r) ? cap(r).source : null),
  },
  {
    key: 'compliance',
    label: 'figure.compliance',
    unit: 'unit.percent',
    percent: true,
    kpi: false,
    colors: ['#b2182b', '#fdae61', '#fee08b', '#1a9850'],
    value: (r) => pct(cap(r) && cap(r).compliance_rate),
    source: (r) => (cap(r) ? cap(r).source : null),
  },
  // queue pillar: the p90 fever-clinic wait today (GET /api/v1/queue/stats,
  // attached as the row's `queue` by the dashboard)
  {
    key: 'queue_wait',
    label: 'figure.queue_wait',
    unit: 'unit.minutes',
    kpi: false,
    colors: ['#1a9850', '#fee08b', '#fdae61', '#b2182b'],
    value: (r) => (r.queue && typeof r.queue.p90_wait_min === 'number' ? r.queue.p90_wait_min : null),
    source: (r) => (r.queue ? r.queue.source : null),
  },
];

const KEY = 'crest.figure';
let chosen = null;

export function currentFigure() {
  let k = chosen;
  try {
    k = k || localStorage.getItem(KEY);
  } catch {
    /* the default below */
  }
  return FIGURES.find((f) => f.key === k) || FIGURES[0];
}

export function chooseFigure(key) {
  chosen = key;
  try {
    localStorage.setItem(KEY, key);
  } catch {
    /* remembered for this page only */
  }
}
