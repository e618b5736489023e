// Charts drawn as SVG: an achieved-vs-target scatter over time.

import {h} from './dom.js';
import {dur, day} from './format.js';

// timeChart plots points {t (ms since epoch), v (ms), target (ms), label} over time with
// the target as a dashed line; points above their target are marked missed. The chart
// carries a text summary for screen readers, and each point a tooltip.
export function timeChart(points, {title, width = 360, height = 130, compact = false} = {}) {
  const pad = compact ? {l: 4, r: 4, t: 4, b: 4} : {l: 46, r: 8, t: 8, b: 22};
  const pts = points.filter(p => p.v > 0 || p.target > 0);
  const met = pts.filter(p => p.v > 0 && p.target > 0 && p.v <= p.target).length;
  const judged = pts.filter(p => p.v > 0 && p.target > 0).length;
  const last = pts[pts.length - 1];
  const summary = !pts.length ? `${title}: no measurement yet` :
    `${title}: ${pts.length} measurement${pts.length === 1 ? '' : 's'}, latest ${dur(last.v)}` +
    (last.target ? ` against a ${dur(last.target)} target` : '') + (judged ? `; target met in ${met} of ${judged}` : '');
  const svg = h('svg:svg', {viewBox: `0 0 ${width} ${height}`, class: 'chart' + (compact ? ' spark' : ''), role: 'img', 'aria-label': summary, preserveAspectRatio: 'xMidYMid meet'});
  svg.append(h('svg:title', {}, summary));
  if (!pts.length) {
    svg.append(h('svg:text', {x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty'}, 'no measurement yet'));
    return svg;
  }
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 86400000);
  const vmax = Math.max(...pts.map(p => Math.max(p.v, p.target || 0))) * 1.15 || 1;
  // Points are plotted inside the axes, never on them: a first drill's one dot sat on
  // the corner (its time is the axis' start, and seconds against a target of minutes
  // are a hair above zero), where it read as part of the axis. The axes are drawn at
  // the plot's edge; the values map into an area inset from it.
  const r = compact ? 1.8 : 2.6, inset = r + (compact ? 1.5 : 4);
  const base = height - pad.b;
  const x = t => pad.l + inset + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r - 2 * inset);
  const y = v => base - inset - (v / vmax) * (base - pad.t - inset);
  if (!compact) {
    svg.append(
      h('svg:line', {x1: pad.l, y1: base, x2: width - pad.r, y2: base, class: 'axis-line'}),
      h('svg:line', {x1: pad.l, y1: pad.t, x2: pad.l, y2: base, class: 'axis-line'}),
      h('svg:text', {x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end', class: 'tick'}, dur(vmax / 1.15)),
      h('svg:text', {x: pad.l - 4, y: y(0), 'text-anchor': 'end', class: 'tick'}, '0'),
      h('svg:text', {x: pad.l, y: height - 6, class: 'tick'}, day(new Date(t0).toISOString())),
      h('svg:text', {x: width - pad.r, y: height - 6, 'text-anchor': 'end', class: 'tick'}, day(new Date(t1).toISOString())));
  }
  // The target, as it was at each run (a runbook's target may change).
  const withTarget = pts.filter(p => p.target > 0);
  if (withTarget.length) {
    let d = '';
    withTarget.forEach((p, i) => {
      d += (i ? ` H${x(p.t).toFixed(1)} V${y(p.target).toFixed(1)}` : `M${x(p.t).toFixed(1)} ${y(p.target).toFixed(1)}`);
    });
    d += ` H${x(t1).toFixed(1)}`;
    svg.append(h('svg:path', {d, class: 'target-line'}));
  }
  for (const p of pts) {
    if (!(p.v > 0)) continue;
    const missed = p.target > 0 && p.v > p.target;
    const c = h('svg:circle', {cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r, class: 'pt ' + (missed ? 'pt-missed' : 'pt-met') + (p.mode === 'live' ? ' pt-live' : '')});
    c.append(h('svg:title', {}, `${day(new Date(p.t).toISOString())} ${p.label || ''}: ${dur(p.v)}` + (p.target ? ` (target ${dur(p.target)}, ${missed ? 'missed' : 'met'})` : '')));
    svg.append(c);
  }
  return svg;
}
