// selfcare.js - a resident's own pages (community pillar), on the "my
// records" page: register home isolation (the first time with their ID
// number, name and phone), the daily self-check (a follow-up on their own
// entry, which tells their grid worker), ask for help, and the replies to
// what they asked. Everything comes from GET /api/v1/community/me.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtTime } from './i18n.js';
import { problemBox, loading } from './ui.js';
import { upcoming } from './pages.js';
import { KINDS, SOURCES, REQ_TYPES, gradeBadge, followupForm, followupResult, reqTypeName, reqStatusChip } from './community.js';

function field(id, label, input, hint) {
  input.id = id;
  return h('div', { class: 'rf-field' }, h('label', { for: id }, label), input, hint ? h('span', { class: 'rf-hint' }, hint) : null);
}

// first time: who they are; always: what kind of case and since when
function registerForm(person, onDone) {
  const id = h('input', { name: 'id_number', maxlength: '18', autocomplete: 'off', spellcheck: 'false', required: true });
  const name = h('input', { name: 'name', maxlength: '50', autocomplete: 'name', required: true });
  const phone = h('input', { name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20' });
  const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, t(`comm.kind.${k}`))));
  const source = h('select', { name: 'source' }, SOURCES.map((k) => h('option', { value: k, selected: k === 'antigen' }, t(`comm.source.${k}`))));
  const start = h('input', { name: 'start_date', type: 'date' });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary rf-submit', dataset: { registerSubmit: '' } }, t('comm.me.register_submit'));
  const form = h(
    'form',
    { class: 'report-form', dataset: { registerForm: person ? 'known' : 'first' }, novalidate: true },
    person
      ? h('p', { class: 'muted' }, t('comm.me.known', { name: person.name }))
      : h('div', { class: 'rf-fields' },
        field('me-id', t('comm.id_number'), id, t('comm.new.id_hint')),
        field('me-name', t('comm.name'), name),
        field('me-phone', t('field.phone'), phone)),
    h('div', { class: 'rf-fields' },
      field('me-kind', t('comm.kind'), kind),
      field('me-source', t('comm.source'), source),
      field('me-start', t('comm.me.start'), start)),
    out,
    h('div', { class: 'rf-actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    const body = { kind: kind.value, source: source.value };
    if (start.value) body.start_date = start.value;
    if (!person) {
      body.id_number = id.value.trim().toUpperCase();
      body.name = name.value.trim();
      if (phone.value.trim()) body.phone = phone.value.trim();
    }
    submit.disabled = true;
    try {
      await api('POST', '/community/me/episodes', body);
      onDone();
    } catch (e) {
      submit.disabled = false;
      if (e.status !== 401) out.append(problemBox(e));
    }
  });
  return form;
}

function helpForm(onDone) {
  const type = h('select', { name: 'type', id: 'help-type' }, REQ_TYPES.map((x) => h('option', { value: x }, reqTypeName(x))));
  const detail = h('textarea', { name: 'detail', id: 'help-detail', rows: '3', maxlength: '500' });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary', dataset: { helpSubmit: '' } }, t('comm.me.help_submit'));
  const form = h('form', { class: 'report-form', dataset: { helpForm: '' }, novalidate: true },
    field('help-type', t('comm.req.type'), type),
    h('div', { class: 'rf-field' }, h('label', { for: 'help-detail' }, t('comm.me.help_detail')), detail),
    out,
    h('div', { class: 'rf-actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    if (!detail.value.trim()) {
      out.append(h('p', { class: 'problem', role: 'alert' }, t('comm.req.err_detail')));
      detail.focus();
      return;
    }
    submit.disabled = true;
    try {
      const q = await api('POST', '/community/requests', { type: type.value, detail: detail.value.trim() });
      onDone(q);
    } catch (e) {
      submit.disabled = false;
      if (e.status !== 401) out.append(problemBox(e));
    }
  });
  return form;
}

function myRequests(reqs) {
  if (!reqs.length) return h('p', { class: 'empty', dataset: { myRequestsEmpty: '' } }, t('comm.me.no_requests'));
  return h(
    'ul',
    { class: 'rq-list', dataset: { myRequests: '' } },
    reqs.map((q) =>
      h('li', { class: 'rq', dataset: { request: String(q.id), status: q.status } },
        h('div', { class: 'entry-head' }, h('strong', {}, reqTypeName(q.type)), reqStatusChip(q.status)),
        h('p', { class: 'rq-detail' }, q.detail),
        h('p', { class: 'entry-meta muted' }, t('comm.me.asked', { time: fmtTime(q.created) }), ' · ', t('comm.req.due', { time: fmtTime(q.due) })),
        q.reply
          ? h('p', { class: 'rq-reply', dataset: { reply: '' } }, h('strong', {}, t('comm.me.reply')), ' ', q.reply)
          : h('p', { class: 'muted' }, t('comm.me.no_reply')))),
  );
}

export async function renderSelfcare(main, { alive, go }) {
  const page = h('section', { class: 'page page-records', dataset: { page: 'records' } }, loading());
  main.append(page);
  let me;
  try {
    me = await api('GET', '/community/me');
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(h('h1', {}, t('page.records.title')), problemBox(e), upcoming('records'));
    return;
  }
  if (!alive()) return;
  const reload = () => go('#/records');
  const ep = me.episode;
  const flash = h('div', { 'aria-live': 'polite', dataset: { selfcareFlash: '' } });
  let isolation;
  if (ep) {
    const result = h('div', {});
    const status = h('div', { class: 'ep-head', dataset: { myEpisode: String(ep.id), grade: ep.grade } },
      h('p', {}, gradeBadge(ep.grade)),
      h('p', { class: 'ep-reason' }, ep.grade_reason),
      h('p', { class: 'muted' }, tOr(`comm.kind.${ep.kind}`, ep.kind), ' · ', t('comm.period', { start: ep.start_date, end: ep.planned_end })),
      ep.last_followup ? h('p', { class: 'muted' }, t('comm.me.last_check', { time: fmtTime(ep.last_followup) })) : null);
    const form = followupForm(ep, {
      self: true,
      onSaved: (res) => {
        status.dataset.grade = res.episode.grade;
        clear(status).append(h('p', {}, gradeBadge(res.episode.grade)), h('p', { class: 'ep-reason' }, res.episode.grade_reason));
        clear(result).append(followupResult(res),
          res.transfer_proposed ? h('p', { class: 'flash flash-warn', dataset: { selfAlert: '' } }, t('comm.me.alerted')) : h('p', { class: 'muted' }, t('comm.me.thanks')));
        result.scrollIntoView({ block: 'start' });
      },
    });
    isolation = h('section', { class: 'panel', dataset: { selfcheck: String(ep.id) } },
      h('h2', {}, t('comm.me.isolating')),
      status,
      result,
      h('h3', {}, t('comm.me.selfcheck')),
      h('p', { class: 'muted' }, t('comm.me.selfcheck_lead')),
      form.el);
  } else {
    isolation = h('section', { class: 'panel', dataset: { register: '' } },
      h('h2', {}, t('comm.me.register')),
      h('p', { class: 'muted' }, t('comm.me.register_lead')),
      registerForm(me.person, reload));
  }
  const reqWrap = h('div', {}, myRequests(me.requests || []));
  const help = me.person
    ? helpForm(async (q) => {
      clear(flash).append(h('p', { class: 'flash flash-info', dataset: { helpSent: String(q.id) } }, t('comm.me.help_sent', { due: fmtTime(q.due) })));
      try {
        const fresh = await api('GET', '/community/me');
        if (alive()) clear(reqWrap).append(myRequests(fresh.requests || []));
      } catch {
        /* shown on the next visit */
      }
    })
    : h('p', { class: 'muted' }, t('comm.me.help_after_register'));
  clear(page).append(
    h('h1', {}, t('page.records.title')),
    h('p', { class: 'lead' }, t('comm.me.lead')),
    h('div', { dataset: { selfcare: me.person ? 'person' : 'none' } }, isolation),
    h('section', { class: 'panel', dataset: { help: '' } }, h('h2', {}, t('comm.me.help')), flash, help),
    h('section', { class: 'panel' }, h('h2', {}, t('comm.me.requests')), reqWrap),
    upcoming('records'),
  );
}
