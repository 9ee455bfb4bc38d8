// The release command (`npm run release`): version the packages from the pending changesets, refresh the
// lockfile, then build the released images parents first and push their tags. Images that are not released
// are not pushed. Run with `npx tsx scripts/release.ts [options]`; `--help` lists them.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDefinitionModule, run } from '@vast/plugin/scripting';

const USAGE = `Usage: npm run release -- [options]

  (no option)        changeset version, npm install --package-lock-only, then docker-build and
                     docker-push every image whose version changed
  --version-only     stop after the lockfile refresh (the "Version images" pull request runs this)
  --publish          after the version PR merged: build and push every image whose current version has
                     no git tag yet, then create the tags (changeset tag)
  --dry-run          change nothing: print the versions and the commands a release would run
  -c, --configuration <production|local>
                     build profile for docker-build and docker-push (default: production)
  --registry <host>  registry to push to (default: $VAST_REGISTRY)
  -h, --help         this text`;

export interface ReleaseOptions {
  dryRun: boolean;
  versionOnly: boolean;
  publish: boolean;
  configuration: 'production' | 'local';
  registry?: string;
}

export function parseReleaseArgs(argv: string[]): ReleaseOptions | { help: true } | { error: string } {
  const options: ReleaseOptions = { dryRun: false, versionOnly: false, publish: false, configuration: 'production' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--dry-run':
        options.dryRun = true;
        break;
      case '--version-only':
        options.versionOnly = true;
        break;
      case '--publish':
        options.publish = true;
        break;
      case '-c':
      case '--configuration': {
        const v = value();
        if (v !== 'production' && v !== 'local') return { error: `--configuration: '${v ?? ''}' is not a build profile. Use production or local.` };
        options.configuration = v;
        break;
      }
      case '--registry': {
        const v = value();
        if (!v) return { error: '--registry: needs a value such as 127.0.0.1:5000.' };
        options.registry = v;
        break;
      }
      case '-h':
      case '--help':
        return { help: true };
      default:
        return { error: `unknown option '${argv[i]}'. See --help.` };
    }
  }
  if (options.versionOnly && options.publish) return { error: '--version-only and --publish are two halves of a release; pass one.' };
  return options;
}

export interface ImagePackage {
  /** Nx project name, e.g. base-image. */
  project: string;
  /** npm package name, e.g. @vast/base-image. */
  name: string;
  version: string;
  /** Exact-pinned workspace image it is built FROM, if any (its npm name). */
  dependsOn: string[];
}

/** Every image package under packages/images/, read from its package.json. */
export function readImagePackages(root: string): ImagePackage[] {
  const dir = join(root, 'packages/images');
  if (!existsSync(dir)) return [];
  const packages = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'package.json')))
    .map((entry) => {
      const pkg = JSON.parse(readFileSync(join(dir, entry.name, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        nx?: { name?: string };
        dependencies?: Record<string, string>;
      };
      return { project: pkg.nx?.name ?? entry.name, name: pkg.name, version: pkg.version, dependsOn: Object.keys(pkg.dependencies ?? {}) };
    });
  const names = new Set(packages.map((p) => p.name));
  return packages.map((p) => ({ ...p, dependsOn: p.dependsOn.filter((d) => names.has(d)) })).sort((a, b) => a.project.localeCompare(b.project));
}

export interface Release {
  project: string;
  name: string;
  from: string;
  to: string;
}

/** Images whose version differs between two readings, parents before children (FROM order), then by name. */
export function releasedImages(before: ImagePackage[], after: ImagePackage[]): Release[] {
  const old = new Map(before.map((p) => [p.name, p.version]));
  const changed = after.filter((p) => old.get(p.name) !== p.version);
  return fromOrder(after, changed).map((p) => ({ project: p.project, name: p.name, from: old.get(p.name) ?? '(new)', to: p.version }));
}

/** `subset` sorted so that an image comes after every image of `all` it depends on. */
export function fromOrder(all: ImagePackage[], subset: ImagePackage[]): ImagePackage[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const depth = (p: ImagePackage, path: string[] = []): number => {
    if (path.includes(p.project)) throw new Error(`packages/images: ${[...path, p.project].join(' -> ')} is a cycle of image dependencies. Remove one.`);
    const parents = p.dependsOn.map((d) => byName.get(d)).filter((d): d is ImagePackage => d !== undefined);
    return parents.length ? 1 + Math.max(...parents.map((d) => depth(d, [...path, p.project]))) : 0;
  };
  return [...subset].sort((a, b) => depth(a) - depth(b) || a.project.localeCompare(b.project));
}

/** Which profiles an image can be built in, from the `local` flags of its variants in image.ts. */
export async function readImageProfiles(root: string, project: string): Promise<Set<'production' | 'local'>> {
  // Loaded the way the plugin loads it, so the script and the build targets read the same definition.
  const definition = (await loadDefinitionModule(join(root, 'packages/images', project, 'image.ts'))) as { variants?: { local?: boolean }[] } | undefined;
  const variants = definition?.variants ?? [];
  return new Set(variants.map((v) => (v.local === true ? 'local' : 'production')));
}

/** The nx commands that build and push `projects`; docker-build's `^docker-build` dependency orders parents first. */
export function releaseCommands(projects: string[], options: Pick<ReleaseOptions, 'configuration'>): string[][] {
  const list = projects.join(',');
  return [
    ['run-many', '-t', 'docker-build', '-p', list, '-c', options.configuration],
    // One at a time and stop at the first failure: a failed push must not be followed by more pushes.
    ['run-many', '-t', 'docker-push', '-p', list, '-c', options.configuration, '--parallel=1', '--nxBail'],
  ];
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function bin(root: string, name: string): string {
  return join(root, 'node_modules', '.bin', name);
}

/** The version changes `changeset version` would make, read from `changeset status --output` (writes nothing in the repo). */
async function pendingReleases(root: string, images: ImagePackage[]): Promise<Release[]> {
  const dir = mkdtempSync(join(tmpdir(), 'release-status-'));
  try {
    const out = join(dir, 'plan.json');
    await run(bin(root, 'changeset'), ['status', `--output=${out}`], { cwd: root });
    const plan = JSON.parse(readFileSync(out, 'utf8')) as { releases: { name: string; oldVersion: string; newVersion: string; type: string }[] };
    const after = images.map((p) => {
      const r = plan.releases.find((x) => x.name === p.name && x.type !== 'none');
      return r ? { ...p, version: r.newVersion } : p;
    });
    return releasedImages(images, after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Images whose current version has no `<name>@<version>` git tag yet: versioned by a merged PR, not yet released. */
async function untaggedImages(root: string, images: ImagePackage[]): Promise<Release[]> {
  const tags = new Set((await run('git', ['tag', '--list', '@vast/*'], { cwd: root })).stdout.split('\n').filter(Boolean));
  const pending = images.filter((p) => !tags.has(`${p.name}@${p.version}`));
  return fromOrder(images, pending).map((p) => ({ project: p.project, name: p.name, from: '(untagged)', to: p.version }));
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseReleaseArgs(argv);
  if ('help' in parsed) {
    log(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`release: ${parsed.error}\n`);
    return 2;
  }
  const options = parsed;
  const root = resolve(__dirname, '..');
  const env = { ...process.env, ...(options.registry ? { VAST_REGISTRY: options.registry } : {}) };
  const step = async (what: string, command: string, args: string[]) => {
    log(`\nrelease: ${what}\n$ ${[command.startsWith(root) ? command.slice(root.length + 1) : command, ...args].join(' ')}`);
    await run(command, args, { cwd: root, env, stdio: 'inherit' });
  };
  const nx = bin(root, 'nx');
  const before = readImagePackages(root);
  // Checked before anything changes: a release that cannot push should not version either.
  if (!options.versionOnly && !options.dryRun && !env.VAST_REGISTRY) {
    process.stderr.write('release: no registry to push to. Pass --registry=<host[:port]> or set VAST_REGISTRY. Nothing was changed.\n');
    return 1;
  }

  let releases: Release[];
  if (options.publish) {
    releases = await untaggedImages(root, before);
  } else if (options.dryRun) {
    releases = await pendingReleases(root, before);
  } else {
    await step('1/4 apply the changesets', bin(root, 'changeset'), ['version']);
    // changeset version does not touch package-lock.json; without this `npm ci` fails on the version PR.
    await step('2/4 refresh the lockfile', 'npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund']);
    releases = releasedImages(before, readImagePackages(root));
  }

  log(`\nrelease: ${releases.length ? 'images to release' : 'no image to release'}${options.dryRun ? ' (dry run)' : ''}`);
  for (const r of releases) log(`  ${r.project.padEnd(16)} ${r.from} -> ${r.to}`);
  if (options.versionOnly) return 0;

  // An image with no variant in this profile has nothing to build or push (the local profile builds
  // only what Debian packages can make); say so rather than fail halfway through the chain.
  const profiles = await Promise.all(releases.map((r) => readImageProfiles(root, r.project)));
  const buildable = releases.filter((_, i) => profiles[i].has(options.configuration));
  for (const r of releases.filter((x) => !buildable.includes(x))) {
    log(`  ${r.project.padEnd(16)} not built or pushed: no ${options.configuration} variant in packages/images/${r.project}/image.ts`);
  }
  if (!buildable.length) return 0;

  const commands = releaseCommands(
    buildable.map((r) => r.project),
    options,
  );
  if (options.dryRun) {
    log('\nrelease: would run');
    if (!options.publish) {
      log('  changeset version');
      log('  npm install --package-lock-only --ignore-scripts --no-audit --no-fund');
    }
    for (const c of commands) log(`  nx ${c.join(' ')}`);
    if (options.publish) log('  changeset tag');
    return 0;
  }
  await step('3/4 build the released images, parents first', nx, commands[0]);
  await step(`4/4 push their tags to ${env.VAST_REGISTRY}`, nx, commands[1]);
  if (options.publish) await step('tag the released versions in git', bin(root, 'changeset'), ['tag']);
  log(`\nrelease: pushed ${buildable.map((r) => `${r.project}@${r.to}`).join(', ')}`);
  return 0;
}

// Run only as a command, not when a test imports the functions above.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`release: ${error instanceof Error ? error.message : String(error)}\nNothing after the failed step ran.\n`);
      process.exit(1);
    },
  );
}
