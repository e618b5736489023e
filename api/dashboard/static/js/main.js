// The dashboard's shell: sign-in, navigation, and the router between the views.

import {session, signIn, signOut, api, APIError} from './api.js';
import {h, replace, field} from './dom.js';
import {runsView} from './runs.js';
import {runView} from './run.js';
import {reportView} from './report.js';
import {portfolioView, summaryView} from './portfolio.js';
import {improvementsView, improvementView} from './improvements.js';

const main = document.getElementById('main');

const routes = [
  [/^#\/runs(?:\?(.*))?$/, 'runs', (m, ctx) => runsView(main, new URLSearchParams(m[1] || ''), ctx)],
  [/^#\/run\/([^/?]+)\/report$/, 'runs', (m, ctx) => reportView(main, decodeURIComponent(m[1]), ctx)],
  [/^#\/run\/([^/?]+)$/, 'runs', (m, ctx) => runView(main, decodeURIComponent(m[1]), ctx)],
  [/^#\/portfolio$/, 'portfolio', (m, ctx) => portfolioView(main, ctx)],
  [/^#\/summary$/, 'summary', (m, ctx) => summaryView(main, ctx)],
  [/^#\/improvements(?:\?(.*))?$/, 'improvements', (m, ctx) => improvementsView(main, new URLSearchParams(m[1] || ''), ctx)],
  [/^#\/improvement\/([^/?]+)$/, 'improvements', (m, ctx) => improvementView(main, decodeURIComponent(m[1]), ctx)],
];

// A route change ends the previous view: its polling checks ctx.alive().
let generation = 0;

// notify shows a message in the page's live region (read out by screen readers).
export function notify(text, kind = 'info') {
  const n = document.getElementById('notice');
  replace(n, text ? h('p', {class: 'msg msg-' + kind}, text) : null);
}

function showUser() {
  const me = session.me;
  document.getElementById('nav').hidden = !me;
  document.getElementById('who').hidden = !me;
  if (!me) return;
  document.getElementById('who-name').textContent = me.name;
  const roles = [...new Set((me.grants || []).map(g => g.role + (g.services && g.services.length ? ' (' + g.services.join(', ') + ')' : '')))];
  document.getElementById('who-roles').textContent = roles.length ? roles.join(', ') : 'no role';
}

function loginView() {
  document.title = 'Sign in — bcdr';
  const token = h('input', {type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false'});
  const err = h('p', {class: 'error', role: 'alert'});
  const form = h('form', {class: 'card login', onsubmit: async ev => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await signIn(token.value);
      showUser();
      location.hash = sessionStorage.getItem('bcdr.after') || '#/runs';
      sessionStorage.removeItem('bcdr.after');
    } catch (e) {
      err.textContent = e.status === 401 ? 'That token is not valid.' : e.message;
      token.focus();
    }
  }},
  h('h1', {tabindex: '-1'}, 'Sign in'),
  h('p', {}, 'Sign in with your bcdr API token (bcdr token new makes one; an administrator lists it in auth.tokens). ' +
    'It is kept in this browser tab only, until you sign out or close the tab.'),
  field('API token', token),
  h('button', {type: 'submit', class: 'primary'}, 'Sign in'),
  err);
  replace(main, form);
  token.focus();
}

async function route() {
  const gen = ++generation;
  const ctx = {alive: () => gen === generation, notify};
  notify('');
  // A sign-in link (bcdr dev prints one): /ui/#token=... The token is in the fragment,
  // which the browser never sends to the server; it leaves the address bar and the
  // history at once.
  if (location.hash.startsWith('#token=')) {
    const tok = decodeURIComponent(location.hash.slice('#token='.length));
    history.replaceState(null, '', location.pathname + location.search + '#/runs');
    try {
      await signIn(tok);
    } catch (e) {
      notify(e.status === 401 ? 'The sign-in link holds a token this server does not accept: sign in with a token.' : e.message, 'error');
    }
  }
  if (!ctx.alive()) return;
  const hash = location.hash || '#/runs';
  if (hash === '#/login' && session.token) signOut(false); // signing in again: as someone else, maybe
  if (hash === '#/login' || !session.token) {
    if (hash !== '#/login') sessionStorage.setItem('bcdr.after', hash);
    showUser();
    if (hash !== '#/login') location.hash = '#/login';
    else loginView();
    return;
  }
  if (!session.me) {
    try {
      session.me = await api('/v1/whoami');
    } catch (e) {
      if (!(e instanceof APIError) || e.status !== 401) notify(e.message, 'error');
      return;
    }
    if (!ctx.alive()) return; // a later route has the page now
  }
  showUser();
  for (const [re, nav, view] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    replace(main, h('p', {class: 'loading'}, 'Loading…'));
    try {
      await view(m, ctx);
    } catch (e) {
      if (ctx.alive()) replace(main, h('div', {class: 'card'}, h('h1', {tabindex: '-1'}, 'Something went wrong'), h('p', {class: 'error', role: 'alert'}, e.message)));
    }
    // Move focus to the new page's heading so keyboard and screen-reader users land there.
    if (ctx.alive()) {
      const h1 = main.querySelector('h1');
      if (h1) h1.focus({preventScroll: true});
    }
    return;
  }
  location.hash = '#/runs';
}

document.getElementById('signout').addEventListener('click', () => signOut(true));
window.addEventListener('hashchange', route);
window.addEventListener('bcdr:signedout', () => { showUser(); if (location.hash !== '#/login') { sessionStorage.setItem('bcdr.after', location.hash); location.hash = '#/login'; } });
route();
