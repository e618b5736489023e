// A run's report: its record from the evidence bundle (or its live state before it has
// one): timeline, approvals, findings, RTO/RPO against target; and the downloads.

import {api, download} from './api.js';
import {h, replace, table, badge} from './dom.js';
import {dur, ms, when, zero} from './format.js';
import {downloadBundle} from './run.js';
import {figureActual, figureTarget, figureVerdict, figureReason, figureNote, verdictState} from './objectives.js';

const enc = encodeURIComponent;

// objectiveRow is a figure of the record, as it states it.
const objectiveRow = (name, f) => h('tr', {class: 'objective', dataset: {objective: name}},
  h('th', {scope: 'row'}, name), h('td', {}, figureActual(f)), h('td', {}, figureTarget(f)),
  h('td', {}, badge(verdictState(f), figureVerdict(f)), figureReason(f) || figureNote(f) ? h('span', {class: 'small'}, ' ' + (figureReason(f) || figureNote(f))) : null));

export async function reportView(main, runId, ctx) {
  document.title = 'Report ' + runId + ' — bcdr';
  const base = '/v1/runs/' + enc(runId);
  const res = await api(base + '/report?format=json', {raw: true});
  const source = res.headers.get('X-Bcdr-Evidence') || 'none';
  const st = await res.json();
  if (!ctx.alive()) return;
  const took = (a, b) => (zero(a) || zero(b) ? '—' : dur(new Date(b) - new Date(a)));

  // A tabletop's prompts put to the participants, answered or closed without an answer,
  // and its injects, delivered or not: the record's fields as the Markdown report lists
  // them (evidence/report.go).
  const prompts = st.mode === 'tabletop' ? (st.steps || []).filter(s => !zero(s.openedAt) || !zero(s.startedAt)) : [];
  const injects = [...(st.injects || []), ...(st.undeliveredInjects || [])];
  const decisions = [];
  for (const s of st.steps || []) {
    for (const d of s.decisions || []) decisions.push(h('tr', {}, h('td', {}, when(d.at)), h('td', {}, d.by),
      h('td', {}, s.uses === 'approval' ? (d.approve ? 'approved' : 'declined') : 'completed'), h('td', {class: 'mono'}, s.id), h('td', {}, d.comment || '')));
  }
  const saveAs = fmt => async () => {
    try {
      const got = await download(base + '/report?format=' + fmt, `${runId}-report.${fmt === 'junit' ? 'xml' : fmt}`);
      ctx.notify(`Downloaded the ${fmt} report (${got.size} bytes).`, 'ok');
    } catch (e) {
      ctx.notify(e.message, 'error');
    }
  };
  replace(main,
    h('div', {class: 'page-head'},
      h('h1', {tabindex: '-1'}, (st.mode === 'tabletop' ? 'After-action report: ' : 'Recovery report: ') + st.runbook),
      h('p', {class: 'sub mono'}, runId),
      h('p', {class: 'links no-print'},
        h('a', {href: '#/run/' + enc(runId)}, 'Live view'),
        h('button', {type: 'button', class: 'link', onclick: () => downloadBundle(runId, base, ctx)}, 'Download evidence bundle (.zip)'),
        h('button', {type: 'button', class: 'link', onclick: saveAs('html')}, 'Report as HTML'),
        h('button', {type: 'button', class: 'link', onclick: saveAs('md')}, 'as Markdown'),
        h('button', {type: 'button', class: 'link', onclick: () => window.print()}, 'Print'))),
    h('section', {class: 'card'},
      h('h2', {}, 'Summary'),
      h('dl', {class: 'meta'},
        h('div', {}, h('dt', {}, 'Outcome'), h('dd', {}, badge(st.state, st.state))),
        h('div', {}, h('dt', {}, 'Mode'), h('dd', {}, st.mode)),
        h('div', {}, h('dt', {}, 'Service'), h('dd', {}, st.service || '—')),
        h('div', {}, h('dt', {}, 'Runbook'), h('dd', {}, st.runbook, st.version ? ' v' + st.version : '')),
        h('div', {}, h('dt', {}, 'Started by'), h('dd', {}, st.initiator || '—', st.trigger ? ` (${st.trigger})` : '')),
        h('div', {}, h('dt', {}, 'Started'), h('dd', {}, when(st.startedAt))),
        h('div', {}, h('dt', {}, 'Ended'), h('dd', {}, when(st.endedAt))),
        h('div', {}, h('dt', {}, 'Evidence'), h('dd', {class: 'mono wrap'}, source === 'none' ? 'not written yet (run still open)' : 'bundle ' + source))),
      st.error ? h('p', {class: 'error'}, st.error) : null,
      table('Recovery objectives', ['Objective', 'Actual', 'Target', 'Verdict'], [
        objectiveRow('RTO', st.rto), objectiveRow('RPO', st.rpo),
      ], 'objectives')),
    h('section', {class: 'card'},
      h('h2', {}, 'Timeline'),
      table(null, ['Step', 'Kind', 'Outcome', 'Started', 'Ended', 'Took', 'Attempts', 'Error or reason'], (st.steps || []).map(s =>
        h('tr', {}, h('th', {scope: 'row', class: 'mono'}, s.id), h('td', {}, s.uses), h('td', {}, badge(s.status, s.status)), h('td', {}, when(s.startedAt)),
          h('td', {}, when(s.endedAt)), h('td', {class: 'num'}, took(s.startedAt, s.endedAt)), h('td', {class: 'num'}, s.attempts || ''), h('td', {}, s.error || s.reason || ''))))),
    h('section', {class: 'card'},
      h('h2', {}, st.mode === 'tabletop' ? 'Answers and decisions' : 'Approvals and manual tasks'),
      prompts.length ? table('Prompts', ['Prompt', 'Answers'], prompts.map(s => h('tr', {class: 'prompt', dataset: {step: s.id}},
        h('th', {scope: 'row'}, s.name || s.id), h('td', {}, (s.decisions || []).length ? String(s.decisions.length) : badge('failed', 'no answer'))))) : null,
      decisions.length ? table(null, ['When', 'Who', 'Decision', 'Step', 'Comment'], decisions) : h('p', {class: 'empty'}, 'None.'),
      (st.actions || []).length ? table('Operator actions', ['When', 'Who', 'Action', 'Step', 'Comment'], st.actions.map(a =>
        h('tr', {}, h('td', {}, when(a.at)), h('td', {}, a.by), h('td', {}, a.action), h('td', {}, a.step || ''), h('td', {}, a.comment || '')))) : null),
    injects.length ? h('section', {class: 'card'}, h('h2', {}, 'Injects'),
      table(null, ['Delivered', 'Inject', 'Message'], injects.map(i => h('tr', {class: zero(i.deliveredAt) ? 'inject undelivered' : 'inject'},
        h('td', {}, zero(i.deliveredAt) ? badge('failed', 'not delivered') : when(i.deliveredAt)), h('td', {}, i.title), h('td', {}, i.message || ''))))) : null,
    h('section', {class: 'card'},
      h('h2', {}, 'Findings'),
      (st.findings || []).length ? table(null, ['Kind', 'Finding', 'Owner', 'Step', 'By'], st.findings.map(f =>
        h('tr', {}, h('td', {}, badge('finding-' + f.kind, f.kind)), h('td', {}, f.text), h('td', {}, f.owner || ''), h('td', {}, f.step || ''), h('td', {}, f.by)))) : h('p', {class: 'empty'}, 'No finding recorded.'),
      (st.leftovers || []).length ? [h('h3', {}, 'Drill leftovers to remove by hand'), h('ul', {}, st.leftovers.map(l => h('li', {}, l)))] : null));
}
