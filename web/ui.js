// ui.js - pieces every page uses: an API problem shown as a person can act on
// it, the label that says where a figure comes from, level names, a button
// that downloads a file from the API.
import { h, clear } from './dom.js';
import { t, tOr } from './i18n.js';
import { download } from './api.js';

// An ApiError as a message box: the server's title and detail (already in the
// chosen language), the fields it names, and the request id for support.
export function problemBox(err, { compact = false } = {}) {
  const p = (err && err.problem) || { title: t('error.generic'), detail: String(err) };
  const fields = Array.isArray(p.errors) ? p.errors : [];
  return h(
    'div',
    { class: 'problem', role: 'alert', dataset: { problem: p.code || String(err.status || '') } },
    compact && p.detail ? null : h('strong', { class: 'problem-title' }, p.title || t('error.generic')),
    p.detail ? h('p', { class: 'problem-detail' }, p.detail) : null,
    fields.length
      ? h(
          'ul',
          { class: 'problem-fields' },
          fields.map((f) =>
            h('li', {}, h('span', { class: 'field' }, fieldLabel(f.field)), ' ', f.message || f.code),
          ),
        )
      : null,
    !compact && p.instance ? h('small', { class: 'problem-ref' }, t('error.reference', { id: p.instance })) : null,
  );
}

function fieldLabel(field) {
  return tOr(`field.${field}`, field);
}

// census2020 / secondary / derived / estimated / illustrative / reported
export function sourceBadge(source) {
  const s = source || 'unknown';
  return h(
    'span',
    { class: `source source-${s.replace(/[^a-z0-9]/g, '')}`, title: tOr(`source.${s}.long`, t('source.unknown.long')), dataset: { source: s } },
    tOr(`source.${s}`, t('source.unknown')),
  );
}

// the meaning of every source label shown on a page
export function sourceLegend(sources) {
  const list = [...new Set(sources.filter(Boolean))];
  if (!list.length) return null;
  return h(
    'dl',
    { class: 'legend', dataset: { legend: '' } },
    h('dt', { class: 'legend-title' }, t('source.legend')),
    list.map((s) => [h('dt', {}, sourceBadge(s)), h('dd', {}, tOr(`source.${s}.long`, t('source.unknown.long')))]),
  );
}

export function levelName(level) {
  return tOr(`level.${level}`, level || '');
}

// the plural, for counts and headings ("11 cities")
export function levelsName(level) {
  return tOr(`levels.${level}`, levelName(level));
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('common.loading'));
}

// A link to a file of the API (/capacity/gaps.csv?…): a real link (it can be
// copied or opened in a tab), but a click fetches it in the page's language
// and shows a refusal here instead of leaving the page.
export function downloadLink(path, label, key) {
  const status = h('span', { class: 'dl-status', 'aria-live': 'polite' });
  const a = h('a', { class: 'btn small', href: `/api/v1${path}`, dataset: { download: key } }, '⤓ ', label);
  a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    clear(status);
    a.setAttribute('aria-busy', 'true');
    try {
      await download(path);
    } catch (e) {
      if (e.status !== 401) status.append(problemBox(e, { compact: true }));
    } finally {
      a.removeAttribute('aria-busy');
    }
  });
  return h('span', { class: 'dl' }, a, status);
}

// met / not_met / unknown / not_applicable as a coloured word
export function statusChip(status) {
  return h('span', { class: `status status-${status}`, dataset: { status } }, tOr(`status.${status}`, status));
}

// a hospital's level, category and role as short tags
export function facilityTags(f) {
  if (f.kind && f.kind !== 'hospital') return h('span', { class: 'tags' }, h('span', { class: 'tag' }, tOr(`kind.${f.kind}`, f.kind)));
  return h(
    'span',
    { class: 'tags' },
    f.level && f.level !== 'none' ? h('span', { class: 'tag' }, tOr(`hlevel.${f.level}`, f.level)) : null,
    f.category && f.category !== 'none' ? h('span', { class: 'tag' }, tOr(`category.${f.category}`, f.category)) : null,
    f.role && f.role !== 'none' ? h('span', { class: `tag tag-${f.role}` }, tOr(`hrole.${f.role}`, f.role)) : null,
  );
}
