// Renders /etc/Caddyfile: one site per proxied external port, each behind the cross-origin check and, unless excluded,
// the auth gate (forward_auth to portal-auth). Pure. Targets Debian bookworm's Caddy 2.6.2, which has forward_auth
// (2.5.1+) but no `uri query` (2.7+). Why forward_auth rather than Caddy's own matchers: a Caddyfile can compare a
// cookie or token only as a plain string, cannot count failed attempts, and must hold the secret to compare it;
// portal-auth does all three properly, and this file holds no secret.
import type { PortalEntry } from '@vast/conventions/portal-config';
import { CHECK_PATH, SESSION_HEADER } from '../auth/settings';

export interface CaddyfileOptions {
  auth: {
    enabled: boolean;
    excludedPorts: readonly number[];
    /** The session cookie portal-auth issues; stripped before a request reaches an application. */
    cookieName: string;
    /** host:port of portal-auth on loopback, which Caddy's forward_auth asks about every request. */
    gate: string;
  };
  /** Certificate and key paths, or null for plain HTTP. */
  tls: { cert: string; key: string } | null;
  compression: boolean;
}

/**
 * Paths browsers and crawlers fetch on their own. Caddy answers them itself with 404, on authenticated sites, so they
 * neither prompt for a login nor reach an application unauthenticated. Caddy's path matcher ignores case and cleans
 * the path first, so /MANIFEST.JSON and //manifest.json get the same 404; any other spelling goes through the gate.
 * No ACME challenge is ever pending here: certificates come from files (55-tls-cert-gen.sh), never from ACME.
 */
const ANSWERED_BY_CADDY = [
  '/.well-known/acme-challenge/*',
  '/.well-known/change-password',
  '/.well-known/security.txt',
  '/security.txt',
  '/manifest.json',
  '/manifest.webmanifest',
  '/site.webmanifest',
];

interface Site {
  externalPort: number;
  upstream: string;
  labels: string[];
}

/**
 * One site per external port that some entry proxies; validation made the backends of entries sharing a port equal.
 * A direct entry (external == internal) gets no site: either the application binds the port itself, or Caddy serves
 * that port for another entry and the direct one is a link into it (upstream's Jupyter Terminal) and is named there.
 */
function collectSites(entries: readonly PortalEntry[]): Site[] {
  const sites = new Map<number, Site>();
  for (const entry of entries) {
    if (entry.externalPort === entry.internalPort) continue;
    const site = sites.get(entry.externalPort);
    if (site) site.labels.push(entry.label);
    else
      sites.set(entry.externalPort, {
        externalPort: entry.externalPort,
        upstream: `${entry.hostname}:${entry.internalPort}`,
        labels: [entry.label],
      });
  }
  for (const entry of entries) {
    if (entry.externalPort === entry.internalPort) sites.get(entry.externalPort)?.labels.push(entry.label);
  }
  return [...sites.values()];
}

export interface UnauthenticatedPort {
  port: number;
  labels: string[];
  why: string;
}

/** Every external port reachable without logging in, and why: what portal-config logs at each start and smoke reports. */
export function listUnauthenticatedPorts(entries: readonly PortalEntry[], auth: CaddyfileOptions['auth']): UnauthenticatedPort[] {
  const sites = collectSites(entries);
  const served = new Set(sites.map((site) => site.externalPort));
  const direct = new Map<number, string[]>();
  for (const entry of entries) {
    if (entry.externalPort === entry.internalPort && !served.has(entry.externalPort))
      direct.set(entry.externalPort, [...(direct.get(entry.externalPort) ?? []), entry.label]);
  }
  const open: UnauthenticatedPort[] = [...direct].map(([port, labels]) => ({
    port,
    labels,
    why: 'direct entry (external port = internal port): the application listens there itself and Caddy does not gate it',
  }));
  for (const site of sites) {
    const why = whyUngated(site.externalPort, auth);
    if (why !== null) open.push({ port: site.externalPort, labels: site.labels, why });
  }
  return open.sort((a, b) => a.port - b.port);
}

/** Why Caddy serves this external port without the gate, or null when the gate guards it. */
function whyUngated(port: number, auth: CaddyfileOptions['auth']): string | null {
  if (!auth.enabled) return 'ENABLE_AUTH=false';
  if (auth.excludedPorts.includes(port)) return 'listed in AUTH_EXCLUDE';
  return null;
}

function indent(lines: string[], depth = 1): string[] {
  return lines.map((line) => (line === '' ? '' : '\t'.repeat(depth) + line));
}

function renderGlobalOptions(options: CaddyfileOptions): string[] {
  return [
    '{',
    // Changes go through a restart of the caddy program, which reruns portal-config; an admin API would only be an
    // unauthenticated way to rewrite the proxy from inside the instance (and would clash on :2019 in tests).
    '\tadmin off',
    // Followed logs are endless responses; without a bound, a restart of caddy waits until each browser goes away.
    '\tgrace_period 3s',
    // Errors log the request's URI, and with it a ?token= (docker logs and /var/log/portal/caddy.log are read by more
    // people than root). Caddy already leaves Cookie and Authorization out of its logs.
    '\tlog default {',
    '\t\toutput stderr',
    '\t\tformat filter {',
    '\t\t\twrap json',
    '\t\t\tfields {',
    '\t\t\t\trequest>uri query {',
    '\t\t\t\t\treplace token REDACTED',
    '\t\t\t\t}',
    '\t\t\t}',
    '\t\t}',
    '\t}',
    ...(options.tls
      ? [
          // One port serves both schemes: a plain http:// request is redirected to https:// instead of failing.
          '\tservers {',
          '\t\tlistener_wrappers {',
          '\t\t\thttp_redirect',
          '\t\t\ttls',
          '\t\t}',
          '\t}',
        ]
      : []),
    '}',
  ];
}

/** Go regular-expression escape, for a cookie name inside a Caddy header replacement. */
function regexpEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function renderProxy(upstream: string, authenticated: boolean, options: CaddyfileOptions): string[] {
  return [
    `reverse_proxy ${upstream} {`,
    // Applications such as Jupyter check Host against where they listen.
    '\theader_up Host {upstream_hostport}',
    '\theader_up X-Real-IP {remote_host}',
    // Cross-origin writes and upgrades were refused before (see @cross_origin). What passes is told it comes from the
    // application's own origin, as Host already is, so Jupyter and the like need no allow_origin=* (they compare the
    // two). A cross-origin read then looks same-origin to the application: it grants no CORS, the other page reads nothing.
    `\theader_up Origin ".+" "http://${upstream}"`,
    ...(authenticated
      ? [
          // The credentials are the gate's business: an application never sees the token, the password or the session.
          '\theader_up -Authorization',
          // Caddy 2.6 can only rewrite the Cookie header, not drop one cookie; this removes ours and keeps the others.
          `\theader_up Cookie "(^|;)\\s*${regexpEscape(options.auth.cookieName)}=[^;]*;?\\s*" "$1"`,
        ]
      : []),
    // Stream at once: log followers and notebooks use server-sent events and long polls.
    '\tflush_interval -1',
    '}',
  ];
}

/**
 * A request that changes state (any method but GET, HEAD and OPTIONS) or opens a WebSocket, sent by a page of another
 * origin. Browsers send the auth cookie to every port of a host (SameSite counts the site, not the port), so without
 * this a page on any other port of the instance's address could drive every application with the user's login.
 * Origin is compared with Host (both carry the port as the browser saw it, NAT or not); the scheme is left out
 * because a tunnel (https outside, http here) changes it without changing who sent the request.
 */
const CROSS_ORIGIN_MATCHER =
  '@cross_origin expression `{http.request.header.Origin} != ""' +
  ' && {http.request.header.Origin} != "http://" + {http.request.hostport}' +
  ' && {http.request.header.Origin} != "https://" + {http.request.hostport}' +
  ' && ({http.request.header.Upgrade} != "" || !({http.request.method} in ["GET", "HEAD", "OPTIONS"]))`';

const REFUSE_CROSS_ORIGIN = 'respond @cross_origin "Cross-origin request refused: open this application from its own address." 403';

/**
 * The gate, in order: cross-origin writes and upgrades are refused; the public files get Caddy's own 404; portal-auth
 * decides the rest (its 401, 302 or 429 goes back to the client as it is). When it lets a request in with a new
 * session, the cookie comes back in a request header and is set on the response; the token leaves the query string
 * before the request is proxied. If portal-auth is down, forward_auth fails and nothing is proxied (fail closed).
 */
function renderGatedRoute(site: Site, options: CaddyfileOptions): string[] {
  return [
    `@public path ${ANSWERED_BY_CADDY.join(' ')}`,
    `@new_session header_regexp ${SESSION_HEADER} .`,
    '@token_query query token=*',
    'route {',
    ...indent([
      REFUSE_CROSS_ORIGIN,
      'respond @public 404',
      // A client must not be able to set its own session header and have it echoed as a cookie.
      `request_header -${SESSION_HEADER}`,
      `forward_auth ${options.auth.gate} {`,
      `\turi ${CHECK_PATH}`,
      `\tcopy_headers ${SESSION_HEADER}`,
      '\theader_up X-Real-IP {remote_host}',
      // The gate answers a plain GET; an upgrade would be forwarded as one otherwise.
      '\theader_up -Upgrade',
      '\theader_up -Connection',
      // portal-auth restarting: wait a little rather than answer 502 at once.
      '\tlb_try_duration 5s',
      '}',
      `header @new_session Set-Cookie "{http.request.header.${SESSION_HEADER}}"`,
      `request_header -${SESSION_HEADER}`,
      // Caddy 2.6 has no `uri query -token`; these cover the token first, in the middle or last, and alone. The token
      // is unreserved characters only (credentials.ts), so its decoded value is what the raw query holds.
      'uri @token_query replace "token={query.token}&" ""',
      'uri @token_query replace "&token={query.token}" ""',
      'uri @token_query replace "token={query.token}" ""',
      ...renderProxy(site.upstream, true, options),
    ]),
    '}',
  ];
}

function renderSite(site: Site, options: CaddyfileOptions): string[] {
  // The same decision portal-config logs for each open port, so the log and the file cannot disagree.
  const authenticated = whyUngated(site.externalPort, options.auth) === null;
  const body: string[] = [];
  if (options.tls) body.push(`tls ${options.tls.cert} ${options.tls.key}`);
  // Event streams (live logs) skip compression: an encoder holds small writes back until its buffer fills, and
  // Caddy 2.6's zstd encoder does not flush them at all, so a browser (which offers zstd) would see nothing.
  if (options.compression) body.push('@compressible not header Accept *text/event-stream*', 'encode @compressible zstd gzip');
  body.push(CROSS_ORIGIN_MATCHER);
  if (authenticated) {
    body.push(...renderGatedRoute(site, options));
  } else {
    body.push('route {', ...indent([REFUSE_CROSS_ORIGIN, ...renderProxy(site.upstream, false, options)]), '}');
  }
  return [`# ${site.labels.join(', ')}${authenticated ? '' : ' (no authentication)'}`, `:${site.externalPort} {`, ...indent(body), '}'];
}

export function renderCaddyfile(entries: readonly PortalEntry[], options: CaddyfileOptions): string {
  const header = [
    '# Generated by portal-config (@vast/portal) at every start of the caddy service, from /etc/portal.yaml.',
    '# Edit /etc/portal.yaml (or PORTAL_CONFIG) and restart caddy instead of editing this file.',
  ];
  // No blank line between the header and the global block: that is how `caddy fmt` lays it out.
  const blocks = [[...header, ...renderGlobalOptions(options)], ...collectSites(entries).map((site) => renderSite(site, options))];
  return blocks.map((block) => block.join('\n')).join('\n\n') + '\n';
}
