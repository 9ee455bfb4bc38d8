// Reads the portal-config environment into normalised settings once, so later code never sees raw strings or undefined.
// Pure: takes the environment as an argument.
import { PORTAL_YAML } from '@vast/conventions/runtime-contract';
import { readAuthSettings, type NormalizedAuthSettings } from '../auth/settings';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface NormalizedPortalConfigSettings {
  portalConfig: string;
  /** Where the files live; the PORTAL_*_PATH overrides exist for tests, the image uses the defaults. */
  paths: { portalYaml: string; caddyfile: string; tlsCert: string; tlsKey: string; authFile: string; credentialsFile: string };
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
        tlsCert: nonEmpty(env.PORTAL_TLS_CERT_PATH) ?? '/etc/instance.crt',
        tlsKey: nonEmpty(env.PORTAL_TLS_KEY_PATH) ?? '/etc/instance.key',
        authFile: auth.file,
        credentialsFile: nonEmpty(env.PORTAL_CREDENTIALS_PATH) ?? '/etc/portal-credentials',
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
    },
  };
}

/**
 * Container labels look like `C.12345`. Anything outside letters, digits, '.', '_' and '-' becomes '_': such a
 * character could end the cookie name, or act as a wildcard or placeholder in the Caddyfile.
 */
function cookieSafe(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]/g, '_');
}
