// i18n.js - the UI's strings, from i18n/<lang>.json. zh-CN is the default;
// the choice is remembered in localStorage and sent to the server as
// Accept-Language so its problem messages come back in the same language.

export const LANGS = ['zh-CN', 'en'];
const KEY = 'crest.lang';
let lang = 'zh-CN';
let dict = {};

function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null; // storage disabled: the default language still works
  }
}

async function load(l) {
  const res = await fetch(`/i18n/${l}.json`, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`i18n ${l}: HTTP ${res.status}`);
  dict = await res.json();
  lang = l;
  document.documentElement.lang = l;
  document.title = t('app.title');
}

export async function initI18n() {
  await load(stored() || 'zh-CN');
}

export async function setLang(l) {
  if (!LANGS.includes(l)) return;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* not remembered, still switched */
  }
  await load(l);
}

export function getLang() {
  return lang;
}

// t('table.title', {level: …}) → the string with {level} filled in; a missing
// key shows itself
export function t(key, vars) {
  let s = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// t() for a key that may be absent: the fallback instead of the key
export function tOr(key, fallback) {
  return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : fallback;
}

export function fmtNumber(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return t('figure.none');
  return new Intl.NumberFormat(lang).format(n);
}

// a percentage (94.1 → "94.1%"), `digits` decimals at most
export function fmtPercent(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return t('figure.none');
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v)}%`;
}

// a 0..1 rate as a percentage
export function fmtRate(x, digits = 1) {
  return typeof x === 'number' ? fmtPercent(x * 100, digits) : t('figure.none');
}

// an ISO time as the reader's local date and time
export function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// a region's name in the chosen language (townships have no English name yet)
export function regionName(r) {
  if (!r) return '';
  return lang === 'en' && r.name_en ? r.name_en : r.name;
}
