// @ts-check
// The Supervisor page's rules (upstream §2.10): programs sorted running or starting first, then failed, then the
// rest; the page's routes, without Supervisor when the portal does not run in a container. Pure.

/** @param {string} state one of the portal's process states (running, starting, failed, stopped, ...) */
function rank(state) {
  if (state === 'running' || state === 'starting') return 0;
  if (state === 'failed') return 1; // supervisor's FATAL and BACKOFF
  return 2;
}

/**
 * Upstream's order; within a group, by name (supervisor lists them so).
 * @template {{ name: string, state: string }} P
 * @param {readonly P[]} processes
 * @returns {P[]}
 */
export function sortProcesses(processes) {
  return [...processes].sort((a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name));
}

export const ROUTES = [
  { route: 'apps', title: 'Applications' },
  { route: 'tunnels', title: 'Tunnels' },
  { route: 'services', title: 'Supervisor' },
  { route: 'logs', title: 'Logs' },
  { route: 'tools', title: 'Tools & Help' },
];

/**
 * The routes the page offers: on a host (environment "host") supervisor is not the portal's to drive, so upstream
 * hides Supervisor, and the route falls back to Applications. Until the environment is known, all of them.
 * @param {string | null | undefined} environment
 */
export function visibleRoutes(environment) {
  return ROUTES.filter((r) => r.route !== 'services' || !environment || environment === 'container');
}
