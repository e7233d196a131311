// map.js - the map of Zhejiang, drawn with ECharts. Both come from npm
// (scripts/web-deps) and are served by crest under /vendor/; they are loaded
// only when a page shows the map, so a grid worker's phone never downloads
// them.
//
// The map data (echarts@4's province map) has one shape per prefecture-level
// city, named in Chinese. The table below ties each shape to its statistical
// region code on purpose, rather than trusting names or the shapes' ids to
// line up with ours; loadZhejiang() checks that all 11 cities are matched.
// There are no county shapes yet: below city level the map marks the city
// the region lies in. Other charts (the capacity time series) use the same
// library through drawChart().
import { esc } from './esc.js';
import { t, tOr, getLang, fmtNumber, fmtPercent } from './i18n.js';

export const CITIES = [
  { feature: '杭州市', code: '3301', en: 'Hangzhou' },
  { feature: '宁波市', code: '3302', en: 'Ningbo' },
  { feature: '温州市', code: '3303', en: 'Wenzhou' },
  { feature: '嘉兴市', code: '3304', en: 'Jiaxing' },
  { feature: '湖州市', code: '3305', en: 'Huzhou' },
  { feature: '绍兴市', code: '3306', en: 'Shaoxing' },
  { feature: '金华市', code: '3307', en: 'Jinhua' },
  { feature: '衢州市', code: '3308', en: 'Quzhou' },
  { feature: '舟山市', code: '3309', en: 'Zhoushan' },
  { feature: '台州市', code: '3310', en: 'Taizhou' },
  { feature: '丽水市', code: '3311', en: 'Lishui' },
];
const MAP = 'zhejiang';

let loaded = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.addEventListener('load', resolve);
    s.addEventListener('error', () => reject(new Error(`cannot load ${src}`)));
    document.head.append(s);
  });
}

let library = null;

export function loadECharts() {
  if (!library) {
    library = (async () => {
      if (!window.echarts) await loadScript('/vendor/echarts.min.js');
      return window.echarts;
    })().catch((e) => {
      library = null;
      throw e;
    });
  }
  return library;
}

// → {echarts, unmatched: [feature names without a code]}
export function loadZhejiang() {
  if (!loaded) {
    loaded = (async () => {
      await loadECharts();
      const res = await fetch('/vendor/zhejiang.json');
      if (!res.ok) throw new Error(`map data: HTTP ${res.status}`);
      const geo = await res.json();
      window.echarts.registerMap(MAP, geo);
      const names = new Set(CITIES.map((c) => c.feature));
      const features = (geo.features || []).map((f) => f.properties && f.properties.name);
      const unmatched = features.filter((n) => !names.has(n));
      const missing = CITIES.filter((c) => !features.includes(c.feature)).map((c) => c.feature);
      if (unmatched.length || missing.length)
        console.warn('zhejiang map: unmatched shapes', unmatched, 'cities without a shape', missing);
      return { echarts: window.echarts, unmatched: unmatched.concat(missing) };
    })().catch((e) => {
      loaded = null; // let a later page try again
      throw e;
    });
  }
  return loaded;
}

let chart = null;
let observer = null;
const others = new Set(); // {chart, observer} of drawChart()

export function disposeMap() {
  if (observer) observer.disconnect();
  observer = null;
  if (chart && !chart.isDisposed()) chart.dispose();
  chart = null;
}

// every chart of the page (the router calls this before drawing a page)
export function disposeCharts() {
  disposeMap();
  for (const o of others) {
    o.observer.disconnect();
    if (!o.chart.isDisposed()) o.chart.dispose();
  }
  others.clear();
}

// a figure's value as text, with its unit
export function fmtFigure(figure, v) {
  if (typeof v !== 'number') return t('map.no_data');
  return figure.percent ? fmtPercent(v) : `${fmtNumber(v)} ${t(figure.unit)}`;
}

// Any other ECharts chart into `el` (option as ECharts takes it); resized
// with its box, disposed with the page. → the chart, or null when `el` left
// the document while the library loaded.
export async function drawChart(el, option) {
  const echarts = await loadECharts();
  if (!el.isConnected) return null;
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption(option);
  const o = { chart: c, observer: new ResizeObserver(() => !c.isDisposed() && c.resize()) };
  o.observer.observe(el);
  others.add(o);
  c.on('finished', () => {
    el.dataset.chartReady = '1';
  });
  return c;
}

// Draw into `el`. values: Map city code → {value, source}; mark: a city code
// to outline (the city the current region lies in); onPick(code) on a click.
export async function drawMap(el, { figure, values, mark, onPick }) {
  const { echarts, unmatched } = await loadZhejiang();
  if (!el.isConnected) return { unmatched };
  disposeMap();
  const en = getLang() === 'en';
  const display = (c) => (en ? c.en : c.feature);
  const data = CITIES.map((c) => {
    const v = values.get(c.code);
    const item = { name: display(c), code: c.code, value: v ? v.value : null, source: v ? v.source : null };
    if (c.code === mark) item.itemStyle = { borderColor: '#c2410c', borderWidth: 2.5 };
    return item;
  });
  const nums = data.map((d) => d.value).filter((v) => typeof v === 'number');
  let min = nums.length ? Math.min(...nums) : 0;
  const max = nums.length ? Math.max(...nums) : 1;
  if (min === max) min = 0;
  const small = el.clientWidth < 520;
  chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const d = p.data || {};
        const label = esc(t(figure.label));
        if (typeof d.value !== 'number') return `${esc(p.name)}<br>${label}: ${esc(t('map.no_data'))}`;
        const src = d.source ? ` (${esc(tOr(`source.${d.source}`, d.source))})` : '';
        return `${esc(p.name)}<br>${label}: ${esc(fmtFigure(figure, d.value))}${src}`;
      },
    },
    visualMap: nums.length
      ? {
          type: 'continuous',
          min,
          max,
          text: [t('map.high'), t('map.low')],
          calculable: false,
          orient: 'vertical',
          left: 8,
          bottom: 8,
          itemHeight: small ? 80 : 140,
          inRange: { color: figure.colors || ['#e0f2f1', '#4db6ac', '#00695c'] },
          formatter: (v) => (figure.percent ? fmtPercent(v, 0) : fmtNumber(Math.round(v))),
          textStyle: { fontSize: small ? 10 : 12 },
        }
      : undefined,
    series: [
      {
        type: 'map',
        map: MAP,
        nameMap: en ? Object.fromEntries(CITIES.map((c) => [c.feature, c.en])) : undefined,
        roam: false,
        selectedMode: false,
        layoutCenter: ['55%', '50%'],
        layoutSize: '95%',
        label: { show: true, fontSize: small ? 9 : 12, color: '#1f2937', textBorderColor: '#ffffff', textBorderWidth: 2 },
        itemStyle: { areaColor: '#e5e7eb', borderColor: '#ffffff', borderWidth: 1 },
        emphasis: { label: { color: '#111827' }, itemStyle: { areaColor: '#fbbf24' } },
        data,
      },
    ],
  });
  chart.on('click', (p) => {
    if (p.data && p.data.code && onPick) onPick(p.data.code);
  });
  chart.on('finished', () => {
    el.dataset.mapReady = '1';
  });
  el.dataset.mapRegions = String(data.length);
  el.dataset.mapFigure = figure.key;
  observer = new ResizeObserver(() => chart && !chart.isDisposed() && chart.resize());
  observer.observe(el);
  return { unmatched };
}
