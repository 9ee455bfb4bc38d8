// The install phases other than downloads, each from the manifest of this attempt: write_files, apt, git, pip,
// conda, services, post_commands and PROVISIONING_SCRIPT (§1.6). Each throws on failure; the run stops there.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ManifestGitRepo, ManifestService, ManifestWriteFile } from '@vast/conventions/provisioning-manifest';
import type { Service } from '@vast/conventions';
import { launchScriptPath, renderLaunchScript, renderSupervisorConf, supervisorConfPath } from '@vast/conventions/supervisor';
import { shellDoubleQuote } from '@vast/conventions/text';
import { bashCommand, CommandError, onPath, runCommand } from './exec';
import { errorMessage, pool, sleep, type RunContext } from './context';

const GENERATED_BY = 'the provisioning manifest (provisioner services phase)';

async function run(context: RunContext, argv: string[], options: { cwd?: string } = {}) {
  if (context.dryRun) {
    context.log.info(`[DRY RUN] ${options.cwd ? `(in ${options.cwd}) ` : ''}${argv.join(' ')}`);
    return;
  }
  await runCommand(context.log, argv, { cwd: options.cwd, env: context.env });
}

export async function writeFiles(context: RunContext, files: readonly ManifestWriteFile[]): Promise<void> {
  for (const file of files) {
    if (context.dryRun) {
      context.log.info(
        `[DRY RUN] write ${file.path} (${file.content.length} bytes, mode ${file.permissions}${file.owner ? `, owner ${file.owner}` : ''})`,
      );
      continue;
    }
    mkdirSync(dirname(file.path), { recursive: true });
    // Atomic: a reader (or a crash) never sees half a file.
    const tmp = `${file.path}.provisioner-tmp`;
    writeFileSync(tmp, file.content);
    chmodSync(tmp, parseInt(file.permissions, 8));
    renameSync(tmp, file.path);
    if (file.owner) {
      try {
        await runCommand(context.log, ['chown', file.owner.includes(':') ? file.owner : `${file.owner}:`, file.path]);
      } catch (error) {
        context.log.warn(`${file.path} written, but not given to ${file.owner}: ${errorMessage(error)}`);
      }
    }
    context.log.info(`Wrote ${file.path}`);
  }
}

export async function installApt(context: RunContext, packages: readonly string[]): Promise<void> {
  if (!packages.length) return;
  await run(context, ['apt-get', 'update', '-qq']);
  await run(context, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

/** What the git phase does after de-duplication (§1.6 step 6): clones, then symlinks to an earlier clone. */
export function planGitRepos(repos: readonly ManifestGitRepo[]) {
  const clones: ManifestGitRepo[] = [];
  const links: { target: string; link: string }[] = [];
  const destOwner = new Map<string, string>();
  const byUrlRef = new Map<string, ManifestGitRepo>();
  for (const original of repos) {
    const repo = { ...original, post_commands: [...original.post_commands] };
    const key = `${repo.url}\n${repo.ref}`;
    const owner = destOwner.get(repo.dest);
    if (owner !== undefined && owner !== key) repo.dest = `${repo.dest}--${repo.ref ? repo.ref.replace(/[/\\]/g, '-') : 'default'}`;
    const primary = byUrlRef.get(key);
    if (primary) {
      if (primary.dest === repo.dest) {
        if (!primary.post_commands.length) primary.post_commands.push(...repo.post_commands);
        continue;
      }
      if (!repo.post_commands.length) {
        links.push({ target: primary.dest, link: repo.dest });
        continue;
      }
    } else byUrlRef.set(key, repo);
    destOwner.set(repo.dest, key);
    clones.push(repo);
  }
  return { clones, links };
}

export async function cloneRepos(context: RunContext, repos: readonly ManifestGitRepo[]): Promise<void> {
  const { clones, links } = planGitRepos(repos);
  const errors = await pool(clones, 4, async (repo) => {
    if (existsSync(repo.dest)) {
      if (!repo.pull_if_exists) {
        context.log.info(`${repo.dest} exists, skipping clone`);
        return;
      }
      await run(context, ['git', '-C', repo.dest, 'pull']);
    } else {
      await run(context, ['git', 'clone', ...(repo.recursive ? ['--recursive'] : []), repo.url, repo.dest]);
    }
    if (repo.ref) await run(context, ['git', '-C', repo.dest, 'checkout', repo.ref]);
  });
  if (errors.length) {
    for (const e of errors) context.log.error(errorMessage(e));
    throw new Error(`git: ${errors.length} of ${clones.length} repositories failed`);
  }
  // After every clone: a repo's post_commands may use another repo.
  for (const repo of clones) for (const command of repo.post_commands) await run(context, bashCommand(command), { cwd: repo.dest });
  for (const { target, link } of links) {
    if (context.dryRun) context.log.info(`[DRY RUN] link ${link} -> ${target}`);
    else if (!existsSync(link)) {
      if (!existsSync(target)) context.log.warn(`cannot link ${link}: ${target} is missing`);
      else {
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(target, link);
      }
    }
  }
}

export async function installPip(context: RunContext): Promise<void> {
  const { manifest } = context;
  const uv = await onPath(context.log, 'uv');
  for (const block of manifest.pip_packages) {
    const venv = block.venv || manifest.settings.venv || '/venv/main';
    const system = venv === 'system';
    const python = system ? (block.python ? `/usr/bin/python${block.python}` : 'python3') : `${venv}/bin/python`;
    if (!system && (block.venv || block.python) && !existsSync(`${venv}/bin/python`)) {
      await run(
        context,
        uv
          ? ['uv', 'venv', ...(block.python ? ['--python', block.python] : []), venv]
          : [`python${block.python || '3'}`, '-m', 'venv', venv],
      );
    }
    const args = block.args.split(/\s+/).filter(Boolean);
    // uv when the block asks for it and the image has it (production); pip otherwise (the local profile has no uv).
    const installer =
      block.tool === 'uv' && uv
        ? ['uv', 'pip', 'install', '--no-cache', '--python', python, ...(system ? ['--system', '--break-system-packages'] : [])]
        : [python, '-m', 'pip', 'install', '--no-cache-dir', ...(system ? ['--break-system-packages'] : [])];
    if (block.packages.length) await run(context, [...installer, ...args, ...block.packages]);
    for (const file of block.requirements) await run(context, [...installer, ...args, '-r', file]);
  }
}

export async function installConda(context: RunContext): Promise<void> {
  const { manifest } = context;
  if (!manifest.conda_packages.length) return;
  const candidates = ['/opt/miniforge3/bin/mamba', '/opt/miniforge3/bin/conda'];
  let tool = candidates.find((c) => existsSync(c));
  if (!tool) for (const name of ['mamba', 'conda']) if (!tool && (await onPath(context.log, name))) tool = name;
  if (!tool)
    throw new Error('conda_packages: neither mamba nor conda is installed in this image. Use pip_packages, or an image with miniforge.');
  for (const block of manifest.conda_packages) {
    const env = block.env || manifest.settings.conda_env;
    if (env && !existsSync(join(env, 'conda-meta')))
      await run(context, [tool, 'create', '-y', '-p', env, ...(block.python ? [`python=${block.python}`] : [])]);
    await run(context, [
      tool,
      'install',
      '-y',
      ...(env ? ['-p', env] : []),
      ...block.channels.flatMap((c) => ['-c', c]),
      ...block.args.split(/\s+/).filter(Boolean),
      ...block.packages,
    ]);
  }
}

/** A manifest service as the image-service renderer takes it: the same launch script and conf as image services. */
export function serviceOf(service: ManifestService): Service {
  const activate = service.venv && service.venv !== 'system' ? [`. ${service.venv}/bin/activate`] : [];
  // In the script, as upstream writes them: a value is literal (no expansion by the shell), whatever it holds.
  const exports = Object.entries(service.environment).map(([k, v]) => `export ${k}=${shellDoubleQuote(v)}`);
  return {
    name: service.name,
    command: [...activate, ...exports, ...service.pre_commands, service.command].join('\n'),
    ...(service.portal_search_term ? { portalLabel: service.portal_search_term } : {}),
    portal: [],
    ...(service.workdir ? { workdir: service.workdir } : {}),
    waitForProvisioning: service.wait_for_provisioning,
    skipOnServerless: service.skip_on_serverless,
    environment: {},
    startsecs: 5,
    autorestart: 'unexpected',
    pty: true,
  };
}

async function supervisorReady(context: RunContext): Promise<void> {
  const configured = Number(context.env.SUPERVISOR_READY_TIMEOUT);
  const timeout = Number.isInteger(configured) && configured > 0 ? configured : 60;
  for (let waited = 0; ; waited++) {
    try {
      await runCommand(context.log, ['supervisorctl', 'status'], { quiet: true, okCodes: [0, 3], env: context.env });
      return;
    } catch (error) {
      if (waited >= timeout)
        throw new Error(`supervisord did not answer within ${timeout} s (SUPERVISOR_READY_TIMEOUT): ${errorMessage(error)}`);
      await sleep(1000);
    }
  }
}

export async function installServices(context: RunContext, dirs = { scripts: '', confs: '' }): Promise<void> {
  const services = context.manifest.services.map(serviceOf);
  if (!services.length) return;
  for (const service of services) {
    const script = dirs.scripts ? join(dirs.scripts, `${service.name}.sh`) : launchScriptPath(service);
    const conf = dirs.confs ? join(dirs.confs, `${service.name}.conf`) : supervisorConfPath(service);
    if (context.dryRun) {
      context.log.info(`[DRY RUN] ${script}:\n${renderLaunchScript(service, GENERATED_BY)}`);
      context.log.info(`[DRY RUN] ${conf}:\n${renderSupervisorConf(service, GENERATED_BY)}`);
      continue;
    }
    mkdirSync(dirname(script), { recursive: true });
    mkdirSync(dirname(conf), { recursive: true });
    writeFileSync(script, renderLaunchScript(service, GENERATED_BY), { mode: 0o755 });
    chmodSync(script, 0o755);
    writeFileSync(conf, renderSupervisorConf(service, GENERATED_BY));
    context.log.info(`Service ${service.name}: wrote ${script} and ${conf}`);
  }
  if (context.dryRun) return;
  await supervisorReady(context);
  try {
    await runCommand(context.log, ['supervisorctl', 'reread'], { env: context.env });
  } catch (error) {
    // Another program's broken conf makes reread fail; ours are checked one by one below.
    context.log.warn(`supervisorctl reread: ${errorMessage(error)}`);
  }
  await runCommand(context.log, ['supervisorctl', 'update'], { env: context.env });
  for (const service of services) {
    const { output } = await runCommand(context.log, ['supervisorctl', 'status', service.name], {
      capture: true,
      quiet: true,
      okCodes: [0, 1, 2, 3, 4],
      env: context.env,
    });
    if (/no such process/i.test(output))
      throw new Error(`service ${service.name}: supervisord did not load it (${output.trim()}). See its conf in the log above.`);
    context.log.info(`Service ${service.name}: ${output.trim()}`);
  }
}

/** post_commands, one by one under bash (upstream: /bin/sh), in the workspace; the first failure stops the run. */
export async function runPostCommands(context: RunContext, commands: readonly string[]): Promise<void> {
  const cwd = context.env.WORKSPACE && existsSync(context.env.WORKSPACE) ? context.env.WORKSPACE : undefined;
  for (const command of commands) await run(context, bashCommand(command), { cwd });
}

/**
 * PROVISIONING_SCRIPT: fetched by fetch-script (https only, redirects included; PROVISIONING_SCRIPT_SHA256 pins its
 * content), then run with its shebang, or bash when it has none.
 */
export async function runProvisioningScript(context: RunContext, scriptPath = '/provisioning.sh'): Promise<void> {
  await run(context, ['fetch-script', 'PROVISIONING_SCRIPT', scriptPath]);
  if (context.dryRun) return;
  const hasShebang = readFileSync(scriptPath, 'utf8').startsWith('#!');
  const cwd = context.env.WORKSPACE && existsSync(context.env.WORKSPACE) ? context.env.WORKSPACE : '/';
  try {
    await runCommand(context.log, hasShebang ? [scriptPath] : ['bash', scriptPath], { cwd, env: context.env });
  } catch (error) {
    // The variable is named, never its value (a URL may carry a token in its query string).
    const how = error instanceof CommandError && error.status !== undefined ? `exited with status ${error.status}` : errorMessage(error);
    throw new Error(`${scriptPath} (from PROVISIONING_SCRIPT) ${how}`);
  }
}
