// A run's recovery objectives as its record states them: the API's "rto" and "rpo"
// figures (workflows.Status.RTO and RPO, the same in a portfolio's history). Every view
// renders these fields as they are; none compares an actual with a target itself.

import {dur, ms} from './format.js';

// figureActual is the measured value ("0s" is a figure: no data lost), or "—".
export const figureActual = f => (f && f.measured ? dur(ms(f.actual)) : '—');

// figureTarget is the runbook's target, or "—" when it declares none.
export const figureTarget = f => (f && f.target ? dur(ms(f.target)) : '—');

// figureVerdict is "met", "missed", "no target" or "not measured".
export const figureVerdict = f => (f && f.verdict) || 'not measured';

// figureReason says why the figure was not measured; empty when it was.
export const figureReason = f => (f && !f.measured ? f.reason || '' : '');

// figureNote says what a measured figure runs from and to.
export const figureNote = f => (f && f.measured ? f.note || '' : '');

// judged reports whether the figure was measured against a target; met whether it met it.
export const judged = f => !!f && (f.verdict === 'met' || f.verdict === 'missed');
export const met = f => !!f && f.verdict === 'met';

// verdictState is the badge state for a verdict.
export const verdictState = f => ({met: 'succeeded', missed: 'failed'})[figureVerdict(f)] || 'none';
