// api.js - every call to /api/v1 goes through here: the language header, the
// CSRF token on writes (the session rides on an HttpOnly cookie the page
// cannot read), an Idempotency-Key on POST so a retry from a weak mobile
// network creates nothing twice, and problem+json errors turned into an
// ApiError that pages can show. A 401 on any call but sign-in hands control
// to the app (back to the login page).
import { getLang, t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem; // RFC 9457: title, detail, code, errors[{field, code, message}], instance
  }
}

let csrf = null;
let onUnauthorized = null;

export function setCsrf(token) {
  csrf = token || null;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function idemKey() {
  // crypto.randomUUID needs a secure context; getRandomValues does not
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// api('GET', '/regions/33') → parsed JSON; throws ApiError.
// opts.login: a sign-in attempt, whose 401 is the answer, not an expiry.
export async function api(method, path, body, opts = {}) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': getLang() === 'en' ? 'en' : 'zh-CN',
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  if (method === 'POST' && !opts.login) headers['Idempotency-Key'] = idemKey();
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { title: t('error.network'), detail: t('error.network_detail') });
  }
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;
  const problem =
    data && typeof data === 'object'
      ? data
      : { title: t('error.http', { status: res.status }), status: res.status };
  const err = new ApiError(res.status, problem);
  if (res.status === 401 && !opts.login && onUnauthorized) onUnauthorized(err);
  throw err;
}
