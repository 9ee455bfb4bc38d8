// What the environment adds to a parsed manifest: env_merge, the PROVISIONING_* lists (appended) and the
// PROVISIONER_* overrides (upstream-runtime §1.5). Pure: each call returns a new manifest, so a retry that applies
// them again starts from the manifest as loaded (upstream appends to the same object on every attempt: a QUIRK).
import type { Environment } from './expand';
import { FAILURE_ACTIONS, type FailureAction, type ManifestDownload, type ProvisioningManifest } from './schema';

export const PROVISIONING_LIST_VARIABLES = [
  'PROVISIONING_DOWNLOADS',
  'PROVISIONING_GIT_REPOS',
  'PROVISIONING_APT',
  'PROVISIONING_PIP',
  'PROVISIONING_CONDA',
  'PROVISIONING_POST_COMMANDS',
] as const;

export interface Applied {
  manifest: ProvisioningManifest;
  warnings: string[];
}

/** `a;b;#comment; ;c` -> [a, b, c]. */
export function splitEntries(value: string | undefined): string[] {
  return (value ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

/** `url|dest;url|dest` (env_merge and PROVISIONING_DOWNLOADS). */
export function parseDownloadEntries(name: string, value: string | undefined, warnings: string[]): ManifestDownload[] {
  const downloads: ManifestDownload[] = [];
  for (const entry of splitEntries(value)) {
    const bar = entry.indexOf('|');
    const url = bar < 0 ? '' : entry.slice(0, bar).trim();
    const dest = bar < 0 ? '' : entry.slice(bar + 1).trim();
    if (!url || !dest)
      warnings.push(`${name}: entry '${entry}' is not url|dest; skipped. Write it as https://host/file|/workspace/models/`);
    else downloads.push({ url, dest });
  }
  return downloads;
}

const basenameWithoutGit = (url: string) => {
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return (path.split(/[/:]/).pop() ?? 'repo').replace(/\.git$/, '');
};

/** env_merge and the PROVISIONING_* lists, appended to a copy of the manifest. */
export function applyProvisioningVariables(manifest: ProvisioningManifest, env: Environment): Applied {
  const warnings: string[] = [];
  const m = structuredClone(manifest);
  for (const [name] of Object.entries(manifest.env_merge))
    m.downloads.push(...parseDownloadEntries(`env_merge ${name}`, env[name], warnings));
  m.downloads.push(...parseDownloadEntries('PROVISIONING_DOWNLOADS', env.PROVISIONING_DOWNLOADS, warnings));
  const workspace = env.WORKSPACE || '/workspace';
  for (const entry of splitEntries(env.PROVISIONING_GIT_REPOS)) {
    const [url, dest, ref] = entry.split('|').map((s) => s.trim());
    m.git_repos.push({
      url,
      dest: dest || `${workspace}/${basenameWithoutGit(url)}`,
      ref: ref ?? '',
      recursive: true,
      pull_if_exists: false,
      post_commands: [],
    });
  }
  m.apt_packages.push(...splitEntries(env.PROVISIONING_APT));
  const pip = splitEntries(env.PROVISIONING_PIP);
  if (pip.length) m.pip_packages.push({ tool: 'uv', packages: pip, args: '', requirements: [], venv: '', python: '' });
  const conda = splitEntries(env.PROVISIONING_CONDA);
  if (conda.length) m.conda_packages.push({ packages: conda, channels: [], args: '', env: '', python: '' });
  m.post_commands.push(...splitEntries(env.PROVISIONING_POST_COMMANDS));
  return { manifest: m, warnings };
}

/** The PROVISIONER_* overrides of settings and on_failure; a bad value warns and is ignored. */
export function applyProvisionerOverrides(manifest: ProvisioningManifest, env: Environment): Applied {
  const warnings: string[] = [];
  const m = structuredClone(manifest);
  const int = (name: string, set: (n: number) => void) => {
    const value = env[name];
    if (value === undefined || value === '') return;
    if (/^\d+$/.test(value.trim())) set(Number(value.trim()));
    else warnings.push(`${name}='${value}' is not a whole number; ignored`);
  };
  int('PROVISIONER_RETRY_MAX', (n) => (m.on_failure.max_retries = n));
  int('PROVISIONER_RETRY_DELAY', (n) => (m.on_failure.retry_delay = n));
  const action = env.PROVISIONER_FAILURE_ACTION;
  if (action) {
    // Upstream applies it unchecked and treats an unknown action as continue at dispatch; here it is refused up front.
    if ((FAILURE_ACTIONS as readonly string[]).includes(action)) m.on_failure.action = action as FailureAction;
    else warnings.push(`PROVISIONER_FAILURE_ACTION='${action}' is not one of ${FAILURE_ACTIONS.join(', ')}; ignored`);
  }
  if (env.PROVISIONER_WEBHOOK_URL) m.on_failure.webhook = env.PROVISIONER_WEBHOOK_URL;
  if (env.PROVISIONER_WEBHOOK_ON_SUCCESS !== undefined)
    m.on_failure.webhook_on_success = /^(1|true|yes)$/i.test(env.PROVISIONER_WEBHOOK_ON_SUCCESS.trim());
  if (env.PROVISIONER_LOG_FILE) m.settings.log_file = env.PROVISIONER_LOG_FILE;
  if (env.PROVISIONER_VENV) m.settings.venv = env.PROVISIONER_VENV;
  if (env.PROVISIONER_CONDA_ENV) m.settings.conda_env = env.PROVISIONER_CONDA_ENV;
  return { manifest: m, warnings };
}

/** conditional_downloads resolved against which tokens are valid: the chosen lists join `downloads`. */
export function resolveConditionals(manifest: ProvisioningManifest, valid: { hf_token_valid: boolean; civitai_token_valid: boolean }) {
  const m = structuredClone(manifest);
  for (const c of m.conditional_downloads) m.downloads.push(...(valid[c.when] ? c.downloads : c.else_downloads));
  m.conditional_downloads = [];
  return m;
}
