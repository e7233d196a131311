// community.js - the community pillar's grid worker on a phone: the day's
// list for their grid (overdue first, red before yellow before green, each
// with the reason for its grade), one tap to an entry and its follow-up form,
// the new grade and reason as soon as it is saved, a proposed transfer with
// the nearest hospitals that have a free bed and a button that reserves one;
// registering a person and opening an entry, or importing the community
// office's roster of residents (importpanel.js); the grid's service requests.
// The follow-up form and the grade badge are shared with the resident's
// self-check (selfcare.js). ID numbers and phones in lists come masked from
// the server; the entry page shows the full record (a read the server audits).
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtNumber, fmtTime, regionName, getLang } from './i18n.js';
import { getRegion } from './regions.js';
import { problemBox, sourceBadge, loading } from './ui.js';
import { upcoming } from './pages.js';
import { importPanel } from './importpanel.js';

// the API's vocabulary (src/community/model.c)
export const SYMPTOMS = ['fever', 'cough', 'sore_throat', 'fatigue', 'muscle_pain', 'diarrhoea'];
export const WARNING_SIGNS = ['breathless', 'disease_uncontrolled', 'child_lethargic', 'child_refuses_food', 'pregnancy_warning'];
export const KINDS = ['confirmed', 'asymptomatic', 'mild', 'close_contact'];
export const SOURCES = ['antigen', 'pcr', 'self_report'];
export const REQ_TYPES = ['supplies', 'livelihood', 'health', 'temporary_help', 'medicine'];
export const REQ_STATUSES = ['open', 'assigned', 'in_progress', 'done', 'cancelled'];
export const NEEDS = ['living_alone', 'pregnant', 'haemodialysis', 'disability', 'bedridden'];
export const CHRONIC = [
  'hypertension', 'diabetes', 'coronary_heart_disease', 'stroke_sequelae', 'copd', 'asthma',
  'chronic_heart_failure', 'chronic_kidney_disease', 'chronic_hepatitis_b', 'rheumatoid_arthritis',
  'parkinsons_disease', 'severe_mental_disorder',
];

// red / yellow / green as a coloured word; the reason beside it when given
export function gradeBadge(grade, reason) {
  return h(
    'span',
    { class: `grade grade-${grade}`, dataset: { gradeBadge: grade } },
    h('span', { class: 'grade-word' }, tOr(`comm.grade.${grade}`, grade)),
    reason ? h('span', { class: 'grade-reason' }, reason) : null,
  );
}

export function reqTypeName(type) {
  return tOr(`comm.req.type.${type}`, type);
}

export function reqStatusChip(status) {
  return h('span', { class: `status req-${status}`, dataset: { reqStatus: status } }, tOr(`comm.req.status.${status}`, status));
}

// when the next follow-up is due, or how long it has been overdue
function dueLine(e) {
  if (e.status !== 'isolating') return h('span', { class: 'due' }, tOr(`comm.status.${e.status}`, e.status));
  if (!e.next_due) return null;
  return h(
    'span',
    { class: e.overdue ? 'due due-over' : 'due', dataset: { due: e.overdue ? 'overdue' : 'due' } },
    e.overdue ? t('comm.overdue_since', { time: fmtTime(e.next_due) }) : t('comm.due_at', { time: fmtTime(e.next_due) }),
  );
}

function personLine(p) {
  const sex = p.sex === 'M' ? t('comm.sex.M') : t('comm.sex.F');
  return h(
    'span',
    { class: 'who-line' },
    h('strong', { class: 'pname' }, p.name),
    ' ',
    h('span', { class: 'muted' }, `${sex} · ${t('comm.age', { age: p.age })}`),
  );
}

// a field of a form: label, input, the field's own error under it
function field(id, label, input, hint) {
  input.id = id;
  return h('div', { class: 'rf-field', dataset: { fieldFor: input.name || id } },
    h('label', { for: id }, label),
    input,
    hint ? h('span', { class: 'rf-hint' }, hint) : null);
}

function check(name, value, label, checked = false) {
  return h('label', { class: 'check' },
    h('input', { type: 'checkbox', name, value, checked }),
    h('span', {}, label));
}

// ---- the follow-up form (grid worker and resident) ----

// → {el}; onSaved(result) gets the API's answer ({episode, transfer_proposed})
export function followupForm(episode, { self = false, onSaved }) {
  const temp = h('input', { name: 'temp', type: 'number', inputmode: 'decimal', step: '0.1', min: '34', max: '43', placeholder: '36.5' });
  const spo2 = h('input', { name: 'spo2', type: 'number', inputmode: 'numeric', step: '1', min: '50', max: '100', placeholder: '98' });
  const med = h('input', { type: 'checkbox', name: 'medicine', id: 'fu-medicine' });
  const note = h('textarea', { name: 'note', id: 'fu-note', rows: '2', maxlength: '500' });
  const notice = h('div', { class: 'rf-notice', 'aria-live': 'polite', dataset: { followupNotice: '' } });
  const submit = h('button', { type: 'submit', class: 'btn primary rf-submit', dataset: { followupSubmit: '' } }, self ? t('comm.selfcheck.submit') : t('comm.fu.submit'));
  const form = h(
    'form',
    { class: 'report-form fu-form', dataset: { followupForm: String(episode.id) }, novalidate: true },
    h('div', { class: 'rf-fields' },
      field('fu-temp', t('comm.fu.temp'), temp, t('comm.fu.temp_hint')),
      field('fu-spo2', t('comm.fu.spo2'), spo2, t('comm.fu.spo2_hint'))),
    h('fieldset', { class: 'rf-group' },
      h('legend', {}, t('comm.fu.symptoms')),
      h('div', { class: 'checks' }, SYMPTOMS.map((s) => check('symptom', s, t(`comm.sym.${s}`))))),
    h('fieldset', { class: 'rf-group warn-group' },
      h('legend', {}, t('comm.fu.warning_signs')),
      h('p', { class: 'rf-hint' }, t('comm.fu.warning_hint')),
      h('div', { class: 'checks' }, WARNING_SIGNS.map((s) => check('symptom', s, t(`comm.sym.${s}`))))),
    h('label', { class: 'check' }, med, h('span', {}, t('comm.fu.medicine'))),
    h('div', { class: 'rf-field' }, h('label', { for: 'fu-note' }, t('comm.fu.note')), note),
    notice,
    h('div', { class: 'rf-actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(notice);
    const body = {};
    const bad = [];
    if (temp.value.trim() !== '') {
      const v = Number(temp.value);
      if (!(v >= 34 && v <= 43)) bad.push(t('comm.fu.err_temp'));
      else body.temp = Math.round(v * 10) / 10;
    }
    if (spo2.value.trim() !== '') {
      const v = Number(spo2.value);
      if (!(Number.isInteger(v) && v >= 50 && v <= 100)) bad.push(t('comm.fu.err_spo2'));
      else body.spo2 = v;
    }
    const symptoms = [...form.querySelectorAll('input[name="symptom"]:checked')].map((i) => i.value);
    if (symptoms.length) body.symptoms = symptoms;
    if (med.checked) body.medicine = true;
    if (note.value.trim()) body.note = note.value.trim();
    if (!bad.length && !body.temp && !body.spo2 && !symptoms.length && !body.note) bad.push(t('comm.fu.err_empty'));
    if (bad.length) {
      notice.append(h('div', { class: 'problem', role: 'alert', dataset: { problem: 'invalid' } }, bad.map((b) => h('p', {}, b))));
      return;
    }
    submit.disabled = true;
    try {
      const res = await api('POST', `/community/episodes/${episode.id}/followups`, body);
      form.reset();
      onSaved(res);
    } catch (e) {
      if (e.status !== 401) notice.append(problemBox(e));
    } finally {
      submit.disabled = false;
    }
  });
  return { el: form };
}

// the answer to a follow-up: the new grade and why
export function followupResult(res) {
  const e = res.episode;
  return h(
    'div',
    { class: `fu-result fu-result-${e.grade}`, role: 'status', dataset: { followupResult: '', grade: e.grade } },
    h('p', { class: 'fu-result-head' }, h('strong', {}, t('comm.fu.saved')), ' ', gradeBadge(e.grade)),
    h('p', { class: 'fu-result-reason', dataset: { gradeReason: '' } }, e.grade_reason),
    e.alert ? h('p', { class: 'fu-alert', dataset: { alert: '' } }, t('comm.fu.alert')) : null,
  );
}

// ---- a proposed transfer and its reservation ----

function bedName(bed) {
  return tOr(`comm.bed.${bed}`, bed);
}

function transferLine(tr) {
  return h(
    'li',
    { class: 'tr-line', dataset: { transfer: String(tr.id), status: tr.status } },
    h('strong', {}, tr.hospital), ' · ', bedName(tr.bed),
    tr.green ? h('span', { class: 'tag tag-green' }, t('comm.tr.green')) : null, ' ',
    h('span', { class: `status tr-${tr.status}` }, tOr(`comm.tr.status.${tr.status}`, tr.status)),
    typeof tr.distance_km === 'number' && tr.distance_km >= 0 ? h('span', { class: 'muted' }, ' · ', t('comm.km', { km: tr.distance_km })) : null,
  );
}

// prop: {bed, green, options[]}; reserve for the episode (grade decides the
// green channel); onReserved(transfer)
export function proposalPanel(episode, prop, { onReserved } = {}) {
  const out = h('div', { class: 'tr-out', 'aria-live': 'polite' });
  const green = episode.grade === 'red';
  const opts = prop.options || [];
  const list = h(
    'ol',
    { class: 'tr-options' },
    opts.map((o, i) => {
      const btn = h('button', { type: 'button', class: i === 0 ? 'btn primary' : 'btn', dataset: { reserve: String(o.hospital_id) } }, t('comm.tr.reserve'));
      btn.addEventListener('click', async () => {
        clear(out);
        for (const b of list.querySelectorAll('button')) b.disabled = true;
        try {
          const tr = await api('POST', '/community/transfers', {
            episode_id: episode.id,
            hospital_id: o.hospital_id,
            bed: prop.bed,
            green,
            reason: episode.grade_reason ? episode.grade_reason.slice(0, 200) : undefined,
          });
          out.append(h('p', { class: 'flash flash-info', dataset: { transferReserved: String(tr.id) } },
            t('comm.tr.reserved', { hospital: tr.hospital || o.name, bed: bedName(tr.bed) })));
          if (onReserved) onReserved(tr);
        } catch (e) {
          for (const b of list.querySelectorAll('button')) b.disabled = false;
          if (e.status !== 401) out.append(problemBox(e));
        }
      });
      return h('li', { class: 'tr-option', dataset: { option: String(o.hospital_id) } },
        h('div', { class: 'tr-name' }, h('strong', {}, o.name), ' ', h('span', { class: 'tag' }, tOr(`hrole.${o.role}`, o.role))),
        h('div', { class: 'tr-facts' },
          h('span', { dataset: { distance: '' } }, t('comm.km', { km: o.distance_km })), ' · ',
          h('span', { dataset: { free: String(o.free) } }, t('comm.tr.free', { n: fmtNumber(o.free), bed: bedName(prop.bed) }))),
        btn);
    }),
  );
  return h(
    'section',
    { class: 'panel tr-proposal', dataset: { transferProposal: '', bed: prop.bed } },
    h('h2', {}, t('comm.tr.proposed', { bed: bedName(prop.bed) })),
    h('p', { class: 'muted' }, green ? t('comm.tr.green_note') : t('comm.tr.note')),
    opts.length ? list : h('p', { class: 'problem', dataset: { noOptions: '' } }, t('comm.tr.none')),
    out,
  );
}

// ---- the grid worker's pages ----

async function gridToday(me) {
  return api('GET', `/community/grids/${encodeURIComponent(me.scope)}/today`);
}

function gridCard(region, day) {
  const n = (k) => fmtNumber(day ? day[k] : null);
  return h(
    'section',
    { class: 'panel grid-card', dataset: { gridCard: region.code } },
    h('div', { class: 'grid-card-head' },
      h('h2', {}, regionName(region)),
      h('span', { class: 'muted' }, t('figure.population'), ' ', fmtNumber(region.population), ' ', t('unit.people')),
      sourceBadge(region.population_source)),
    day
      ? h('ul', { class: 'day-counts', dataset: { dayCounts: '' } },
        h('li', { dataset: { count: 'isolating' } }, h('strong', {}, n('isolating')), t('comm.count.isolating')),
        h('li', { class: 'c-over', dataset: { count: 'overdue' } }, h('strong', {}, n('overdue')), t('comm.count.overdue')),
        h('li', { class: 'c-red', dataset: { count: 'red' } }, h('strong', {}, n('red')), t('comm.grade.red')),
        h('li', { class: 'c-yellow', dataset: { count: 'yellow' } }, h('strong', {}, n('yellow')), t('comm.grade.yellow')),
        h('li', { class: 'c-green', dataset: { count: 'green' } }, h('strong', {}, n('green')), t('comm.grade.green')),
        h('li', { dataset: { count: 'requests' } }, h('a', { href: '#/grid/requests' }, h('strong', {}, n('open_requests')), t('comm.count.requests'))))
      : null,
  );
}

function todayItem(e) {
  const p = e.person || {};
  return h(
    'li',
    {},
    h(
      'a',
      {
        class: `entry entry-${e.grade}${e.overdue ? ' entry-over' : ''}`,
        href: `#/episode/${e.id}`,
        dataset: { episode: String(e.id), grade: e.grade, overdue: e.overdue ? '1' : '0' },
      },
      h('div', { class: 'entry-head' }, gradeBadge(e.grade), personLine(p),
        e.self_report_pending ? h('span', { class: 'tag tag-warn', dataset: { selfReport: '' } }, t('comm.self_report')) : null,
        e.alert ? h('span', { class: 'tag tag-alert' }, t('comm.alert')) : null),
      h('div', { class: 'entry-reason', dataset: { reason: '' } }, e.grade_reason),
      h('div', { class: 'entry-meta' },
        h('span', { class: 'code', dataset: { idMasked: '' } }, p.id_number), ' ',
        p.phone ? h('span', { class: 'code' }, p.phone) : null, ' ',
        dueLine(e)),
    ),
  );
}

export async function renderGridToday(main, { me, alive }) {
  const page = h('section', { class: 'page page-grid', dataset: { page: 'grid' } }, loading());
  main.append(page);
  let region;
  let day;
  let error = null;
  try {
    [region, day] = await Promise.all([getRegion(me.scope), gridToday(me)]);
  } catch (e) {
    if (e.status === 401) return;
    error = e;
  }
  if (!alive()) return;
  if (error) {
    clear(page).append(h('h1', {}, t('page.grid.title')), problemBox(error), upcoming('grid'));
    return;
  }
  const items = day.items || [];
  clear(page).append(
    h('div', { class: 'grid-title' }, h('h1', {}, t('page.grid.title')),
      h('a', { class: 'btn primary', href: '#/grid/new', dataset: { newEntry: '' } }, '+ ', t('comm.new_entry'))),
    gridCard(region, day),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', {}, t('comm.today.title')), h('span', { class: 'muted' }, t('comm.today.order'))),
      items.length
        ? h('ul', { class: 'today-list', dataset: { todayList: '' } }, items.map(todayItem))
        : h('p', { class: 'empty', dataset: { todayEmpty: '' } }, t('comm.today.empty'))),
    upcoming('grid'),
  );
}

// ---- one entry: the person, the grade, the follow-up form ----

function needsList(p) {
  const n = p.needs || {};
  const out = NEEDS.filter((k) => n[k]).map((k) => t(`comm.need.${k}`));
  if (n.pregnant && n.due_date) out.push(t('comm.need.due', { date: n.due_date }));
  for (const c of n.chronic || []) out.push(tOr(`comm.chronic.${c}`, c));
  return out;
}

function historyList(ep) {
  const fus = ep.followups || [];
  if (!fus.length) return h('p', { class: 'empty' }, t('comm.fu.none'));
  return h(
    'ul',
    { class: 'fu-history', dataset: { followups: '' } },
    fus.map((f) =>
      h('li', {},
        h('span', { class: 'muted' }, fmtTime(f.at)), ' ',
        f.grade ? gradeBadge(f.grade) : null, ' ',
        typeof f.temp === 'number' ? `${f.temp} °C ` : '',
        typeof f.spo2 === 'number' ? `SpO₂ ${f.spo2}% ` : '',
        (f.symptoms || []).map((s) => tOr(`comm.sym.${s}`, s)).join('、'),
        f.self_report ? h('span', { class: 'tag' }, t('comm.self_report')) : null,
        f.note ? h('div', { class: 'muted' }, f.note) : null)),
  );
}

function episodeHead(ep) {
  return h(
    'div',
    { class: 'ep-head', dataset: { epHead: '' } },
    h('p', { class: 'ep-grade' }, gradeBadge(ep.grade)),
    h('p', { class: 'ep-reason', dataset: { gradeReason: '' } }, ep.grade_reason),
    h('p', { class: 'ep-meta' },
      tOr(`comm.kind.${ep.kind}`, ep.kind), ' · ', tOr(`comm.source.${ep.source}`, ep.source), ' · ',
      t('comm.period', { start: ep.start_date, end: ep.planned_end }), ' ', dueLine(ep)),
    typeof ep.last_spo2 === 'number' || typeof ep.last_temp === 'number'
      ? h('p', { class: 'ep-last' }, t('comm.last'), ' ',
        typeof ep.last_temp === 'number' ? `${ep.last_temp} °C ` : '',
        typeof ep.last_spo2 === 'number' ? `SpO₂ ${ep.last_spo2}%` : '')
      : null,
  );
}

// close an entry by hand: recovered or ended (a transfer's arrival closes it
// as transferred)
function closeButtons(ep, reload) {
  const out = h('div', { class: 'dl-status' });
  const mk = (status) => {
    const b = h('button', { type: 'button', class: 'btn small', dataset: { close: status } }, t(`comm.close.${status}`));
    b.addEventListener('click', async () => {
      clear(out);
      b.disabled = true;
      try {
        await api('PATCH', `/community/episodes/${ep.id}`, { status }, { headers: { 'If-Match': `"${ep.version}"` } });
        reload();
      } catch (e) {
        b.disabled = false;
        if (e.status !== 401) out.append(problemBox(e, { compact: true }));
      }
    });
    return b;
  };
  return h('div', { class: 'rf-actions' }, mk('recovered'), mk('ended'), out);
}

function transfersPanel(ep, reload) {
  const trs = ep.transfers || [];
  if (!trs.length) return null;
  return h(
    'section',
    { class: 'panel', dataset: { epTransfers: '' } },
    h('h2', {}, t('comm.tr.title')),
    h('ul', { class: 'tr-list' },
      trs.map((tr) => {
        const li = transferLine(tr);
        if (tr.status === 'reserved' || tr.status === 'accepted') {
          const b = h('button', { type: 'button', class: 'btn small', dataset: { cancelTransfer: String(tr.id) } }, t('comm.tr.cancel'));
          b.addEventListener('click', async () => {
            b.disabled = true;
            try {
              await api('PATCH', `/community/transfers/${tr.id}`, { status: 'cancelled' }, { headers: { 'If-Match': `"${tr.version}"` } });
              reload();
            } catch (e) {
              b.disabled = false;
              if (e.status !== 401) li.append(problemBox(e, { compact: true }));
            }
          });
          li.append(' ', b);
        }
        return li;
      })),
  );
}

// a service request for this person, raised by the grid worker
function requestForm(personId, onDone) {
  const type = h('select', { name: 'type', id: 'rq-type' }, REQ_TYPES.map((x) => h('option', { value: x }, reqTypeName(x))));
  const detail = h('textarea', { name: 'detail', id: 'rq-detail', rows: '2', maxlength: '500', required: true });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn' }, t('comm.req.submit'));
  const form = h('form', { class: 'report-form', dataset: { requestForm: '' } },
    h('div', { class: 'rf-fields' }, field('rq-type', t('comm.req.type'), type)),
    h('div', { class: 'rf-field' }, h('label', { for: 'rq-detail' }, t('comm.req.detail')), detail),
    out,
    h('div', { class: 'rf-actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    if (!detail.value.trim()) {
      out.append(h('p', { class: 'problem', role: 'alert' }, t('comm.req.err_detail')));
      return;
    }
    submit.disabled = true;
    try {
      const body = { type: type.value, detail: detail.value.trim() };
      if (personId) body.person_id = personId;
      const q = await api('POST', '/community/requests', body);
      form.reset();
      out.append(h('p', { class: 'flash flash-info', dataset: { requestCreated: String(q.id) } }, t('comm.req.created', { due: fmtTime(q.due) })));
      if (onDone) onDone(q);
    } catch (e) {
      if (e.status !== 401) out.append(problemBox(e));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function renderEpisode(main, { id, alive, go }) {
  const page = h('section', { class: 'page page-episode', dataset: { page: 'episode', episode: String(id) } }, loading());
  main.append(page);
  let ep;
  try {
    ep = await api('GET', `/community/episodes/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(h('p', {}, h('a', { href: '#/grid' }, '← ', t('comm.back'))), problemBox(e));
    return;
  }
  if (!alive()) return;
  const reload = () => go(`#/episode/${id}`);
  const p = ep.person;
  page.dataset.grade = ep.grade;
  const head = h('div', {}, episodeHead(ep));
  const result = h('div', { class: 'fu-out', dataset: { followupOut: '' } });
  const history = h('div', {}, historyList(ep));
  const isolating = ep.status === 'isolating';
  const trWrap = h('div', {});
  const showTransfers = () => {
    const panel = transfersPanel(ep, reload);
    clear(trWrap).append(...(panel ? [panel] : []));
  };
  const refreshTransfers = async () => {
    try {
      const fresh = await api('GET', `/community/episodes/${encodeURIComponent(id)}`);
      ep.transfers = fresh.transfers;
      ep.version = fresh.version;
      if (alive()) showTransfers();
    } catch {
      /* shown on the next visit */
    }
  };
  showTransfers();
  const form = isolating
    ? followupForm(ep, {
      onSaved: async (res) => {
        Object.assign(ep, res.episode);
        page.dataset.grade = ep.grade;
        clear(head).append(episodeHead(ep));
        clear(result).append(followupResult(res));
        if (res.transfer_proposed) result.append(proposalPanel(ep, res.transfer_proposed, { onReserved: refreshTransfers }));
        result.scrollIntoView({ block: 'start' });
        try {
          const fresh = await api('GET', `/community/episodes/${encodeURIComponent(id)}`);
          ep.followups = fresh.followups;
          ep.version = fresh.version;
          if (alive()) clear(history).append(historyList(ep));
        } catch {
          /* the history shows on the next visit */
        }
      },
    })
    : null;
  const needs = needsList(p);
  const parts = [
    h('p', { class: 'back' }, h('a', { href: '#/grid', dataset: { back: '' } }, '← ', t('comm.back'))),
    h('div', { class: 'regionbar-title' }, h('h1', {}, p.name), h('span', { class: 'muted' }, personLine(p).lastChild)),
    head,
    h('dl', { class: 'facts', dataset: { person: String(p.id) } },
      h('dt', {}, t('comm.id_number')), h('dd', { class: 'code' }, p.id_number),
      h('dt', {}, t('field.phone')), h('dd', {}, p.phone ? h('a', { href: `tel:${p.phone}` }, p.phone) : t('figure.none')),
      h('dt', {}, t('field.address')), h('dd', {}, p.address || t('figure.none')),
      h('dt', {}, t('comm.needs')), h('dd', {}, needs.length ? needs.join('、') : t('comm.need.none'))),
    result,
    form
      ? h('section', { class: 'panel report-panel' }, h('h2', {}, t('comm.fu.title')), form.el)
      : h('p', { class: 'notice' }, t('comm.closed', { status: tOr(`comm.status.${ep.status}`, ep.status) })),
    trWrap,
    h('section', { class: 'panel' }, h('h2', {}, t('comm.fu.history')), history),
    isolating
      ? h('details', { class: 'panel' }, h('summary', {}, t('comm.req.for_person')), requestForm(p.id))
      : null,
    isolating ? h('details', { class: 'panel' }, h('summary', {}, t('comm.close.title')), closeButtons(ep, reload)) : null,
  ];
  clear(page).append(...parts.filter(Boolean));
}

// ---- a new entry: register a person and open an episode ----

export function renderGridNew(main, { me, go }) {
  const id = h('input', { name: 'id_number', maxlength: '18', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', required: true });
  const name = h('input', { name: 'name', maxlength: '50', required: true });
  const phone = h('input', { name: 'phone', type: 'tel', inputmode: 'tel', maxlength: '20' });
  const address = h('input', { name: 'address', maxlength: '200' });
  const due = h('input', { name: 'due_date', type: 'date' });
  const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, t(`comm.kind.${k}`))));
  const source = h('select', { name: 'source' }, SOURCES.map((k) => h('option', { value: k }, t(`comm.source.${k}`))));
  const start = h('input', { name: 'start_date', type: 'date' });
  const out = h('div', { 'aria-live': 'polite', dataset: { newOut: '' } });
  const submit = h('button', { type: 'submit', class: 'btn primary rf-submit', dataset: { newSubmit: '' } }, t('comm.new.submit'));
  let personId = null; // registered already (a retry opens the entry only)
  const form = h(
    'form',
    { class: 'report-form', dataset: { newForm: '' }, novalidate: true },
    h('fieldset', { class: 'rf-group' }, h('legend', {}, t('comm.new.person')),
      h('div', { class: 'rf-fields' },
        field('ne-id', t('comm.id_number'), id, t('comm.new.id_hint')),
        field('ne-name', t('comm.name'), name),
        field('ne-phone', t('field.phone'), phone),
        field('ne-address', t('field.address'), address))),
    h('fieldset', { class: 'rf-group' }, h('legend', {}, t('comm.needs')),
      h('div', { class: 'checks' }, NEEDS.map((k) => check('need', k, t(`comm.need.${k}`)))),
      field('ne-due', t('comm.need.due_date'), due),
      h('details', {}, h('summary', {}, t('comm.chronic')),
        h('div', { class: 'checks' }, CHRONIC.map((c) => check('chronic', c, t(`comm.chronic.${c}`)))))),
    h('fieldset', { class: 'rf-group' }, h('legend', {}, t('comm.new.episode')),
      h('div', { class: 'rf-fields' },
        field('ne-kind', t('comm.kind'), kind),
        field('ne-source', t('comm.source'), source),
        field('ne-start', t('comm.start_date'), start))),
    out,
    h('div', { class: 'rf-actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    submit.disabled = true;
    try {
      if (!personId) {
        const body = { id_number: id.value.trim().toUpperCase(), name: name.value.trim(), grid: me.scope };
        if (phone.value.trim()) body.phone = phone.value.trim();
        if (address.value.trim()) body.address = address.value.trim();
        for (const k of NEEDS) if (form.querySelector(`input[name="need"][value="${k}"]`).checked) body[k] = true;
        if (due.value) body.due_date = due.value;
        const chronic = [...form.querySelectorAll('input[name="chronic"]:checked')].map((i) => i.value);
        if (chronic.length) body.chronic = chronic;
        const p = await api('POST', '/persons', body);
        personId = p.id;
        for (const el of form.querySelectorAll('fieldset:first-of-type input, fieldset:nth-of-type(2) input')) el.disabled = true;
      }
      const eb = { person_id: personId, kind: kind.value, source: source.value };
      if (start.value) eb.start_date = start.value;
      const ep = await api('POST', '/community/episodes', eb);
      go(`#/episode/${ep.id}`);
    } catch (e) {
      if (e.status !== 401) {
        if (personId) out.append(h('p', { class: 'flash flash-warn' }, t('comm.new.person_saved')));
        out.append(problemBox(e));
      }
      submit.disabled = false;
    }
  });
  main.append(
    h('section', { class: 'page page-grid-new', dataset: { page: 'grid_new' } },
      h('h1', {}, t('page.grid_new.title')),
      h('p', { class: 'lead' }, t('page.grid_new.lead')),
      h('section', { class: 'panel' }, form),
      residentsImport(me)),
  );
  id.focus();
}

// ---- the community office's roster of residents, from a spreadsheet ----

// the columns POST /persons/import takes (src/community/io.c cols[]): the
// English header is the API's field name; the first three are required
export const RESIDENT_COLUMNS = [
  ['id_number', '身份证号'], ['name', '姓名'], ['grid', '网格代码'],
  ['phone', '联系电话'], ['address', '现住址'], ['household', '户号'],
  ['living_alone', '独居'], ['pregnant', '孕产妇'], ['due_date', '预产期'],
  ['haemodialysis', '血透'], ['disability', '残疾'], ['bedridden', '卧床'],
  ['chronic', '慢性病'], ['lat', '纬度'], ['lon', '经度'],
  ['birth_date', '出生日期'], ['sex', '性别'],
];
const REQUIRED_COLUMNS = 3;

// a header row in the UI's language (both are accepted), with a BOM so Excel
// reads the Chinese headers as UTF-8
function templateLink() {
  const zh = getLang() === 'zh-CN';
  const header = RESIDENT_COLUMNS.map(([en, z]) => (zh ? z : en)).join(',');
  const url = URL.createObjectURL(new Blob(['\ufeff' + header + '\r\n'], { type: 'text/csv;charset=utf-8' }));
  return h('a', { class: 'btn small', href: url, download: zh ? '居民导入模板.csv' : 'residents-template.csv', dataset: { importTemplate: '' } },
    '⤓ ', t('import.res.template'));
}

function residentsImport(me) {
  const names = (cols) => cols.map(([en, zh]) => `${zh}/${en}`).join(getLang() === 'zh-CN' ? '、' : ', ');
  const label = Object.fromEntries(RESIDENT_COLUMNS.map(([en, zh]) => [en, `${zh} / ${en}`]));
  return importPanel({
    path: '/persons/import',
    title: t('import.res.title'),
    help: t('import.res.help', {
      required: names(RESIDENT_COLUMNS.slice(0, REQUIRED_COLUMNS)),
      optional: names(RESIDENT_COLUMNS.slice(REQUIRED_COLUMNS)),
    }),
    result: 'import.res.result',
    fieldLabel: (f) => label[f] || tOr(`field.${f}`, f),
    extra: h('p', { class: 'import-template' }, templateLink(), ' ',
      h('span', { class: 'muted' }, t('import.res.grid_hint', { grid: me.scope }))),
    id: 'import-residents-file',
    name: 'persons',
  });
}

// ---- the grid's service requests ----

function requestActions(q, reload) {
  const out = h('div', { class: 'rq-out' });
  const wrap = h('div', { class: 'rq-actions' });
  const patch = async (body, btn) => {
    clear(out);
    btn.disabled = true;
    try {
      await api('PATCH', `/community/requests/${q.id}`, body, { headers: { 'If-Match': `"${q.version}"` } });
      reload();
    } catch (e) {
      btn.disabled = false;
      if (e.status !== 401) out.append(problemBox(e, { compact: true }));
    }
  };
  const btn = (key, onClick, cls = 'btn small') => {
    const b = h('button', { type: 'button', class: cls, dataset: { reqAction: key } }, t(`comm.req.do.${key}`));
    b.addEventListener('click', () => onClick(b));
    return b;
  };
  if (q.status === 'open') wrap.append(btn('assign', (b) => patch({ status: 'assigned', assigned_to: q.assigned_to || q.me }, b)));
  if (q.status === 'assigned') wrap.append(btn('start', (b) => patch({ status: 'in_progress' }, b)));
  if (['open', 'assigned', 'in_progress'].includes(q.status)) {
    const reply = h('input', { name: 'reply', maxlength: '500', placeholder: t('comm.req.reply_ph'), 'aria-label': t('comm.req.reply'), dataset: { reqReply: '' } });
    wrap.append(
      h('div', { class: 'rq-close' }, reply,
        btn('done', (b) => {
          if (!reply.value.trim()) {
            clear(out).append(h('p', { class: 'field-error' }, t('comm.req.err_reply')));
            reply.focus();
            return;
          }
          patch({ status: 'done', reply: reply.value.trim(), note: reply.value.trim() }, b);
        }, 'btn small primary'),
        btn('cancel', (b) => patch({ status: 'cancelled', note: reply.value.trim() || undefined }, b))),
    );
  }
  return h('div', {}, wrap, out);
}

function requestItem(q, me, reload) {
  q.me = me.username;
  return h(
    'li',
    { class: `rq${q.overdue ? ' rq-over' : ''}`, dataset: { request: String(q.id), status: q.status } },
    h('div', { class: 'entry-head' },
      h('strong', {}, reqTypeName(q.type)), reqStatusChip(q.status),
      q.grade ? gradeBadge(q.grade) : null,
      q.overdue ? h('span', { class: 'tag tag-alert' }, t('comm.req.overdue')) : null),
    h('p', { class: 'rq-detail' }, q.detail),
    h('p', { class: 'entry-meta' },
      q.person_name ? h('span', {}, q.person_name, ' ') : null,
      q.person_phone ? h('span', { class: 'code' }, q.person_phone, ' ') : null,
      h('span', { class: 'muted' }, t('comm.req.due', { time: fmtTime(q.due) })),
      q.assigned_to ? h('span', { class: 'muted' }, ' · ', t('comm.req.assigned', { who: q.assigned_to })) : null,
      q.episode_id ? h('span', {}, ' · ', h('a', { href: `#/episode/${q.episode_id}` }, t('comm.req.open_entry'))) : null),
    q.reply ? h('p', { class: 'rq-reply', dataset: { reply: '' } }, t('comm.req.reply'), ': ', q.reply) : null,
    requestActions(q, reload),
  );
}

export async function renderGridRequests(main, { me, alive, go }) {
  const page = h('section', { class: 'page page-grid-requests', dataset: { page: 'grid_requests' } });
  main.append(page);
  const filter = h('select', { dataset: { reqFilter: '' }, 'aria-label': t('comm.req.filter') },
    ['active', 'done', 'cancelled', 'all'].map((s) => h('option', { value: s }, t(`comm.req.filter.${s}`))));
  const overdue = h('input', { type: 'checkbox', dataset: { reqOverdue: '' } });
  const listWrap = h('div', { dataset: { reqList: '' } }, loading());
  const load = async () => {
    clear(listWrap).append(loading());
    const qs = new URLSearchParams();
    if (filter.value !== 'all') qs.set('status', filter.value);
    if (overdue.checked) qs.set('overdue', '1');
    qs.set('limit', '200');
    let res;
    try {
      res = await api('GET', `/community/requests?${qs}`);
    } catch (e) {
      if (!alive() || e.status === 401) return;
      clear(listWrap).append(problemBox(e));
      return;
    }
    if (!alive()) return;
    const items = (res.items || []).slice().sort((a, b) => (b.overdue - a.overdue) || (a.due < b.due ? -1 : 1));
    clear(listWrap).append(items.length
      ? h('ul', { class: 'rq-list' }, items.map((q) => requestItem(q, me, load)))
      : h('p', { class: 'empty', dataset: { reqEmpty: '' } }, t('comm.req.empty')));
  };
  filter.addEventListener('change', load);
  overdue.addEventListener('change', load);
  // a new request: for one of the people isolating in the grid
  const people = h('select', { id: 'rq-person', name: 'person_id' }, h('option', { value: '' }, t('comm.req.pick_person')));
  const newWrap = h('div', {});
  clear(page).append(
    h('h1', {}, t('page.grid_requests.title')),
    h('p', { class: 'lead' }, t('page.grid_requests.lead')),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-tools' },
        h('label', { class: 'picker' }, h('span', {}, t('comm.req.filter')), filter),
        h('label', { class: 'check' }, overdue, h('span', {}, t('comm.req.only_overdue')))),
      listWrap),
    h('details', { class: 'panel', dataset: { newRequest: '' } },
      h('summary', {}, t('comm.req.new')),
      h('div', { class: 'rf-field' }, h('label', { for: 'rq-person' }, t('comm.req.person')), people),
      newWrap),
  );
  let form = null;
  people.addEventListener('change', () => {
    clear(newWrap);
    if (people.value) {
      form = requestForm(Number(people.value), () => load());
      newWrap.append(form);
    }
  });
  await load();
  try {
    const day = await gridToday(me);
    if (!alive()) return;
    for (const e of day.items || []) people.append(h('option', { value: String(e.person_id) }, `${e.person.name} · ${e.person.id_number}`));
  } catch {
    /* the list of people is a convenience: requests still show */
  }
  void go;
}
