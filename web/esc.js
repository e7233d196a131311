// esc.js - HTML escaping for the few strings that a library renders as HTML
// (ECharts tooltips); everything else is built as DOM text.
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
