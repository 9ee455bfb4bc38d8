// The portal-config run: read the environment and files, decide with the pure modules, then write both files.
// Exit codes: 0 written (portal.yaml kept or written, Caddyfile written), 1 bad configuration (nothing written),
// 2 a file could not be read or written.
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hashSync } from 'bcryptjs';
import { renderPortalYaml } from '@vast/conventions/portal-config';
import { readPortalConfigSettings, type Environment } from './settings';
import { selectApplications } from './select-applications';
import { renderCredentialsBanner, resolveCredentials } from './credentials';
import { renderCaddyfile } from './caddyfile';
import { writeFileAtomic } from './write-file-atomic';

export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** bcrypt cost: Caddy checks it on every basic-auth request that carries no cookie yet; 10 keeps that near 50 ms. */
const BCRYPT_COST = 10;

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function hasContent(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

export function applyPortalConfig(env: Environment, out: Output): number {
  const say = (text: string) => out.stdout.write(`portal-config: ${text}\n`);
  const complain = (text: string) => out.stderr.write(`portal-config: ${text}\n`);

  const read = readPortalConfigSettings(env);
  if (!read.ok) {
    read.errors.forEach(complain);
    return 1;
  }
  const settings = read.settings;
  const { paths } = settings;

  let yamlText: string | null;
  try {
    yamlText = readIfExists(paths.portalYaml);
  } catch (error) {
    complain(`${paths.portalYaml}: cannot be read (${(error as Error).message}). Check its permissions.`);
    return 2;
  }
  const selection = selectApplications({ yamlText, yamlPath: paths.portalYaml, portalConfig: settings.portalConfig });
  if (!selection.ok) {
    selection.errors.forEach(complain);
    return 1;
  }
  selection.warnings.forEach(complain);

  const credentials = resolveCredentials(settings, () => randomBytes(16).toString('hex'));
  credentials.warnings.forEach(complain);

  let tls: { cert: string; key: string } | null = null;
  if (settings.httpsRequested) {
    if (hasContent(paths.tlsCert) && hasContent(paths.tlsKey)) tls = { cert: paths.tlsCert, key: paths.tlsKey };
    else complain(`ENABLE_HTTPS=true but ${paths.tlsCert} or ${paths.tlsKey} is missing or empty; serving plain HTTP. Check the TLS boot step's log.`);
  }

  const caddyfile = renderCaddyfile(selection.entries, {
    auth: {
      enabled: settings.authEnabled,
      excludedPorts: settings.authExcludedPorts,
      username: credentials.username,
      passwordHash: hashSync(credentials.password, BCRYPT_COST),
      token: credentials.token,
      cookieName: settings.cookieName,
    },
    tls,
    compression: settings.compression,
  });

  try {
    if (selection.source === 'PORTAL_CONFIG') {
      if (selection.replacesUnusableYaml && existsSync(paths.portalYaml)) copyFileSync(paths.portalYaml, `${paths.portalYaml}.invalid`);
      writeFileAtomic(paths.portalYaml, renderPortalYaml(selection.entries));
      say(`wrote ${paths.portalYaml} from PORTAL_CONFIG (${selection.entries.length} applications)`);
    } else {
      say(`kept ${paths.portalYaml} (${selection.entries.length} applications); PORTAL_CONFIG is not used while it lists applications`);
    }
    writeFileAtomic(paths.caddyfile, caddyfile);
    say(`wrote ${paths.caddyfile}`);
  } catch (error) {
    complain(`cannot write the configuration: ${(error as Error).message}. Check that the directory exists and is writable.`);
    return 2;
  }
  if (credentials.generated) out.stdout.write(renderCredentialsBanner(credentials));
  return 0;
}
