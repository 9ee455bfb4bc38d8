// The provisioning manifest (PROVISIONING_MANIFEST, /provisioning.yaml): every key of upstream's schema with its
// defaults (upstream-runtime §1.4), as one zod schema that lint and the provisioner both use.
//
// Differences on purpose (docs/compatibility.md, "Provisioning manifests"): an unknown key anywhere is an error, not a
// warning or a silent drop; values are not coerced and a wrong type is an error (`recursive: "false"` is not true);
// a bad `permissions`, `when` or `on_failure.action` is an error instead of a fallback; a service may name its `port`.
import { z } from 'zod';
import { hasReference } from './expand';

/** The hosts whose downloads go to the Hugging Face pool, and the only URL forms it can fetch. */
export const isHuggingFaceHost = (host: string) => host === 'huggingface.co' || host.endsWith('.huggingface.co');
export const isCivitaiHost = (host: string) => host === 'civitai.com' || host.endsWith('.civitai.com');

export type HuggingFaceUrl =
  { kind: 'file'; repo: string; revision: string; path: string } | { kind: 'repo'; repo: string } | { kind: 'invalid'; reason: string };

/** Reads a Hugging Face URL: `…/<org>/<repo>/resolve/<rev>/<path>` (one file) or `…/<org>/<repo>[/]` (the repo). */
export function parseHuggingFaceUrl(url: string): HuggingFaceUrl {
  const form =
    'use https://huggingface.co/<org>/<repo>/resolve/<revision>/<file> for a file or https://huggingface.co/<org>/<repo> for a repository';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'invalid', reason: `is not a URL; ${form}` };
  }
  if (parsed.protocol !== 'https:')
    return { kind: 'invalid', reason: `is a Hugging Face URL over ${parsed.protocol.slice(0, -1)}; ${form}` };
  const parts = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 2) return { kind: 'repo', repo: parts.join('/') };
  if (parts.length >= 5 && parts[2] === 'resolve')
    return { kind: 'file', repo: `${parts[0]}/${parts[1]}`, revision: parts[3], path: parts.slice(4).join('/') };
  if (parts[2] === 'blob')
    return { kind: 'invalid', reason: `is a Hugging Face page (/blob/), not the file; replace /blob/ with /resolve/` };
  return { kind: 'invalid', reason: `is not a Hugging Face URL form the provisioner downloads; ${form}` };
}

/** A URL check that lint can run before variables have values: a value still holding `${VAR}` is checked at boot. */
function urlString(check: (url: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    if (hasReference(value)) return;
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function downloadUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL. Write it as https://host/path/file`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `'${url}' must be an http(s) URL`;
  if (isHuggingFaceHost(parsed.hostname)) {
    const hf = parseHuggingFaceUrl(url);
    if (hf.kind === 'invalid') return `'${url}' ${hf.reason}`;
  }
  return undefined;
}

const GIT_URL = /^(https?|git|ssh|file):\/\/\S+$|^git@\S+:\S+$/;
const gitUrlProblem = (url: string) =>
  GIT_URL.test(url) ? undefined : `'${url}' is not a git URL. Write it as https://host/org/repo(.git)`;
const webhookProblem = (url: string) =>
  url === '' || /^https?:\/\/\S+$/.test(url) ? undefined : `'${url}' is not an http(s) URL. Give the webhook's full URL, or leave it empty`;

const positiveInt = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' });
const nonNegativeInt = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must be 0 or more' });
const bool = z.boolean({ error: 'must be true or false (unquoted)' });
const stringList = z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' });
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, { error: 'must be an environment variable name such as HF_TOKEN' });

export const FAILURE_ACTIONS = ['continue', 'stop', 'destroy'] as const;
export const CONDITIONS = ['hf_token_valid', 'civitai_token_valid'] as const;

const settingsSchema = z.strictObject({
  venv: z.string().default('/venv/main'),
  conda_env: z.string().default('/venv/main'),
  log_file: z.string().startsWith('/', { error: 'must be an absolute path' }).default('/var/log/portal/provisioning.log'),
  concurrency: z.strictObject({ hf_downloads: positiveInt.default(3), wget_downloads: positiveInt.default(5) }).prefault({}),
  /** Applies to each download, not to the run (on_failure.max_retries is the run's). */
  retry: z
    .strictObject({
      max_attempts: positiveInt.default(5),
      initial_delay: nonNegativeInt.default(2),
      backoff_multiplier: positiveInt.default(2),
    })
    .prefault({}),
});

const authSchema = z.strictObject({
  huggingface: z.strictObject({ token_env: envName.default('HF_TOKEN') }).prefault({}),
  civitai: z.strictObject({ token_env: envName.default('CIVITAI_TOKEN') }).prefault({}),
});

const onFailureSchema = z.strictObject({
  action: z.enum(FAILURE_ACTIONS, { error: `must be one of ${FAILURE_ACTIONS.join(', ')}` }).default('continue'),
  /** Attempts in total (upstream's name); 0 and 1 both mean one run. */
  max_retries: nonNegativeInt.default(3),
  retry_delay: nonNegativeInt.default(30),
  webhook: urlString(webhookProblem).default(''),
  webhook_on_success: bool.default(false),
});

const PERMISSIONS = /^0?[0-7]{3,4}$/;
const writeFileSchema = z.strictObject({
  path: z.string().startsWith('/', { error: 'must be an absolute path, e.g. /workspace/app/config.json' }),
  content: z.string().default(''),
  permissions: z.string().regex(PERMISSIONS, { error: "must be an octal mode in quotes, e.g. '0644' or '0755'" }).default('0644'),
  owner: z
    .string()
    .regex(/^$|^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$/, { error: 'must be user or user:group' })
    .default(''),
});

const extensionSchema = z.strictObject({
  module: z.string().default(''),
  config: z.record(z.string(), z.unknown()).default({}),
  enabled: bool.default(true),
});

const pipBlockSchema = z.strictObject({
  tool: z.enum(['uv', 'pip'], { error: 'must be uv or pip' }).default('uv'),
  packages: stringList.default([]),
  args: z.string().default(''),
  requirements: stringList.default([]),
  /** A venv path, or `system` for the system Python; empty means settings.venv. */
  venv: z.string().default(''),
  python: z.string().default(''),
});

const condaBlockSchema = z.strictObject({
  packages: stringList.default([]),
  channels: stringList.default([]),
  args: z.string().default(''),
  env: z.string().default(''),
  python: z.string().default(''),
});

const gitRepoSchema = z.strictObject({
  url: urlString(gitUrlProblem),
  dest: z.string().min(1, { error: 'must not be empty: name the directory to clone into' }),
  ref: z.string().default(''),
  recursive: bool.default(true),
  pull_if_exists: bool.default(false),
  post_commands: stringList.default([]),
});

export const downloadSchema = z.strictObject({
  url: urlString(downloadUrlProblem),
  /** A file path, a directory ending in `/` (the name comes from the server), or empty (Hugging Face cache). */
  dest: z.string().default(''),
  /** Ours: the file's SHA-256; a mismatch fails the download. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hex digits (the first field of sha256sum)' })
    .optional(),
});

const conditionalSchema = z.strictObject({
  when: z.enum(CONDITIONS, { error: `must be one of ${CONDITIONS.join(', ')}` }),
  downloads: z.array(downloadSchema).default([]),
  else_downloads: z.array(downloadSchema).default([]),
});

const SERVICE_NAME = /^[a-zA-Z0-9_-]+$/;
const serviceSchema = z.strictObject({
  name: z.string().regex(SERVICE_NAME, { error: 'must be letters, digits, _ or - (it names the supervisor program)' }),
  portal_search_term: z.string().default(''),
  skip_on_serverless: bool.default(true),
  venv: z.string().default('/venv/main'),
  workdir: z.string().default(''),
  command: z.string().min(1, { error: 'must not be empty: say what the service runs' }),
  pre_commands: stringList.default([]),
  wait_for_provisioning: bool.default(true),
  environment: z.record(envName, z.string({ error: 'must be a string (quote numbers)' })).default({}),
  /** Ours: the port the service listens on, so two services on one port are caught before boot. */
  port: z.number().int().min(1).max(65535, { error: 'must be between 1 and 65535' }).optional(),
});

/** Upstream accepts one mapping where a list of blocks is expected (pip_packages, conda_packages). */
const listOrOne = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(item)).default([]);

export const provisioningManifestSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only manifest version)' }),
  settings: settingsSchema.prefault({}),
  auth: authSchema.prefault({}),
  on_failure: onFailureSchema.prefault({}),
  write_files: z.array(writeFileSchema).default([]),
  write_files_late: z.array(writeFileSchema).default([]),
  apt_packages: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+(=\S+)?$/, { error: 'must be a Debian package, e.g. ffmpeg or ffmpeg=7:5.1*' }))
    .default([]),
  extensions: z.array(extensionSchema).default([]),
  pip_packages: listOrOne(pipBlockSchema),
  conda_packages: listOrOne(condaBlockSchema),
  git_repos: z.array(gitRepoSchema).default([]),
  downloads: z.array(downloadSchema).default([]),
  conditional_downloads: z.array(conditionalSchema).default([]),
  env_merge: z.record(envName, z.literal('downloads', { error: 'must be downloads (the only env_merge target)' })).default({}),
  services: z.array(serviceSchema).default([]),
  post_commands: stringList.default([]),
});

export type ProvisioningManifestInput = z.input<typeof provisioningManifestSchema>;
export type ProvisioningManifest = z.output<typeof provisioningManifestSchema>;
export type ManifestDownload = ProvisioningManifest['downloads'][number];
export type ManifestGitRepo = ProvisioningManifest['git_repos'][number];
export type ManifestPipBlock = ProvisioningManifest['pip_packages'][number];
export type ManifestCondaBlock = ProvisioningManifest['conda_packages'][number];
export type ManifestService = ProvisioningManifest['services'][number];
export type ManifestWriteFile = ProvisioningManifest['write_files'][number];
export type FailureAction = (typeof FAILURE_ACTIONS)[number];

/** The manifest a run without one uses (script-only mode): every default. */
export const emptyManifest = (): ProvisioningManifest => provisioningManifestSchema.parse({ version: 1 });

export const MANIFEST_KEYS = Object.keys(provisioningManifestSchema.shape);
