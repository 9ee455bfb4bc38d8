// The credentials the docker CLI would send to a registry, found where the CLI finds them: the credential helper
// config.json's credHelpers names for the host, else its credsStore helper, else its auths entry. A helper is the
// program docker-credential-<name>, asked `get` with the server address on stdin; it prints
// {"ServerURL","Username","Secret"}, or "credentials not found" and a non-zero exit (docker-credential-helpers'
// protocol). Pure lookups are apart from the one function that runs the helper.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec';

/** The part of the docker CLI's config.json that says where credentials come from. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string } | undefined>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The names a push may use for Docker Hub; its credentials live under one key in config.json, whatever the name. */
export const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

/** The config.json keys the docker CLI files `host`'s credentials under, the one `docker login` writes first. */
export function credentialKeys(host: string): string[] {
  return DOCKER_HUB_HOSTS.has(host) ? [DOCKER_HUB_SERVER, ...DOCKER_HUB_HOSTS] : [host, `https://${host}`, `http://${host}`];
}

/** Where the docker CLI reads its config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** The docker CLI's config.json ({} when absent or unreadable). */
export function readDockerConfig(env: NodeJS.ProcessEnv): DockerConfig {
  const file = dockerConfigFile(env);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch {
    return {};
  }
}

/** Where `host`'s credentials come from, by the docker CLI's precedence: credHelpers, then credsStore, then auths. */
export type CredentialSource =
  /** Run docker-credential-<helper> get with `serverAddress` on stdin. */
  | { kind: 'helper'; helper: string; field: 'credHelpers' | 'credsStore'; serverAddress: string }
  | { kind: 'auths'; key: string; auth?: string; identityToken?: string }
  | { kind: 'none' };

export function credentialSourceOf(host: string, config: DockerConfig): CredentialSource {
  const keys = credentialKeys(host);
  // The address docker sends a helper: what `docker login` stored, i.e. the host (Docker Hub: its v1 URL).
  const serverAddress = keys[0];
  const helperKey = keys.find((key) => config.credHelpers?.[key]);
  if (helperKey) return { kind: 'helper', helper: config.credHelpers![helperKey], field: 'credHelpers', serverAddress };
  if (config.credsStore) return { kind: 'helper', helper: config.credsStore, field: 'credsStore', serverAddress };
  const key = keys.find((k) => config.auths?.[k] !== undefined);
  if (!key) return { kind: 'none' };
  const entry = config.auths![key]!;
  return {
    kind: 'auths',
    key,
    ...(typeof entry.auth === 'string' && entry.auth ? { auth: entry.auth } : {}),
    ...(typeof entry.identitytoken === 'string' && entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
  };
}

/** What to send a registry: a user and password (or token as password), an identity token for the OAuth2 flow, or nothing. */
export type RegistryCredentials =
  | { kind: 'basic'; username: string; secret: string; from: string }
  /** A helper's `<token>` user, or config.json's identitytoken: a refresh token, exchanged at the registry's token server. */
  | { kind: 'identity-token'; token: string; from: string }
  /** `looked`: where the CLI would have found them, for the message that says to docker login. */
  | { kind: 'none'; looked: string };

export class DockerCredentialsError extends Error {
  override name = 'DockerCredentialsError';
}

const helperProgram = (helper: string) => `docker-credential-${helper}`;
/** How a message names a helper: its program and the config.json field that chose it. */
export const describeHelper = (source: Extract<CredentialSource, { kind: 'helper' }>, file: string) =>
  `${helperProgram(source.helper)} (${source.field} in ${file})`;

/** A helper's answer to `get`: the credentials, or undefined when it printed something else. */
export function parseHelperOutput(stdout: string): { username: string; secret: string } | undefined {
  try {
    const parsed = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
    if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') return undefined;
    return { username: parsed.Username, secret: parsed.Secret };
  } catch {
    return undefined;
  }
}

/** docker-credential-helpers' answer when the store holds nothing for the address (exit 1). */
const NOT_FOUND = /credentials not found/i;

/**
 * The credentials the docker CLI has for `host`. Runs the credential helper when config.json names one. Throws
 * DockerCredentialsError, naming config.json, the helper and the fix, when the helper is missing, fails, or answers
 * outside the protocol.
 */
export async function readRegistryCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials> {
  const file = dockerConfigFile(env);
  const source = credentialSourceOf(host, readDockerConfig(env));
  if (source.kind === 'none') return { kind: 'none', looked: `in ${file}` };
  if (source.kind === 'auths') {
    const from = `auths["${source.key}"] in ${file}`;
    if (source.identityToken) return { kind: 'identity-token', token: source.identityToken, from };
    const decoded = source.auth ? Buffer.from(source.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'none', looked: `in ${file} (${from} holds no user:password)` };
    return { kind: 'basic', username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), from };
  }

  const program = helperProgram(source.helper);
  const named = describeHelper(source, file);
  const unset =
    source.field === 'credHelpers' ? `remove "${source.serverAddress}" from credHelpers in ${file}` : `remove credsStore from ${file}`;
  const result = await run(program, ['get'], { input: source.serverAddress, env: { ...env }, reject: false, timeoutMs: 30_000 });
  if (result.exitCode === 127) {
    throw new DockerCredentialsError(
      `registry ${host}: ${named} is the credential helper for it, and ${program} is not on PATH. Install ${program}, or ${unset} and run docker login ${host}, then run again.`,
    );
  }
  if (result.exitCode !== 0) {
    if (NOT_FOUND.test(`${result.stdout}\n${result.stderr}`)) return { kind: 'none', looked: `in ${named}` };
    const said = (result.stderr || result.stdout).trim().split('\n').slice(-1)[0] ?? '';
    throw new DockerCredentialsError(
      `registry ${host}: ${named}: \`${program} get\` for ${source.serverAddress} exited with ${result.exitCode}${said ? ` (${said})` : ''}. Fix the helper (try: echo ${source.serverAddress} | ${program} get), or ${unset} and run docker login ${host}, then run again.`,
    );
  }
  const answer = parseHelperOutput(result.stdout);
  if (!answer) {
    throw new DockerCredentialsError(
      `registry ${host}: ${named}: \`${program} get\` for ${source.serverAddress} printed no {"Username","Secret"} JSON. Fix the helper, or ${unset} and run docker login ${host}, then run again.`,
    );
  }
  // The protocol's way of saying Secret is an identity (refresh) token, not a password.
  if (answer.username === '<token>') return { kind: 'identity-token', token: answer.secret, from: named };
  return { kind: 'basic', username: answer.username, secret: answer.secret, from: named };
}

/** The Authorization header of Basic credentials. */
export const basicAuthorization = (c: { username: string; secret: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString('base64')}`;

/**
 * The request for a Bearer token from the registry's token server (`realm`): a GET with Basic credentials (or none),
 * or, for an identity token, the OAuth2 refresh-token POST the docker CLI makes.
 */
export function bearerTokenRequest(
  realm: string,
  params: { service?: string; scope: string },
  credentials: RegistryCredentials,
): { url: URL; init: RequestInit } {
  const url = new URL(realm);
  if (credentials.kind === 'identity-token') {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.token, client_id: 'vast-plugin' });
    if (params.service) form.set('service', params.service);
    form.set('scope', params.scope);
    return { url, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() } };
  }
  if (params.service) url.searchParams.set('service', params.service);
  url.searchParams.set('scope', params.scope);
  return { url, init: credentials.kind === 'basic' ? { headers: { authorization: basicAuthorization(credentials) } } : {} };
}
