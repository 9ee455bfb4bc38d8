// @ts-check
// Where "Launch Application" goes (upstream §2.10): the first available of an active named tunnel, the direct URL
// when direct HTTPS works, an active quick tunnel, then the direct URL. Pure; the page gathers the addresses.

/** The portal's own external port: a direct link to it says `redir=false`, so the page does not send you on again. */
export const PORTAL_PORT = 1111;

/**
 * @param {{ namedTunnel: string | null, quickTunnel: string | null, directUrl: string, directHttps: boolean,
 *   externalPort: number, path: string, token: string | null }} options
 * @returns {{ url: string, via: 'named tunnel' | 'direct' | 'quick tunnel' }}
 */
export function chooseLaunchUrl({ namedTunnel, quickTunnel, directUrl, directHttps, externalPort, path, token }) {
  /** @type {[string, 'named tunnel' | 'direct' | 'quick tunnel']} */
  const [base, via] = namedTunnel
    ? [namedTunnel, 'named tunnel']
    : directHttps
      ? [directUrl, 'direct']
      : quickTunnel
        ? [quickTunnel, 'quick tunnel']
        : [directUrl, 'direct'];
  const url = new URL(base);
  // A tunnel URL is bare (https://name.trycloudflare.com); the application's path goes on it. A direct URL built
  // by the page already carries the path.
  if (via !== 'direct' || url.pathname === '/') url.pathname = path;
  if (token) url.searchParams.set('token', token);
  if (via === 'direct' && externalPort === PORTAL_PORT) url.searchParams.set('redir', 'false');
  return { url: url.toString(), via };
}

/**
 * Whether Launch Application must wait for the application's tunnel addresses: the page is shown as soon as the
 * applications are known, and until their tunnels are (or the wait is over, or there are no tunnels), launching could
 * pick the direct address where upstream's order would pick a tunnel.
 * @param {{ known: boolean, settled: boolean, tunnelsUnavailable: boolean }} facts
 */
export function launchPending({ known, settled, tunnelsUnavailable }) {
  return !known && !settled && !tunnelsUnavailable;
}
