// roles.js - which pages each role has (DESIGN.md §2). The server decides what
// a user may see; this only decides what the navigation offers. Pages that a
// later pillar fills say so, by pillar, instead of showing invented data.

export const PAGES = {
  dashboard: { route: '#/dashboard', label: 'nav.dashboard' },
  facilities: { route: '#/facilities', label: 'nav.facilities' },
  grid: { route: '#/grid', label: 'nav.grid', upcoming: ['vaccine'] },
  records: { route: '#/records', label: 'nav.records', upcoming: ['vaccine', 'telecare', 'faq'] },
  hospital: { route: '#/hospital', label: 'nav.hospital', upcoming: ['supply'] },
  clinic: { route: '#/clinic', label: 'nav.clinic' }, // queue pillar: the desk's call-next screen
  queue: { route: '#/queue', label: 'nav.queue' }, // queue pillar: a resident's ticket
  pharmacy: { route: '#/pharmacy', label: 'nav.pharmacy', upcoming: ['telecare', 'supply'] },
  insurer: { route: '#/insurer', label: 'nav.insurer', upcoming: ['telecare'] },
  venue: { route: '#/venue', label: 'nav.venue', upcoming: ['screening'] },
  vaccinator: { route: '#/vaccinator', label: 'nav.vaccinator', upcoming: ['vaccine'] },
  // community pillar: the grid worker's requests and new entry, the
  // commander's community statistics
  grid_requests: { route: '#/grid/requests', label: 'nav.grid_requests' },
  grid_new: { route: '#/grid/new', label: 'nav.grid_new' },
  community: { route: '#/community', label: 'nav.community' },
};

export const ROLE_PAGES = {
  admin: ['dashboard', 'facilities', 'community'],
  commander: ['dashboard', 'facilities', 'community'],
  hospital: ['hospital'],
  clinic: ['clinic'],
  grid: ['grid', 'grid_requests', 'grid_new'],
  pharmacy: ['pharmacy'],
  insurer: ['insurer'],
  venue: ['venue'],
  vaccinator: ['vaccinator'],
  resident: ['records', 'queue'],
};

// supply pillar: stock, days of cover and dispatch for the command; a
// hospital's and a pharmacy's own stock and incoming shipments
PAGES.supply = { route: '#/supply', label: 'nav.supply' };
for (const r of ['admin', 'commander', 'hospital', 'pharmacy']) ROLE_PAGES[r].push('supply');
for (const p of ['hospital', 'pharmacy']) PAGES[p].upcoming = PAGES[p].upcoming.filter((x) => x !== 'supply');

export function pagesOf(role) {
  return ROLE_PAGES[role] || [];
}

export function homeOf(role) {
  const p = pagesOf(role)[0];
  return p ? PAGES[p].route : '#/none';
}

// pages reached by a link rather than the navigation (#/region/33,
// #/facility/17), and the page whose role they belong to
export const DEEP = {
  region: 'dashboard',
  facility: 'facilities',
  // community pillar: an entry of the ledger (#/episode/7), a region's
  // community statistics (#/community/330106)
  episode: 'grid',
  community_region: 'community',
};

export function mayOpen(role, page) {
  return pagesOf(role).includes(page) || (DEEP[page] !== undefined && pagesOf(role).includes(DEEP[page]));
}
