// The auth gate's decision for one request, as Caddy's forward_auth forwards it. Pure: the clock and the failure
// counter come in as arguments. Order:
//   1. a valid session cookie passes (unless the URL carries ?token=, which a browser trades for a clean URL);
//   2. no credentials at all: 401 with the basic-auth prompt (not a failed attempt: browsers ask before they log in);
//   3. a client over the failure limit: 429, whatever it sends, so guessing stops even on the right guess;
//   4. ?token=, then Bearer, then basic auth: a browser opening ?token= gets a cookie and a redirect to the URL
//      without the token; anyone else is served and gets a cookie for the next request;
//   5. wrong credentials: one failed attempt, 401 (or served, when the cookie was valid anyway).
import { matchesDigest, sessionKey, sha256Hex, type AuthFile } from './auth-file';
import type { FailureLimiter } from './failure-limiter';
import { SESSION_HEADER } from './settings';
import { cookieValues, issueSession, renderSessionCookie, verifySession } from './session-cookie';

export interface ForwardedRequest {
  /** X-Forwarded-Method and X-Forwarded-Uri, as Caddy's forward_auth sets them. */
  method: string;
  uri: string;
  /** X-Forwarded-Proto: the session cookie is Secure on https. */
  scheme: string;
  client: string;
  cookie?: string;
  authorization?: string;
  accept?: string;
  secFetchDest?: string;
}

export interface AuthDecision {
  status: 200 | 302 | 401 | 429;
  headers: Record<string, string>;
  body: string;
}

const REALM = 'Basic realm="Vast instance", charset="UTF-8"';

function splitUri(uri: string): { path: string; query: string } {
  const q = uri.indexOf('?');
  return q < 0 ? { path: uri, query: '' } : { path: uri.slice(0, q), query: uri.slice(q + 1) };
}

function decodeName(part: string): string {
  const name = part.split('=')[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** The URI without its `token` parameters; the path keeps one leading slash so the redirect never leaves the host. */
export function withoutToken(uri: string): string {
  const { path, query } = splitUri(uri);
  const rest = query.split('&').filter((part) => part !== '' && decodeName(part) !== 'token');
  const safePath = `/${path.replace(/^[/\\]+/, '')}`;
  return rest.length ? `${safePath}?${rest.join('&')}` : safePath;
}

function queryToken(uri: string): string | null {
  const { query } = splitUri(uri);
  if (query === '') return null;
  try {
    return new URLSearchParams(query).get('token');
  } catch {
    return null;
  }
}

function basicCredentials(header: string): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function isDocumentRequest(request: ForwardedRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return request.secFetchDest === 'document' || (request.accept ?? '').includes('text/html');
}

function text(status: AuthDecision['status'], body: string, headers: Record<string, string> = {}): AuthDecision {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: `${body}\n` };
}

export function checkRequest(request: ForwardedRequest, auth: AuthFile, limiter: FailureLimiter, nowMs: number): AuthDecision {
  const key = sessionKey(auth);
  const nowSeconds = Math.floor(nowMs / 1000);
  const hasSession = cookieValues(request.cookie, auth.cookieName).some((value) => verifySession(key, value, nowSeconds));
  const token = queryToken(request.uri);
  const authorization = request.authorization?.trim() || null;
  const cookie = () => renderSessionCookie(auth.cookieName, issueSession(key, nowSeconds), request.scheme === 'https');

  if (hasSession && token === null) return text(200, 'ok');
  if (token === null && authorization === null) {
    return text(401, 'Log in: open the link with ?token=, send "Authorization: Bearer <token>", or give the username and password.', {
      'www-authenticate': REALM,
    });
  }
  const wait = limiter.retryAfter(request.client, nowMs);
  if (wait > 0) return text(429, `Too many failed logins from ${request.client}; try again in ${wait} s.`, { 'retry-after': String(wait) });

  let valid: boolean;
  if (token !== null) {
    valid = auth.tokenSha256 !== null && matchesDigest(token, auth.tokenSha256);
  } else if (/^Bearer\s/i.test(authorization as string)) {
    valid = auth.tokenSha256 !== null && matchesDigest((authorization as string).replace(/^Bearer\s+/i, ''), auth.tokenSha256);
  } else {
    const basic = basicCredentials(authorization as string);
    // Both compared, always: which one was wrong must not show in the time taken.
    const userOk = basic !== null && matchesDigest(basic.username, sha256Hex(auth.username));
    const passwordOk = basic !== null && matchesDigest(basic.password, auth.passwordSha256);
    valid = userOk && passwordOk;
  }

  if (valid) {
    if (token !== null && isDocumentRequest(request)) {
      return text(302, 'Logged in.', { location: withoutToken(request.uri), 'set-cookie': cookie() });
    }
    return text(200, 'ok', hasSession ? {} : { [SESSION_HEADER]: cookie() });
  }
  if (hasSession) return text(200, 'ok');
  limiter.recordFailure(request.client, nowMs);
  return text(401, 'Wrong token or password.', { 'www-authenticate': REALM });
}
