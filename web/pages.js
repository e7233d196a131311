// pages.js - the working pages of the roles whose pillars have not landed yet.
// Each shows who and where the user is, what exists now (the grid worker's
// grid and its figures), and which pillar brings the rest: no invented data.
import { h, clear } from './dom.js';
import { t, fmtNumber, regionName } from './i18n.js';
import { getRegion } from './regions.js';
import { PAGES } from './roles.js';
import { problemBox, sourceBadge, levelName, loading } from './ui.js';

export function areaLine(me) {
  const path = me.region_path || [];
  return h(
    'p',
    { class: 'area', dataset: { area: '' } },
    h('span', { class: 'muted' }, t('page.your_area')),
    ' ',
    path.length ? path.map((r) => regionName(r)).join(' › ') : me.scope,
    ' ',
    h('span', { class: 'code' }, me.scope),
  );
}

export function upcoming(page) {
  const pillars = PAGES[page].upcoming || [];
  return h(
    'section',
    { class: 'panel upcoming', dataset: { upcoming: '' } },
    h('h2', {}, t('page.upcoming_title')),
    h('p', { class: 'muted' }, t('page.upcoming_intro')),
    h(
      'ul',
      {},
      pillars.map((p) =>
        h('li', {}, h('span', { class: 'pillar' }, t(`pillar.${p}`)), h('span', {}, t(`coming.${page}.${p}`))),
      ),
    ),
  );
}

// hospital, clinic, pharmacy, insurer, venue, vaccinator, resident
export function renderPlaceholder(main, { me, page }) {
  main.append(
    h(
      'section',
      { class: `page page-${page}`, dataset: { page } },
      h('h1', {}, t(`page.${page}.title`)),
      h('p', { class: 'lead' }, t(`page.${page}.lead`)),
      areaLine(me),
      h('p', { class: 'notice', dataset: { notYet: '' } }, t('page.not_yet')),
      upcoming(page),
    ),
  );
}

// the grid worker's day starts from their grid: what it is, where, how many
// people live there (and where that figure comes from)
export async function renderGrid(main, { me, alive }) {
  const page = h('section', { class: 'page page-grid', dataset: { page: 'grid' } }, loading());
  main.append(page);
  let region = null;
  let error = null;
  try {
    region = await getRegion(me.scope);
  } catch (e) {
    if (e.status === 401) return;
    error = e;
  }
  if (!alive()) return;
  const kids = (region && region.children) || [];
  clear(page).append(
    h('h1', {}, t('page.grid.title')),
    h('p', { class: 'lead' }, t('page.grid.lead')),
    areaLine(me),
    error
      ? problemBox(error)
      : h(
          'section',
          { class: 'panel grid-card', dataset: { gridCard: region.code } },
          h('div', { class: 'grid-card-head' },
            h('h2', {}, regionName(region)),
            h('span', { class: 'level' }, levelName(region.level))),
          h('dl', { class: 'facts' },
            h('dt', {}, t('figure.population')),
            h('dd', {}, h('strong', {}, fmtNumber(region.population)), ' ', t('unit.people'), ' ', sourceBadge(region.population_source)),
            h('dt', {}, t('table.code')),
            h('dd', { class: 'code' }, region.code)),
          kids.length
            ? h('ul', { class: 'kids' }, kids.map((k) => h('li', {}, regionName(k), ' · ', fmtNumber(k.population), ' ', t('unit.people'))))
            : null,
        ),
    upcoming('grid'),
  );
}
