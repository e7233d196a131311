// roles.js - which pages each role has (DESIGN.md §2). The server decides what
// a user may see; this only decides what the navigation offers. Pages that a
// later pillar fills say so, by pillar, instead of showing invented data.

export const PAGES = {
  dashboard: { route: '#/dashboard', label: 'nav.dashboard' },
  grid: { route: '#/grid', label: 'nav.grid', upcoming: ['community', 'vaccine'] },
  records: { route: '#/records', label: 'nav.records', upcoming: ['queue', 'vaccine', 'community', 'telecare', 'faq'] },
  hospital: { route: '#/hospital', label: 'nav.hospital', upcoming: ['capacity', 'community', 'supply'] },
  clinic: { route: '#/clinic', label: 'nav.clinic', upcoming: ['queue'] },
  pharmacy: { route: '#/pharmacy', label: 'nav.pharmacy', upcoming: ['telecare', 'supply'] },
  insurer: { route: '#/insurer', label: 'nav.insurer', upcoming: ['telecare'] },
  venue: { route: '#/venue', label: 'nav.venue', upcoming: ['screening'] },
  vaccinator: { route: '#/vaccinator', label: 'nav.vaccinator', upcoming: ['vaccine'] },
};

export const ROLE_PAGES = {
  admin: ['dashboard'],
  commander: ['dashboard'],
  hospital: ['hospital'],
  clinic: ['clinic'],
  grid: ['grid'],
  pharmacy: ['pharmacy'],
  insurer: ['insurer'],
  venue: ['venue'],
  vaccinator: ['vaccinator'],
  resident: ['records'],
};

export function pagesOf(role) {
  return ROLE_PAGES[role] || [];
}

export function homeOf(role) {
  const p = pagesOf(role)[0];
  return p ? PAGES[p].route : '#/none';
}

export function mayOpen(role, page) {
  return pagesOf(role).includes(page);
}
