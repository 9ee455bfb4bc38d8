// GET /api/tunnels: every tunnel of the instance in one list for the Tunnels page, both kinds upstream's tunnel
// manager serves: the quick tunnels (`/get-all-quick-tunnels`) and the named tunnel's ingress (`/get-named-tunnels`,
// the default tunnel of CF_TUNNEL_TOKEN), each with its state. Pure: the route gathers the facts.
import type { IngressRule, NamedTunnelStatus } from './cloudflared-output';

export interface TunnelRow {
  kind: 'quick' | 'named';
  /** The public hostname (`name.trycloudflare.com`, or the named tunnel's ingress hostname). */
  hostname: string;
  tunnelUrl: string;
  /** What the tunnel reaches: a quick tunnel's target as given, a named tunnel's ingress service. */
  targetUrl: string;
  /**
   * A quick tunnel is `running` once cloudflared printed its address (the page then asks /portal-resolver whether it
   * is live); a named tunnel has its connector's state (`starting`, `connected`, `reconnecting`, `exited`).
   */
  state: string;
}

export interface TunnelList {
  /** Why there are no tunnels at all (cloudflared missing), else null. */
  unavailable: string | null;
  /** The named tunnel's connector, or null when CF_TUNNEL_TOKEN is not set. */
  named: { state: NamedTunnelStatus['state']; connections: number; locations: string[]; error: string | null } | null;
  tunnels: TunnelRow[];
}

export function describeTunnels(facts: {
  unavailable: string | null;
  quick: ReadonlyArray<{ targetUrl: string; tunnelUrl: string }>;
  /** The ingress from the metrics server's /config (upstream's source), or null when it did not answer. */
  namedIngress: readonly IngressRule[] | null;
  namedStatus: NamedTunnelStatus | null;
}): TunnelList {
  const { namedStatus } = facts;
  // The metrics server first, as upstream reads it; else the configuration cloudflared last printed.
  const ingress = facts.namedIngress ?? namedStatus?.ingress ?? [];
  const named: TunnelRow[] = namedStatus
    ? ingress.map((rule) => ({
        kind: 'named',
        hostname: rule.hostname,
        tunnelUrl: `https://${rule.hostname}`,
        targetUrl: rule.service,
        state: namedStatus.state,
      }))
    : [];
  const quick: TunnelRow[] = facts.quick.map((t) => ({
    kind: 'quick',
    hostname: new URL(t.tunnelUrl).hostname,
    tunnelUrl: t.tunnelUrl,
    targetUrl: t.targetUrl,
    state: 'running',
  }));
  return {
    unavailable: facts.unavailable,
    named: namedStatus && {
      state: namedStatus.state,
      connections: namedStatus.connections.length,
      locations: namedStatus.connections.map((c) => c.location).filter((l): l is string => l !== null),
      error: namedStatus.error,
    },
    tunnels: [...named, ...quick],
  };
}
