// queue.js - the queue pillar's three screens:
//  - the resident's ticket page (#/queue), made for a phone: find a clinic
//    (the top three by travel + expected wait, with the reason), take a
//    ticket, then watch its place and expected call time move, live;
//  - the clinic desk's call-next screen (#/clinic): counters, "call next",
//    the patient arrived / absent, desk tickets, the waiting list, live;
//  - the public call display 叫号屏 (display.html?clinic=ID, no sign-in:
//    numbers only, large type), live.
// "Live" is one EventSource per screen on the clinic's event stream
// (GET /api/v1/queue/clinics/ID/events): every call, ticket and counter
// change arrives as a snapshot; the browser reconnects by itself.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, initI18n } from './i18n.js';
import { problemBox, loading } from './ui.js';
import { areaLine } from './pages.js';

const streams = new Set();

// close every stream of the previous page (the router calls this)
export function closeStreams() {
  for (const s of streams) s.close();
  streams.clear();
}

function watch(clinicId, onEvent) {
  const es = new EventSource(`/api/v1/queue/clinics/${clinicId}/events`);
  es.addEventListener('queue', (ev) => {
    let d = null;
    try {
      d = JSON.parse(ev.data);
    } catch {
      return;
    }
    onEvent(d);
  });
  streams.add(es);
  return es;
}

const minutes = (m) => (m === null || m === undefined ? t('figure.none') : t('queue.minutes', { n: Math.round(m) }));

function clock(iso) {
  if (!iso) return t('figure.none');
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// ---- the resident ----

function stateText(tk) {
  if (tk.state === 'called') return t('queue.state.called', { counter: tk.counter });
  return t(`queue.state.${tk.state}`);
}

function ticketCard(tk, onCancel) {
  const called = tk.state === 'called';
  return h(
    'section',
    { class: `panel ticket ticket-${tk.state}`, dataset: { ticket: String(tk.id), ticketState: tk.state } },
    h('p', { class: 'muted' }, tk.clinic_name || ''),
    h('p', { class: 'ticket-number', dataset: { ticketNumber: tk.number } }, tk.number),
    h('p', { class: called ? 'ticket-call' : 'ticket-status', role: 'status', 'aria-live': 'polite' }, stateText(tk)),
    tk.state === 'waiting'
      ? h(
          'dl',
          { class: 'ticket-facts' },
          h('dt', {}, t('queue.ahead')),
          h('dd', { dataset: { ticketAhead: String(tk.ahead) } }, String(tk.ahead)),
          h('dt', {}, t('queue.expected_wait')),
          h('dd', {}, minutes(tk.expected_wait_min)),
          h('dt', {}, t('queue.expected_call')),
          h('dd', { dataset: { ticketEta: tk.expected_call_at || '' } }, clock(tk.expected_call_at)),
        )
      : null,
    ['waiting', 'called'].includes(tk.state)
      ? h('button', { type: 'button', class: 'btn', dataset: { cancel: '' }, on: { click: onCancel } }, t('queue.cancel'))
      : null,
  );
}

function recoList(items, onTake) {
  if (!items.length) return h('p', { class: 'notice', dataset: { recoNone: '' } }, t('queue.no_clinic'));
  return h(
    'ol',
    { class: 'reco' },
    items.map((it) =>
      h(
        'li',
        { class: 'panel', dataset: { recoItem: String(it.clinic_id) } },
        h('strong', {}, it.name),
        h('p', { class: 'muted' }, it.reason_text),
        h('p', {}, t('queue.reco_line', { km: it.distance_km, travel: Math.round(it.travel_min), wait: Math.round(it.expected_wait_min) })),
        h('button', { type: 'button', class: 'btn primary', dataset: { take: String(it.clinic_id) }, on: { click: () => onTake(it) } }, t('queue.take')),
      ),
    ),
  );
}

export async function renderResidentQueue(main, { me, alive }) {
  const page = h('section', { class: 'page page-queue', dataset: { page: 'queue' } }, loading());
  main.append(page);
  const msg = h('div', { dataset: { queueMsg: '' } });
  let current = null;

  async function showTicket(tk) {
    current = tk;
    const body = h('div', {});
    const cancel = async () => {
      clear(msg);
      try {
        await api('POST', `/queue/tickets/${tk.id}/events`, { event: 'cancel' });
        closeStreams();
        await start();
      } catch (e) {
        msg.append(problemBox(e));
      }
    };
    const draw = (x) => clear(body).append(ticketCard(x, cancel));
    draw(tk);
    clear(page).append(h('h1', {}, t('page.queue.title')), msg, body, h('p', { class: 'muted' }, t('queue.live_note')));
    // the queue moved: fetch this ticket's place again
    watch(tk.clinic_id, async () => {
      if (!alive()) return closeStreams();
      try {
        const x = await api('GET', `/queue/tickets/${tk.id}`);
        if (alive()) draw(x);
      } catch {
        /* the next event tries again */
      }
    });
  }

  function showFinder() {
    const lat = h('input', { id: 'q-lat', inputmode: 'decimal', value: '30.2741', size: 9 });
    const lon = h('input', { id: 'q-lon', inputmode: 'decimal', value: '120.1080', size: 9 });
    const out = h('div', { dataset: { reco: '' } });
    const take = async (it) => {
      clear(msg);
      try {
        const tk = await api('POST', `/queue/clinics/${it.clinic_id}/tickets`, { lat: Number(lat.value), lon: Number(lon.value) });
        await showTicket(tk);
      } catch (e) {
        msg.append(problemBox(e));
        const alt = e.problem && e.problem.alternatives;
        if (Array.isArray(alt)) clear(out).append(recoList(alt, take));
      }
    };
    const find = async () => {
      clear(msg);
      clear(out).append(loading());
      try {
        const r = await api('GET', `/queue/recommend?lat=${encodeURIComponent(lat.value)}&lon=${encodeURIComponent(lon.value)}`);
        if (alive()) clear(out).append(recoList(r.items, take));
      } catch (e) {
        clear(out);
        msg.append(problemBox(e));
      }
    };
    const here = h('button', { type: 'button', class: 'btn', dataset: { locate: '' } }, t('queue.locate'));
    here.addEventListener('click', () => {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition((p) => {
        lat.value = p.coords.latitude.toFixed(4);
        lon.value = p.coords.longitude.toFixed(4);
        find();
      });
    });
    clear(page).append(
      h('h1', {}, t('page.queue.title')),
      h('p', { class: 'lead' }, t('page.queue.lead')),
      areaLine(me),
      h(
        'div',
        { class: 'panel-tools' },
        h('label', { for: 'q-lat' }, t('queue.lat')),
        lat,
        h('label', { for: 'q-lon' }, t('queue.lon')),
        lon,
        here,
        h('button', { type: 'button', class: 'btn primary', dataset: { recommend: '' }, on: { click: find } }, t('queue.find')),
      ),
      msg,
      out,
    );
  }

  async function start() {
    try {
      const tk = await api('GET', '/queue/tickets/mine');
      if (alive()) await showTicket(tk);
    } catch (e) {
      if (!alive() || e.status === 401) return;
      if (e.status === 404) showFinder();
      else clear(page).append(h('h1', {}, t('page.queue.title')), problemBox(e));
    }
  }
  await start();
  return current;
}

// ---- the clinic desk ----

export async function renderDesk(main, { me, alive }) {
  const page = h('section', { class: 'page page-clinic', dataset: { page: 'clinic', desk: '' } }, loading());
  main.append(page);
  if (!me.facility_id) {
    clear(page).append(h('h1', {}, t('page.clinic.title')), areaLine(me), h('p', { class: 'notice' }, t('queue.no_facility')));
    return;
  }
  const id = me.facility_id;
  const msg = h('div', { dataset: { deskMsg: '' } });
  const head = h('div', {});
  const counters = h('div', { class: 'counters', dataset: { counters: '' } });
  const current = h('div', { dataset: { current: '' } });
  const list = h('div', { dataset: { waitingWrap: '' } });
  const counterSel = h('select', { id: 'q-counter' });
  const laneSel = h('select', { id: 'q-lane' }, h('option', { value: 'ordinary' }, t('queue.lane.ordinary')));
  let lastCalled = null;

  const act = async (fn) => {
    clear(msg);
    try {
      await fn();
    } catch (e) {
      msg.append(problemBox(e));
    }
    await refresh();
  };

  async function refresh() {
    let c, q;
    try {
      [c, q] = await Promise.all([api('GET', `/queue/clinics/${id}`), api('GET', `/queue/clinics/${id}/queue`)]);
    } catch (e) {
      if (alive() && e.status !== 401) clear(msg).append(problemBox(e));
      return;
    }
    if (!alive()) return;
    clear(head).append(
      h('div', { class: 'regionbar-title' }, h('h1', {}, c.name)),
      h('p', { class: 'lead' }, t('queue.desk_line', { hours: c.hours, waiting: c.waiting, wait: minutes(c.expected_wait_min) })),
      h('p', {}, h('a', { href: `/display.html?clinic=${id}`, target: '_blank', rel: 'noopener', dataset: { displayLink: '' } }, t('queue.open_display'))),
    );
    const keep = counterSel.value;
    clear(counterSel);
    clear(counters);
    for (const k of c.counters || []) {
      if (k.open) counterSel.append(h('option', { value: String(k.counter) }, t('queue.counter_n', { n: k.counter })));
      counters.append(
        h('button', {
          type: 'button',
          class: `btn small ${k.open ? 'primary' : ''}`,
          dataset: { counterToggle: String(k.counter), open: k.open ? '1' : '0' },
          on: { click: () => act(() => api('PUT', `/queue/clinics/${id}/counters/${k.counter}`, { open: !k.open })) },
        }, t(k.open ? 'queue.counter_open' : 'queue.counter_closed', { n: k.counter })),
      );
    }
    const next = (c.counters || []).length + 1;
    counters.append(h('button', { type: 'button', class: 'btn small', dataset: { counterAdd: '' }, on: { click: () => act(() => api('PUT', `/queue/clinics/${id}/counters/${next}`, { open: true })) } }, t('queue.counter_add')));
    if (keep && [...counterSel.options].some((o) => o.value === keep)) counterSel.value = keep;
    const active = q.active || [];
    clear(current).append(
      active.length
        ? h('ul', { class: 'active-list' }, active.map((x) =>
            h('li', { dataset: { activeNumber: x.number, activeState: x.state } },
              h('strong', {}, x.number), ' ', t('queue.counter_n', { n: x.counter }), ' · ', t(`queue.state.${x.state}`, { counter: x.counter }),
              x.state === 'called'
                ? [' ', h('button', { type: 'button', class: 'btn small', dataset: { start: x.number }, on: { click: () => act(() => api('POST', `/queue/tickets/${x.id}/events`, { event: 'start' })) } }, t('queue.start')),
                   ' ', h('button', { type: 'button', class: 'btn small', dataset: { miss: x.number }, on: { click: () => act(() => api('POST', `/queue/tickets/${x.id}/events`, { event: 'miss' })) } }, t('queue.miss'))]
                : x.state === 'serving'
                  ? [' ', h('button', { type: 'button', class: 'btn small', dataset: { finish: x.number }, on: { click: () => act(() => api('POST', `/queue/tickets/${x.id}/events`, { event: 'finish' })) } }, t('queue.finish'))]
                  : null)))
        : h('p', { class: 'muted' }, t('queue.none_active')),
    );
    const w = q.waiting || [];
    clear(list).append(
      h('h2', {}, t('queue.waiting_title', { n: w.length })),
      w.length
        ? h('ol', { class: 'waiting-list', dataset: { waiting: '' } }, w.slice(0, 50).map((x) =>
            h('li', { dataset: { number: x.number } }, h('strong', {}, x.number), ' ', x.priority ? h('span', { class: 'chip' }, t(`queue.lane.${x.lane}`)) : null, ' ', h('span', { class: 'muted' }, minutes(x.expected_wait_min)))))
        : h('p', { class: 'muted', dataset: { waitingEmpty: '' } }, t('queue.nobody')),
    );
  }

  const callBtn = h('button', { type: 'button', class: 'btn primary big', dataset: { callNext: '' } }, t('queue.call_next'));
  callBtn.addEventListener('click', () =>
    act(async () => {
      const r = await api('POST', `/queue/clinics/${id}/call-next`, { counter: Number(counterSel.value) });
      lastCalled = r.ticket;
      msg.append(h('p', { class: 'flash flash-info', dataset: { called: lastCalled.number } }, t('queue.called_now', { number: lastCalled.number, counter: lastCalled.counter })));
    }),
  );
  const issueBtn = h('button', { type: 'button', class: 'btn', dataset: { issue: '' } }, t('queue.issue'));
  issueBtn.addEventListener('click', () =>
    act(async () => {
      const body = laneSel.value === 'ordinary' ? {} : { lane: laneSel.value };
      const tk = await api('POST', `/queue/clinics/${id}/tickets`, body);
      msg.append(h('p', { class: 'flash flash-info', dataset: { issued: tk.number } }, t('queue.issued', { number: tk.number, ahead: tk.ahead })));
    }),
  );
  try {
    const pol = await api('GET', '/policy');
    for (const l of (pol.queue && pol.queue.priority_lanes) || []) laneSel.append(h('option', { value: l }, t(`queue.lane.${l}`)));
  } catch {
    /* ordinary only */
  }
  clear(page).append(
    head,
    msg,
    h('section', { class: 'panel desk-panel' },
      h('div', { class: 'panel-tools' }, h('label', { for: 'q-counter' }, t('queue.counter')), counterSel, callBtn),
      current),
    h('section', { class: 'panel' }, h('h2', {}, t('queue.counters')), counters),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-tools' }, h('label', { for: 'q-lane' }, t('queue.lane')), laneSel, issueBtn),
      list),
  );
  await refresh();
  watch(id, () => {
    if (!alive()) return closeStreams();
    refresh();
  });
}

// ---- the dashboard's wait figure ----

// GET /queue/stats for a region (null when the caller may not see it)
export async function loadQueueStats(code) {
  return api('GET', `/queue/stats?region=${encodeURIComponent(code)}`);
}

// the region row's `queue` (figures.js reads p90_wait_min): the region
// itself from `total`, its children from `regions`
export function attachQueue(region, kids, stats) {
  if (!stats) return;
  region.queue = { ...stats.total, source: stats.source };
  const byCode = new Map((stats.regions || []).map((r) => [r.region, r]));
  for (const k of kids) {
    const x = byCode.get(k.code);
    k.queue = x ? { ...x, source: stats.source } : null;
  }
}

// ---- the public call display (display.html) ----

function drawDisplay(root, d) {
  const called = d.called || [];
  const latest = called[0];
  clear(root).append(
    h('header', { class: 'display-head' }, h('h1', {}, d.name), h('p', {}, t('queue.display_wait', { waiting: d.waiting, wait: minutes(d.expected_wait_min) }))),
    latest
      ? h('div', { class: 'display-now', dataset: { displayNow: latest.label } },
          h('span', { class: 'display-number' }, latest.label),
          h('span', { class: 'display-counter' }, t('queue.to_counter', { n: latest.counter })))
      : h('div', { class: 'display-now' }, t('queue.nobody_called')),
    h('ol', { class: 'display-called', dataset: { called: '' } },
      called.slice(1, 7).map((c) => h('li', { dataset: { label: c.label } }, h('strong', {}, c.label), ' ', t('queue.to_counter', { n: c.counter })))),
  );
}

export async function startDisplay(root) {
  await initI18n();
  const id = new URLSearchParams(location.search).get('clinic');
  if (!id || !/^\d+$/.test(id)) {
    clear(root).append(h('p', {}, t('queue.display_no_clinic')));
    return;
  }
  try {
    const res = await fetch(`/api/v1/queue/clinics/${id}/display`, { cache: 'no-store' });
    const d = await res.json();
    if (!res.ok) {
      clear(root).append(h('p', { class: 'problem' }, d.detail || d.title));
      return;
    }
    drawDisplay(root, d);
  } catch {
    clear(root).append(h('p', { class: 'problem' }, t('error.network')));
  }
  watch(id, (d) => drawDisplay(root, d));
}
