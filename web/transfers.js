// transfers.js - a hospital's incoming transfers from the community (the
// green channel, community pillar): who is coming, for what bed, from how
// far, why; the hospital accepts or declines a reserved bed (declining says
// why) and records the arrival, which closes the patient's home-isolation
// entry. GET/PATCH /api/v1/community/transfers.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtTime } from './i18n.js';
import { problemBox, loading } from './ui.js';

function line(tr, reload) {
  const out = h('div', { class: 'rq-out' });
  const patch = async (body, btn) => {
    clear(out);
    btn.disabled = true;
    try {
      await api('PATCH', `/community/transfers/${tr.id}`, body, { headers: { 'If-Match': `"${tr.version}"` } });
      reload(t(`comm.tr.done.${body.status}`, { name: tr.person_name }));
    } catch (e) {
      btn.disabled = false;
      if (e.status !== 401) out.append(problemBox(e, { compact: true }));
    }
  };
  const btn = (status, cls = 'btn small') => {
    const b = h('button', { type: 'button', class: cls, dataset: { trAction: status } }, t(`comm.tr.do.${status}`));
    return b;
  };
  const actions = h('div', { class: 'rq-actions' });
  if (tr.status === 'reserved') {
    const accept = btn('accepted', 'btn small primary');
    accept.addEventListener('click', () => patch({ status: 'accepted' }, accept));
    const note = h('input', { name: 'note', maxlength: '200', placeholder: t('comm.tr.decline_ph'), 'aria-label': t('comm.tr.decline_ph'), dataset: { trNote: '' } });
    const decline = btn('declined');
    decline.addEventListener('click', () => {
      if (!note.value.trim()) {
        clear(out).append(h('p', { class: 'field-error' }, t('comm.tr.err_note')));
        note.focus();
        return;
      }
      patch({ status: 'declined', note: note.value.trim() }, decline);
    });
    actions.append(accept, h('div', { class: 'rq-close' }, note, decline));
  } else if (tr.status === 'accepted') {
    const arrived = btn('arrived', 'btn small primary');
    arrived.addEventListener('click', () => patch({ status: 'arrived' }, arrived));
    actions.append(arrived);
  }
  const sex = tr.person_sex === 'M' ? t('comm.sex.M') : t('comm.sex.F');
  return h(
    'li',
    { class: `rq tr-in${tr.green ? ' tr-green' : ''}`, dataset: { transfer: String(tr.id), status: tr.status } },
    h('div', { class: 'entry-head' },
      h('strong', {}, tr.person_name),
      h('span', { class: 'muted' }, `${sex} · ${t('comm.age', { age: tr.person_age })}`),
      h('span', { class: 'tag' }, tOr(`comm.bed.${tr.bed}`, tr.bed)),
      tr.green ? h('span', { class: 'tag tag-green' }, t('comm.tr.green')) : null,
      h('span', { class: `status tr-${tr.status}` }, tOr(`comm.tr.status.${tr.status}`, tr.status))),
    tr.reason ? h('p', { class: 'rq-detail' }, tr.reason) : null,
    h('p', { class: 'entry-meta muted' },
      tr.person_phone ? h('span', { class: 'code' }, tr.person_phone, ' · ') : null,
      typeof tr.distance_km === 'number' && tr.distance_km >= 0 ? `${t('comm.km', { km: tr.distance_km })} · ` : '',
      t('comm.tr.created', { time: fmtTime(tr.created) })),
    actions,
    out,
  );
}

const FIRST = 5;

// the panel on the hospital's page; reloads itself after each change
export function incomingTransfers() {
  const body = h('div', {}, loading());
  const flash = h('div', { 'aria-live': 'polite' });
  const panel = h('section', { class: 'panel', dataset: { incoming: '' } },
    h('div', { class: 'panel-head' }, h('h2', {}, t('comm.tr.incoming')), h('span', { class: 'muted' }, t('comm.tr.incoming_note'))),
    flash,
    body);
  const load = async (message) => {
    clear(flash);
    if (message) flash.append(h('p', { class: 'flash flash-info', dataset: { trFlash: '' } }, message));
    let res;
    try {
      res = await api('GET', '/community/transfers?status=active&limit=200');
    } catch (e) {
      if (e.status === 401) return;
      clear(body).append(problemBox(e));
      return;
    }
    // newest first; the first few, so the daily report stays within reach
    const items = (res.items || []).slice().reverse();
    if (!items.length) {
      clear(body).append(h('p', { class: 'empty', dataset: { incomingEmpty: '' } }, t('comm.tr.incoming_none')));
      return;
    }
    const list = h('ul', { class: 'rq-list', dataset: { incomingList: String(items.length) } }, items.slice(0, FIRST).map((tr) => line(tr, load)));
    clear(body).append(list);
    if (items.length > FIRST) {
      const more = h('button', { type: 'button', class: 'btn small', dataset: { incomingMore: '' } }, t('comm.tr.show_all', { n: items.length }));
      more.addEventListener('click', () => {
        list.append(...items.slice(FIRST).map((tr) => line(tr, load)));
        more.remove();
      });
      body.append(h('p', {}, more));
    }
  };
  load();
  return panel;
}
