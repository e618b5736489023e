// The improvement plan: the action items and gaps of runs, tracked to closure. The list
// (filterable, with the API's counts) and an item with its history and, for those the
// API lets change it, the update form. Every rule (transitions, who may, verified only
// by a later successful drill) is the API's: the page shows what it answers.

import {api, canAny} from './api.js';
import {h, replace, field, select, table, badge} from './dom.js';
import {when, day, ago} from './format.js';

const STATUS_TEXT = {open: 'Open', in_progress: 'In progress', done: 'Done', verified: 'Verified', dropped: 'Dropped'};
const FILTERS = ['service', 'status', 'overdue'];
const enc = encodeURIComponent;

const statusBadge = s => badge('imp-' + s.replace('_', '-'), STATUS_TEXT[s] || s);

function dueCell(it) {
  if (it.status === 'open' || it.status === 'in_progress') {
    const late = new Date(it.due).getTime() < Date.now();
    return [day(it.due), h('span', {class: 'small'}, ' (' + ago(it.due) + ')'), late ? [' ', badge('overdue', 'Overdue')] : null];
  }
  return day(it.due);
}

// countsText says a summary as the CLI does (improvements.Counts.String).
export const countsText = c => `${c.open} open (${c.overdue} overdue), ${c.done} done, ${c.verified} verified, ${c.dropped} dropped`;

export async function improvementsView(main, params, ctx) {
  document.title = 'Improvements — bcdr';
  const q = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) q.set(f, params.get(f));
  const list = await api('/v1/improvements?' + q);
  if (!ctx.alive()) return;
  const all = params.toString() ? (await api('/v1/improvements')).items : list.items;
  if (!ctx.alive()) return;
  const services = [...new Set([...all.map(i => i.service), params.get('service')].filter(Boolean))].sort();
  const form = h('form', {class: 'filters', 'aria-label': 'Filter improvement items', onchange: () => apply(), onsubmit: ev => { ev.preventDefault(); apply(); }},
    field('Service', select('service', [['', 'all services'], ...services], params.get('service') || '')),
    field('Status', select('status', [['', 'any status'], ...Object.entries(STATUS_TEXT)], params.get('status') || '')),
    field('Due', select('overdue', [['', 'any'], ['true', 'overdue only']], params.get('overdue') || '')));
  function apply() {
    const next = new URLSearchParams();
    for (const f of FILTERS) if (form.elements[f].value) next.set(f, form.elements[f].value);
    const hash = '#/improvements' + (next.toString() ? '?' + next : '');
    if (hash !== location.hash) location.hash = hash;
  }
  const c = list.summary;
  const kpi = (n, label, cls) => h('div', {class: 'kpi kpi-' + cls}, h('span', {class: 'kpi-n'}, String(n)), h('span', {class: 'kpi-l'}, label));
  replace(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Improvement plan'),
      h('p', {class: 'sub'}, 'Every action item and gap recorded in a drill, tabletop or live recovery, tracked to closure. ' +
        'A done item is verified by the next successful drill of its runbook that ends after it was marked done.')),
    (list.problems || []).length ? h('div', {class: 'card problems', role: 'alert'}, h('h2', {}, 'Records that could not be read'), h('ul', {}, list.problems.map(x => h('li', {}, x)))) : null,
    h('div', {class: 'kpis', role: 'group', 'aria-label': 'Improvement items in numbers'},
      kpi(c.open, 'open', 'imp-open'), kpi(c.overdue, 'overdue', 'overdue'), kpi(c.done, 'done, awaiting a drill', 'due-soon'),
      kpi(c.verified, 'verified', 'on-time'), kpi(c.dropped, 'dropped', 'all')),
    form,
    h('section', {class: 'card', 'aria-labelledby': 'imp-h'}, h('h2', {id: 'imp-h'}, 'Items (' + countsText(c) + ')'),
      list.items.length ? table(null, ['Item', 'Status', 'Due', 'Service', 'Runbook', 'Owner', 'From'],
        list.items.map(it => h('tr', {class: 'imp-row', dataset: {id: it.id, status: it.status, service: it.service || ''}},
          h('th', {scope: 'row'}, h('a', {href: '#/improvement/' + enc(it.id)}, it.title), h('div', {class: 'small mono'}, it.id)),
          h('td', {}, statusBadge(it.status)),
          h('td', {}, dueCell(it)),
          h('td', {}, it.service || '—'),
          h('td', {}, it.runbook),
          h('td', {}, it.owner || '—'),
          h('td', {}, it.source.kind + ' in ', h('a', {href: '#/run/' + enc(it.source.run) + '/report'}, it.source.mode + ' ' + it.source.run)))), 'improvements')
        : h('p', {class: 'empty'}, params.toString() ? 'No item matches these filters.' : 'No action item or gap has been recorded in a run yet.')));
}

export async function improvementView(main, id, ctx) {
  const it = await api('/v1/improvements/' + enc(id));
  if (!ctx.alive()) return;
  document.title = it.title + ' — bcdr';
  const s = it.source;
  const facts = [
    ['Status', [statusBadge(it.status), it.status === 'verified' ? [' by drill ', h('a', {href: '#/run/' + enc(it.verifiedBy) + '/report'}, it.verifiedBy), ' (ended ' + when(it.verifiedAt) + ')'] : null,
      it.status === 'done' ? ' since ' + when(it.doneAt) + '; a successful drill of ' + it.runbook + ' ending after that verifies it' : null,
      it.status === 'dropped' ? ': ' + it.reason : null]],
    ['Owner', it.owner || '—'],
    ['Due', [dueCell(it), it.dueDefault ? h('span', {class: 'small'}, ' (the tier\'s default)') : null]],
    ['Service', it.service || '—'],
    ['Runbook', it.runbook],
    ['From', [s.kind + ' recorded by ' + s.by + ' ' + when(s.at) + ' in ', h('a', {href: '#/run/' + enc(s.run) + '/report'}, s.mode + ' ' + s.run)]],
  ];
  replace(main,
    h('div', {class: 'page-head'}, h('p', {class: 'crumbs'}, h('a', {href: '#/improvements'}, 'Improvement plan'), ' / ', h('span', {class: 'mono'}, it.id)),
      h('h1', {tabindex: '-1'}, it.title)),
    h('section', {class: 'card imp-item', dataset: {status: it.status}},
      h('dl', {class: 'facts'}, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    it.status !== 'verified' && (canAny('author') || canAny('operator')) ? updateForm(it, ctx) : null,
    h('section', {class: 'card', 'aria-labelledby': 'hist-h'}, h('h2', {id: 'hist-h'}, 'History'),
      table(null, ['When', 'Who', 'What'], it.history.map(e => h('tr', {class: 'hist-row', dataset: {by: e.by, field: e.field}},
        h('td', {}, when(e.at)), h('td', {}, e.by),
        h('td', {}, e.field, e.from || e.to ? ': ' + (e.from || '—') + ' → ' + (e.to || '—') : '', e.note ? h('span', {class: 'small'}, ' (' + e.note + ')') : null))), 'history')));
}

// updateForm sends PATCH /v1/improvements/{id}; the API says whether the user may, and
// why not.
function updateForm(it, ctx) {
  const err = h('p', {class: 'error', role: 'alert'});
  const f = h('form', {class: 'card imp-update', 'aria-labelledby': 'upd-h', onsubmit: async ev => {
    ev.preventDefault();
    err.textContent = '';
    const body = {};
    for (const k of ['status', 'owner', 'due', 'reason', 'note']) if (f.elements[k].value.trim()) body[k] = f.elements[k].value.trim();
    try {
      await api('/v1/improvements/' + enc(it.id), {method: 'PATCH', body});
      if (ctx.alive()) await improvementView(document.getElementById('main'), it.id, ctx);
      ctx.notify('Item ' + it.id + ' updated.');
    } catch (e) {
      err.textContent = (e.field ? e.field + ': ' : '') + e.message;
      if (e.field && f.elements[e.field]) f.elements[e.field].focus();
    }
  }},
  h('h2', {id: 'upd-h'}, 'Update'),
  h('p', {class: 'small'}, 'Authors of the item\'s service, and its operators who own the item, may change it.'),
  h('div', {class: 'filters'},
    field('Status', select('status', [['', 'unchanged'], ...Object.entries(STATUS_TEXT).filter(([k]) => k !== 'verified' && k !== it.status)], '')),
    field('Owner', h('input', {name: 'owner', placeholder: it.owner || 'user or group:NAME'})),
    field('Due', h('input', {name: 'due', type: 'date'})),
    field('Reason', h('input', {name: 'reason'}), 'needed to drop it'),
    field('Note', h('input', {name: 'note'}))),
  h('button', {type: 'submit', class: 'primary'}, 'Save'),
  err);
  return f;
}
