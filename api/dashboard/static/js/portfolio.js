// The portfolio (per service: drill cadence, RTO/RPO achieved vs target over time,
// runbooks never proven) and the printable executive summary built from the same data.

import {api} from './api.js';
import {h, replace, table, badge, field, select} from './dom.js';
import {dur, ms, when, day, ago, goDur, zero} from './format.js';
import {timeChart} from './charts.js';
import {figureActual, figureTarget, figureVerdict, judged, met, verdictState} from './objectives.js';
import {countsText} from './improvements.js';

const STATUS_TEXT = {'on-time': 'On time', 'due-soon': 'Due soon', overdue: 'Overdue', 'not-assessed': 'Not assessed'};
const enc = encodeURIComponent;

function counts(p) {
  const c = {'on-time': 0, 'due-soon': 0, overdue: 0, 'not-assessed': 0};
  for (const s of p.services) c[s.status]++;
  return c;
}

// Readiness: the last scheduled check of each runbook (bcdr check --schedule) and the
// service's sum of them, as the portfolio gives them; the words are the API's.
const READY_STATE = {ready: 'ready', warning: 'ready-warn', 'cannot check': 'cannot-check', 'not ready': 'not-ready'};
const passes = r => r === 'ready' || r === 'warning';
const readyBadge = r => (r ? badge(READY_STATE[r] || 'none', r) : badge('none', 'not checked'));
const notReady = p => p.services.filter(s => s.readiness && !passes(s.readiness.result));

function readinessTable(services) {
  return table(null, ['Service', 'Readiness', 'Last checked', 'What broke'],
    services.map(s => {
      const r = s.readiness;
      return h('tr', {class: 'ready-row', dataset: {service: s.service, readiness: r ? r.result : 'not checked'}},
        h('th', {scope: 'row'}, s.service),
        h('td', {}, readyBadge(r && r.result)),
        h('td', {}, r ? [when(r.checkedAt), h('span', {class: 'small'}, ' (' + ago(r.checkedAt) + ')')] : '—'),
        h('td', {class: 'broken'}, r && (r.broken || []).length ? h('ul', {class: 'plain'}, r.broken.map(b => h('li', {}, b))) : '—'));
    }), 'readiness');
}

function kpis(p) {
  const c = counts(p);
  const kpi = (n, label, cls) => h('div', {class: 'kpi kpi-' + cls}, h('span', {class: 'kpi-n'}, String(n)), h('span', {class: 'kpi-l'}, label));
  return h('div', {class: 'kpis', role: 'group', 'aria-label': 'Portfolio in numbers'},
    kpi(p.services.length, 'services', 'all'), kpi(c['on-time'], 'on time', 'on-time'), kpi(c['due-soon'], 'due soon', 'due-soon'),
    kpi(c.overdue, 'overdue', 'overdue'), kpi(c['not-assessed'], 'not assessed', 'not-assessed'), kpi(p.neverProven.length, 'runbooks never proven', 'never'),
    kpi(notReady(p).length, 'not ready now', 'not-ready'),
    p.improvements ? [kpi(p.improvements.open, 'open improvements', 'imp-open'), kpi(p.improvements.overdue, 'improvements overdue', 'overdue')] : null);
}

// series are a service's measured figures over time (key: rto or rpo), as the records
// state them.
const series = (s, key) => s.history.filter(r => r[key] && r[key].measured).map(r => ({t: new Date(r.endedAt).getTime(), v: ms(r[key].actual), target: ms(r[key].target), mode: r.mode, label: r.mode + ' ' + r.runId}));

// latest is the newest measured figure of a service, with its verdict.
function latest(s, key) {
  const r = [...s.history].reverse().find(x => x[key] && x[key].measured);
  if (!r) return '—';
  const f = r[key];
  return [figureActual(f), f.target ? ' / ' + figureTarget(f) + ' ' : ' ', judged(f) ? badge(verdictState(f), figureVerdict(f)) : null];
}

function due(s) {
  if (s.status === 'not-assessed') return '—';
  if (zero(s.due)) return 'now (never drilled)';
  return [day(s.due), h('span', {class: 'small'}, ' (' + ago(s.due) + ')')];
}

function cadenceTable(services, caption) {
  return table(caption, ['Service', 'Tier', 'Cadence', 'Last successful drill', 'Next drill due', 'Drills (succeeded)', 'Latest RTO', 'Latest RPO'],
    services.map(s => h('tr', {class: 'svc-row', dataset: {service: s.service, status: s.status}},
      h('th', {scope: 'row'}, s.service),
      h('td', {class: 'num'}, s.tier || '—'),
      h('td', {}, badge(s.status, STATUS_TEXT[s.status]), s.cadence ? h('span', {class: 'small'}, ' every ' + goDur(s.cadence)) : null),
      h('td', {}, zero(s.lastDrill) ? 'never' : [day(s.lastDrill), h('span', {class: 'small'}, ' (' + ago(s.lastDrill) + ')')]),
      h('td', {}, due(s)),
      h('td', {class: 'num'}, `${s.drills} (${s.succeeded})`),
      h('td', {}, latest(s, 'rto')),
      h('td', {}, latest(s, 'rpo')))), 'cadence');
}

export async function portfolioView(main, ctx) {
  document.title = 'Portfolio — bcdr';
  const p = await api('/v1/portfolio');
  if (!ctx.alive()) return;
  const order = {overdue: 0, 'due-soon': 1, 'on-time': 2, 'not-assessed': 3};
  p.services.sort((a, b) => order[a.status] - order[b.status] || (a.tier || 9) - (b.tier || 9) || a.service.localeCompare(b.service));
  const tiers = [...new Set(p.services.map(s => s.tier).filter(Boolean))].sort();
  const filters = h('form', {class: 'filters', 'aria-label': 'Filter services', onchange: () => draw(), onsubmit: ev => { ev.preventDefault(); draw(); }},
    field('Tier', select('tier', [['', 'all tiers'], ...tiers.map(t => [String(t), 'tier ' + t])], '')),
    field('Cadence', select('status', [['', 'any'], ...Object.entries(STATUS_TEXT)], '')));
  const body = h('div');
  let drawn = 0;
  function draw() {
    const gen = ++drawn;
    const tier = filters.elements.tier.value, status = filters.elements.status.value;
    const shown = p.services.filter(s => (!tier || String(s.tier) === tier) && (!status || s.status === status));
    const grid = h('div', {class: 'svc-grid', 'aria-busy': 'true'}, h('p', {class: 'loading'}, 'Drawing charts…'));
    const trends = h('section', {'aria-labelledby': 'trend-h'}, h('h2', {id: 'trend-h'}, 'RTO and RPO achieved vs target'),
      h('p', {class: 'small'}, 'Each dot is a drill or live recovery that ended (ringed: live); the dashed line is the target at the time. Red dots missed it.'),
      grid,
      shown.some(s => !s.history.length) ? h('p', {class: 'small'}, 'Not measured yet: ' + shown.filter(s => !s.history.length).map(s => s.service).join(', ') + '.') : null);
    // The charts (thousands of points) come after the first paint: the cadence table,
    // what a reader needs first, is not held up by them.
    requestAnimationFrame(() => setTimeout(() => {
      if (gen !== drawn || !ctx.alive()) return;
      replace(grid, shown.filter(s => s.history.length).map(s => serviceCard(s)));
      grid.setAttribute('aria-busy', 'false');
      performance.mark('bcdr:portfolio-charts');
    }));
    replace(body,
      h('section', {class: 'card', 'aria-labelledby': 'cad-h'}, h('h2', {id: 'cad-h'}, 'Drill cadence'),
        shown.length ? cadenceTable(shown) : h('p', {class: 'empty'}, 'No service matches.')),
      h('section', {class: 'card', 'aria-labelledby': 'ready-h'}, h('h2', {id: 'ready-h'}, 'Readiness now'),
        h('p', {class: 'small'}, 'The last scheduled read-only check of each service\'s runbooks (bcdr check --schedule): would they work now? A runbook that is not ready is a gap of its service.'),
        shown.some(s => s.readiness) ? readinessTable(shown) : h('p', {class: 'empty'}, 'No runbook of these services has a scheduled readiness check.')),
      trends,
      h('section', {class: 'card', 'aria-labelledby': 'never-h'}, h('h2', {id: 'never-h'}, 'Runbooks never proven by a drill'),
        p.neverProven.length ? table(null, ['Runbook', 'Service', 'Tier'], p.neverProven.filter(r => !tier || String(r.tier) === tier).map(r =>
          h('tr', {class: 'never-row'}, h('th', {scope: 'row'}, r.name), h('td', {}, r.service), h('td', {class: 'num'}, r.tier || '—')))) : h('p', {class: 'empty'}, 'Every runbook has been drilled.')));
  }
  replace(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Portfolio'),
      h('p', {class: 'sub'}, `Generated ${when(p.generatedAt)} from ${p.runs} ended drills and recoveries in the run history (the evidence store, then the engine). Services: ${p.source || '—'}. `,
        h('a', {href: '#/summary'}, 'Executive summary'))),
    (p.problems || []).length ? h('div', {class: 'card problems', role: 'alert'}, h('h2', {}, 'Run history that could not be read'), h('ul', {}, p.problems.map(x => h('li', {}, x)))) : null,
    kpis(p), filters, body);
  // Marked once the browser has painted the data (before the charts): the page's time
  // to first render.
  requestAnimationFrame(() => setTimeout(() => performance.mark('bcdr:portfolio-rendered')));
  draw();
}

function serviceCard(s) {
  return h('article', {class: 'card svc', dataset: {service: s.service}},
    h('h3', {}, s.service, ' ', badge(s.status, STATUS_TEXT[s.status]), s.tier ? h('span', {class: 'small'}, ' tier ' + s.tier) : null),
    h('p', {class: 'small'}, 'Last successful drill: ', zero(s.lastDrill) ? 'never' : [when(s.lastDrill), ' ', s.lastRun ? h('a', {href: '#/run/' + enc(s.lastRun) + '/report'}, 'report') : null]),
    s.improvements && (s.improvements.open || s.improvements.done) ? h('p', {class: 'small imp-counts'}, h('a', {href: '#/improvements?service=' + enc(s.service)}, 'Improvements'), ': ' + countsText(s.improvements)) : null,
    s.history.length ? h('div', {class: 'charts'},
      h('figure', {}, timeChart(series(s, 'rto'), {title: 'RTO of ' + s.service}), h('figcaption', {}, `RTO, ${s.history.length} runs`)),
      h('figure', {}, timeChart(series(s, 'rpo'), {title: 'RPO of ' + s.service}), h('figcaption', {}, 'RPO'))) : h('p', {class: 'empty'}, 'No drill or recovery measured yet.'),
    h('ul', {class: 'books'}, s.runbooks.map(r => h('li', {}, r.name, ': ', zero(r.lastDrill) ? badge('overdue', 'never proven') : 'drilled ' + day(r.lastDrill),
      r.readiness ? [', ', readyBadge(r.readiness.outcome), h('span', {class: 'small'}, ' checked ' + ago(r.readiness.startedAt))] : null))));
}

// summaryView is the executive summary: one printable page for a board report.
export async function summaryView(main, ctx) {
  document.title = 'Executive summary — bcdr';
  const p = await api('/v1/portfolio');
  if (!ctx.alive()) return;
  const c = counts(p);
  const assessed = p.services.length - c['not-assessed'];
  const attention = p.services.filter(s => s.status === 'overdue' || s.status === 'due-soon');
  const yearAgo = Date.now() - 365 * 86400000;
  const pct = (a, b) => (b ? Math.round((100 * a) / b) + '%' : '—');
  const rows = p.services.filter(s => s.status !== 'not-assessed' || s.history.length).map(s => {
    const year = s.history.filter(r => new Date(r.endedAt).getTime() >= yearAgo);
    const drills = year.filter(r => r.mode === 'drill');
    const ok = drills.filter(r => r.outcome === 'succeeded').length;
    const judgedRuns = k => year.filter(r => judged(r[k]));
    const metRuns = k => judgedRuns(k).filter(r => met(r[k])).length;
    return h('tr', {},
      h('th', {scope: 'row'}, s.service), h('td', {class: 'num'}, s.tier || '—'), h('td', {}, badge(s.status, STATUS_TEXT[s.status])),
      h('td', {class: 'num'}, drills.length ? `${drills.length} (${pct(ok, drills.length)} succeeded)` : 'none'),
      h('td', {class: 'num'}, `${metRuns('rto')} of ${judgedRuns('rto').length}`), h('td', {class: 'num'}, `${metRuns('rpo')} of ${judgedRuns('rpo').length}`),
      h('td', {class: 'spark-cell'}, timeChart(series(s, 'rto').filter(x => x.t >= yearAgo), {title: 'RTO of ' + s.service + ' over 12 months', width: 160, height: 36, compact: true})));
  });
  const overdueNames = p.services.filter(s => s.status === 'overdue').map(s => s.service);
  replace(main,
    h('article', {class: 'summary'},
      h('div', {class: 'page-head'},
        h('h1', {tabindex: '-1'}, 'Business continuity: executive summary'),
        h('p', {class: 'sub'}, 'As of ', when(p.generatedAt), '. Source: the bcdr run history (the hash-chained evidence store, then the engine) and the drill cadence of each service tier; services: ' + (p.source || '—') + '.'),
        h('p', {class: 'no-print'}, h('button', {type: 'button', class: 'primary', onclick: () => window.print()}, 'Print'))),
      h('p', {class: 'headline'},
        `${c['on-time']} of ${assessed} assessed services are on time with their drills`,
        c['due-soon'] ? `, ${c['due-soon']} due soon` : '',
        overdueNames.length ? `; ${overdueNames.length} overdue: ${overdueNames.join(', ')}` : '; none overdue',
        `. ${p.neverProven.length} runbook${p.neverProven.length === 1 ? ' has' : 's have'} never been proven by a drill.`,
        p.improvements ? ` Improvement plan: ${countsText(p.improvements)}.` : ''),
      kpis(p),
      h('section', {}, h('h2', {}, 'Needs attention'),
        attention.length ? cadenceTable(attention) : h('p', {}, 'Every assessed service is within its drill cadence.')),
      h('section', {}, h('h2', {}, 'Recovery objectives, last 12 months'),
        table(null, ['Service', 'Tier', 'Cadence', 'Drills', 'RTO met', 'RPO met', 'RTO trend'], rows, 'exec')),
      h('section', {}, h('h2', {}, 'Runbooks never proven by a drill'),
        p.neverProven.length ? h('ul', {class: 'cols'}, p.neverProven.map(r => h('li', {}, `${r.name} (${r.service}${r.tier ? ', tier ' + r.tier : ''})`))) : h('p', {}, 'None.'))));
}
