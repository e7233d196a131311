// figures.js - the figures the dashboard can colour the map and fill the
// table with. Each pillar adds its own entry (beds per 10,000, fever-clinic
// wait, days of cover, …); `value` reads it from a region row of
// GET /api/v1/regions/{code}, `source` says where it comes from.

export const FIGURES = [
  {
    key: 'population',
    label: 'figure.population',
    unit: 'unit.people',
    value: (r) => (typeof r.population === 'number' ? r.population : null),
    source: (r) => r.population_source || null,
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
