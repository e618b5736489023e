// Formatting of times and durations. The API's durations are nanoseconds.

export const NS = 1e6; // nanoseconds per millisecond

// ms converts an API duration (nanoseconds) to milliseconds.
export const ms = ns => (ns || 0) / NS;

// dur formats milliseconds in bcdr's one human format, the one the CLI and the reports
// print (runbooks.FormatDuration): "850ms", "10.83s", "3m47s", "1h30m", "90d", rounded
// to milliseconds under a second, hundredths under a minute, seconds above.
export function dur(msec) {
  if (msec === null || msec === undefined || isNaN(msec)) return '—';
  if (msec < 0) return '-' + dur(-msec);
  let r = msec < 1000 ? Math.round(msec) : msec < 60000 ? Math.round(msec / 10) * 10 : Math.round(msec / 1000) * 1000;
  if (r === 0) return '0s';
  if (r < 1000) return r + 'ms';
  const d = Math.floor(r / 86400000); r -= d * 86400000;
  const hr = Math.floor(r / 3600000); r -= hr * 3600000;
  const m = Math.floor(r / 60000); r -= m * 60000;
  const s = Math.round(r / 10) / 100;
  const secs = s ? (Number.isInteger(s) ? String(s) : s.toFixed(2).replace(/0$/, '')) + 's' : '';
  return (d ? d + 'd' : '') + (hr ? hr + 'h' : '') + (m ? m + 'm' : '') + secs;
}

// elapsedMs is a run's clock at now (milliseconds since the epoch), by the rule of
// workflows.Status.ElapsedAt: from the clock start (the declared outage start, else the
// run's start) to the run's end, or to now while it runs; never negative.
export function elapsedMs(st, now) {
  const start = !zero(st.clockStart) ? st.clockStart : st.startedAt;
  if (zero(start)) return 0;
  const end = zero(st.endedAt) ? now : new Date(st.endedAt).getTime();
  return Math.max(0, end - new Date(start).getTime());
}

// decisionVerb words a decision as every surface does (workflows.Decision.Verb): in a
// tabletop people answer, whatever the step stands for; otherwise an approval step is
// approved or declined and a manual task completed.
export function decisionVerb(mode, uses, approve) {
  if (mode === 'tabletop') return 'answered';
  if (uses === 'approval') return approve ? 'approved' : 'declined';
  return 'completed';
}

// zero reports a Go zero time or a missing one.
export const zero = t => !t || t.startsWith('0001-01-01');

// when formats a time as "2026-11-22 15:04:05 UTC".
export function when(t) {
  if (zero(t)) return '—';
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

export function day(t) {
  return zero(t) ? '—' : new Date(t).toISOString().slice(0, 10);
}

// ago formats how long ago t was: "3 days ago", "in 12 days".
export function ago(t, now = Date.now()) {
  if (zero(t)) return 'never';
  const diff = now - new Date(t).getTime();
  const days = Math.round(Math.abs(diff) / 86400000);
  const text = days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : dur(Math.abs(diff));
  return diff >= 0 ? text + ' ago' : 'in ' + text;
}

// goDur formats a Go duration string ("2160h0m0s") in days when whole.
export function goDur(s) {
  const m = /^(\d+)h0m0s$/.exec(s || '');
  if (m && Number(m[1]) % 24 === 0) return Number(m[1]) / 24 + ' days';
  return s || '—';
}
