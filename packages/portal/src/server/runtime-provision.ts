// POST /capabilities/provision (upstream §1.13): turns the request body into a manifest source and starts the
// provisioner in its own session, so it outlives a portal restart. Runtime runs leave the /.provisioning* markers alone.
import { spawn } from 'node:child_process';
import { accessSync, constants, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { stringify } from 'yaml';
import { isHuggingFaceHost, parseProvisioningManifest, parseProvisioningManifestText } from '@vast/conventions/provisioning-manifest';
import { PROVISIONING_LOG } from '@vast/conventions/runtime-contract';
import { UpstreamHttpError } from './http-kit';
import type { NormalizedPortalServerSettings } from './settings';

const BODY_LIMIT = 1024 * 1024;
const NOTHING_GIVEN = 'Provide one of: manifest_url, inline_yaml, pip, git_repos, downloads';

export const PROVISION_STARTED = {
  status: 'started',
  detail: 'Provisioner launched in the background',
  log_file: PROVISIONING_LOG,
} as const;

/** The provisioner's argument, and the temp manifest to remove once it has run. */
export interface ProvisionSource {
  source: string;
  tempFile?: string;
}

export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new UpstreamHttpError(413, 'Request body is larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpstreamHttpError(422, 'The body is not JSON: send a ProvisionRequest object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UpstreamHttpError(422, 'The body must be a JSON object (a ProvisionRequest)');
  return value as Record<string, unknown>;
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && !value.length);

function stringList(body: Record<string, unknown>, key: string): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !item.trim()))
    throw new UpstreamHttpError(400, `${key}: must be a list of non-empty strings`);
  return value as string[];
}

/** The last path segment of a git URL without `.git`: where it is cloned under $WORKSPACE. */
function repoName(url: string): string {
  return (
    url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split(/[/:]/)
      .pop()
      ?.replace(/\.git$/, '') || 'repo'
  );
}

function isHuggingFaceUrl(url: string): boolean {
  try {
    return isHuggingFaceHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The simple lists as a manifest. Unlike upstream, which derives no dest (its clones and non-HF downloads fail), a
 * repo is cloned to $WORKSPACE/<repo name> and a non-HF file goes to $WORKSPACE/downloads/; HF URLs keep the cache.
 */
export function manifestFromLists(lists: { pip: string[]; gitRepos: string[]; downloads: string[] }, workspace: string): object {
  return {
    version: 1,
    ...(lists.pip.length ? { pip_packages: [{ packages: lists.pip }] } : {}),
    ...(lists.gitRepos.length ? { git_repos: lists.gitRepos.map((url) => ({ url, dest: `${workspace}/${repoName(url)}` })) } : {}),
    ...(lists.downloads.length
      ? { downloads: lists.downloads.map((url) => (isHuggingFaceUrl(url) ? { url } : { url, dest: `${workspace}/downloads/` })) }
      : {}),
  };
}

function checked(result: ReturnType<typeof parseProvisioningManifest>, what: string): void {
  if (!result.success)
    throw new UpstreamHttpError(400, `${what}: ${result.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`);
}

function writeTempManifest(dir: string, text: string): string {
  const path = join(dir, `provision-${randomUUID()}.yaml`);
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return path;
}

/** The first form present wins: manifest_url, inline_yaml, then the simple lists. Bad input is a 400 naming the key. */
export function provisionSourceOf(body: Record<string, unknown>, settings: NormalizedPortalServerSettings): ProvisionSource {
  if (present(body.manifest_url)) {
    const url = body.manifest_url;
    // The provisioner fetches only https (a manifest names commands that run as root), so refuse the rest here.
    if (typeof url !== 'string' || !/^https:\/\/[^/\s]+/i.test(url))
      throw new UpstreamHttpError(400, 'manifest_url: must be an https:// URL (the provisioner fetches manifests over https only)');
    return { source: url };
  }
  if (present(body.inline_yaml)) {
    if (typeof body.inline_yaml !== 'string') throw new UpstreamHttpError(400, 'inline_yaml: must be a string of YAML');
    checked(parseProvisioningManifestText(body.inline_yaml), 'inline_yaml');
    const tempFile = writeTempManifest(settings.tempDir, body.inline_yaml);
    return { source: tempFile, tempFile };
  }
  const lists = { pip: stringList(body, 'pip'), gitRepos: stringList(body, 'git_repos'), downloads: stringList(body, 'downloads') };
  if (!lists.pip.length && !lists.gitRepos.length && !lists.downloads.length) throw new UpstreamHttpError(400, NOTHING_GIVEN);
  const manifest = manifestFromLists(lists, settings.workspace);
  checked(parseProvisioningManifest(manifest), 'pip, git_repos, downloads');
  const tempFile = writeTempManifest(settings.tempDir, stringify(manifest));
  return { source: tempFile, tempFile };
}

/** Appends the provisioner's output to the provisioning log and removes the temp manifest after the run. */
const WRAPPER = '"$0" "$1" >>"$2" 2>&1; status=$?; [ -z "$3" ] || rm -f -- "$3"; exit "$status"';

/** Starts the provisioner in its own session and resolves once it runs; a launch error is upstream's 500. */
export async function launchProvisioner(settings: NormalizedPortalServerSettings, { source, tempFile }: ProvisionSource): Promise<void> {
  try {
    accessSync(settings.provisioner, constants.X_OK);
    const child = spawn('bash', ['-c', WRAPPER, settings.provisioner, source, settings.provisioningLog, tempFile ?? ''], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...settings.env },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
  } catch {
    if (tempFile) rmSync(tempFile, { force: true });
    throw new UpstreamHttpError(500, 'Failed to launch provisioner');
  }
}
