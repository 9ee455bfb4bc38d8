// The portal-config run: read the environment and files, decide with the pure modules, then write both files.
// Exit codes: 0 written (portal.yaml kept or written, Caddyfile written), 1 bad configuration (nothing written),
// 2 a file could not be read or written.
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { renderPortalYaml } from '@vast/conventions/portal-config';
import { createAuthFile, parseAuthFile, renderAuthFile, SESSION_SECRET_BYTES } from '../auth/auth-file';
import { readPortalConfigSettings, type Environment } from './settings';
import { selectApplications } from './select-applications';
import { GENERATED_SECRET_LENGTH, renderCredentialsBanner, renderCredentialsFile, resolveCredentials } from './credentials';
import { listUnauthenticatedPorts, listUnmappedPorts, renderCaddyfile } from './caddyfile';
import { writeFileAtomic } from './write-file-atomic';

export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Files that hold a secret (or what stands in for one): readable by root only. */
const SECRET_FILE_MODE = 0o600;

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

  const resolved = resolveCredentials(settings, () => randomBytes((GENERATED_SECRET_LENGTH * 3) / 4).toString('base64url'));
  if (!resolved.ok) {
    resolved.errors.forEach(complain);
    return 1;
  }
  const credentials = resolved.credentials;
  credentials.warnings.forEach(complain);

  let previousAuth: string | null;
  try {
    previousAuth = readIfExists(paths.authFile);
  } catch {
    previousAuth = null; // unreadable: replaced below, which only logs everyone out
  }
  const previous = previousAuth === null ? null : parseAuthFile(previousAuth, paths.authFile);
  const authFile = createAuthFile(
    credentials,
    settings.cookieName,
    previous?.ok ? previous.file.sessionSecret : randomBytes(SESSION_SECRET_BYTES).toString('hex'),
  );

  let tls: { cert: string; key: string } | null = null;
  if (settings.httpsRequested) {
    if (hasContent(paths.tlsCert) && hasContent(paths.tlsKey)) tls = { cert: paths.tlsCert, key: paths.tlsKey };
    else
      complain(
        `ENABLE_HTTPS=true but ${paths.tlsCert} or ${paths.tlsKey} is missing or empty; serving plain HTTP. Check the TLS boot step's log.`,
      );
  }

  const auth = {
    enabled: settings.authEnabled,
    excludedPorts: settings.authExcludedPorts,
    cookieName: settings.cookieName,
    gate: settings.authGate,
  };
  const caddyfile = renderCaddyfile(selection.entries, {
    auth,
    tls,
    compression: settings.compression,
    mappedPorts: settings.mappedPorts,
    headerUpLocalhost: settings.headerUpLocalhost,
    flushInterval: settings.flushInterval,
    cors: settings.cors,
    notReadyDir: paths.notReadyDir,
  });

  try {
    if (selection.source === 'PORTAL_CONFIG') {
      if (selection.replacesUnusableYaml && existsSync(paths.portalYaml)) copyFileSync(paths.portalYaml, `${paths.portalYaml}.invalid`);
      writeFileAtomic(paths.portalYaml, renderPortalYaml(selection.entries));
      say(`wrote ${paths.portalYaml} from PORTAL_CONFIG (${selection.entries.length} applications)`);
    } else {
      say(`kept ${paths.portalYaml} (${selection.entries.length} applications); PORTAL_CONFIG is not used while it lists applications`);
    }
    // The gate's file first: a Caddyfile that points at the gate is only useful once the gate can check logins.
    writeFileAtomic(paths.authFile, renderAuthFile(authFile), { mode: SECRET_FILE_MODE });
    say(`wrote ${paths.authFile} (root only)`);
    if (credentials.generated) writeFileAtomic(paths.credentialsFile, renderCredentialsFile(credentials), { mode: SECRET_FILE_MODE });
    else rmSync(paths.credentialsFile, { force: true }); // a secret generated at an earlier start no longer logs in
    writeFileAtomic(paths.caddyfile, caddyfile);
    say(`wrote ${paths.caddyfile}`);
  } catch (error) {
    complain(`cannot write the configuration: ${(error as Error).message}. Check that the directory exists and is writable.`);
    return 2;
  }
  for (const unmapped of listUnmappedPorts(selection.entries, settings.mappedPorts)) {
    say(
      `port ${unmapped.port} (${unmapped.labels.join(', ')}) gets no site: VAST_TCP_PORT_${unmapped.port} is not set (the instance does not map it)`,
    );
  }
  for (const open of listUnauthenticatedPorts(selection.entries, auth, settings.mappedPorts)) {
    say(`port ${open.port} (${open.labels.join(', ')}) has no authentication: ${open.why}`);
  }
  if (credentials.generated) out.stdout.write(renderCredentialsBanner(paths.credentialsFile));
  return 0;
}
