// facilities.js - the facility registry for commanders and administrators:
// the list inside their scope (filtered by kind, paged by the API's cursor),
// a form to add one, a spreadsheet import that is always checked first
// (importpanel.js: dry run → the row-by-row report → import, or import
// skipping the bad rows), and
// export as CSV or XLSX in the same columns, so an exported file can be
// edited and imported back.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr } from './i18n.js';
import { problemBox, facilityTags, downloadLink, loading } from './ui.js';
import { importPanel } from './importpanel.js';
import { KINDS, HOSPITAL_LEVELS, CATEGORIES, HOSPITAL_ROLES } from './terms.js';

const LIMIT = 50;

export async function renderFacilities(main, { me, alive }) {
  const page = h('section', { class: 'page page-facilities', dataset: { page: 'facilities' } });
  main.append(page);
  const list = listPanel(me, alive);
  page.append(
    h('h1', {}, t('facilities.title')),
    h('p', { class: 'lead' }, t('facilities.lead', { scope: me.scope })),
    list.el,
    h('div', { class: 'dash-grid dash-grid-even' }, createPanel(me, list.reload), importPanel({ path: '/facilities/import', reload: list.reload })),
  );
  await list.reload();
}

function kindSelect(attrs, { all = false, value = '' } = {}) {
  return h(
    'select',
    attrs,
    all ? h('option', { value: '' }, t('facilities.all_kinds')) : null,
    KINDS.map((k) => h('option', { value: k, selected: k === value }, tOr(`kind.${k}`, k))),
  );
}

function listPanel(me, alive) {
  const kind = kindSelect({ dataset: { kindFilter: '' }, 'aria-label': t('facilities.kind_filter') }, { all: true });
  const body = h('div', { class: 'fac-list' }, loading());
  const pager = h('div', { class: 'pager' });
  const exports = h('span', { class: 'dl-group' });
  // cursors of the pages seen so far: [0, next of page 1, …]
  let cursors = [0];
  let at = 0;
  const q = (after) => {
    const p = new URLSearchParams({ limit: String(LIMIT) });
    if (kind.value) p.set('kind', kind.value);
    if (after) p.set('after', String(after));
    return p.toString();
  };
  const drawExports = () => {
    const p = new URLSearchParams();
    if (kind.value) p.set('kind', kind.value);
    clear(exports).append(
      h('span', { class: 'muted' }, t('facilities.export')), ' ',
      downloadLink(`/facilities/export?${new URLSearchParams([...p, ['format', 'csv']])}`, 'CSV', 'export-csv'), ' ',
      downloadLink(`/facilities/export?${new URLSearchParams([...p, ['format', 'xlsx']])}`, 'XLSX', 'export-xlsx'),
    );
  };
  // a quick change of filter or page: only the last request's answer is drawn
  let asked = 0;
  const show = async () => {
    const mine = ++asked;
    let data;
    try {
      data = await api('GET', `/facilities?${q(cursors[at])}`);
    } catch (e) {
      if (e.status !== 401 && alive() && mine === asked) clear(body).append(problemBox(e));
      return;
    }
    if (!alive() || mine !== asked) return;
    if (data.next && cursors.length === at + 1) cursors.push(data.next);
    const items = data.items || [];
    clear(body).append(
      items.length
        ? h('div', { class: 'table-wrap' },
          h('table', { class: 'regions facilities', dataset: { facilities: '', page: String(at + 1), kind: kind.value } },
            h('caption', {}, t('facilities.caption', { page: at + 1, n: items.length })),
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, t('field.name')),
              h('th', { scope: 'col' }, t('field.kind')),
              h('th', { scope: 'col' }, t('field.region')),
              h('th', { scope: 'col' }, t('field.address')),
              h('th', { scope: 'col' }, t('field.phone')))),
            h('tbody', {}, items.map((f) =>
              h('tr', { dataset: { id: String(f.id) }, class: f.active ? null : 'inactive' },
                h('td', {}, h('a', { href: `#/facility/${f.id}` }, f.name), f.active ? null : [' ', h('span', { class: 'tag' }, t('facility.inactive'))]),
                h('td', {}, f.kind === 'hospital' ? [tOr('kind.hospital', f.kind), ' ', facilityTags(f)] : tOr(`kind.${f.kind}`, f.kind)),
                h('td', { class: 'code' }, f.region),
                h('td', {}, f.address || ''),
                h('td', {}, f.phone || ''))))))
        : h('p', { class: 'empty', dataset: { facilitiesEmpty: '' } }, t('facilities.none')),
    );
    const prev = h('button', { type: 'button', class: 'btn', disabled: at === 0, dataset: { pagePrev: '' } }, '← ', t('facilities.prev'));
    const next = h('button', { type: 'button', class: 'btn', disabled: !data.next, dataset: { pageNext: '' } }, t('facilities.next'), ' →');
    prev.addEventListener('click', () => {
      at = Math.max(0, at - 1);
      show();
    });
    next.addEventListener('click', () => {
      at += 1;
      show();
    });
    clear(pager).append(prev, h('span', { class: 'muted' }, t('facilities.page', { page: at + 1 })), next);
  };
  const reload = async () => {
    cursors = [0];
    at = 0;
    drawExports();
    await show();
  };
  kind.addEventListener('change', reload);
  const el = h(
    'section',
    { class: 'panel' },
    h('div', { class: 'panel-head' },
      h('h2', {}, t('facilities.list_title')),
      h('div', { class: 'panel-tools' }, h('label', { class: 'figure-pick' }, h('span', {}, t('facilities.kind_filter')), kind), exports)),
    body,
    pager,
  );
  return { el, reload };
}

// a labelled input with a place for its error (the server names the field)
function field(name, control, { hint = null } = {}) {
  control.id = `fac-${name}`;
  control.name = name;
  const err = h('p', { class: 'field-error', id: `fac-${name}-err`, dataset: { errorFor: name }, 'aria-live': 'polite' });
  control.setAttribute('aria-describedby', `fac-${name}-err`);
  return h('div', { class: 'rf-field', dataset: { field: name } },
    h('label', { for: control.id }, t(`field.${name}`)),
    control,
    hint ? h('span', { class: 'rf-hint' }, hint) : null,
    err);
}

function createPanel(me, reload) {
  const opt = (prefix, values) => [h('option', { value: '' }, t('facilities.choose')), values.map((v) => h('option', { value: v }, tOr(`${prefix}.${v}`, v)))];
  const c = {
    region: h('input', { required: true, inputmode: 'numeric', autocomplete: 'off', placeholder: me.scope, value: me.scope }),
    kind: kindSelect({ required: true }, { value: 'hospital' }),
    name: h('input', { required: true, maxlength: '100', autocomplete: 'off' }),
    level: h('select', {}, opt('hlevel', HOSPITAL_LEVELS)),
    category: h('select', {}, opt('category', CATEGORIES)),
    role: h('select', {}, opt('hrole', HOSPITAL_ROLES)),
    address: h('input', { maxlength: '200', autocomplete: 'off' }),
    phone: h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off' }),
    opened: h('input', { type: 'date' }),
  };
  const hospitalOnly = ['level', 'category', 'role'];
  const wraps = {};
  const status = h('div', { class: 'rf-notice', 'aria-live': 'polite', dataset: { createStatus: '' } });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('facilities.create'));
  const form = h('form', { class: 'fac-form', novalidate: true, dataset: { createFacility: '' } },
    h('div', { class: 'rf-fields' },
      Object.entries(c).map(([k, el]) => (wraps[k] = field(k, el, { hint: k === 'region' ? t('facilities.region_hint') : null })))),
    status,
    h('div', { class: 'rf-actions' }, submit));
  const syncKind = () => {
    for (const k of hospitalOnly) wraps[k].hidden = c.kind.value !== 'hospital';
  };
  c.kind.addEventListener('change', syncKind);
  syncKind();
  const clearErrors = () => {
    for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    clear(status);
    const body = {};
    for (const [k, el] of Object.entries(c)) {
      const v = el.value.trim();
      if (hospitalOnly.includes(k) && c.kind.value !== 'hospital') continue;
      if (v) body[k] = v;
    }
    submit.disabled = true;
    try {
      const f = await api('POST', '/facilities', body);
      status.append(h('p', { class: 'flash flash-info', dataset: { created: String(f.id) } },
        t('facilities.created', { name: f.name, id: f.id }), ' ', h('a', { href: `#/facility/${f.id}` }, t('facilities.open'))));
      c.name.value = '';
      await reload();
    } catch (e) {
      if (e.status === 401) return;
      const fields = (e.problem && e.problem.errors) || [];
      const unplaced = [];
      for (const fe of fields) {
        const el = form.querySelector(`[data-error-for="${CSS.escape(fe.field)}"]`);
        if (el && !wraps[fe.field].hidden) {
          el.textContent = fe.message || fe.code;
          c[fe.field].setAttribute('aria-invalid', 'true');
        } else {
          unplaced.push(fe);
        }
      }
      if (!fields.length || unplaced.length) status.append(problemBox(e, { compact: true }));
      const first = fields.find((fe) => c[fe.field]);
      if (first) c[first.field].focus();
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'panel', dataset: { createPanel: '' } },
    h('div', { class: 'panel-head' }, h('h2', {}, t('facilities.create_title'))),
    form);
}

