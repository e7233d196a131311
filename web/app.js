// app.js - the crest browser UI: start-up, the signed-in user, the layout with
// role-dependent navigation, the hash router and the login page.
//
// The session lives in an HttpOnly cookie the page cannot read; the page
// learns who it is from GET /api/v1/me (which also gives the CSRF token for
// writes). Any 401 brings the login page back, saying why when the session
// had expired or been refused. Pages render into <main>; a page that awaits
// the server checks alive() before drawing, so a fast click never lets an old
// answer draw over a newer page.
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { h, clear } from './dom.js';
import { initI18n, setLang, getLang, t, regionName } from './i18n.js';
import { rememberPath } from './regions.js';
import { PAGES, DEEP, pagesOf, homeOf, mayOpen } from './roles.js';
import { problemBox } from './ui.js';
import { renderDashboard } from './dashboard.js';
import { renderPlaceholder } from './pages.js';
import { renderHospital } from './hospital.js';
import { renderFacilities } from './facilities.js';
import { renderFacility } from './capacity.js';
import { disposeCharts } from './map.js';
// community pillar
import { renderGridToday, renderGridRequests, renderGridNew, renderEpisode } from './community.js';
import { renderSelfcare } from './selfcare.js';
import { renderCommunityStats } from './communitystats.js';
import { renderDesk, renderResidentQueue, closeStreams } from './queue.js'; // queue pillar
import { renderSupply } from './supply.js'; // supply pillar

const app = document.getElementById('app');
const state = {
  me: null,
  flash: null, // {kind, key} shown on the login page
  next: null, // where to go after signing in (a deep link)
};
let routeToken = 0;

async function loadMe() {
  const me = await api('GET', '/me');
  state.me = me;
  setCsrf(me.csrf);
  rememberPath(me.region_path);
  return me;
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// any 401 outside sign-in: the session is gone (expired, signed out
// elsewhere, or a cookie the server does not recognise)
function onUnauthorized(err) {
  const code = err.problem && err.problem.code;
  if (state.me || code === 'session_invalid') state.flash = { kind: 'warn', key: 'login.expired' };
  if (state.me && location.hash !== '#/login') state.next = location.hash;
  state.me = null;
  setCsrf(null);
  go('#/login');
}

async function logout() {
  try {
    await api('DELETE', '/session');
  } catch (e) {
    if (e.status === 401) return; // already signed out: the handler took us to login
    const main = document.getElementById('main');
    if (main) main.prepend(problemBox(e));
    return;
  }
  state.me = null;
  state.next = null;
  setCsrf(null);
  state.flash = { kind: 'info', key: 'login.signed_out' };
  go('#/login');
}

function langSwitch() {
  const other = getLang() === 'en' ? 'zh-CN' : 'en';
  const b = h('button', { type: 'button', class: 'btn ghost lang', lang: other, dataset: { langSwitch: other } }, t('lang.switch_to'));
  b.addEventListener('click', async () => {
    await setLang(other);
    route(); // pages fetch again, so server messages come back in the new language
  });
  return b;
}

function layout(active) {
  const me = state.me;
  const path = me.region_path || [];
  const nav = h(
    'nav',
    { class: 'sidenav', 'aria-label': t('nav.label') },
    pagesOf(me.role).map((p) =>
      h('a', { href: PAGES[p].route, class: p === active ? 'active' : null, 'aria-current': p === active ? 'page' : null, dataset: { nav: p } }, t(PAGES[p].label)),
    ),
  );
  const logoutBtn = h('button', { type: 'button', class: 'btn ghost', dataset: { logout: '' } }, t('header.logout'));
  logoutBtn.addEventListener('click', logout);
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', { class: 'brand-name' }, t('app.name')), h('span', { class: 'brand-tag' }, t('app.tagline'))),
    h('div', { class: 'userregion', dataset: { userRegion: me.scope } }, h('span', { class: 'muted' }, t('header.region')), ' ', path.length ? path.map((r) => regionName(r)).join(' › ') : me.scope),
    h('div', { class: 'who', dataset: { role: me.role } }, h('span', { class: 'username' }, me.username), h('span', { class: 'role' }, t(`role.${me.role}`))),
    h('div', { class: 'actions' }, langSwitch(), logoutBtn),
  );
  const main = h('main', { id: 'main', tabindex: '-1' });
  clear(app).append(header, h('div', { class: 'shell' }, nav, main));
  return main;
}

function renderLogin() {
  const error = h('div', { class: 'login-error', 'aria-live': 'assertive', dataset: { loginError: '' } });
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', dataset: { login: '' } },
    h('label', { for: 'username' }, t('login.username')),
    user,
    h('label', { for: 'password' }, t('login.password')),
    pass,
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(error);
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      const s = await api('POST', '/session', { username: user.value.trim(), password: pass.value }, { login: true });
      setCsrf(s.csrf);
      await loadMe();
      state.flash = null;
      const next = state.next;
      state.next = null;
      go(next && next !== '#/login' ? next : homeOf(state.me.role));
    } catch (e) {
      error.append(problemBox(e, { compact: true }));
      submit.disabled = false;
      submit.textContent = t('login.submit');
      pass.select();
    }
  });
  const flash = state.flash
    ? h('p', { class: `flash flash-${state.flash.kind}`, role: 'status', dataset: { flash: state.flash.key } }, t(state.flash.key))
    : null;
  clear(app).append(
    h(
      'div',
      { class: 'login-page', dataset: { page: 'login' } },
      h(
        'div',
        { class: 'login-card' },
        h('div', { class: 'login-head' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', {}, t('app.name'))),
        h('p', { class: 'login-tag' }, t('app.tagline')),
        flash,
        form,
        error,
        h('div', { class: 'login-foot' }, h('p', { class: 'muted' }, t('login.hint')), langSwitch()),
      ),
    ),
  );
  user.focus();
}

function renderNotAllowed(main) {
  main.append(
    h('section', { class: 'page', dataset: { page: 'not-allowed' } },
      h('h1', {}, t('page.not_allowed.title')),
      h('p', {}, t('page.not_allowed.text')),
      h('p', {}, h('a', { class: 'btn', href: homeOf(state.me.role) }, t('page.not_allowed.home')))),
  );
}

async function route() {
  const token = ++routeToken;
  const alive = () => token === routeToken;
  disposeCharts();
  closeStreams(); // queue pillar: live views of the page left behind
  const hash = location.hash || '#/';
  if (!state.me) {
    if (hash !== '#/login') {
      if (hash !== '#/') state.next = hash;
      history.replaceState(null, '', '#/login');
    }
    renderLogin();
    return;
  }
  const me = state.me;
  if (hash === '#/login' || hash === '#/' || hash === '#') {
    history.replaceState(null, '', homeOf(me.role));
  }
  const h2 = location.hash;
  const m = /^#\/region\/([^/?#]+)$/.exec(h2);
  const fm = /^#\/facility\/([^/?#]+)$/.exec(h2);
  const em = /^#\/episode\/(\d+)$/.exec(h2); // community pillar
  const cm = /^#\/community\/(\d+)$/.exec(h2); // community pillar
  let page = null;
  let code = me.scope;
  let id = null;
  if (em) {
    page = 'episode';
    id = em[1];
  } else if (cm) {
    page = 'community_region';
    code = cm[1];
  } else if (m) {
    page = 'region';
    code = decodeURIComponent(m[1]);
  } else if (fm) {
    page = 'facility';
    id = decodeURIComponent(fm[1]);
  } else {
    page = Object.keys(PAGES).find((p) => PAGES[p].route === h2) || null;
  }
  if (!page || !mayOpen(me.role, page)) {
    renderNotAllowed(layout(null));
    return;
  }
  // a deep page lights up the navigation entry it belongs to
  const main = layout(DEEP[page] || page);
  const ctx = { me, page, code, id, alive, go };
  if (page === 'dashboard' || page === 'region') await renderDashboard(main, ctx);
  else if (page === 'facility') await renderFacility(main, ctx);
  else if (page === 'facilities') await renderFacilities(main, ctx);
  else if (page === 'hospital') await renderHospital(main, ctx);
  // community pillar
  else if (page === 'grid') await renderGridToday(main, ctx);
  else if (page === 'grid_requests') await renderGridRequests(main, ctx);
  else if (page === 'grid_new') renderGridNew(main, ctx);
  else if (page === 'episode') await renderEpisode(main, ctx);
  else if (page === 'records') await renderSelfcare(main, ctx);
  else if (page === 'community' || page === 'community_region') await renderCommunityStats(main, ctx);
  else if (page === 'clinic') await renderDesk(main, ctx); // queue pillar
  else if (page === 'queue') await renderResidentQueue(main, ctx); // queue pillar
  else if (page === 'grid') await renderGrid(main, ctx);
  else if (page === 'supply') await renderSupply(main, ctx); // supply pillar
  else renderPlaceholder(main, ctx);
}

async function start() {
  try {
    await initI18n();
  } catch (e) {
    clear(app).append(h('p', { class: 'problem' }, `crest: ${e.message}`));
    return;
  }
  setUnauthorizedHandler(onUnauthorized);
  window.addEventListener('hashchange', route);
  // a deep link opened while signed out is followed after signing in
  if (!['', '#', '#/', '#/login'].includes(location.hash)) state.next = location.hash;
  try {
    await loadMe();
    state.next = null;
  } catch (e) {
    if (e.status !== 401) {
      clear(app).append(h('div', { class: 'login-page' }, h('div', { class: 'login-card' }, problemBox(e))));
      return;
    }
    // the 401 handler has taken us to the login page
    return;
  }
  route();
}

start();
