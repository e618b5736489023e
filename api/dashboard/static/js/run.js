// A run, live: its steps on a timeline with the critical path, the RTO clock, what waits
// for a person (approvals, manual tasks, tabletop prompts) and the operator's controls.
// It polls the run every second until the run ends.

import {api, can, download} from './api.js';
import {h, replace, field, select, badge, table} from './dom.js';
import {dur, ms, when, ago, zero, elapsedMs, decisionVerb} from './format.js';
import {figureActual, figureTarget, figureVerdict, figureReason, verdictState} from './objectives.js';

const POLL_MS = 1000;
const enc = encodeURIComponent;

export async function runView(main, runId, ctx) {
  document.title = runId + ' — bcdr';
  const base = '/v1/runs/' + enc(runId);
  let st = await api(base);
  let plan = null;
  try {
    plan = await api(base + '/plan');
  } catch (_) { /* a run the engine no longer holds: the timeline uses the record alone */ }
  if (!ctx.alive()) return;

  const els = {
    head: h('div', {class: 'page-head'}),
    clock: h('section', {class: 'card clock', 'aria-labelledby': 'clock-h'}),
    tasks: h('section', {class: 'card tasks', 'aria-labelledby': 'tasks-h'}),
    controls: h('section', {class: 'card controls', 'aria-labelledby': 'controls-h'}),
    timeline: h('section', {class: 'card timeline', 'aria-labelledby': 'timeline-h'}),
    children: h('section', {class: 'card children', 'aria-labelledby': 'children-h'}),
    tabletop: h('section', {class: 'card tabletop', 'aria-labelledby': 'tabletop-h'}),
    findings: h('section', {class: 'card findings', 'aria-labelledby': 'findings-h'}),
    log: h('section', {class: 'card log', 'aria-labelledby': 'log-h'}),
  };
  const sigs = {};
  // redraw replaces a section's content only when its signature changed, so a comment
  // being typed in a form is not wiped by the next poll.
  const redraw = (name, sig, build) => {
    if (sigs[name] === sig) return;
    sigs[name] = sig;
    replace(els[name], build());
  };

  // act sends an action to this run, or (on) to a child run whose task waits here.
  async function act(action, body, done, on = runId) {
    try {
      await api('/v1/runs/' + enc(on) + '/' + action, {method: 'POST', body});
      ctx.notify(done, 'ok');
    } catch (e) {
      ctx.notify(`${action} refused: ${e.message}`, 'error');
    }
    await refresh(false);
  }

  function render() {
    const service = st.service || '';
    const done = ['succeeded', 'failed', 'cancelled'].includes(st.state);
    const operator = can('operator', service) && !done;
    // Once the run has ended, nothing waits and nothing can be operated: say so once.
    els.tasks.hidden = done && !waiting(st).length;
    els.controls.hidden = done;
    replace(els.head, header(st, runId, base, ctx));
    replace(els.clock, clock(st, done));
    replace(els.timeline, timeline(st, plan, done));
    els.children.hidden = !(st.children || []).length;
    redraw('children', JSON.stringify(st.children || []), () => childRuns(st));
    redraw('tasks', JSON.stringify([waiting(st), st.state, can('approver', service)]), () => tasks(st, act));
    redraw('controls', JSON.stringify([st.state, operator, st.steps.filter(s => s.status === 'failed').map(s => s.id)]), () => controls(st, operator, act));
    els.tabletop.hidden = st.mode !== 'tabletop';
    if (st.mode === 'tabletop') {
      redraw('tabletop', JSON.stringify([st.pending, st.injects, st.steps.map(s => [s.id, s.status, (s.decisions || []).length]), operator]), () => tabletop(st, operator, act));
    }
    redraw('findings', JSON.stringify([st.findings, operator]), () => findings(st, operator, act));
    redraw('log', JSON.stringify([st.actions, st.steps.map(s => s.decisions), st.probes, st.refusals]), () => activity(st));
  }

  replace(main, els.head,
    h('div', {class: 'grid-2'}, els.clock, h('div', {class: 'stack'}, els.tasks, els.controls)),
    els.timeline, els.children, els.tabletop, els.findings, els.log);
  render();

  async function refresh(again = true) {
    if (!ctx.alive()) return;
    try {
      st = await api(base);
      if (!ctx.alive()) return;
      render();
    } catch (e) {
      ctx.notify('Could not refresh the run: ' + e.message, 'error');
    }
    if (again && !['succeeded', 'failed', 'cancelled'].includes(st.state)) setTimeout(refresh, POLL_MS);
  }
  if (!['succeeded', 'failed', 'cancelled'].includes(st.state)) setTimeout(refresh, POLL_MS);
}

function header(st, runId, base, ctx) {
  const done = ['succeeded', 'failed', 'cancelled'].includes(st.state);
  return [
    h('h1', {tabindex: '-1'}, st.runbook || runId),
    h('p', {class: 'sub mono'}, runId),
    h('dl', {class: 'meta'},
      h('div', {}, h('dt', {}, 'State'), h('dd', {}, badge(st.state, st.state), st.error ? h('span', {class: 'error-inline'}, ' ' + st.error) : null)),
      h('div', {}, h('dt', {}, 'Mode'), h('dd', {}, badge('mode-' + st.mode, st.mode))),
      h('div', {}, h('dt', {}, 'Service'), h('dd', {}, st.service || '—')),
      h('div', {}, h('dt', {}, 'Started by'), h('dd', {}, st.initiator || '—', st.trigger ? ` (${st.trigger})` : '')),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, when(st.startedAt))),
      done ? h('div', {}, h('dt', {}, 'Ended'), h('dd', {}, when(st.endedAt))) : null),
    st.provenance && !st.provenance.proven ? h('p', {class: 'unproven', role: 'note'}, h('strong', {}, 'Unproven version: '), st.provenance.text) : null,
    h('p', {class: 'links'},
      h('a', {href: '#/run/' + enc(runId) + '/report'}, done ? 'Report' : 'Report so far'),
      done ? h('button', {type: 'button', class: 'link', onclick: () => downloadBundle(runId, base, ctx)}, 'Download evidence bundle') : null),
  ];
}

export async function downloadBundle(runId, base, ctx) {
  try {
    const got = await download(base + '/evidence', runId + '-evidence.zip');
    ctx.notify(`Downloaded ${runId}-evidence.zip (${got.size} bytes, bundle ${got.evidence}, check: ${got.check}).`, got.check === 'ok' ? 'ok' : 'error');
  } catch (e) {
    ctx.notify('No evidence bundle: ' + e.message, 'error');
  }
}

// clock is the RTO clock against its target while the run runs; once it ended, the RTO
// and RPO as the record states them (st.rto, st.rpo).
function clock(st, done) {
  const rto = st.rto || {};
  // The run's clock, by the one rule every surface uses (elapsedMs); a measured RTO once done.
  const elapsed = done && rto.measured ? ms(rto.actual) : elapsedMs(st, Date.now());
  const target = st.mode === 'tabletop' ? 0 : ms(st.rtoTarget); // a tabletop recovers nothing: no RTO to race
  let verdict = 'no RTO target';
  let cls = 'none';
  if (done) {
    verdict = rto.measured ? figureVerdict(rto) : 'RTO not measured: ' + figureReason(rto);
    cls = {met: 'ok', missed: 'over'}[figureVerdict(rto)] || 'none';
    if (rto.measured && target) verdict += rto.verdict === 'met' ? ', ' + dur(target - elapsed) + ' to spare' : ' by ' + dur(elapsed - target);
  } else if (target) {
    const left = target - elapsed;
    if (left < 0) { verdict = 'over by ' + dur(-left); cls = 'over'; }
    else { verdict = dur(left) + ' left'; cls = left < target / 4 ? 'warn' : 'ok'; }
  }
  const label = st.mode === 'tabletop' ? 'Exercise time' : done ? (rto.measured ? 'RTO measured' : 'Run took') : 'RTO clock';
  if (st.mode === 'tabletop') verdict = done ? 'exercise ended' : 'exercise running';
  return [
    h('h2', {id: 'clock-h'}, label),
    h('p', {class: 'clock-value clock-' + cls},
      h('span', {class: 'elapsed', 'data-elapsed-ms': String(Math.round(elapsed))}, dur(elapsed)),
      target ? h('span', {class: 'target'}, ' of ' + dur(target) + ' target') : null),
    target ? h('meter', {min: '0', max: String(target), low: String(target * 0.75), high: String(target), optimum: '0', value: String(Math.min(elapsed, target)), 'aria-label': 'RTO elapsed against target'}) : null,
    h('p', {class: 'verdict verdict-' + cls}, verdict),
    h('p', {class: 'small'}, 'Clock started ', when(zero(st.clockStart) ? st.startedAt : st.clockStart),
      st.mode === 'live' ? ' (declared outage start)' : ''),
    rpo(st),
  ];
}

// rpo is the record's RPO figure: measured against its target, or why not.
function rpo(st) {
  const f = st.rpo;
  if (!f || (!f.measured && !f.target && !st.rpoError)) return null;
  if (!f.measured) return h('p', {class: 'rpo small' + (st.rpoError ? ' error-inline' : '')}, h('strong', {}, 'RPO '), 'not measured: ' + figureReason(f),
    f.target ? ` (target ${figureTarget(f)})` : '');
  return h('p', {class: 'rpo'}, h('strong', {}, 'RPO '), figureActual(f),
    f.target ? ' of ' + figureTarget(f) + ' target ' : ' ', badge(verdictState(f), figureVerdict(f)));
}

// order lists the steps in plan order (by layer), then any the plan does not name.
function order(st, plan) {
  const ids = plan ? plan.layers.flat() : [];
  const rest = st.steps.map(s => s.id).filter(id => !ids.includes(id));
  return [...ids, ...rest];
}

// timeline is a Gantt chart of the steps over the run's time so far, in plan order,
// the critical path marked; a step not started yet shows its estimate.
function timeline(st, plan, done) {
  const t0 = new Date(st.startedAt).getTime();
  const byId = Object.fromEntries(st.steps.map(s => [s.id, s]));
  const planned = plan ? Object.fromEntries(plan.steps.map(s => [s.id, s])) : {};
  const now = done ? new Date(st.endedAt).getTime() : Date.now();
  let span = Math.max(1000, now - t0);
  for (const s of st.steps) if (!zero(s.endedAt)) span = Math.max(span, new Date(s.endedAt) - t0);
  const pct = x => Math.max(0, Math.min(100, (x / span) * 100));
  const critical = new Set(plan ? plan.criticalPath : []);

  const rows = order(st, plan).map(id => {
    const s = byId[id] || {id, status: 'pending'};
    const p = planned[id];
    const track = h('div', {class: 'track', 'aria-hidden': 'true'});
    let took = null;
    if (!zero(s.startedAt)) {
      const a = new Date(s.startedAt) - t0;
      const b = (zero(s.endedAt) ? now : new Date(s.endedAt).getTime()) - t0;
      took = b - a;
      const bar = h('div', {class: 'bar s-' + s.status});
      bar.style.left = pct(a) + '%';
      bar.style.width = Math.max(0.6, pct(b) - pct(a)) + '%';
      track.append(bar);
    }
    const needs = p && p.needs && p.needs.length ? 'after ' + p.needs.join(', ') : (p ? 'first' : '');
    const child = (st.children || []).find(c => c.step === id);
    return h('tr', {class: 'step' + (critical.has(id) ? ' critical' : ''), dataset: {step: id, status: s.status}},
      h('th', {scope: 'row'},
        s.name ? h('span', {class: 'step-name'}, s.name + ' ') : null,
        h('span', {class: 'step-id'}, id),
        critical.has(id) ? h('span', {class: 'crit-tag', title: 'on the critical path'}, 'critical') : null,
        h('span', {class: 'step-sub'}, [s.uses || (p && p.uses) || '', needs].filter(Boolean).join(' · ')),
        child ? h('a', {class: 'child-link', href: '#/run/' + enc(child.runId), 'data-child': child.runId}, 'child run ' + child.runId) : null),
      h('td', {class: 'state'}, badge(s.status, s.status.replace('_', ' ')), s.attempts > 1 ? h('span', {class: 'small'}, ` ${s.attempts} attempts`) : null,
        s.drill ? h('span', {class: 'small'}, ' drill variant') : null),
      h('td', {class: 'bar-cell'}, track),
      h('td', {class: 'num'}, took === null ? (p ? '~' + dur(ms(p.estimate)) : '—') : dur(took)));
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => {
    const t = h('span', {}, dur(span * f));
    t.style.left = f * 100 + '%';
    return t;
  });
  return [
    h('h2', {id: 'timeline-h'}, 'Steps'),
    h('p', {class: 'small'}, plan ? `Critical path: ${plan.criticalPath.join(' → ') || '—'} (expected ${dur(ms(plan.expectedDuration))}). ` : '',
      'Bars show when each step ran; a step not started yet shows its estimate (~).'),
    table(null, ['Step', 'State', h('span', {class: 'axis'}, ticks), 'Took'], rows, 'gantt'),
  ];
}

// waiting is every task waiting for a person in the run and its child runs (the API's
// waiting, which names the run each waits in), or the run's own pending tasks.
function waiting(st) {
  if ((st.waiting || []).length) return st.waiting;
  return (st.pending || []).map(p => ({...p, runId: st.runId, service: st.service}));
}

// tasks lists what waits for a person in the run and its child runs, with buttons for
// those whose role allows them; a child's task is decided on the child run.
function tasks(st, act) {
  const items = waiting(st).map(p => {
    const service = p.service || '';
    const here = !p.runId || p.runId === st.runId;
    const on = here ? st.runId : p.runId;
    const act1 = (action, body, done) => act(action, body, done, on);
    const comment = h('input', {type: 'text', name: 'comment', autocomplete: 'off'});
    const title = {approval: 'Approval', manual: 'Manual task', prompt: 'Tabletop prompt', 'roll call': 'Roll call'}[p.kind] || p.kind;
    const info = [
      h('h3', {}, title + ': ', p.name ? p.name + ' ' : '', h('span', {class: 'mono'}, p.step)),
      here ? null : h('p', {class: 'small in-child'}, 'In child run ', h('a', {href: '#/run/' + enc(p.runId), class: 'mono'}, p.runId),
        (p.path || []).length ? ' (' + p.path.join(' › ') + ')' : '', service ? ', service ' + service : ''),
      p.prompt ? h('p', {class: 'prompt'}, p.prompt) : null,
      p.approvers && p.approvers.length ? h('p', {class: 'small'}, (p.kind === 'roll call' ? 'People: ' : 'Approvers: ') + p.approvers.join(', ') + (p.quorum > 1 ? ` · ${p.approved || 0} of ${p.quorum} approvals` : '')) : null,
      h('p', {class: 'small'}, 'Waiting since ' + when(p.since) + ' (' + ago(p.since) + ')'),
    ];
    let buttons = null;
    if (p.kind === 'approval') {
      buttons = can('approver', service)
        ? h('div', {class: 'decide'}, field('Comment', comment),
          h('button', {type: 'button', class: 'primary', 'data-action': 'approve', 'data-step': p.step, 'data-run': on, onclick: () => act1('approve', {step: p.step, comment: comment.value}, `Approved ${p.step}.`)}, 'Approve ' + p.step),
          h('button', {type: 'button', class: 'danger', 'data-action': 'decline', 'data-step': p.step, 'data-run': on, onclick: () => {
            if (!comment.value.trim()) { comment.setAttribute('aria-invalid', 'true'); comment.focus(); return; }
            act1('decline', {step: p.step, comment: comment.value}, `Declined ${p.step}.`);
          }}, 'Decline'))
        : h('p', {class: 'small no-role'}, 'Only an approver of this service can decide.');
    } else if (p.kind === 'manual') {
      buttons = can('operator', service)
        ? h('div', {class: 'decide'}, field('Note', comment),
          h('button', {type: 'button', class: 'primary', 'data-action': 'complete', 'data-step': p.step, 'data-run': on, onclick: () => act1('complete', {step: p.step, comment: comment.value}, `Marked ${p.step} done.`)}, 'Mark done'))
        : h('p', {class: 'small no-role'}, 'Only an operator of this service can mark it done.');
    } else if (p.kind === 'roll call') {
      buttons = can('operator', service)
        ? h('div', {class: 'decide'}, field('Note', comment),
          h('button', {type: 'button', class: 'primary', 'data-action': 'acknowledge', 'data-step': p.step, 'data-run': on, onclick: () => act1('complete', {step: p.step, comment: comment.value}, `Acknowledged ${p.step}.`)}, 'Acknowledge'))
        : h('p', {class: 'small no-role'}, 'Acknowledge with the link in your notification, or with bcdr complete.');
    } else if (p.kind === 'prompt') {
      buttons = h('p', {class: 'small'}, here ? h('a', {href: '#tabletop-h'}, 'Answer in the tabletop panel')
        : h('a', {href: '#/run/' + enc(p.runId)}, 'Answer on the child run\'s page'));
    }
    return h('li', {class: 'task task-' + p.kind.replace(/ /g, '-'), dataset: {step: p.step, run: on}}, info, buttons);
  });
  return [h('h2', {id: 'tasks-h'}, 'Waiting for people'),
    items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'empty'}, 'Nothing waits for a person.')];
}

// childRuns are the runs the run's `runbook` steps started (a scenario's services,
// nested runbooks), nested as they nest, each with its state and progress.
function childRuns(st) {
  const list = cs => h('ul', {class: 'child-runs'}, cs.map(c => h('li', {class: 'child-run', dataset: {run: c.runId, step: c.step, state: c.state || 'unknown'}},
    h('span', {class: 'mono'}, c.step), ' ',
    h('a', {href: '#/run/' + enc(c.runId), class: 'mono'}, c.runId), ' ',
    c.runbook ? c.runbook + (c.service ? ' (' + c.service + ') ' : ' ') : '',
    badge(c.state || 'unknown', c.state || 'unknown'),
    h('span', {class: 'small'}, ` ${c.done} of ${c.steps} steps done`),
    c.error ? h('span', {class: 'error-inline'}, ' ' + c.error) : null,
    (c.children || []).length ? list(c.children) : null)));
  return [h('h2', {id: 'children-h'}, 'Child runs'),
    h('p', {class: 'small'}, 'The runs its runbook steps started; what they wait for is listed under Waiting for people.'),
    list(st.children || [])];
}

// controls are the operator's: pause, resume, retry or skip a failed step, cancel.
function controls(st, operator, act) {
  if (!operator) {
    const done = ['succeeded', 'failed', 'cancelled'].includes(st.state);
    return [h('h2', {id: 'controls-h'}, 'Controls'), h('p', {class: 'small'}, done ? 'The run has ended.' : 'Operating this run needs the operator role on its service.')];
  }
  const comment = h('input', {type: 'text', name: 'comment', autocomplete: 'off'});
  const rollback = h('input', {type: 'checkbox', name: 'rollback'});
  const needComment = () => {
    if (comment.value.trim()) return true;
    comment.setAttribute('aria-invalid', 'true');
    comment.focus();
    return false;
  };
  const failed = st.steps.filter(s => s.status === 'failed');
  return [
    h('h2', {id: 'controls-h'}, 'Controls'),
    field('Reason (recorded with the action)', comment),
    h('div', {class: 'buttons'},
      st.state === 'paused'
        ? h('button', {type: 'button', onclick: () => act('resume', {comment: comment.value}, 'Resumed.')}, 'Resume')
        : h('button', {type: 'button', onclick: () => act('pause', {comment: comment.value}, 'Paused: running steps finish, none starts.')}, 'Pause'),
      failed.map(s => [
        h('button', {type: 'button', onclick: () => act('retry', {step: s.id, comment: comment.value}, `Retrying ${s.id}.`)}, 'Retry ' + s.id),
        h('button', {type: 'button', onclick: () => needComment() && act('skip', {step: s.id, comment: comment.value}, `Skipped ${s.id}.`)}, 'Skip ' + s.id),
      ]),
      st.mode === 'tabletop' ? h('button', {type: 'button', onclick: () => act('advance', {comment: comment.value}, 'Advanced the tabletop.')}, 'Advance (close open prompts)') : null),
    h('div', {class: 'buttons cancel'},
      h('label', {class: 'check'}, rollback, ' roll back completed steps'),
      h('button', {type: 'button', class: 'danger', onclick: () => needComment() && act('cancel', {comment: comment.value, rollback: rollback.checked}, 'Cancelled.')}, 'Cancel run')),
  ];
}

// tabletop shows the prompts, the answers given, and the injects delivered so far.
function tabletop(st, operator, act) {
  const open = (st.pending || []).filter(p => p.kind === 'prompt');
  const prompts = open.map(p => {
    const step = st.steps.find(s => s.id === p.step) || {};
    const answer = h('textarea', {name: 'answer', rows: '3'});
    return h('li', {class: 'prompt-card', dataset: {step: p.step}},
      h('h3', {}, p.name ? p.name + ' ' : '', h('span', {class: 'mono'}, p.step)),
      h('p', {class: 'prompt'}, p.prompt || 'What do you do?'),
      answers(step),
      operator ? h('form', {class: 'answer', onsubmit: ev => {
        ev.preventDefault();
        if (!answer.value.trim()) { answer.setAttribute('aria-invalid', 'true'); answer.focus(); return; }
        act('answers', {step: p.step, answer: answer.value}, `Answer to ${p.step} recorded.`);
      }}, field('Your answer', answer), h('div', {class: 'buttons'},
        h('button', {type: 'submit', class: 'primary'}, 'Submit answer'),
        h('button', {type: 'button', onclick: () => act('advance', {step: p.step}, `Closed ${p.step}.`)}, 'Close this prompt'))) : null);
  });
  const past = st.steps.filter(s => (s.decisions || []).length && !open.some(p => p.step === s.id));
  return [
    h('h2', {id: 'tabletop-h'}, 'Tabletop'),
    h('h3', {}, 'Current prompt' + (open.length === 1 ? '' : 's')),
    prompts.length ? h('ul', {class: 'plain'}, prompts) : h('p', {class: 'empty'}, 'No prompt is open.'),
    h('h3', {}, 'Injects'),
    (st.injects || []).length
      ? h('ul', {class: 'injects'}, st.injects.map(i => h('li', {}, h('strong', {}, i.title), i.message ? ' — ' + i.message : '', h('span', {class: 'small'}, ' at ' + when(i.deliveredAt)))))
      : h('p', {class: 'empty'}, 'No inject yet.'),
    past.length ? [h('h3', {}, 'Answered'), h('ul', {class: 'plain'}, past.map(s => h('li', {}, h('strong', {}, s.id), answers(s))))] : null,
  ];
}

function answers(step) {
  const ds = step.decisions || [];
  if (!ds.length) return h('p', {class: 'small'}, 'No answer yet.');
  return h('ul', {class: 'answers'}, ds.map(d => h('li', {}, h('strong', {}, d.by + ': '), d.comment || '(no text)', h('span', {class: 'small'}, ' ' + when(d.at)))));
}

function findings(st, operator, act) {
  const list = (st.findings || []).map(f => h('li', {}, badge('finding-' + f.kind, f.kind), ' ', f.text,
    h('span', {class: 'small'}, [f.owner ? ' owner ' + f.owner : '', f.step ? ' · step ' + f.step : '', ' · ' + f.by + ', ' + when(f.at)].join(''))));
  let form = null;
  if (operator) {
    const text = h('input', {type: 'text', name: 'text', autocomplete: 'off', required: true});
    const owner = h('input', {type: 'text', name: 'owner', autocomplete: 'off'});
    const kind = select('kind', ['gap', 'action', 'observation'], 'gap');
    const step = select('step', [['', '(whole run)'], ...st.steps.map(s => s.id)], '');
    form = h('form', {class: 'finding-form', onsubmit: ev => {
      ev.preventDefault();
      act('findings', {kind: kind.value, text: text.value, owner: owner.value, step: step.value}, 'Finding recorded.');
    }}, field('Kind', kind), field('Finding', text), field('Owner', owner, 'for an action item'), field('Step', step),
    h('div', {class: 'field actions'}, h('button', {type: 'submit'}, 'Record finding')));
  }
  return [h('h2', {id: 'findings-h'}, 'Findings'), list.length ? h('ul', {class: 'plain findings-list'}, list) : h('p', {class: 'empty'}, 'No finding recorded.'), form];
}

// activity is who did what: decisions and operator actions, oldest first.
function activity(st) {
  const rows = [];
  for (const s of st.steps) {
    for (const d of s.decisions || []) {
      rows.push([d.at, d.by, decisionVerb(st.mode, s.uses, d.approve), s.id, d.comment || '']);
    }
  }
  for (const a of st.actions || []) rows.push([a.at, a.by, a.action, a.step || '', a.comment || '']);
  for (const p of st.probes || []) if (!p.ok) rows.push([p.at, 'probe ' + p.probe, 'failed (' + p.phase + ')', '', p.error || '']);
  // Refused decisions and actions changed nothing, but who tried what, and why not, is shown.
  for (const r of st.refusals || []) rows.push([r.at, r.by, 'refused: ' + r.action, r.step || '', r.reason || '']);
  // By time, not by text: RFC 3339 strings with and without fractions do not sort as text.
  rows.sort((a, b) => new Date(a[0]) - new Date(b[0]));
  return [h('h2', {id: 'log-h'}, 'Activity'),
    rows.length ? table(null, ['When', 'Who', 'What', 'Step', 'Comment'], rows.map(r => h('tr', {}, h('td', {}, when(r[0])), r.slice(1).map(c => h('td', {}, c))))) : h('p', {class: 'empty'}, 'No decision or operator action yet.')];
}
