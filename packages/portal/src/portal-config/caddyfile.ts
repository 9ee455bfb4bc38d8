// Renders /etc/Caddyfile: one site per proxied external port, with the token / cookie / bearer / basic-auth gate.
// Pure. Targets Debian bookworm's Caddy 2.6.2: `basicauth` (basic_auth is 2.8+) and no `uri query` (2.7+).
import type { PortalEntry } from '@vast/conventions/portal-config';

export interface CaddyfileOptions {
  auth: {
    enabled: boolean;
    excludedPorts: readonly number[];
    username: string;
    /** bcrypt hash of the password ($2a$/$2b$), as basicauth takes it. */
    passwordHash: string;
    /** Token for ?token=, the cookie and Bearer; null turns those off (basic auth only). */
    token: string | null;
    cookieName: string;
  };
  /** Certificate and key paths, or null for plain HTTP. */
  tls: { cert: string; key: string } | null;
  compression: boolean;
}

/** Paths any client may fetch without credentials: ACME challenges and the files browsers fetch on their own. */
const PUBLIC_PATHS = [
  '/.well-known/acme-challenge/*',
  '/.well-known/security.txt',
  '/security.txt',
  '/manifest.json',
  '/manifest.webmanifest',
  '/site.webmanifest',
];

/** Seven days, as Vast's own portal keeps the login. */
const COOKIE_MAX_AGE = 604800;

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
    else sites.set(entry.externalPort, { externalPort: entry.externalPort, upstream: `${entry.hostname}:${entry.internalPort}`, labels: [entry.label] });
  }
  for (const entry of entries) {
    if (entry.externalPort === entry.internalPort) sites.get(entry.externalPort)?.labels.push(entry.label);
  }
  return [...sites.values()];
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

function renderProxy(upstream: string): string[] {
  return [
    `reverse_proxy ${upstream} {`,
    // Applications such as Jupyter check Host against where they listen.
    '\theader_up Host {upstream_hostport}',
    '\theader_up X-Real-IP {remote_host}',
    // Stream at once: log followers and notebooks use server-sent events and long polls.
    '\tflush_interval -1',
    '}',
  ];
}

function renderCookie(options: CaddyfileOptions, token: string): string {
  const secure = options.tls ? '; Secure' : '';
  return `"${options.auth.cookieName}=${token}; Path=/; Max-Age=${COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure}"`;
}

/**
 * The gate, in order: public paths pass; a browser opening `?token=` gets the cookie and a redirect to the same URL
 * without the token (so it leaves the address bar); an API client with `?token=` gets the cookie and is served;
 * the cookie or `Authorization: Bearer` pass; everything else must pass basic auth (401 otherwise) and then gets
 * the cookie, so the password is checked once rather than on every request.
 */
function renderAuthGate(options: CaddyfileOptions): string[] {
  const { token, username, passwordHash } = options.auth;
  const lines: string[] = [
    '@public {',
    '\tmethod GET HEAD',
    `\tpath ${PUBLIC_PATHS.join(' ')}`,
    '}',
  ];
  if (token !== null) {
    lines.push(
      '@token_browser {',
      `\tquery token=${token}`,
      '\texpression `{header.Sec-Fetch-Dest} == "document" || {header.Accept}.contains("text/html")`',
      '}',
      `@token query token=${token}`,
      `@cookie header Cookie *${options.auth.cookieName}=${token}*`,
      `@bearer header Authorization "Bearer ${token}"`,
    );
  }
  lines.push('@needs_login not vars {vars.portal_authenticated} yes', 'route {', '\tvars @public portal_authenticated yes');
  if (token !== null) {
    const stripToken = [
      // Caddy 2.6 has no `uri query -token`; these three cover the token first, in the middle or last, and alone.
      `uri replace "token=${token}&" ""`,
      `uri replace "&token=${token}" ""`,
      `uri replace "token=${token}" ""`,
    ];
    lines.push(
      ...indent([
        'route @token_browser {',
        `\theader Set-Cookie ${renderCookie(options, token)}`,
        ...indent(stripToken),
        '\tredir * {uri} 302',
        '}',
        // Matchers are evaluated when a handler runs, so mark the request before the token is stripped from it.
        'vars @token portal_authenticated yes',
        'vars @cookie portal_authenticated yes',
        'vars @bearer portal_authenticated yes',
        'route @token {',
        `\theader Set-Cookie ${renderCookie(options, token)}`,
        ...indent(stripToken),
        '}',
      ]),
    );
  }
  lines.push('\tbasicauth @needs_login {', `\t\t${username} ${passwordHash}`, '\t}');
  if (token !== null) lines.push(`\theader @needs_login Set-Cookie ${renderCookie(options, token)}`);
  return lines;
}

function renderSite(site: Site, options: CaddyfileOptions): string[] {
  const authenticated = options.auth.enabled && !options.auth.excludedPorts.includes(site.externalPort);
  const body: string[] = [];
  if (options.tls) body.push(`tls ${options.tls.cert} ${options.tls.key}`);
  // Event streams (live logs) skip compression: an encoder holds small writes back until its buffer fills, and
  // Caddy 2.6's zstd encoder does not flush them at all, so a browser (which offers zstd) would see nothing.
  if (options.compression) body.push('@compressible not header Accept *text/event-stream*', 'encode @compressible zstd gzip');
  if (authenticated) {
    body.push(...renderAuthGate(options), ...indent(renderProxy(site.upstream)), '}');
  } else {
    body.push(...renderProxy(site.upstream));
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
