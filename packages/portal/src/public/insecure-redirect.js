// @ts-check
// Upstream's insecure-context redirect (§2.10): a page on plain http (not a secure context: no clipboard, no service
// workers, and every application on it the same) moves to an https tunnel of the portal's own port: its named tunnel,
// else its quick tunnel once /portal-resolver proves it reaches this Caddy. `redir=false` in the address keeps the
// page where it is. Ours says where it goes and waits 5 s with a way to stay (docs/compatibility.md, "Instance Portal
// page"). Pure: the page gives it the facts.

/** Upstream waits this long before it moves the page. */
export const REDIRECT_DELAY_MS = 5000;
/** A quick tunnel must prove itself within this long. */
export const QUICK_TUNNEL_BUDGET_MS = 15_000;

/**
 * Whether to look for a tunnel at all.
 * @param {{ isSecureContext: boolean, search: string }} page
 */
export function wantsSecureRedirect({ isSecureContext, search }) {
  return !isSecureContext && new URLSearchParams(search).get('redir') !== 'false';
}

/**
 * Where to go: the named tunnel, else a live quick tunnel, else nowhere. The page's hash and the token it was opened
 * with go along (a tunnel is another origin: no session cookie there yet).
 * @param {{ namedTunnel: string | null, quickTunnel: string | null, quickTunnelLive: boolean, hash: string,
 *   token: string | null }} facts
 * @returns {{ url: string, via: 'named tunnel' | 'quick tunnel' } | null}
 */
export function planSecureRedirect({ namedTunnel, quickTunnel, quickTunnelLive, hash, token }) {
  /** @type {[string, 'named tunnel' | 'quick tunnel'] | null} */
  const pick = namedTunnel ? [namedTunnel, 'named tunnel'] : quickTunnel && quickTunnelLive ? [quickTunnel, 'quick tunnel'] : null;
  if (!pick) return null;
  const url = new URL('/', pick[0]);
  if (token) url.searchParams.set('token', token);
  url.hash = hash;
  return { url: url.toString(), via: pick[1] };
}
