// report.js - a hospital's daily capacity report: the form a hospital
// administrator fills in under a minute (prefilled from the last report, so
// only what changed is typed), checked as it is typed by the same rules the
// server applies (capacity_report_check() and the date checks in
// src/capacity/api.c), and the table of recent reports.
//
// Corrections: a date that already has a report is corrected with If-Match
// (its version). A 409 means a report for the date arrived meanwhile (from
// another screen or person): the fields typed in are kept, the others take
// that report's figures, and the next submit corrects it. A 412 means someone corrected it after this page read it: the
// page says so and reloads their figures before anything is overwritten.
import { api, etagVersion, idemKey } from './api.js';
import { h, clear } from './dom.js';
import { t, fmtNumber, fmtRate, fmtTime } from './i18n.js';
import { problemBox } from './ui.js';
import { REPORT_COUNTS, REPORT_FLAGS, COUNT_MAX } from './terms.js';

const GROUPS = [
  ['report.group.beds', ['open_beds', 'occupied_beds']],
  ['report.group.icu', ['icu_beds', 'icu_occupied', 'icu_convertible']],
  ['report.group.fever', ['fever_clinic', 'fever_24h', 'fever_visits']],
  ['report.group.equipment', ['ventilators']],
];

function validDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

// "１,２５０ " → "1250": full-width digits from a Chinese keyboard, grouping
// commas and spaces are forgiven
export function normalizeCount(s) {
  return String(s ?? '')
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[－]/g, '-')
    .replace(/[,，\s]/g, '');
}

// The server's checks, in its order: → [{field, key, vars}] (i18n keys).
// values: {date, <count>: string, <flag>: boolean}; today: the business date;
// opened: the facility's opening date or null.
export function checkReport(values, { today = null, opened = null } = {}) {
  const errs = [];
  const date = values.date || '';
  if (!date) errs.push({ field: 'date', key: 'report.err.required' });
  else if (!validDate(date)) errs.push({ field: 'date', key: 'report.err.date' });
  else if (today && date > today) errs.push({ field: 'date', key: 'report.err.future', vars: { today } });
  else if (opened && date < opened) errs.push({ field: 'date', key: 'report.err.before_opened', vars: { opened } });
  const n = {};
  let counts = true;
  for (const f of REPORT_COUNTS) {
    const s = normalizeCount(values[f]);
    let key = null;
    if (s === '') key = 'report.err.required';
    else if (!/^-?\d+$/.test(s)) key = 'report.err.integer';
    else if (Number(s) < 0) key = 'report.err.negative';
    else if (Number(s) > COUNT_MAX) key = 'report.err.too_large';
    if (key) {
      errs.push({ field: f, key, vars: { max: fmtNumber(COUNT_MAX) } });
      counts = false;
    } else {
      n[f] = Number(s);
    }
  }
  // as the server: the relations are judged once every count is a count
  if (!counts) return errs;
  const clinic = !!values.fever_clinic;
  if (n.occupied_beds > n.open_beds) errs.push({ field: 'occupied_beds', key: 'report.err.occupied_gt_open' });
  if (n.icu_beds > n.open_beds) errs.push({ field: 'icu_beds', key: 'report.err.icu_gt_beds' });
  if (n.icu_occupied > n.icu_beds) errs.push({ field: 'icu_occupied', key: 'report.err.icu_occupied_gt_icu' });
  if (n.icu_occupied > n.occupied_beds) errs.push({ field: 'icu_occupied', key: 'report.err.icu_occupied_gt_occupied' });
  if (n.icu_beds + n.icu_convertible > n.open_beds) errs.push({ field: 'icu_convertible', key: 'report.err.convertible_gt_beds' });
  if (values.fever_24h && !clinic) errs.push({ field: 'fever_24h', key: 'report.err.24h_without_clinic' });
  if (!clinic && n.fever_visits > 0) errs.push({ field: 'fever_visits', key: 'report.err.visits_without_clinic' });
  return errs;
}

// the JSON body of POST /facilities/{id}/reports
function body(values) {
  const b = { date: values.date };
  for (const f of REPORT_COUNTS) b[f] = Number(normalizeCount(values[f]));
  for (const f of REPORT_FLAGS) b[f] = !!values[f];
  return b;
}

// Reports of a facility, newest first: GET /facilities/{id}/reports.
export async function loadReports(facilityId, params = '') {
  return api('GET', `/facilities/${encodeURIComponent(facilityId)}/reports${params}`);
}

// The form. data: the answer of loadReports (facility, today, items);
// onChange(data) after any reload or save, so the page can redraw its table.
// → {el, pick(date)}
export function reportForm(data, { onChange = () => {}, idPrefix = 'rf' } = {}) {
  const facility = data.facility;
  let today = data.today || null;
  let byDate = new Map();
  let items = [];
  const setData = (d) => {
    items = d.items || [];
    byDate = new Map(items.map((r) => [r.date, r]));
    today = d.today || today;
    date.max = today || '';
  };
  // dirty: the fields typed in since the form was (re)filled
  const st = { mode: 'new', ifMatch: null, base: null, serverErrs: new Map(), sending: false, dirty: new Set(), retry: null };
  const id = (f) => `${idPrefix}-${f}`;

  const inputs = {};
  const errEls = {};
  const hintEls = {};
  const errEl = (f) =>
    (errEls[f] = h('p', { class: 'field-error', id: id(`${f}-err`), dataset: { errorFor: f }, 'aria-live': 'polite' }));

  const date = h('input', { type: 'date', id: id('date'), name: 'date', required: true, max: today || null, 'aria-describedby': id('date-err') });
  inputs.date = date;
  const mode = h('div', { class: 'rf-mode', dataset: { reportMode: 'new' }, 'aria-live': 'polite' });
  const summary = h('p', { class: 'rf-summary', dataset: { reportSummary: '' } });
  const notice = h('div', { class: 'rf-notice', dataset: { reportNotice: '' }, 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary rf-submit', dataset: { reportSubmit: '' } });

  const countField = (f) => {
    const input = h('input', {
      id: id(f),
      name: f,
      type: 'text',
      inputmode: 'numeric',
      pattern: '[0-9]*',
      autocomplete: 'off',
      enterkeyhint: 'next',
      required: true,
      'aria-describedby': `${id(`${f}-hint`)} ${id(`${f}-err`)}`,
    });
    inputs[f] = input;
    hintEls[f] = h('span', { class: 'rf-hint', id: id(`${f}-hint`) });
    return h('div', { class: 'rf-field', dataset: { field: f } },
      h('label', { for: id(f) }, t(`field.${f}`)),
      input,
      hintEls[f],
      errEl(f));
  };
  const flagField = (f) => {
    const input = h('input', { id: id(f), name: f, type: 'checkbox', 'aria-describedby': id(`${f}-err`) });
    inputs[f] = input;
    return h('div', { class: 'rf-field rf-flag', dataset: { field: f } },
      h('label', { class: 'check' }, input, h('span', {}, t(`field.${f}`))),
      errEl(f));
  };

  const form = h(
    'form',
    { class: 'report-form', novalidate: true, dataset: { reportForm: String(facility.id) } },
    mode,
    h('div', { class: 'rf-field rf-date', dataset: { field: 'date' } },
      h('label', { for: id('date') }, t('field.date')),
      date,
      errEl('date')),
    GROUPS.map(([legend, fields]) =>
      h('fieldset', { class: 'rf-group' },
        h('legend', {}, t(legend)),
        h('div', { class: 'rf-fields' }, fields.map((f) => (REPORT_FLAGS.includes(f) ? flagField(f) : countField(f)))))),
    summary,
    notice,
    h('div', { class: 'rf-actions' }, submit),
  );

  const values = () => {
    const v = { date: date.value };
    for (const f of REPORT_COUNTS) v[f] = inputs[f].value;
    for (const f of REPORT_FLAGS) v[f] = inputs[f].checked;
    return v;
  };

  // errors next to their fields: the live check first, else what the server said
  const show = () => {
    const errs = checkReport(values(), { today, opened: facility.opened });
    const mine = new Map();
    for (const e of errs) if (!mine.has(e.field)) mine.set(e.field, t(e.key, e.vars));
    for (const [f, el] of Object.entries(errEls)) {
      const msg = mine.get(f) || st.serverErrs.get(f) || '';
      el.textContent = msg;
      el.dataset.source = mine.has(f) ? 'check' : st.serverErrs.has(f) ? 'server' : '';
      if (msg) inputs[f].setAttribute('aria-invalid', 'true');
      else inputs[f].removeAttribute('aria-invalid');
      inputs[f].closest('.rf-field').classList.toggle('invalid', !!msg);
    }
    const v = values();
    const num = (f) => Number(normalizeCount(v[f]));
    const rate = (a, b) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : null);
    clear(summary).append(
      t('report.summary', {
        occupancy: fmtRate(rate(num('occupied_beds'), num('open_beds'))),
        icu: fmtRate(rate(num('icu_occupied'), num('icu_beds'))),
      }),
    );
    return errs;
  };

  const setNotice = (kind, ...content) => {
    clear(notice).append(...content);
    notice.className = `rf-notice${kind ? ` flash flash-${kind}` : ''}`;
    notice.dataset.kind = kind || '';
  };

  const renderMode = () => {
    const d = date.value;
    mode.dataset.reportMode = st.mode;
    mode.dataset.version = st.ifMatch === null ? '' : String(st.ifMatch);
    const cur = byDate.get(d);
    clear(mode).append(
      st.mode === 'correct'
        ? h('p', {},
          h('strong', {}, t('report.mode.correct', { date: d, version: st.ifMatch })),
          ' ',
          cur && cur.version === st.ifMatch && cur.reported_at ? t('report.mode.filed_at', { time: fmtTime(cur.reported_at) }) : '',
          ' ',
          t('report.mode.correct_note'))
        : h('p', {},
          h('strong', {}, t('report.mode.new', { date: d || '—' })),
          ' ',
          st.base ? t('report.mode.prefilled', { date: st.base.date }) : t('report.mode.blank')),
    );
    submit.textContent = t(st.mode === 'correct' ? 'report.submit_correction' : 'report.submit');
    for (const f of REPORT_COUNTS) {
      const b = st.base;
      hintEls[f].textContent = b ? t(st.mode === 'correct' ? 'report.hint_on_file' : 'report.hint_last', { n: fmtNumber(b[f]) }) : '';
    }
  };

  // fill the form for a date: its report when it has one (a correction),
  // else the latest report before it (a new report, prefilled)
  const load = (d, { keepValues = false } = {}) => {
    date.value = d;
    const cur = byDate.get(d);
    if (cur) {
      st.mode = 'correct';
      st.ifMatch = cur.version;
      st.base = cur;
    } else {
      st.mode = 'new';
      st.ifMatch = null;
      st.base = items.find((r) => r.date < d) || null;
    }
    if (!keepValues) {
      for (const f of REPORT_COUNTS) inputs[f].value = st.base ? String(st.base[f]) : '';
      for (const f of REPORT_FLAGS) inputs[f].checked = st.base ? !!st.base[f] : false;
    }
    st.serverErrs.clear();
    st.dirty.clear();
    renderMode();
    show();
  };

  const refresh = async () => {
    const d = await loadReports(facility.id);
    setData(d);
    onChange(d);
    return d;
  };

  date.addEventListener('change', () => {
    setNotice(null);
    if (validDate(date.value)) load(date.value);
    else show();
  });
  form.addEventListener('input', (ev) => {
    if (ev.target === date) return;
    if (ev.target.name) st.dirty.add(ev.target.name);
    st.serverErrs.clear();
    show();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (st.sending) return;
    const errs = show();
    if (errs.length) {
      setNotice('warn', t('report.fix_first', { n: errs.length }));
      notice.dataset.kind = 'invalid';
      const first = inputs[errs[0].field];
      if (first) first.focus();
      return;
    }
    st.sending = true;
    submit.disabled = true;
    setNotice(null, t('report.sending'));
    const v = values();
    const headers = st.mode === 'correct' && st.ifMatch !== null ? { 'If-Match': `"${st.ifMatch}"` } : {};
    // the same report sent again after a network failure keeps its
    // Idempotency-Key: if the first one did arrive, its answer comes back
    // instead of a second write (or a 409 against itself)
    const sig = JSON.stringify([body(v), headers]);
    if (!st.retry || st.retry.sig !== sig) st.retry = { sig, key: idemKey() };
    try {
      const saved = await api('POST', `/facilities/${facility.id}/reports`, body(v), { headers, key: st.retry.key });
      st.retry = null;
      const corrected = saved.version > 1;
      await refresh().catch(() => {
        // the save stands even if the list cannot be read again now
        byDate.set(saved.date, saved);
        items = [saved, ...items.filter((r) => r.date !== saved.date)].sort((a, b) => (a.date < b.date ? 1 : -1));
      });
      load(saved.date);
      setNotice('info', t(corrected ? 'report.saved_correction' : 'report.saved', { date: saved.date, version: saved.version }));
      notice.dataset.kind = 'saved';
    } catch (e) {
      if (e.status !== 0) st.retry = null;
      if (e.status === 401) return;
      const p = e.problem || {};
      if (e.status === 0) {
        setNotice('warn', h('strong', {}, t('error.network')), ' ', t('report.network'));
        notice.dataset.kind = 'network';
      } else if (e.status === 409) {
        // a report for this date arrived meanwhile: keep what was typed in,
        // take the rest from it, correct it on the next submit
        const version = etagVersion(e.etag);
        await refresh().catch(() => null);
        const onFile = byDate.get(v.date) || null;
        st.mode = 'correct';
        st.ifMatch = version ?? (onFile ? onFile.version : null);
        if (onFile) {
          st.base = onFile;
          for (const f of REPORT_COUNTS) if (!st.dirty.has(f)) inputs[f].value = String(onFile[f]);
          for (const f of REPORT_FLAGS) if (!st.dirty.has(f)) inputs[f].checked = !!onFile[f];
        }
        const kept = [...REPORT_COUNTS, ...REPORT_FLAGS].filter((f) => st.dirty.has(f)).map((f) => t(`field.${f}`));
        renderMode();
        show();
        setNotice('warn',
          h('strong', {}, t('report.conflict_title', { date: v.date, version: st.ifMatch })),
          ' ',
          kept.length ? t('report.conflict_kept', { fields: kept.join(t('report.list_sep')) }) : t('report.conflict_none'));
        notice.dataset.kind = 'conflict';
      } else if (e.status === 412) {
        const version = etagVersion(e.etag);
        const reload = h('button', { type: 'button', class: 'btn', dataset: { reportReload: '' } }, t('report.reload'));
        reload.addEventListener('click', async () => {
          reload.disabled = true;
          try {
            await refresh();
            load(v.date);
            setNotice('info', t('report.reloaded', { date: v.date, version: st.ifMatch }));
            notice.dataset.kind = 'reloaded';
          } catch (e2) {
            if (e2.status !== 401) setNotice(null, problemBox(e2));
            reload.disabled = false;
          }
        });
        setNotice('warn',
          h('strong', {}, t('report.stale_title')),
          ' ',
          t('report.stale_text', { version: version ?? '?' }),
          ' ',
          reload);
        notice.dataset.kind = 'stale';
      } else {
        // the server's field errors next to their fields, the rest above the button
        const fields = Array.isArray(p.errors) ? p.errors : [];
        for (const f of fields) if (errEls[f.field]) st.serverErrs.set(f.field, f.message || f.code);
        show();
        const other = fields.filter((f) => !errEls[f.field]);
        setNotice(null, problemBox(fields.length && !other.length ? { ...e, problem: { ...p, errors: [] } } : e, { compact: true }));
        notice.dataset.kind = 'error';
        const first = fields.find((f) => inputs[f.field]);
        if (first) inputs[first.field].focus();
      }
    } finally {
      st.sending = false;
      submit.disabled = false;
    }
  });

  setData(data);
  // today's report when there is none yet, else today's to correct
  load(today || (items[0] && items[0].date) || '');
  return {
    el: form,
    pick(d) {
      setNotice(null);
      load(d);
      date.focus();
    },
    setData(d) {
      setData(d);
      renderMode();
    },
  };
}

// Recent reports, newest first. onPick(date): the row's "correct" button.
export function reportsTable(items, { onPick = null, limit = 14 } = {}) {
  const rows = items.slice(0, limit);
  if (!rows.length) return h('p', { class: 'empty', dataset: { reportsEmpty: '' } }, t('reports.none'));
  const num = (v) => h('td', { class: 'num' }, fmtNumber(v));
  const fever = (r) => (!r.fever_clinic ? t('reports.fever_none') : r.fever_24h ? t('reports.fever_24h') : t('reports.fever_day'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'regions reports', dataset: { reports: '' } },
      h('caption', {}, t('reports.caption', { n: rows.length })),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('field.date')),
        ['open_beds', 'occupied_beds'].map((f) => h('th', { scope: 'col', class: 'num' }, t(`reports.col.${f}`))),
        h('th', { scope: 'col', class: 'num' }, t('reports.col.occupancy')),
        ['icu_beds', 'icu_occupied', 'icu_convertible'].map((f) => h('th', { scope: 'col', class: 'num' }, t(`reports.col.${f}`))),
        h('th', { scope: 'col' }, t('reports.col.fever')),
        ['fever_visits', 'ventilators'].map((f) => h('th', { scope: 'col', class: 'num' }, t(`reports.col.${f}`))),
        h('th', { scope: 'col' }, t('reports.col.version')),
        onPick ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('reports.col.action'))) : null)),
      h('tbody', {}, rows.map((r) => {
        const btn = onPick ? h('button', { type: 'button', class: 'btn small', dataset: { pickDate: r.date } }, t('reports.correct')) : null;
        if (btn) btn.addEventListener('click', () => onPick(r.date));
        return h('tr', { dataset: { date: r.date, version: String(r.version) } },
          h('th', { scope: 'row' }, r.date),
          num(r.open_beds),
          num(r.occupied_beds),
          h('td', { class: 'num' }, fmtRate(r.open_beds > 0 ? r.occupied_beds / r.open_beds : null)),
          num(r.icu_beds),
          num(r.icu_occupied),
          num(r.icu_convertible),
          h('td', {}, fever(r)),
          num(r.fever_visits),
          num(r.ventilators),
          h('td', {}, r.version > 1 ? h('span', { class: 'tag' }, t('reports.corrected', { version: r.version })) : t('reports.original')),
          btn ? h('td', {}, btn) : null);
      })),
    ),
  );
}
