// A provisioning manifest baked into a derivative image: what it installs (write_files, apt, git repos at their refs
// with their post_commands, pip) becomes build steps and ROOT/ files, its services become image services; what only
// a booted instance can do (downloads, conditional downloads, env_merge, conda, post_commands, write_files_late) stays
// in a residual manifest the image ships as /provisioning.yaml, which boot stage 75 runs.
// installSetOf reads both sides into one shape, so a test can hold that the image installs what the manifest did.
import type { ImageDefinitionInput, Step } from '../schema';
import { shellQuote } from '../text';
import { serviceInput, stepInput, WORKSPACE_DEFAULT, WORKSPACE_INTERNAL, type ServiceInput } from '../provisioning';
import { manifestServiceOf } from './service';
import { MANIFEST_KEYS, type ProvisioningManifest, type ProvisioningManifestInput } from './schema';

/** The keys a build cannot do; they stay in the residual manifest. */
export const BOOT_ONLY_KEYS = [
  'downloads',
  'conditional_downloads',
  'env_merge',
  'conda_packages',
  'extensions',
  'write_files_late',
  'post_commands',
] as const;
/** Settings that shape how the residual runs. */
const RESIDUAL_SETTINGS = ['settings', 'auth', 'on_failure'] as const;

/** Where a path of the instance lives in the image: the workspace is a volume, so boot copies it from WORKSPACE_INTERNAL. */
export const imagePathOf = (path: string) =>
  path === WORKSPACE_DEFAULT || path.startsWith(`${WORKSPACE_DEFAULT}/`) ? WORKSPACE_INTERNAL + path.slice(WORKSPACE_DEFAULT.length) : path;

const packageName = (spec: string) => spec.split('=')[0];
const requirementName = (requirement: string) => /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(requirement)?.[0] ?? requirement;
const stepName = (text: string) =>
  text
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '') || 'repo';

export interface ManifestConversion {
  steps: Step[];
  services: ServiceInput[];
  /** Files for the image's ROOT/ overlay: path inside ROOT/ (no leading slash), content, mode. */
  files: { path: string; content: string; mode: number }[];
  /** The manifest the image ships as /provisioning.yaml, or undefined when nothing is left for boot. */
  residual?: ProvisioningManifestInput;
}

export interface ConvertOptions {
  /** An ancestor pins torch: pip steps get the torch guard. */
  torchInChain: boolean;
}

/** A pip block's install command, as the provisioner runs it with uv (the image profile that has PyPI has uv). */
function pipLines(block: ProvisioningManifest['pip_packages'][number], venv: string): string[] {
  const system = venv === 'system';
  const target = system ? ['--system', '--break-system-packages'] : ['--python', `${venv}/bin/python`];
  const base = ['uv', 'pip', 'install', '--no-cache', ...target, ...block.args.split(/\s+/).filter(Boolean)].join(' ');
  return [
    ...(block.packages.length ? [`${base} ${block.packages.map(shellQuote).join(' ')}`] : []),
    ...block.requirements.map((file) => `${base} -r ${shellQuote(file)}`),
    ...(block.packages.length
      ? [
          `uv pip show ${system ? '--system' : `--python ${venv}/bin/python`} ${[...new Set(block.packages.map(requirementName))].join(' ')}`,
        ]
      : []),
  ];
}

/**
 * The image form of a parsed manifest. `input` is the manifest as written (the residual keeps its keys as they were,
 * defaults left out). Steps that fetch from PyPI or a git host are production-only, as every generated image's are.
 */
export function convertManifest(
  manifest: ProvisioningManifest,
  input: ProvisioningManifestInput,
  options: ConvertOptions,
): ManifestConversion {
  const steps: Step[] = [];
  const step = (fields: Omit<Step, 'needs' | 'torchGuard'> & Partial<Pick<Step, 'needs' | 'torchGuard'>>) =>
    steps.push({ needs: [], torchGuard: false, ...fields });
  const files = manifest.write_files.map((f) => ({
    path: imagePathOf(f.path).slice(1),
    content: f.content,
    mode: parseInt(f.permissions, 8),
  }));
  const owned = manifest.write_files.filter((f) => f.owner);
  if (owned.length)
    step({
      name: 'file-owners',
      comment: 'Owners of the files the manifest writes (write_files[].owner).',
      needs: owned.map((f) => imagePathOf(f.path).slice(1)),
      run: owned
        .map((f) => `chown ${shellQuote(f.owner.includes(':') ? f.owner : `${f.owner}:`)} ${shellQuote(imagePathOf(f.path))}`)
        .join('\n'),
    });
  if (manifest.apt_packages.length) {
    const packages = [...new Set(manifest.apt_packages)].sort();
    step({
      name: 'apt-packages',
      comment: 'Debian packages the manifest lists (apt_packages).',
      run: [
        'apt-get update',
        `apt-get install -y --no-install-recommends ${packages.map(shellQuote).join(' ')}`,
        'rm -rf /var/lib/apt/lists/*',
        `dpkg-query -W ${packages.map(packageName).join(' ')}`,
      ].join('\n'),
    });
  }
  const used = new Set<string>();
  for (const repo of manifest.git_repos) {
    const dest = imagePathOf(repo.dest);
    let name = `git-${stepName(repo.url.split(/[/:]/).pop() ?? '')}`;
    for (let i = 2; used.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
    used.add(name);
    step({
      name,
      comment: `${repo.url}${repo.ref ? ` at ${repo.ref}` : ''} into ${dest}${dest !== repo.dest ? ' (boot copies it to the workspace)' : ''}, then its post_commands. The local profile (Debian packages only) skips it.`,
      profile: 'production',
      run: [
        `git clone ${repo.recursive ? '--recursive ' : ''}${shellQuote(repo.url)} ${shellQuote(dest)}`,
        ...(repo.ref ? [`git -C ${shellQuote(dest)} checkout ${shellQuote(repo.ref)}`] : []),
        ...repo.post_commands.map((c) => `(cd ${shellQuote(dest)} && ${c})`),
        `git -C ${shellQuote(dest)} log -1 --format='%H'`,
      ].join('\n'),
    });
  }
  manifest.pip_packages.forEach((block, i) => {
    const lines = pipLines(block, block.venv || manifest.settings.venv);
    if (!lines.length) return;
    step({
      name: i ? `python-packages-${i + 1}` : 'python-packages',
      comment: `Python packages the manifest lists (pip_packages${manifest.pip_packages.length > 1 ? `[${i}]` : ''}). The local profile (Debian packages only) skips it.`,
      profile: 'production',
      torchGuard: options.torchInChain,
      run: lines.join('\n'),
    });
  });
  const services = manifest.services.map((s) => {
    const service = manifestServiceOf(s);
    // The generators' convention: the app listens on internal = external + 10000, and Caddy serves the external one.
    if (s.port && s.port > 10000 && s.portal_search_term)
      service.portal = [
        { label: s.portal_search_term, externalPort: s.port - 10000, internalPort: s.port, path: '/', hostname: 'localhost' },
      ];
    return serviceInput(service);
  });
  const residualKeys = MANIFEST_KEYS.filter(
    (key) => (BOOT_ONLY_KEYS as readonly string[]).includes(key) && input[key as keyof ProvisioningManifestInput] !== undefined,
  );
  const residual = residualKeys.length
    ? (Object.fromEntries(
        ['version', ...RESIDUAL_SETTINGS, ...residualKeys]
          .filter((key) => input[key as keyof ProvisioningManifestInput] !== undefined)
          .map((key) => [key, input[key as keyof ProvisioningManifestInput]]),
      ) as ProvisioningManifestInput)
    : undefined;
  return { steps, services, files, residual };
}

/** What a manifest or an image installs, in one comparable shape (downloads and the residual's keys excepted). */
export interface InstallSet {
  apt: string[];
  pip: string[];
  git: string[];
  files: string[];
  services: string[];
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** Shell words of a simple command line, with single quotes as shellQuote writes them. */
function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
}

/**
 * The install set of a manifest (what the provisioner's write_files, apt, git, pip and services phases act on) or of
 * an image (what its steps' commands install, its overlay files, its services), so the two can be compared.
 */
export function installSetOf(
  source:
    | { kind: 'manifest'; manifest: ProvisioningManifest }
    | {
        kind: 'image';
        definition: Pick<ImageDefinitionInput, 'steps' | 'services'>;
        /** The overlay's files: absolute path in the image and mode. */
        overlay: readonly { path: string; mode: number }[];
      },
): InstallSet {
  if (source.kind === 'manifest') {
    const m = source.manifest;
    return {
      apt: sorted(m.apt_packages),
      pip: sorted(m.pip_packages.flatMap((b) => [...b.packages, ...b.requirements.map((r) => `-r ${r}`)])),
      git: sorted(m.git_repos.map((r) => `${r.url}@${r.ref} ${imagePathOf(r.dest)}`)),
      files: sorted(m.write_files.map((f) => `${imagePathOf(f.path)} ${parseInt(f.permissions, 8).toString(8)}`)),
      services: sorted(m.services.map((s) => s.name)),
    };
  }
  const set: InstallSet = { apt: [], pip: [], git: [], files: [], services: [] };
  const clones = new Map<string, string>();
  const refs = new Map<string, string>();
  for (const step of source.definition.steps ?? []) {
    for (const line of step.run.split('\n')) {
      const w = words(line.trim());
      const args = (from: number) => w.slice(from).filter((a) => !a.startsWith('-'));
      if (w[0] === 'apt-get' && w[1] === 'install') set.apt.push(...args(2));
      else if (w[0] === 'uv' && w[1] === 'pip' && w[2] === 'install') {
        const rest = w.slice(3);
        for (let i = 0; i < rest.length; i++) {
          if (rest[i] === '-r') set.pip.push(`-r ${rest[++i]}`);
          else if (rest[i] === '--python') i++;
          else if (!rest[i].startsWith('-')) set.pip.push(rest[i]);
        }
      } else if (w[0] === 'git' && w[1] === 'clone') {
        const [url, dest] = args(2);
        clones.set(dest, url);
      } else if (w[0] === 'git' && w[1] === '-C' && w[3] === 'checkout') refs.set(w[2], w[4]);
    }
  }
  set.git = [...clones].map(([dest, url]) => `${url}@${refs.get(dest) ?? ''} ${dest}`);
  set.files = source.overlay.map((f) => `${f.path} ${(f.mode & 0o7777).toString(8)}`);
  set.services = (source.definition.services ?? []).map((s) => s.name);
  return { apt: sorted(set.apt), pip: sorted(set.pip), git: sorted(set.git), files: sorted(set.files), services: sorted(set.services) };
}
