// Reads the portal-config environment into normalised settings once, so later code never sees raw strings or undefined.
// Pure: takes the environment as an argument.
import { NOT_READY_DIR, PORTAL_YAML, TLS_CERT, TLS_KEY } from '@vast/conventions/runtime-contract';
import { readAuthSettings, type NormalizedAuthSettings } from '../auth/settings';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface NormalizedPortalConfigSettings {
  portalConfig: string;
  /** Where the files live; the PORTAL_*_PATH overrides exist for tests, the image uses the defaults. */
  paths: {
    portalYaml: string;
    caddyfile: string;
    tlsCert: string;
    tlsKey: string;
    authFile: string;
    credentialsFile: string;
    /** The dir holding the not-ready page (502.html), which Caddy serves while an application starts. */
    notReadyDir: string;
  };
  /** host:port of portal-auth, which the Caddyfile's forward_auth asks. */
  authGate: string;
  authEnabled: boolean;
  /** External ports served without authentication (AUTH_EXCLUDE). */
  authExcludedPorts: number[];
  username: string;
  /** OPEN_BUTTON_TOKEN and WEB_PASSWORD as given (trimmed), before they default to each other. */
  openButtonToken: string | undefined;
  webPassword: string | undefined;
  /** The session cookie portal-auth issues: `<VAST_CONTAINERLABEL>_auth_token`, as on Vast (its value is no secret now). */
  cookieName: string;
  httpsRequested: boolean;
  compression: boolean;
  /**
   * External ports the platform maps (`VAST_TCP_PORT_<n>` non-empty), which alone get a site, as upstream gates them;
   * null when no port is mapped at all: not on Vast (`docker run -p`, npm run stack, tests), where every entry gets one.
   */
  mappedPorts: number[] | null;
  /** CADDY_HEADER_UP_LOCALHOST: `all` (true), or the internal ports whose proxy sends Host/Origin localhost:<port>. */
  headerUpLocalhost: 'all' | number[];
  /** CADDY_FLUSH_INTERVAL, as Caddy's reverse_proxy takes it (default -1: flush at once, for streams). */
  flushInterval: string;
  /** CADDY_CORS_ALLOWED_ORIGINS (and methods, headers): added to authenticated sites' responses; null when unset. */
  cors: { origins: string; methods: string; headers: string } | null;
}

export type SettingsResult = { ok: true; settings: NormalizedPortalConfigSettings } | { ok: false; errors: string[] };

/** Characters a browser's login prompt and the basic-auth header both carry without quoting. */
const USERNAME = /^[A-Za-z0-9._@-]+$/;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function isFalse(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'false';
}

export function readPortalConfigSettings(env: Environment): SettingsResult {
  const errors: string[] = [];

  const username = nonEmpty(env.WEB_USERNAME) ?? 'vastai';
  if (!USERNAME.test(username)) {
    errors.push(
      `WEB_USERNAME: ${JSON.stringify(username)} has characters a login name cannot carry here. Use letters, digits, '.', '_', '@' or '-'.`,
    );
  }

  const authExcludedPorts: number[] = [];
  for (const item of (env.AUTH_EXCLUDE ?? '').split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const port = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      errors.push(`AUTH_EXCLUDE: ${JSON.stringify(text)} is not a port. List external ports separated by commas, e.g. 8080,8384.`);
      continue;
    }
    authExcludedPorts.push(port);
  }

  const headerUpLocalhost = readHeaderUpLocalhost(env.CADDY_HEADER_UP_LOCALHOST, errors);
  const flushInterval = nonEmpty(env.CADDY_FLUSH_INTERVAL) ?? '-1';
  if (!GO_DURATION.test(flushInterval)) {
    errors.push(
      `CADDY_FLUSH_INTERVAL: ${JSON.stringify(flushInterval)} is not a duration Caddy's flush_interval takes. Use -1 (flush at once), 0, or a duration such as 100ms or 1s.`,
    );
  }
  const cors = readCors(env, errors);

  let auth: NormalizedAuthSettings | undefined;
  try {
    auth = readAuthSettings(env);
  } catch (error) {
    errors.push((error as Error).message);
  }
  if (errors.length || !auth) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      portalConfig: env.PORTAL_CONFIG ?? '',
      paths: {
        portalYaml: nonEmpty(env.PORTAL_YAML_PATH) ?? PORTAL_YAML,
        caddyfile: nonEmpty(env.PORTAL_CADDYFILE_PATH) ?? '/etc/Caddyfile',
        tlsCert: nonEmpty(env.PORTAL_TLS_CERT_PATH) ?? TLS_CERT,
        tlsKey: nonEmpty(env.PORTAL_TLS_KEY_PATH) ?? TLS_KEY,
        authFile: auth.file,
        credentialsFile: nonEmpty(env.PORTAL_CREDENTIALS_PATH) ?? '/etc/portal-credentials',
        notReadyDir: nonEmpty(env.PORTAL_NOT_READY_DIR) ?? NOT_READY_DIR,
      },
      authGate: `${auth.host}:${auth.port}`,
      // Anything but an explicit "false" keeps auth on: a typo must not open the instance.
      authEnabled: !isFalse(env.ENABLE_AUTH),
      authExcludedPorts,
      username,
      openButtonToken: nonEmpty(env.OPEN_BUTTON_TOKEN),
      webPassword: nonEmpty(env.WEB_PASSWORD),
      cookieName: `${cookieSafe(nonEmpty(env.VAST_CONTAINERLABEL) ?? 'vast')}_auth_token`,
      httpsRequested: isTrue(env.ENABLE_HTTPS),
      compression: !isFalse(env.CADDY_ENABLE_COMPRESSION),
      mappedPorts: readMappedPorts(env),
      headerUpLocalhost,
      flushInterval,
      cors,
    },
  };
}

/** `-1`, or what Caddy's duration parser takes (Go durations plus `d`). */
const GO_DURATION = /^(-1|0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d))+)$/;

/** What the CORS values may hold: each lands inside a quoted Caddyfile token, where `"`, `{`, `}` or `\` would not. */
const CORS_VALUE = /^[A-Za-z0-9 ,.:/*_-]+$/;

function readMappedPorts(env: Environment): number[] | null {
  const ports: number[] = [];
  for (const [key, value] of Object.entries(env)) {
    const match = /^VAST_TCP_PORT_([0-9]+)$/.exec(key);
    if (match && value?.trim()) ports.push(Number(match[1]));
  }
  return ports.length ? ports.sort((a, b) => a - b) : null;
}

function readHeaderUpLocalhost(value: string | undefined, errors: string[]): 'all' | number[] {
  const text = value?.trim() ?? '';
  if (text.toLowerCase() === 'true') return 'all';
  if (text === '' || text.toLowerCase() === 'false') return [];
  const ports: number[] = [];
  for (const item of text.split(',')) {
    const port = /^\s*[0-9]+\s*$/.test(item) ? Number(item) : NaN;
    if (port >= 1 && port <= 65535) ports.push(port);
    else
      errors.push(
        `CADDY_HEADER_UP_LOCALHOST: ${JSON.stringify(item.trim())} is not a port. Use true, or internal ports separated by commas, e.g. 18080,17860.`,
      );
  }
  return ports;
}

function readCors(env: Environment, errors: string[]): NormalizedPortalConfigSettings['cors'] {
  const origins = nonEmpty(env.CADDY_CORS_ALLOWED_ORIGINS);
  if (!origins) return null;
  const cors = {
    origins,
    methods: nonEmpty(env.CADDY_CORS_ALLOWED_METHODS) ?? 'GET, POST, PUT, DELETE, OPTIONS',
    headers: nonEmpty(env.CADDY_CORS_ALLOWED_HEADERS) ?? 'Authorization, Content-Type',
  };
  for (const [name, text] of [
    ['CADDY_CORS_ALLOWED_ORIGINS', cors.origins],
    ['CADDY_CORS_ALLOWED_METHODS', cors.methods],
    ['CADDY_CORS_ALLOWED_HEADERS', cors.headers],
  ] as const) {
    if (!CORS_VALUE.test(text))
      errors.push(
        `${name}: ${JSON.stringify(text)} has characters a header value cannot carry here. Use letters, digits, spaces and , . : / * _ -.`,
      );
  }
  return cors;
}

/**
 * Container labels look like `C.12345`. Anything outside letters, digits, '.', '_' and '-' becomes '_': such a
 * character could end the cookie name, or act as a wildcard or placeholder in the Caddyfile.
 */
function cookieSafe(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]/g, '_');
}
