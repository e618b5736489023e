// Formatting of times and durations. The API's durations are nanoseconds.

export const NS = 1e6; // nanoseconds per millisecond

// ms converts an API duration (nanoseconds) to milliseconds.
export const ms = ns => (ns || 0) / NS;

// dur formats milliseconds: "850ms", "42s", "3m 05s", "1h 02m", "3d 4h".
export function dur(msec) {
  if (msec === null || msec === undefined || isNaN(msec)) return '—';
  const neg = msec < 0 ? '-' : '';
  msec = Math.abs(msec);
  if (msec < 1000) return neg + Math.round(msec) + 'ms';
  if (msec < 10000) return neg + (msec / 1000).toFixed(1).replace(/\.0$/, '') + 's';
  let s = Math.floor(msec / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hr = Math.floor(s / 3600); s -= hr * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const p = n => String(n).padStart(2, '0');
  if (d) return `${neg}${d}d ${hr}h`;
  if (hr) return `${neg}${hr}h ${p(m)}m`;
  if (m) return `${neg}${m}m ${p(s)}s`;
  return `${neg}${s}s`;
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
