// /etc/portal-auth.json: what the auth gate checks, written by portal-config (0600) and read by portal-auth.
// Pure: building, rendering and parsing only. The secrets themselves are not in it, only their SHA-256 digests.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface AuthFile {
  version: 1;
  username: string;
  /** SHA-256 (hex) of the token that `?token=` and `Authorization: Bearer` carry; null when token logins are off. */
  tokenSha256: string | null;
  /** SHA-256 (hex) of the basic-auth password. */
  passwordSha256: string;
  cookieName: string;
  /** Random, SESSION_SECRET_BYTES as hex, kept across restarts so a restart of caddy does not log everyone out. */
  sessionSecret: string;
}

export const SESSION_SECRET_BYTES = 32;

const HEX64 = /^[0-9a-f]{64}$/;

/** The one digest of a secret: what the writer stores and what the gate compares a candidate against. */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function sha256Hex(text: string): string {
  return sha256(text).toString('hex');
}

/**
 * Whether `candidate` hashes to `digestHex`, in time that does not depend on where they differ: both sides are
 * 32-byte digests, so timingSafeEqual also hides the candidate's length.
 */
export function matchesDigest(candidate: string, digestHex: string): boolean {
  return timingSafeEqual(sha256(candidate), Buffer.from(digestHex, 'hex'));
}

/**
 * The file for these credentials: their digests, never the secrets. `sessionSecret` is the previous file's when it
 * had one, so a restart of caddy keeps every session whose credentials did not change (sessionKey mixes them in).
 */
export function createAuthFile(
  credentials: { username: string; token: string | null; password: string },
  cookieName: string,
  sessionSecret: string,
): AuthFile {
  return {
    version: 1,
    username: credentials.username,
    tokenSha256: credentials.token === null ? null : sha256Hex(credentials.token),
    passwordSha256: sha256Hex(credentials.password),
    cookieName,
    sessionSecret,
  };
}

/**
 * The key session cookies are signed with. It mixes in the credentials, so changing OPEN_BUTTON_TOKEN,
 * WEB_PASSWORD or WEB_USERNAME ends every session made with the old ones.
 */
export function sessionKey(file: AuthFile): Buffer {
  return createHmac('sha256', Buffer.from(file.sessionSecret, 'hex'))
    .update(`portal-session-v1\n${file.username}\n${file.tokenSha256 ?? ''}\n${file.passwordSha256}`)
    .digest();
}

export function renderAuthFile(file: AuthFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function parseAuthFile(text: string, path: string): { ok: true; file: AuthFile } | { ok: false; error: string } {
  const bad = (what: string) => ({
    ok: false as const,
    error: `${path}: ${what}. Restart the caddy service to rewrite it (supervisorctl restart caddy).`,
  });
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return bad('is not JSON');
  }
  if (data === null || typeof data !== 'object' || data.version !== 1) return bad('has no "version": 1');
  const { username, tokenSha256, passwordSha256, cookieName, sessionSecret } = data;
  if (typeof username !== 'string' || username === '') return bad('"username" is missing');
  if (tokenSha256 !== null && !(typeof tokenSha256 === 'string' && HEX64.test(tokenSha256)))
    return bad('"tokenSha256" is neither null nor a SHA-256 hex digest');
  if (typeof passwordSha256 !== 'string' || !HEX64.test(passwordSha256)) return bad('"passwordSha256" is not a SHA-256 hex digest');
  if (typeof cookieName !== 'string' || !/^[A-Za-z0-9._-]+$/.test(cookieName)) return bad('"cookieName" is not a cookie name');
  if (typeof sessionSecret !== 'string' || !HEX64.test(sessionSecret))
    return bad(`"sessionSecret" is not ${SESSION_SECRET_BYTES} bytes of hex`);
  return { ok: true, file: { version: 1, username, tokenSha256, passwordSha256, cookieName, sessionSecret } };
}
