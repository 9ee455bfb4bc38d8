// What the tunnel manager reads from cloudflared's output. Pure.
//
// A quick tunnel (`cloudflared tunnel --url ...`) prints, on stderr, a box whose middle line holds its address:
//   2024-05-01T10:00:03Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                            |
// A named tunnel's ingress comes from its metrics server: GET http://<metrics>/config answers
//   {"version":N,"config":{"ingress":[{"hostname":"app.example.com","service":"http://localhost:8080"},{"service":"http_status:404"}]}}

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
