// The bcdr API, called with the signed-in user's token, and the user's roles.

const KEY = 'bcdr.token';

export const session = {
  token: sessionStorage.getItem(KEY) || '',
  me: null, // GET /v1/whoami
};

export class APIError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

// api calls the API; it returns the decoded JSON, or the Response with raw.
export async function api(path, {method = 'GET', body, raw = false} = {}) {
  const headers = {Authorization: 'Bearer ' + session.token};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new APIError(0, 'the bcdr server does not answer: ' + e.message);
  }
  if (!res.ok) {
    let msg = res.status + ' ' + res.statusText, field;
    try {
      const e = await res.json();
      msg = e.error || msg;
      field = e.field;
    } catch (_) { /* not JSON */ }
    if (res.status === 401) signOut(false);
    throw new APIError(res.status, msg, field);
  }
  return raw ? res : res.json();
}

// signIn checks a token with GET /v1/whoami and keeps it for this browser tab only.
export async function signIn(token) {
  session.token = token.trim();
  session.me = await api('/v1/whoami');
  sessionStorage.setItem(KEY, session.token);
  return session.me;
}

export function signOut(go = true) {
  sessionStorage.removeItem(KEY);
  session.token = '';
  session.me = null;
  if (go) location.hash = '#/login';
  window.dispatchEvent(new Event('bcdr:signedout'));
}

// includes mirrors the API's role model: every role includes viewer, incident-commander
// includes operator, admin includes every role.
function includes(have, want) {
  return have === want || have === 'admin' || want === 'viewer' || (have === 'incident-commander' && want === 'operator');
}

// can says whether the user holds role on service ('' for runs of no service). It only
// decides what the page offers: the API decides what happens.
export function can(role, service) {
  const grants = (session.me && session.me.grants) || [];
  return grants.some(g => includes(g.role, role) && (!g.services || !g.services.length || g.services.includes(service || '')));
}

export function canAny(role) {
  const grants = (session.me && session.me.grants) || [];
  return grants.some(g => includes(g.role, role));
}

// download fetches an API file with the token and hands it to the browser as a file.
export async function download(path, filename) {
  const res = await api(path, {raw: true});
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return {size: blob.size, evidence: res.headers.get('X-Bcdr-Evidence'), check: res.headers.get('X-Bcdr-Evidence-Check')};
}
