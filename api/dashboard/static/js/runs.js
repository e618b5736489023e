// Runs: the filterable list of runs, and the form that starts one.

import {api, canAny} from './api.js';
import {h, replace, field, select, table, badge} from './dom.js';
import {dur, when, zero} from './format.js';
import {figureActual, figureTarget, figureVerdict, figureReason, judged, verdictState} from './objectives.js';

const PERIODS = [['', 'any time'], ['24h', 'last 24 hours'], ['168h', 'last 7 days'], ['720h', 'last 30 days'], ['2160h', 'last 90 days'], ['8760h', 'last 12 months']];
const FILTERS = ['service', 'runbook', 'mode', 'outcome', 'since'];

export async function runsView(main, params, ctx) {
  document.title = 'Runs — bcdr';
  const books = (await api('/v1/runbooks')).runbooks || [];
  if (!ctx.alive()) return; // the reader went on to another page meanwhile
  const uniq = xs => [...new Set(xs.filter(Boolean))].sort();
  const withCurrent = (xs, v) => (v && !xs.includes(v) ? [...xs, v] : xs);
  const services = withCurrent(uniq(books.map(b => b.service)), params.get('service'));
  const runbooks = withCurrent(uniq(books.map(b => b.runbook)), params.get('runbook'));

  const form = h('form', {class: 'filters', 'aria-label': 'Filter runs', onsubmit: ev => { ev.preventDefault(); apply(); }, onchange: () => apply()},
    field('Service', select('service', [['', 'all services'], ...services], params.get('service') || '')),
    field('Runbook', select('runbook', [['', 'all runbooks'], ...runbooks], params.get('runbook') || '')),
    field('Mode', select('mode', [['', 'all modes'], 'live', 'drill', 'tabletop'], params.get('mode') || '')),
    field('Outcome', select('outcome', [['', 'any outcome'], 'running', 'succeeded', 'failed', 'cancelled'], params.get('outcome') || '')),
    field('Period', select('since', PERIODS, params.get('since') || '')),
    h('div', {class: 'field actions'}, h('button', {type: 'submit'}, 'Apply'), h('a', {href: '#/runs', class: 'button-link'}, 'Clear')));

  function apply() {
    const q = new URLSearchParams();
    for (const f of FILTERS) if (form.elements[f].value) q.set(f, form.elements[f].value);
    const next = '#/runs' + (q.toString() ? '?' + q : '');
    if (next !== location.hash) location.hash = next;
  }

  const list = h('section', {'aria-labelledby': 'runs-h', 'aria-busy': 'true'}, h('p', {class: 'loading'}, 'Loading runs…'));
  replace(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Runs'),
      h('p', {class: 'sub'}, 'Recoveries, drills and tabletops, newest first. The list refreshes every few seconds.')),
    form,
    canAny('operator') ? startForm(books, ctx) : null,
    list);

  const q = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) q.set(f, params.get(f));
  q.set('limit', '200');
  let last = '';
  async function refresh() {
    if (!ctx.alive()) return;
    try {
      const runs = (await api('/v1/runs?' + q)).runs || [];
      if (!ctx.alive()) return;
      runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
      // Redraw only what changed (or runs still open), so focus and scroll stay put.
      const sig = JSON.stringify(runs);
      if (sig !== last || runs.some(r => zero(r.closedAt))) replace(list, runsTable(runs, params));
      last = sig;
      list.setAttribute('aria-busy', 'false');
    } catch (e) {
      replace(list, h('p', {class: 'error', role: 'alert'}, e.message));
    }
    setTimeout(refresh, 5000);
  }
  await refresh();
}

function runsTable(runs, params) {
  const filtered = FILTERS.some(f => params.get(f));
  if (!runs.length) {
    return [h('h2', {id: 'runs-h'}, 'No runs'), h('p', {class: 'empty'}, filtered ? 'No run matches these filters.' : 'Nothing has run yet.')];
  }
  // A child run (a scenario's service, a nested runbook) is listed under its parent,
  // indented, naming the parent's step that started it.
  const flat = [];
  const walk = (rs, depth, parent) => { for (const r of rs) { flat.push([r, depth, parent]); walk(r.children || [], depth + 1, r.runId); } };
  walk(runs, 0, '');
  const rows = flat.map(([r, depth, parent]) => {
    const open = zero(r.closedAt);
    const took = open ? Date.now() - new Date(r.startedAt) : new Date(r.closedAt) - new Date(r.startedAt);
    const link = h('a', {href: '#/run/' + encodeURIComponent(r.runId), class: 'mono'}, r.runId);
    const cell = depth ? h('td', {class: 'child-cell'}, h('span', {class: 'indent', 'aria-hidden': 'true'}, '└ '.padStart(2 * depth + 1, ' ')),
      link, h('span', {class: 'small'}, ' step ' + r.step)) : h('td', {}, link);
    return h('tr', {class: 'run-row' + (depth ? ' child-row' : ''), dataset: {run: r.runId, service: r.service || '', mode: r.mode, runbook: r.runbook, parent, depth: String(depth)}},
      cell,
      h('td', {}, r.runbook),
      h('td', {}, r.service || '—'),
      h('td', {}, badge('mode-' + r.mode, r.mode)),
      h('td', {}, badge(r.outcome || r.status, r.outcome || r.status)),
      h('td', {}, when(r.startedAt)),
      h('td', {class: 'num'}, dur(took)),
      rtoCell(r.rto),
      h('td', {}, open ? null : h('a', {href: '#/run/' + encodeURIComponent(r.runId) + '/report'}, 'Report')));
  });
  const kids = flat.length - runs.length;
  return [h('h2', {id: 'runs-h'}, `${runs.length} run${runs.length === 1 ? '' : 's'}` + (kids ? `, with ${kids} child run${kids === 1 ? '' : 's'}` : '')),
    table(null, ['Run', 'Runbook', 'Service', 'Mode', 'Outcome', 'Started', 'Duration', 'RTO', ''], rows, 'runs')];
}

// rtoCell is an ended run's RTO against its target as its record states it (the list
// carries the record's figure; nothing is compared here), or why it was not measured.
function rtoCell(f) {
  if (!f) return h('td', {class: 'rto'}, '—');
  if (!f.measured) return h('td', {class: 'rto', title: figureReason(f)}, 'not measured');
  const text = figureActual(f) + (f.target ? ' of ' + figureTarget(f) : '');
  return h('td', {class: 'rto num'}, text, judged(f) ? [' ', badge(verdictState(f), figureVerdict(f))] : null);
}

// startForm starts a runbook of the server's catalogue; live only for incident commanders.
function startForm(books, ctx) {
  const modes = canAny('incident-commander') ? ['drill', 'tabletop', 'live'] : ['drill', 'tabletop'];
  const names = books.filter(b => !b.error).map(b => [b.name, b.name + (b.service ? ' (' + b.service + ')' : '')]);
  const params = h('textarea', {name: 'params', rows: '2', placeholder: 'region=eu-west-1'});
  const err = h('p', {class: 'error', role: 'alert'});
  // What the proven-version gate will make of a live start, before it starts.
  const gate = h('p', {class: 'unproven', role: 'status', hidden: true});
  let asked = 0;
  async function preflight() {
    const mine = ++asked;
    gate.hidden = true;
    if (form.elements.mode.value !== 'live' || !form.elements.runbook.value) return;
    try {
      const pf = await api('/v1/preflight', {method: 'POST', body: {runbook: form.elements.runbook.value, mode: 'live'}});
      if (mine !== asked || !pf.message) return;
      replace(gate, h('strong', {}, pf.requireProven === 'refuse' ? 'Refused: ' : 'Unproven version: '), pf.message);
      gate.hidden = false;
    } catch (e) {
      // The start itself answers with the same gate.
    }
  }
  const form = h('form', {class: 'start', onchange: ev => { if (ev.target.name !== 'params') preflight(); }, onsubmit: async ev => {
    ev.preventDefault();
    err.textContent = '';
    const p = {};
    for (const line of params.value.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) p[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    try {
      const ref = await api('/v1/runs', {method: 'POST', body: {runbook: form.elements.runbook.value, mode: form.elements.mode.value, params: p}});
      ctx.notify(`Started ${ref.runId}.`);
      location.hash = '#/run/' + encodeURIComponent(ref.runId);
    } catch (e) {
      err.textContent = e.message;
    }
  }},
  field('Runbook', select('runbook', names)),
  field('Mode', select('mode', modes, 'drill')),
  field('Parameters', params, 'one name=value per line'),
  gate,
  h('div', {class: 'field actions'}, h('button', {type: 'submit', class: 'primary'}, 'Start run')),
  err);
  return h('details', {class: 'card start-card'}, h('summary', {}, 'Start a run'), form);
}
