// supply.js - the supply pillar (DESIGN.md §1, 物资储备·统一调度): stock and
// days of cover per item and area against the policy's target, the shortage
// list, and for commanders the dispatch plan: compute → review (each transfer
// explained, quantities editable) → approve (a 409 says what stock moved and
// offers to recompute) → track the shipments and record receipts. A hospital
// or pharmacy sees its own stock and cover and receives its shipments.
//
// Every figure comes from the API (/api/v1/supply/…); the target (90 days)
// from the policy pack through the API. A demo database says so: its figures
// carry the "illustrative" label.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, fmtNumber } from './i18n.js';
import { problemBox, sourceBadge, downloadLink, loading } from './ui.js';
import { drawMap } from './map.js';

// the days-of-cover map: the province's cities coloured red (few days) to
// green (the target and more)
const COVER_FIGURE = {
  key: 'days_of_cover',
  label: 'supply.col.cover',
  unit: 'supply.unit.days',
  colors: ['#b2182b', '#fdae61', '#fee08b', '#1a9850'],
};

const isCommand = (me) => me.role === 'admin' || me.role === 'commander';

function days(v) {
  return v === null || v === undefined ? '∞' : fmtNumber(Math.round(v));
}

function coverClass(v, target) {
  if (v === null || v === undefined) return 'cover-none';
  return v < target / 3 ? 'cover-low' : v < target ? 'cover-short' : 'cover-ok';
}

function th(key) {
  return h('th', { scope: 'col' }, t(key));
}

// ---- the items overview ----

function itemsTable(cover, onPick) {
  const body = h('tbody');
  for (const it of cover.items) {
    const pick = h('button', { type: 'button', class: 'linkish', dataset: { pickItem: String(it.item) } }, it.item_name);
    pick.addEventListener('click', () => onPick(it));
    body.append(
      h('tr', { dataset: { item: String(it.item) } },
        h('td', {}, pick),
        h('td', { class: 'num', dataset: { col: 'stock' } }, `${fmtNumber(it.stock)} ${it.unit}`),
        h('td', { class: 'num', dataset: { col: 'use' } }, fmtNumber(Math.round(it.daily_use))),
        h('td', { class: `num ${coverClass(it.days_of_cover, cover.target_days)}`, dataset: { col: 'cover' } }, days(it.days_of_cover)),
        h('td', { class: 'num', dataset: { col: 'below' } }, `${fmtNumber(it.sites_below_target)} / ${fmtNumber(it.sites)}`)),
    );
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'regions', dataset: { supplyItems: '' } },
      h('caption', {}, t('supply.items.caption', { target: cover.target_days, window: cover.window_days, date: cover.as_of })),
      h('thead', {}, h('tr', {}, th('supply.col.item'), th('supply.col.stock'), th('supply.col.use'), th('supply.col.cover'), th('supply.col.below'))),
      body));
}

function sitesTable(rows, target, attr) {
  const body = h('tbody');
  for (const s of rows) {
    body.append(
      h('tr', { dataset: { site: String(s.site), item: String(s.item) } },
        h('td', {}, s.site_name),
        h('td', {}, s.item_name),
        h('td', { class: 'num' }, `${fmtNumber(s.stock)} ${s.unit}`),
        h('td', { class: 'num' }, String(s.daily_use)),
        h('td', { class: `num ${coverClass(s.days_of_cover, target)}`, dataset: { col: 'cover' } }, days(s.days_of_cover))),
    );
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'regions', dataset: { [attr]: '' } },
      h('thead', {}, h('tr', {}, th('supply.col.site'), th('supply.col.item'), th('supply.col.stock'), th('supply.col.use'), th('supply.col.cover'))),
      body));
}

async function itemDetail(panel, me, item, target) {
  clear(panel).append(loading());
  try {
    const c = await api('GET', `/supply/cover?item=${item.item}`);
    const regions = h('tbody');
    for (const r of c.regions || []) {
      regions.append(h('tr', { dataset: { region: r.region } },
        h('td', {}, r.region),
        h('td', { class: 'num' }, fmtNumber(r.stock)),
        h('td', { class: `num ${coverClass(r.days_of_cover, target)}` }, days(r.days_of_cover)),
        h('td', { class: 'num' }, `${fmtNumber(r.sites_below_target)} / ${fmtNumber(r.sites)}`)));
    }
    const sites = (c.sites || []).filter((s) => s.days_of_cover !== null).sort((a, b) => a.days_of_cover - b.days_of_cover).slice(0, 50);
    const cities = (c.regions || []).filter((r) => r.region.length === 4);
    const map = cities.length ? h('div', { class: 'chart', dataset: { map: '', coverMap: String(item.item) } }) : null;
    clear(panel).append(
      h('div', { class: 'panel-head' }, h('h2', {}, item.item_name), sourceBadge(c.source)),
      map,
      isCommand(me)
        ? h('table', { class: 'regions', dataset: { supplyRegions: '' } },
            h('thead', {}, h('tr', {}, th('supply.col.region'), th('supply.col.stock'), th('supply.col.cover'), th('supply.col.below'))),
            regions)
        : null,
      h('h3', {}, t('supply.sites.lowest')),
      sitesTable(sites, target, 'supplySites'),
    );
    if (map) {
      const values = new Map(cities.map((r) => [r.region, { value: r.days_of_cover === null ? null : Math.round(r.days_of_cover), source: c.source }]));
      drawMap(map, { figure: COVER_FIGURE, values, mark: null, onPick: null });
    }
  } catch (e) {
    clear(panel).append(problemBox(e));
  }
}

// ---- plans ----

function planView(box, me, plan, onChange) {
  const proposed = plan.status === 'proposed';
  const summary = h('tbody');
  for (const s of plan.summary || []) {
    summary.append(h('tr', { dataset: { planItem: String(s.item) } },
      h('td', {}, String(s.item)),
      h('td', { class: 'num' }, `${days(s.level_before)} → ${days(s.level_after)}`),
      h('td', { class: 'num' }, fmtNumber(s.transfers)),
      h('td', { class: 'num' }, fmtNumber(Math.round(s.item_km)))));
  }
  const lines = h('tbody');
  for (const l of plan.lines.slice(0, 300)) {
    let qty = h('span', {}, fmtNumber(l.qty));
    if (proposed) {
      qty = h('input', { type: 'number', min: '0', max: String(l.from.stock), value: String(l.qty), class: 'qty', dataset: { lineQty: String(l.id) }, 'aria-label': t('supply.col.qty') });
      qty.addEventListener('change', async () => {
        try {
          const p = await api('PATCH', `/supply/plans/${plan.id}/lines/${l.id}`, { qty: Number(qty.value) });
          onChange(p);
        } catch (e) {
          box.prepend(problemBox(e, { compact: true }));
        }
      });
    }
    lines.append(h('tr', { dataset: { line: String(l.id) } },
      h('td', { dataset: { explain: '' } }, l.explain),
      h('td', {}, l.from.name),
      h('td', { class: 'num' }, qty, ' ', l.unit),
      h('td', { class: 'num' }, fmtNumber(Math.round(l.km)))));
  }
  const status = h('div', { class: 'plan-status', 'aria-live': 'polite' });
  const actions = h('div', { class: 'panel-tools' });
  if (proposed) {
    const approve = h('button', { type: 'button', class: 'btn primary', dataset: { approve: String(plan.id) } }, t('supply.plan.approve'));
    approve.addEventListener('click', async () => {
      clear(status);
      approve.disabled = true;
      try {
        const p = await api('POST', `/supply/plans/${plan.id}/approve`);
        onChange(p);
      } catch (e) {
        approve.disabled = false;
        status.append(problemBox(e));
        const changed = (e.problem && e.problem.changed) || [];
        if (changed.length) {
          status.append(h('ul', { dataset: { changed: '' } },
            changed.map((c) => h('li', {}, t('supply.plan.changed', { site: c.site_name, item: c.item_code, was: fmtNumber(c.was), now: fmtNumber(c.now) })))));
        }
        if (e.problem && e.problem.recompute) {
          const again = h('button', { type: 'button', class: 'btn', dataset: { recompute: '' } }, t('supply.plan.recompute'));
          again.addEventListener('click', () => onChange(null, e.problem.recompute.body));
          status.append(again);
        }
      }
    });
    actions.append(approve);
  }
  actions.append(
    downloadLink(`/supply/plans/${plan.id}/export?format=csv`, 'CSV', 'plan-csv'), ' ',
    downloadLink(`/supply/plans/${plan.id}/export?format=xlsx`, 'XLSX', 'plan-xlsx'));
  clear(box).append(
    h('div', { class: 'panel-head' },
      h('h2', {}, t('supply.plan.title', { id: plan.id })),
      h('span', { class: `status status-${plan.status}`, dataset: { planStatus: plan.status } }, t(`supply.plan.status.${plan.status}`)),
      actions),
    status,
    h('table', { class: 'regions', dataset: { planSummary: '' } },
      h('thead', {}, h('tr', {}, th('supply.col.item'), th('supply.col.level'), th('supply.col.transfers'), th('supply.col.km'))),
      summary),
    plan.lines.length
      ? h('div', { class: 'table-wrap' },
          h('table', { class: 'regions', dataset: { planLines: String(plan.id) } },
            h('thead', {}, h('tr', {}, th('supply.col.explain'), th('supply.col.from'), th('supply.col.qty'), th('supply.col.km'))),
            lines))
      : h('p', { class: 'empty', dataset: { planEmpty: '' } }, t('supply.plan.empty')),
  );
  if (!proposed) box.append(shipmentsPanel(me, plan.id));
}

function shipmentsPanel(me, planId) {
  const box = h('section', { class: 'panel', dataset: { shipments: planId ? String(planId) : 'own' } }, loading());
  const load = async () => {
    try {
      const q = planId ? `?plan=${planId}` : '?status=open';
      const s = await api('GET', `/supply/shipments${q}`);
      const body = h('tbody');
      for (const x of s.items) {
        const cell = h('td', {});
        if (x.status !== 'received') {
          const inp = h('input', { type: 'number', min: '1', max: String(x.qty - x.received), value: String(x.qty - x.received), class: 'qty', 'aria-label': t('supply.ship.receive_qty') });
          const b = h('button', { type: 'button', class: 'btn small', dataset: { receive: String(x.id) } }, t('supply.ship.receive'));
          const msg = h('span', {});
          b.addEventListener('click', async () => {
            clear(msg);
            try {
              await api('POST', `/supply/shipments/${x.id}/receive`, { qty: Number(inp.value) });
              load();
            } catch (e) {
              msg.append(problemBox(e, { compact: true }));
            }
          });
          cell.append(inp, ' ', b, msg);
        }
        body.append(h('tr', { dataset: { shipment: String(x.id), status: x.status } },
          h('td', {}, x.item_name),
          h('td', {}, x.from.name),
          h('td', {}, x.to.name),
          h('td', { class: 'num' }, `${fmtNumber(x.received)} / ${fmtNumber(x.qty)} ${x.unit}`),
          h('td', { dataset: { shipStatus: x.status } }, t(`supply.ship.status.${x.status}`)),
          cell));
      }
      clear(box).append(
        h('h2', {}, t('supply.ship.title')),
        s.items.length
          ? h('div', { class: 'table-wrap' },
              h('table', { class: 'regions' },
                h('thead', {}, h('tr', {}, th('supply.col.item'), th('supply.col.from'), th('supply.col.to'), th('supply.col.received'), th('supply.col.status'), th('supply.ship.receive'))),
                body))
          : h('p', { class: 'empty' }, t('supply.ship.none')));
    } catch (e) {
      clear(box).append(problemBox(e));
    }
  };
  load();
  return box;
}

function plansPanel(me, items) {
  const box = h('section', { class: 'panel', dataset: { plans: '' } });
  const view = h('div', { dataset: { planView: '' } });
  const pick = h('select', { dataset: { planItem: '' }, 'aria-label': t('supply.plan.items') },
    h('option', { value: '' }, t('supply.plan.all_items')),
    items.map((it) => h('option', { value: String(it.item) }, it.item_name)));
  const compute = h('button', { type: 'button', class: 'btn primary', dataset: { compute: '' } }, t('supply.plan.compute'));
  const show = (p, again) => {
    if (p) planView(view, me, p, show);
    else if (again) run(again);
  };
  const run = async (body) => {
    clear(view).append(loading());
    compute.disabled = true;
    try {
      const p = await api('POST', '/supply/plans', body);
      show(p);
    } catch (e) {
      clear(view).append(problemBox(e));
    } finally {
      compute.disabled = false;
    }
  };
  compute.addEventListener('click', () => run(pick.value ? { items: [Number(pick.value)] } : {}));
  box.append(
    h('div', { class: 'panel-head' }, h('h2', {}, t('supply.plan.heading')),
      h('div', { class: 'panel-tools' }, pick, compute)),
    h('p', { class: 'muted' }, t('supply.plan.how')),
    view);
  return box;
}

// ---- the page ----

export async function renderSupply(main, { me, alive }) {
  const page = h('section', { class: 'page page-supply', dataset: { page: 'supply' } }, h('h1', {}, t('supply.title')), loading());
  main.append(page);
  let cover;
  let short;
  try {
    [cover, short] = await Promise.all([api('GET', '/supply/cover'), api('GET', '/supply/shortages?limit=50')]);
  } catch (e) {
    if (!alive()) return;
    clear(page).append(h('h1', {}, t('supply.title')), problemBox(e));
    return;
  }
  if (!alive()) return;
  const detail = h('section', { class: 'panel', dataset: { itemDetail: '' } }, h('p', { class: 'muted' }, t('supply.items.pick')));
  clear(page).append(
    h('div', { class: 'regionbar-title' }, h('h1', {}, t('supply.title')), sourceBadge(cover.source)),
    h('p', { class: 'muted', dataset: { supplyAsof: cover.as_of } }, t('supply.asof', { date: cover.as_of, target: cover.target_days })),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', {}, t('supply.items.title')),
        h('span', { class: 'dl-group' }, h('span', { class: 'muted' }, t('supply.ledger.download')), ' ',
          downloadLink('/supply/movements/export?format=csv', 'CSV', 'ledger-csv'), ' ',
          downloadLink('/supply/movements/export?format=xlsx', 'XLSX', 'ledger-xlsx'))),
      itemsTable(cover, (it) => itemDetail(detail, me, it, cover.target_days))),
    detail,
    h('section', { class: 'panel', dataset: { shortages: String(short.items.length) } },
      h('h2', {}, t('supply.short.title', { target: short.target_days })),
      short.items.length ? sitesTable(short.items, short.target_days, 'shortageList') : h('p', { class: 'empty' }, t('supply.short.none'))),
    isCommand(me) ? plansPanel(me, cover.items) : shipmentsPanel(me, null),
  );
}
