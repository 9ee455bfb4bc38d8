// What the tunnel manager reads from cloudflared's output. Pure.
//
// A quick tunnel (`cloudflared tunnel --url ...`) prints, on stderr, a box whose middle line holds its address:
//   2024-05-01T10:00:03Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                            |
// A named tunnel's ingress comes from its metrics server: GET http://<metrics>/config answers
//   {"version":N,"config":{"ingress":[{"hostname":"app.example.com","service":"http://localhost:8080"},{"service":"http_status:404"}]}}
// A named tunnel (`cloudflared tunnel run --token ...`, remotely managed) says how it is doing on stderr:
//   ... INF Registered tunnel connection connIndex=0 connection=28a5a3e6-... event=0 ip=198.41.200.193 location=ams08 protocol=http2
//   ... INF Updated to new configuration config="{\"ingress\":[{\"hostname\":\"app.example.com\", ...}]}" version=3
//   ... INF Unregistered tunnel connection connIndex=0 event=0 ip=198.41.200.193
//   ... ERR Serve tunnel error error="..." connIndex=0 event=0 ip=198.41.200.193
//   Provided Tunnel token is not valid.

/** Upstream's pattern for the quick-tunnel address. */
const QUICK_TUNNEL_URL = /https:\/\/\w+(?:-\w+)+\.trycloudflare\.com/;

export function findQuickTunnelUrl(line: string): string | null {
  return line.match(QUICK_TUNNEL_URL)?.[0] ?? null;
}

/** cloudflared's own `ERR` lines, for the reason a tunnel did not come up. */
export function findCloudflaredError(line: string): string | null {
  const match = line.match(/\bERR\s+(.*)$/);
  return match ? match[1].trim() : null;
}

export interface IngressRule {
  hostname: string;
  service: string;
}

/** The named tunnel's ingress rules that reach an HTTP service through a hostname (what upstream lists). */
export function parseIngress(body: unknown): IngressRule[] {
  const ingress = (body as { config?: { ingress?: unknown } })?.config?.ingress;
  if (!Array.isArray(ingress)) return [];
  return ingress
    .map((rule: { hostname?: unknown; service?: unknown }) => ({
      hostname: String(rule?.hostname ?? ''),
      service: String(rule?.service ?? ''),
    }))
    .filter((rule) => rule.hostname !== '' && rule.service.startsWith('http'));
}

/** The rule that targets `:<port>`, as upstream's per-port lookup picks it. */
export function ingressForPort(rules: readonly IngressRule[], port: number): IngressRule | null {
  return rules.find((rule) => rule.service.endsWith(`:${port}`)) ?? null;
}

/** What one line of a named tunnel's output says, or null for the lines that say nothing about its state. */
export type NamedTunnelEvent =
  | { kind: 'registered'; connIndex: number; location: string | null }
  | { kind: 'unregistered'; connIndex: number; error: string | null }
  | { kind: 'configuration'; version: number | null; ingress: IngressRule[] }
  | { kind: 'error'; message: string };

/** `key=value` or `key="quoted value"` out of one of cloudflared's log lines. */
function field(line: string, key: string): string | null {
  const match = line.match(new RegExp(`(?:^|\\s)${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|(\\S+))`));
  if (!match) return null;
  if (match[2] !== undefined) return match[2];
  try {
    return JSON.parse(`"${match[1]}"`) as string; // Go's %q quoting: JSON's escapes for what cloudflared prints
  } catch {
    return match[1];
  }
}

export function parseNamedTunnelLine(line: string): NamedTunnelEvent | null {
  const connIndex = Number(field(line, 'connIndex'));
  if (/\bRegistered tunnel connection\b/.test(line) && Number.isInteger(connIndex))
    return { kind: 'registered', connIndex, location: field(line, 'location') };
  if (/\b(?:Unregistered tunnel connection|Serve tunnel error|Connection terminated)\b/.test(line) && Number.isInteger(connIndex))
    return { kind: 'unregistered', connIndex, error: field(line, 'error') ?? findCloudflaredError(line) };
  if (/\bUpdated to new configuration\b/.test(line)) {
    const config = field(line, 'config');
    let parsed: unknown = null;
    try {
      parsed = config === null ? null : JSON.parse(config);
    } catch {
      parsed = null;
    }
    const version = Number(field(line, 'version'));
    return { kind: 'configuration', version: Number.isInteger(version) ? version : null, ingress: parseIngress({ config: parsed }) };
  }
  if (/Provided Tunnel token is not valid/.test(line)) return { kind: 'error', message: line.trim() };
  const error = findCloudflaredError(line);
  return error ? { kind: 'error', message: error } : null;
}

/** The named tunnel as its output tells it: `starting` until a connection registers, `exited` once the process ends. */
export interface NamedTunnelStatus {
  state: 'starting' | 'connected' | 'reconnecting' | 'exited';
  /** The edge connections now registered, by connIndex, with their location (`ams08`). */
  connections: Array<{ connIndex: number; location: string | null }>;
  /** The last error cloudflared printed. */
  error: string | null;
  /** The ingress of the last configuration it printed (the metrics server's /config is asked first). */
  ingress: IngressRule[] | null;
}

export const NAMED_TUNNEL_STARTING: NamedTunnelStatus = { state: 'starting', connections: [], error: null, ingress: null };

export function applyNamedTunnelEvent(status: NamedTunnelStatus, event: NamedTunnelEvent): NamedTunnelStatus {
  if (status.state === 'exited') return status;
  switch (event.kind) {
    case 'registered': {
      const connections = [
        ...status.connections.filter((c) => c.connIndex !== event.connIndex),
        { connIndex: event.connIndex, location: event.location },
      ].sort((a, b) => a.connIndex - b.connIndex);
      return { ...status, state: 'connected', connections };
    }
    case 'unregistered': {
      const connections = status.connections.filter((c) => c.connIndex !== event.connIndex);
      const state = connections.length ? 'connected' : status.state === 'starting' ? 'starting' : 'reconnecting';
      return { ...status, state, connections, error: event.error ?? status.error };
    }
    case 'configuration':
      return { ...status, ingress: event.ingress };
    case 'error':
      return { ...status, error: event.message };
  }
}

/** The process ended: no connection is left, and the reason is its last error or its exit. */
export function namedTunnelExited(status: NamedTunnelStatus, exit: string): NamedTunnelStatus {
  if (status.state === 'exited') return status;
  return { ...status, state: 'exited', connections: [], error: status.error ? `${status.error} (${exit})` : `cloudflared ${exit}` };
}
