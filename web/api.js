// api.js - every call to /api/v1 goes through here: the language header, the
// CSRF token on writes (the session rides on an HttpOnly cookie the page
// cannot read), an Idempotency-Key on POST so a retry from a weak mobile
// network creates nothing twice, and problem+json errors turned into an
// ApiError that pages can show. A 401 on any call but sign-in hands control
// to the app (back to the login page).
import { getLang, t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem, etag = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem; // RFC 9457: title, detail, code, errors[{field, code, message}], instance
    this.etag = etag; // a 409/412 names the record's current version
  }
}

// ETag "7" → 7 (null when absent or not a version)
export function etagVersion(etag) {
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag || '');
  return m ? Number(m[1]) : null;
}

let csrf = null;
let onUnauthorized = null;

export function setCsrf(token) {
  csrf = token || null;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function idemKey() {
  // crypto.randomUUID needs a secure context; getRandomValues does not
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function langHeader() {
  return getLang() === 'en' ? 'en' : 'zh-CN';
}

// api('GET', '/regions/33') → parsed JSON; throws ApiError.
// opts.login: a sign-in attempt, whose 401 is the answer, not an expiry.
// opts.headers: extra headers (If-Match); opts.raw: {data, type} sends bytes
// (a spreadsheet) instead of JSON; opts.key: the Idempotency-Key, when the
// caller retries the same request after a network failure.
export async function api(method, path, body, opts = {}) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': langHeader(),
    ...(opts.headers || {}),
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.raw) headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  if (method === 'POST' && !opts.login) headers['Idempotency-Key'] = opts.key || idemKey();
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: opts.raw ? opts.raw.data : body === undefined ? undefined : JSON.stringify(body),
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
  const err = new ApiError(res.status, problem, res.headers.get('ETag'));
  if (res.status === 401 && !opts.login && onUnauthorized) onUnauthorized(err);
  throw err;
}

// A file from the API (CSV, XLSX) saved under the server's file name. Fetched
// here rather than followed as a plain link so that it comes in the page's
// language (Accept-Language) and a refusal shows as a message, not as a page
// of JSON. Throws ApiError.
export async function download(path) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      headers: { 'Accept-Language': langHeader() },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { title: t('error.network'), detail: t('error.network_detail') });
  }
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      problem = { title: t('error.http', { status: res.status }), status: res.status };
    }
    const err = new ApiError(res.status, problem);
    if (res.status === 401 && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  const blob = await res.blob();
  const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
  const name = m ? m[1] : path.split('?')[0].split('/').pop();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { name, size: blob.size };
}
