import { describe, expect, it } from 'vitest';
import { sessionKey, sha256Hex, type AuthFile } from './auth-file';
import { checkRequest, withoutToken, type ForwardedRequest } from './check-request';
import { createFailureLimiter } from './failure-limiter';
import { issueSession, SESSION_SECONDS, verifySession } from './session-cookie';

const TOKEN = 'tok3n-0123456789abcdef';
const PASSWORD = 'pass-word-0123456789';
const AUTH: AuthFile = {
  version: 1,
  username: 'vastai',
  tokenSha256: sha256Hex(TOKEN),
  passwordSha256: sha256Hex(PASSWORD),
  cookieName: 'C.7_auth_token',
  sessionSecret: 'ab'.repeat(32),
};
const NOW = 1_800_000_000_000;

const request = (over: Partial<ForwardedRequest> = {}): ForwardedRequest => ({
  method: 'GET',
  uri: '/',
  scheme: 'http',
  client: '203.0.113.9',
  ...over,
});
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const check = (over: Partial<ForwardedRequest> = {}, limiter = createFailureLimiter(), now = NOW) =>
  checkRequest(request(over), AUTH, limiter, now);
const sessionOf = (setCookie: string | undefined) => /^C\.7_auth_token=([^;]+);/.exec(setCookie ?? '')?.[1];

describe('checkRequest', () => {
  it('asks for a login (401, basic prompt) when nothing is presented', () => {
    const decision = check();
    expect(decision.status).toBe(401);
    expect(decision.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  it('trades ?token= in a browser for a session cookie and the URL without the token', () => {
    const decision = check({ uri: `/lab?a=1&token=${TOKEN}&b=2`, secFetchDest: 'document' });
    expect(decision.status).toBe(302);
    expect(decision.headers.location).toBe('/lab?a=1&b=2');
    const session = sessionOf(decision.headers['set-cookie']);
    expect(session).toBeDefined();
    expect(session).not.toContain(TOKEN);
    expect(session).not.toContain(PASSWORD);
    expect(decision.headers['set-cookie']).toMatch(/; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
    expect(check({ cookie: `other=1; C.7_auth_token=${session}` }).status).toBe(200);
  });

  it('marks the cookie Secure on https', () => {
    expect(check({ uri: `/?token=${TOKEN}`, accept: 'text/html', scheme: 'https' }).headers['set-cookie']).toMatch(/; Secure$/);
  });

  it('serves an API client with ?token= or Bearer and hands it a session for the next request', () => {
    const byQuery = check({ uri: `/api/status?token=${TOKEN}` });
    expect(byQuery.status).toBe(200);
    expect(sessionOf(byQuery.headers['X-Portal-Session'])).toBeDefined();
    expect(check({ authorization: `Bearer ${TOKEN}` }).status).toBe(200);
  });

  it('serves basic auth with the username and password', () => {
    expect(check({ authorization: basic('vastai', PASSWORD) }).status).toBe(200);
    expect(check({ authorization: basic('root', PASSWORD) }).status).toBe(401);
    expect(check({ authorization: basic('vastai', TOKEN) }).status).toBe(401);
  });

  it('refuses a forged, tampered or expired session', () => {
    const key = sessionKey(AUTH);
    const session = issueSession(key, NOW / 1000);
    expect(verifySession(key, session, NOW / 1000)).toBe(true);
    expect(check({ cookie: `C.7_auth_token=${TOKEN}` }).status).toBe(401);
    expect(check({ cookie: `C.7_auth_token=${session.slice(0, -2)}AA` }).status).toBe(401);
    expect(check({ cookie: `C.7_auth_token=${Number(session.split('.')[0]) + 1}.${session.split('.')[1]}` }).status).toBe(401);
    expect(check({ cookie: `C.7_auth_token=${session}` }, undefined, NOW + (SESSION_SECONDS + 1) * 1000).status).toBe(401);
    // A session made under other credentials does not carry over.
    const other = issueSession(sessionKey({ ...AUTH, passwordSha256: sha256Hex('another-password-16') }), NOW / 1000);
    expect(check({ cookie: `C.7_auth_token=${other}` }).status).toBe(401);
  });

  it('limits failed attempts per client: the 11th within a minute is refused with 429, even with the right token', () => {
    const limiter = createFailureLimiter();
    const statuses = Array.from({ length: 12 }, (_, i) => check({ authorization: `Bearer wrong-${i}` }, limiter, NOW + i).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const limited = check({ authorization: `Bearer ${TOKEN}` }, limiter, NOW + 20);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(check({ authorization: `Bearer ${TOKEN}`, client: '198.51.100.1' }, limiter, NOW + 20).status).toBe(200);
    expect(check({ authorization: `Bearer ${TOKEN}` }, limiter, NOW + 61_000).status).toBe(200);
  });

  it('does not count a request without credentials as a failed attempt', () => {
    const limiter = createFailureLimiter();
    for (let i = 0; i < 20; i++) check({}, limiter);
    expect(check({ authorization: `Bearer ${TOKEN}` }, limiter).status).toBe(200);
  });

  it('keeps token logins off when the auth file says so', () => {
    const decision = checkRequest(
      request({ authorization: `Bearer ${TOKEN}` }),
      { ...AUTH, tokenSha256: null },
      createFailureLimiter(),
      NOW,
    );
    expect(decision.status).toBe(401);
  });
});

describe('withoutToken', () => {
  it('drops every token parameter and keeps the rest as sent', () => {
    expect(withoutToken('/?token=x')).toBe('/');
    expect(withoutToken('/a/b?x=%20y&token=t&token=u&z')).toBe('/a/b?x=%20y&z');
  });

  it('never redirects off the host', () => {
    expect(withoutToken('//evil.example/x?token=t')).toBe('/evil.example/x');
    expect(withoutToken('/\\evil.example?token=t')).toBe('/evil.example');
  });
});
