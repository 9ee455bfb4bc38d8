// One provisioning run: load the manifest (inside the retry loop, a URL fetch included), then the phases in
// upstream's order, each skipped when its inputs match the stored hash (§1.6, §1.9), with retries, the failure action
// and the webhook after the last attempt (§1.10).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  applyProvisionerOverrides,
  applyProvisioningVariables,
  emptyManifest,
  formatManifestErrors,
  parseProvisioningManifestText,
  resolveConditionals,
  type ProvisioningManifest,
} from '@vast/conventions/provisioning-manifest';
import { PROVISIONER_STOPPED_MARKER, PROVISIONING_MANIFEST_PATH, PROVISIONING_PROGRESS_FILE } from '@vast/conventions/runtime-contract';
import { errorMessage, sleep, type RunContext } from './context';
import { removeStaleLocks, runDownloads, tokenValid } from './downloads';
import { runCommand } from './exec';
import { httpText, redactUrl } from './http';
import { Logger } from './log';
import {
  cloneRepos,
  installApt,
  installConda,
  installPip,
  installServices,
  runPostCommands,
  runProvisioningScript,
  writeFiles,
} from './phases';
import { Progress } from './progress';
import { stageHash, StateDir, stateDirFrom } from './state';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** EX_CONFIG: --force refused to clear a state directory it does not own. Never retried. */
export const EXIT_CONFIG_REFUSED = 78;

export interface ProvisionerOptions {
  /** A manifest path or https URL; undefined for script-only mode. */
  source?: string;
  dryRun?: boolean;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where a fetched manifest is kept (upstream: /provisioning.yaml, overwriting a baked one). */
  manifestCopy?: string;
  /** Where service files go; tests point them at a scratch dir. */
  serviceDirs?: { scripts: string; confs: string };
  /** PROVISIONING_SCRIPT's local copy. */
  scriptPath?: string;
}

/** The manifest itself is wrong (invalid, missing, plain http): not retried. A failed fetch is. */
class ManifestError extends Error {}

/** Reads the manifest: a local file, or an https URL fetched (User-Agent provisioner/1, 30 s) and kept atomically. */
async function loadManifest(source: string, env: NodeJS.ProcessEnv, copy: string): Promise<ProvisioningManifest> {
  let text: string;
  let shown = source;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    shown = redactUrl(source);
    // A manifest names commands that run as root: like PROVISIONING_SCRIPT, it never travels in clear text.
    if (!/^https:\/\//i.test(source))
      throw new ManifestError(
        `PROVISIONING_MANIFEST is ${shown}: only https:// URLs are fetched. Serve it over https, or put it in the image and give its path.`,
      );
    text = await httpText(source, { timeoutMs: 30_000 });
    const tmp = join(dirname(copy), `.provisioning.yaml.${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, copy);
  } else {
    if (!existsSync(source)) throw new ManifestError(`manifest ${source} does not exist`);
    text = readFileSync(source, 'utf8');
  }
  const parsed = parseProvisioningManifestText(text, env);
  if (!parsed.success) throw new ManifestError(['the manifest is not valid:', ...formatManifestErrors(shown, parsed.errors)].join('\n  '));
  return parsed.manifest;
}

/**
 * The phases in upstream's order (§1.6): what each works on (its stage hash covers exactly that, so an unchanged
 * phase is skipped; an empty list means nothing to do) and how it runs.
 */
interface PhaseSpec {
  name: string;
  inputs(manifest: ProvisioningManifest, env: NodeJS.ProcessEnv): unknown[];
  run(context: RunContext, options: ProvisionerOptions): Promise<void>;
}

const sortBy = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));

const PHASES: readonly PhaseSpec[] = [
  { name: 'write_files', inputs: (m) => m.write_files, run: (c) => writeFiles(c, c.manifest.write_files) },
  { name: 'apt', inputs: (m) => [...m.apt_packages].sort(), run: (c) => installApt(c, c.manifest.apt_packages) },
  { name: 'git', inputs: (m) => sortBy(m.git_repos, (r) => r.url), run: (c) => cloneRepos(c, c.manifest.git_repos) },
  {
    name: 'pip',
    inputs: (m) =>
      m.pip_packages.map((b) => ({
        ...b,
        packages: [...b.packages].sort(),
        requirements: [...b.requirements].sort(),
        venv: b.venv || m.settings.venv,
      })),
    run: (c) => installPip(c),
  },
  { name: 'conda', inputs: (m) => m.conda_packages, run: (c) => installConda(c) },
  {
    name: 'downloads',
    inputs: (m) => sortBy(m.downloads, (d) => `${d.url}\n${d.dest}`),
    run: (c) => runDownloads(c, c.manifest.downloads),
  },
  { name: 'services', inputs: (m) => sortBy(m.services, (s) => s.name), run: (c, o) => installServices(c, o.serviceDirs) },
  { name: 'write_files_late', inputs: (m) => m.write_files_late, run: (c) => writeFiles(c, c.manifest.write_files_late) },
  { name: 'post_commands', inputs: (m) => m.post_commands, run: (c) => runPostCommands(c, c.manifest.post_commands) },
  {
    name: 'provisioning_script',
    // The script's source and its pinned hash: a new pin means new content.
    inputs: (_m, env) => (env.PROVISIONING_SCRIPT ? [env.PROVISIONING_SCRIPT, env.PROVISIONING_SCRIPT_SHA256 ?? ''] : []),
    run: (c, o) => runProvisioningScript(c, o.scriptPath),
  },
];

/** The phases of one attempt, on a manifest the environment's additions were applied to afresh. */
async function runPipeline(
  loaded: ProvisioningManifest,
  base: Omit<RunContext, 'manifest'>,
  state: StateDir | undefined,
  options: ProvisionerOptions,
  attempt: number,
  attempts: number,
) {
  const { log, env } = base;
  if (loaded.extensions.some((e) => e.enabled && e.module))
    log.warn(
      `extensions: ${loaded.extensions.map((e) => e.module).join(', ')} not run: extensions are Python modules of upstream's provisioner, which this image does not have`,
    );
  let manifest = loaded;
  // Tokens are checked only when a condition asks (upstream checks them on every run, a network call each).
  if (manifest.conditional_downloads.length) {
    const when = new Set(manifest.conditional_downloads.map((c) => c.when));
    const valid = {
      hf_token_valid: when.has('hf_token_valid') && (await tokenValid('huggingface', manifest, env)),
      civitai_token_valid: when.has('civitai_token_valid') && (await tokenValid('civitai', manifest, env)),
    };
    for (const [name, ok] of Object.entries(valid)) if (when.has(name as 'hf_token_valid')) log.info(`${name}: ${ok}`);
    manifest = resolveConditionals(manifest, valid);
  }
  const applied = applyProvisioningVariables(manifest, env);
  applied.warnings.forEach((w) => log.warn(w));
  manifest = applied.manifest;
  const context: RunContext = { ...base, manifest };
  const phases = PHASES.map((phase) => ({ phase, inputs: phase.inputs(manifest, env) })).filter((p) => p.inputs.length > 0);
  for (const [index, { phase, inputs }] of phases.entries()) {
    const hash = stageHash(phase.name, inputs);
    if (state?.matches(phase.name, hash)) {
      log.info(`Stage ${phase.name}: unchanged since it last succeeded, skipping`);
      continue;
    }
    base.progress.update({ phase: phase.name, phaseIndex: index + 1, phaseCount: phases.length, attempt, attempts, downloads: [] });
    log.info(`Stage ${phase.name}: running (${index + 1}/${phases.length})`);
    try {
      await phase.run(context, options);
    } catch (error) {
      throw new Error(`${errorMessage(error)} (stage ${phase.name})`);
    }
    state?.record(phase.name, hash);
  }
  if (!base.dryRun) removeStaleLocks(manifest.downloads);
}

async function sendWebhook(
  base: Omit<RunContext, 'manifest'>,
  manifest: ProvisioningManifest,
  payload: { action: string; manifest: string; error: string },
) {
  const url = base.env.PROVISIONER_WEBHOOK_URL || manifest.on_failure.webhook;
  if (!url || base.dryRun) return;
  const body = JSON.stringify({
    ...payload,
    container_id: base.env.CONTAINER_ID ?? '',
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  try {
    await httpText(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, timeoutMs: 10_000 });
    base.log.info(`Webhook sent to ${redactUrl(url)} (${payload.action})`);
  } catch (error) {
    base.log.warn(`Webhook to ${redactUrl(url)} failed: ${errorMessage(error)}`);
  }
}

async function failureAction(base: Omit<RunContext, 'manifest'>, manifest: ProvisioningManifest, stoppedMarker: string) {
  const { env, log } = base;
  const action = manifest.on_failure.action;
  if (action === 'continue') return;
  if (!env.CONTAINER_ID || !env.CONTAINER_API_KEY) {
    log.error(`on_failure ${action}: CONTAINER_ID or CONTAINER_API_KEY is not set; the instance keeps running`);
    return;
  }
  if (action === 'stop') {
    if (existsSync(stoppedMarker)) {
      log.warn(`on_failure stop: ${stoppedMarker} exists (stopped once already); not stopping again`);
      return;
    }
    writeFileSync(stoppedMarker, '');
  }
  try {
    await runCommand(log, ['vastai', action, 'instance', env.CONTAINER_ID, '--api-key', env.CONTAINER_API_KEY], { env });
  } catch (error) {
    log.error(`on_failure ${action}: ${errorMessage(error)}`);
  }
}

/** The whole run; resolves to the exit code. */
export async function provision(options: ProvisionerOptions): Promise<number> {
  const env = options.env ?? process.env;
  const log = options.logger ?? new Logger();
  const dryRun = !!options.dryRun;
  const progress = new Progress(dryRun ? undefined : (env.PROVISIONER_PROGRESS_FILE ?? PROVISIONING_PROGRESS_FILE));
  const base = { log, env, dryRun, progress };
  const source = options.source;
  const shown = source === undefined ? '(script-only)' : /:\/\//.test(source) ? redactUrl(source) : source;

  const defaults = applyProvisionerOverrides(emptyManifest(), env);
  log.setLogFile(defaults.manifest.settings.log_file);
  log.info('Provisioner starting (version 1)');
  defaults.warnings.forEach((w) => log.warn(w));
  if (source === undefined && !env.PROVISIONING_SCRIPT) {
    log.info('No manifest and no PROVISIONING_SCRIPT set, nothing to do');
    return EXIT_OK;
  }
  log.info(`Manifest: ${shown}${dryRun ? ' (dry run)' : ''}`);

  const stateDir = stateDirFrom(env.PROVISIONER_STATE_DIR);
  if (stateDir.warning) log.warn(stateDir.warning);
  const state = new StateDir(stateDir.dir, log);
  if (options.force) {
    if (!state.owned()) {
      log.error(
        `--force: ${state.dir} is not a provisioner state directory (no .provisioner-state-dir marker, and it holds other files); not removing it. Point PROVISIONER_STATE_DIR at the provisioner's own directory.`,
      );
      return EXIT_CONFIG_REFUSED;
    }
    // Upstream clears even with --dry-run; a dry run changes nothing here.
    if (dryRun) log.info(`[DRY RUN] --force would clear ${state.dir}`);
    else {
      state.clear();
      log.info(`--force: cleared ${state.dir}`);
    }
  }

  let loaded: ProvisioningManifest | undefined = source === undefined ? defaults.manifest : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      // Inside the loop: a manifest that cannot be fetched or read is retried, and reported, like any failure.
      if (!loaded) {
        const overridden = applyProvisionerOverrides(
          await loadManifest(source!, env, options.manifestCopy ?? PROVISIONING_MANIFEST_PATH),
          env,
        );
        overridden.warnings.forEach((w) => log.warn(w));
        loaded = overridden.manifest;
        if (loaded.settings.log_file !== defaults.manifest.settings.log_file) log.setLogFile(loaded.settings.log_file);
      }
      const attempts = dryRun ? 1 : Math.max(1, loaded.on_failure.max_retries);
      await runPipeline(loaded, base, dryRun ? undefined : state, options, attempt, attempts);
      progress.update({ state: 'complete', phase: 'complete' });
      progress.close();
      if (loaded.on_failure.webhook_on_success) await sendWebhook(base, loaded, { action: 'success', manifest: shown, error: '' });
      log.info('Provisioning complete!');
      return EXIT_OK;
    } catch (error) {
      log.error(`FAILED: ${errorMessage(error)}`);
      const m = loaded ?? defaults.manifest;
      // A manifest that is invalid (or a path that is missing) stays so: retrying it only delays the boot.
      const total = dryRun || error instanceof ManifestError ? 1 : Math.max(1, m.on_failure.max_retries);
      if (attempt < total) {
        log.warn(`Attempt ${attempt}/${total} failed, retrying in ${m.on_failure.retry_delay}s...`);
        progress.update({ phase: `waiting to retry (attempt ${attempt + 1}/${total})` });
        await sleep(m.on_failure.retry_delay * 1000);
        continue;
      }
      if (total > 1) log.error(`All ${total} attempts exhausted`);
      progress.update({ state: 'failed' });
      progress.close();
      const what =
        source === undefined ? 'provisioning script failed' : total > 1 ? 'provisioning failed after all retries' : 'provisioning failed';
      await sendWebhook(base, m, { action: m.on_failure.action, manifest: shown, error: `${what}: ${errorMessage(error)}` });
      if (!dryRun) await failureAction(base, m, env.PROVISIONER_STOPPED_MARKER ?? PROVISIONER_STOPPED_MARKER);
      return EXIT_FAILED;
    }
  }
}
