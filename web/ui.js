// ui.js - pieces every page uses: an API problem shown as a person can act on
// it, the label that says where a figure comes from, level names.
import { h } from './dom.js';
import { t, tOr } from './i18n.js';

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
