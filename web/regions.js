// regions.js - reading the region tree. Names seen in any answer are kept so
// that a breadcrumb rarely needs a request of its own; figures are always
// fetched fresh.
import { api } from './api.js';

const names = new Map(); // code → {code, name, name_en, level}

function remember(r) {
  if (r && r.code) names.set(r.code, { code: r.code, name: r.name, name_en: r.name_en, level: r.level });
}

export function rememberPath(path) {
  (path || []).forEach(remember);
}

export async function getRegion(code) {
  const r = await api('GET', `/regions/${encodeURIComponent(code)}`);
  remember(r);
  (r.children || []).forEach(remember);
  return r;
}

// The statistical code's prefixes: province 2, city 4, county 6, township 9,
// community 12, grid 15 digits.
export function ancestorCodes(code) {
  return [2, 4, 6, 9, 12].filter((n) => n < code.length).map((n) => code.slice(0, n));
}

// The regions from the province down to `code`'s parent, as far as they can
// be read: those above the user's scope come from /api/v1/me, those inside it
// from the cache or the server.
export async function ancestors(code, scope) {
  const codes = ancestorCodes(code);
  await Promise.all(
    codes
      .filter((c) => !names.has(c) && c.startsWith(scope))
      .map((c) => getRegion(c).catch(() => null)),
  );
  return codes.map((c) => names.get(c) || { code: c, name: c });
}
