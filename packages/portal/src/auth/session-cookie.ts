// The session cookie: `<expiry>.<HMAC-SHA256(key, expiry)>`. It proves a login happened without carrying the token or
// the password, so a cookie seen by a backend, a log or another tenant's page gives away no credential.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seven days, as Vast's own portal keeps the login. */
export const SESSION_SECONDS = 604800;

const SESSION = /^([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/;

function mac(key: Buffer, expiry: string): Buffer {
  return createHmac('sha256', key).update(`session\n${expiry}`).digest();
}

/** A session valid until `nowSeconds + SESSION_SECONDS`. */
export function issueSession(key: Buffer, nowSeconds: number): string {
  const expiry = String(Math.floor(nowSeconds) + SESSION_SECONDS);
  return `${expiry}.${mac(key, expiry).toString('base64url')}`;
}

export function verifySession(key: Buffer, value: string, nowSeconds: number): boolean {
  const match = SESSION.exec(value);
  if (!match) return false;
  const valid = timingSafeEqual(mac(key, match[1]), Buffer.from(match[2], 'base64url'));
  return valid && Number(match[1]) > nowSeconds;
}

/** Every value the Cookie header carries under `name` (a browser may send several, from different paths). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header.split(';').flatMap((part) => {
    const eq = part.indexOf('=');
    return eq > 0 && part.slice(0, eq).trim() === name ? [part.slice(eq + 1).trim()] : [];
  });
}

export function renderSessionCookie(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
