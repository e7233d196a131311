// pages.js - the working pages of the roles whose pillars have not landed yet.
// Each shows who and where the user is and which pillar brings the rest: no
// invented data. Pages that have landed list what is still to come here.
import { h } from './dom.js';
import { t, regionName } from './i18n.js';
import { PAGES } from './roles.js';

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

// the grid worker's page is the community pillar's (community.js), which
// keeps the grid's card (its name, population and where that figure comes
// from) above the day's list
