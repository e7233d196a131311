// importpanel.js - a spreadsheet import that is always checked first: pick a
// CSV or XLSX file → "Check" (a dry run) → the row-by-row report → "Import N
// rows", or "Import the good rows, skipping M" (?skip_bad=1) when some are
// bad. One implementation for every registry that takes a spreadsheet
// (facilities, the community office's residents); the API answers all of
// them with the same report {rows, valid, invalid, created, errors[{row,
// errors[{field, code, message}]}], errors_truncated}.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtNumber } from './i18n.js';
import { problemBox, loading } from './ui.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// path: the API's import path (POST, ?dry_run=1 / ?skip_bad=1 added here);
// reload: called after a real import; title, help: the panel's heading and
// what it takes (strings or nodes); result: the message key for what an import
// did ({created}, {invalid}); fieldLabel: a report's field name as the user
// knows it; extra: nodes under the help (a template link); id: the file
// input's id (unique on the page); name: data-import-panel's value.
export function importPanel({
  path,
  reload = async () => {},
  title = t('import.title'),
  help = t('import.help'),
  result = 'import.result',
  fieldLabel = (f) => tOr(`field.${f}`, f),
  extra = null,
  id = 'import-file',
  name = '',
}) {
  const file = h('input', { type: 'file', id, accept: '.csv,.xlsx,text/csv,' + XLSX_TYPE, dataset: { importFile: '' } });
  const check = h('button', { type: 'button', class: 'btn', disabled: true, dataset: { importCheck: '' } }, t('import.check'));
  const out = h('div', { class: 'import-out', 'aria-live': 'polite', dataset: { importOut: '' } });
  let bytes = null;
  let type = 'text/csv';

  const send = async (params) => {
    return api('POST', `${path}?${params}`, undefined, { raw: { data: bytes, type } });
  };
  const reportView = (r, { dryRun }) => {
    const errs = r.errors || [];
    const box = h('div', { class: 'import-report', dataset: { importReport: '', rows: String(r.rows), valid: String(r.valid), invalid: String(r.invalid), created: String(r.created), dryRun: dryRun ? '1' : '0' } },
      h('p', {}, h('strong', {}, dryRun ? t('import.checked', { rows: fmtNumber(r.rows), valid: fmtNumber(r.valid), invalid: fmtNumber(r.invalid) })
        : t(result, { created: fmtNumber(r.created), invalid: fmtNumber(r.invalid) }))));
    if (errs.length) {
      box.append(h('div', { class: 'table-wrap' },
        h('table', { class: 'regions import-errors', dataset: { importErrors: '' } },
          h('caption', {}, t('import.errors_caption')),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', class: 'num' }, t('import.col.row')),
            h('th', { scope: 'col' }, t('import.col.field')),
            h('th', { scope: 'col' }, t('import.col.message')))),
          h('tbody', {}, errs.flatMap((e) => e.errors.map((fe, i) =>
            h('tr', { dataset: { row: String(e.row), field: fe.field } },
              h('td', { class: 'num' }, i === 0 ? String(e.row) : ''),
              h('td', {}, fieldLabel(fe.field)),
              h('td', {}, fe.message || fe.code))))))));
      if (r.errors_truncated) box.append(h('p', { class: 'map-note' }, t('import.truncated')));
    }
    return box;
  };
  const actions = (r) => {
    const row = h('div', { class: 'rf-actions' });
    const go = (skip) => {
      const b = h('button', { type: 'button', class: skip ? 'btn' : 'btn primary', dataset: { importGo: skip ? 'skip' : 'all' } },
        skip ? t('import.go_skip', { valid: fmtNumber(r.valid), invalid: fmtNumber(r.invalid) }) : t('import.go', { n: fmtNumber(r.valid) }));
      b.addEventListener('click', async () => {
        for (const x of row.querySelectorAll('button')) x.disabled = true;
        try {
          const res = await send(skip ? 'skip_bad=1' : '');
          clear(out).append(reportView(res, { dryRun: false }));
          await reload();
        } catch (e) {
          if (e.status === 401) return;
          // the file changed meanwhile or the registry did: the report again
          if (e.status === 422 && e.problem && 'rows' in e.problem) clear(out).append(reportView(e.problem, { dryRun: true }), actions(e.problem));
          else out.append(problemBox(e));
        }
      });
      return b;
    };
    if (r.valid && !r.invalid) row.append(go(false));
    else if (r.valid) row.append(go(true));
    else row.append(h('p', { class: 'muted' }, t('import.nothing')));
    return row;
  };

  file.addEventListener('change', async () => {
    clear(out);
    bytes = null;
    check.disabled = true;
    const f = file.files && file.files[0];
    if (!f) return;
    bytes = await f.arrayBuffer();
    type = /\.xlsx$/i.test(f.name) ? XLSX_TYPE : 'text/csv';
    check.disabled = false;
  });
  check.addEventListener('click', async () => {
    if (!bytes) return;
    check.disabled = true;
    clear(out).append(loading());
    try {
      const r = await send('dry_run=1');
      clear(out).append(reportView(r, { dryRun: true }), actions(r));
    } catch (e) {
      if (e.status === 401) return;
      clear(out).append(problemBox(e));
    } finally {
      check.disabled = false;
    }
  });
  return h('section', { class: 'panel', dataset: { importPanel: name } },
    h('div', { class: 'panel-head' }, h('h2', {}, title)),
    h('p', { class: 'muted' }, help),
    extra,
    h('div', { class: 'import-pick' },
      h('label', { for: id }, t('import.file')),
      file,
      check),
    out);
}
