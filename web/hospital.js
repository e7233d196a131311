// hospital.js - a hospital administrator's home: their hospital, whether
// today's report is in, the daily report form (report.js) first, so that on
// a phone it is the first thing under the thumb, and the recent reports,
// any of which can be opened in the form to correct it.
import { h, clear } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { problemBox, sourceBadge, facilityTags, loading } from './ui.js';
import { loadReports, reportForm, reportsTable } from './report.js';
import { capSource } from './capacity.js';
import { areaLine, upcoming } from './pages.js';
// community pillar: the transfers coming to this hospital
import { incomingTransfers } from './transfers.js';

function todayLine(data) {
  const today = data.today;
  const cur = (data.items || []).find((r) => r.date === today);
  return h(
    'p',
    { class: `today ${cur ? 'today-done' : 'today-due'}`, dataset: { today: today || '', todayFiled: cur ? String(cur.version) : '' } },
    cur
      ? t('hospital.today_filed', { date: today, time: fmtTime(cur.reported_at), version: cur.version })
      : t('hospital.today_due', { date: today }),
  );
}

export async function renderHospital(main, { me, alive }) {
  const page = h('section', { class: 'page page-hospital', dataset: { page: 'hospital' } }, loading());
  main.append(page);
  if (!me.facility_id) {
    clear(page).append(
      h('h1', {}, t('page.hospital.title')),
      areaLine(me),
      h('p', { class: 'notice', dataset: { noFacility: '' } }, t('hospital.no_facility')),
      upcoming('hospital'),
    );
    return;
  }
  let data;
  try {
    data = await loadReports(me.facility_id);
  } catch (e) {
    if (!alive() || e.status === 401) return;
    clear(page).append(h('h1', {}, t('page.hospital.title')), problemBox(e));
    return;
  }
  if (!alive()) return;
  const f = data.facility;
  page.dataset.facility = String(f.id);
  const status = h('div', { dataset: { todayWrap: '' } }, todayLine(data));
  const table = h('div', { dataset: { reportsWrap: '' } });
  const form = reportForm(data, {
    onChange: (d) => {
      clear(status).append(todayLine(d));
      clear(table).append(reportsTable(d.items, { onPick: (date) => pick(date) }));
    },
  });
  const pick = (date) => {
    form.pick(date);
    form.el.scrollIntoView({ block: 'start' });
  };
  table.append(reportsTable(data.items, { onPick: pick }));
  clear(page).append(
    h('div', { class: 'regionbar-title' }, h('h1', {}, f.name), facilityTags(f)),
    h('p', { class: 'lead' }, t('page.hospital.lead')),
    status,
    incomingTransfers(), // community pillar
    h('div', { class: 'hospital-grid' },
      h('section', { class: 'panel report-panel', dataset: { reportPanel: '' } },
        h('div', { class: 'panel-head' }, h('h2', {}, t('hospital.form_title')), h('span', { class: 'muted' }, t('hospital.form_note'))),
        form.el),
      h('section', { class: 'panel', dataset: { recentReports: '' } },
        h('div', { class: 'panel-head' }, h('h2', {}, t('reports.title')), sourceBadge(capSource(data.source))),
        table)),
    upcoming('hospital'),
  );
}
