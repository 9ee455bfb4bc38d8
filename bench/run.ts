// npm run bench: measures, in one run on this machine, what users feel — rebuild cost after no change and after an
// overlay edit, the same no-op through @nx/docker, assembly and graph cost at 5 vs 200 images, and affected precision.
// Prints ratios (robust on a noisy machine), never asserts on time. Needs a Docker engine (bash scripts/setup.sh).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScratchWorkspace } from '../e2e/support/scratch-workspace';
import { startRegistry } from '../e2e/support/registry-server';
import { dockerCommand, LOCAL_ROOT_DEFAULTS } from '@vast/plugin/testing';
import { addGeneratedImages } from './generated-images';
import { formatFigure, latestJson, type Figure } from './figures';
import { family } from './family';
import { cold } from './cold';
import { boot, DEFAULT_BOOT_REV } from './boot';
import { localBaseImageIn } from '../e2e/support/local-base-image';
import { DEFAULT_PREVIOUS_REV, portal } from './portal';
import { DEFAULT_LOADER_REV, loaderBeforeAfter, loaderFigures } from './loader';
import { currentRevision, revisionCheckout } from './revision-checkout';
import { timed } from './timed-nx';

const LOCAL_ROOT = LOCAL_ROOT_DEFAULTS.image;

// npm run bench -- [section ...] [--json] [--images=N] [--portal-rev=REV] [--loader-rev=REV] [--boot-rev=REV] [--note=TEXT]
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const only = new Set(process.argv.slice(2).filter((a) => !a.startsWith('--')));
const flag = (name: string) =>
  flags
    .find((f) => f === `--${name}` || f.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
const writeJson = flags.includes('--json');
const familySize = Number(flag('images') ?? 200);
const SECTIONS = ['rebuild', 'family', 'cold', 'boot', 'portal', 'scale', 'affected', 'loader'];
const want = (section: string) => only.size === 0 || only.has(section);
const figures: Figure[] = [];
let currentSection = '';
const record = (figure: Figure) => void figures.push(figure);
const report = (what: string, value: string) => {
  record({ section: currentSection, what, value });
  console.log(`  ${what}: ${value}`);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(1)}%`;

/** The middle of three runs: one slow outlier on this shared machine does not decide a ratio. */
function median3(measure: () => number): number {
  return [measure(), measure(), measure()].sort((a, b) => a - b)[1];
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function removeBuildTags(repository: string) {
  const refs = docker('image', 'ls', repository, '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter(Boolean);
  if (refs.length) docker('image', 'rm', '-f', ...refs);
}

/** Section 1 and 2: our docker-build cold, no-op and after an overlay edit; then @nx/docker's no-op on the same context. */
function rebuilds(ws: ScratchWorkspace): { cold: number; peerBuild: () => number } {
  console.log('\n== docker-build -c local of the local chain (base-image)');
  timed(ws, 'local root', ['run', 'base-image:local-root']);
  removeBuildTags('vastai/base-image');
  docker('builder', 'prune', '-af');
  const cold = timed(ws, 'cold build', ['run', 'base-image:docker-build', '-c', 'local']);
  report('cold build', seconds(cold));
  const noop = median3(() => timed(ws, 'no-op re-run', ['run', 'base-image:docker-build', '-c', 'local']));
  report('no-op re-run (median of 3)', `${seconds(noop)} = ${ratio(noop, cold)} of cold (target < 5%)`);
  ws.write('packages/images/base-image/ROOT/etc/vast-bench-note.txt', `edited ${Date.now()}\n`);
  const overlay = timed(ws, 'overlay edit re-run', ['run', 'base-image:docker-build', '-c', 'local']);
  report('overlay-only edit re-run', `${seconds(overlay)} = ${ratio(overlay, cold)} of cold (target < 15%)`);

  console.log('\n== the same no-op through @nx/docker (its inferred docker:build on the same assembled context)');
  const peerDir = 'peer/base-image';
  mkdirSync(join(ws.root, peerDir), { recursive: true });
  cpSync(join(ws.root, 'dist/images/base-image'), join(ws.root, peerDir), { recursive: true });
  // Like a real @nx/docker project here: it depends on the image project, so its inferred dependsOn ^build keeps the
  // assembled context current, exactly as our docker-build's dependsOn build does.
  ws.write(
    `${peerDir}/package.json`,
    JSON.stringify({ name: 'peer-base-image', version: '1.0.0', private: true, dependencies: { '@vast/base-image': '1.0.0' } }, null, 2),
  );
  const nxJson = JSON.parse(ws.read('nx.json'));
  nxJson.plugins.push({
    plugin: '@nx/docker',
    // Only the peer copy: @nx/docker infers a project from every Dockerfile (golden files included).
    include: ['peer/**/*'],
    options: {
      buildTarget: {
        name: 'docker:build',
        args: ['--build-arg', `BASE_IMAGE=${LOCAL_ROOT}`, '--build-arg', 'VAST_PROFILE=local'],
      },
    },
  });
  ws.write('nx.json', JSON.stringify(nxJson, null, 2));
  const pkg = JSON.parse(ws.read('package.json'));
  pkg.workspaces.push('peer/*');
  ws.write('package.json', JSON.stringify(pkg, null, 2));
  ws.commit('bench: @nx/docker peer');
  const env = { DOCKER_BUILDKIT: '1' };
  timed(ws, '@nx/docker warm-up', ['run', 'peer-base-image:docker:build'], env);
  const peerNoop = median3(() => timed(ws, '@nx/docker no-op', ['run', 'peer-base-image:docker:build'], env));
  const oursNoop = median3(() => timed(ws, 'ours no-op', ['run', 'base-image:docker-build', '-c', 'local']));
  const floor = median3(() => timed(ws, 'nx startup floor', ['show', 'projects']));
  // The workspace's .env turns Nx's plugin isolation off; this is what every nx command would cost with it on.
  const isolatedFloor = median3(() =>
    timed(ws, 'nx startup floor, plugins isolated', ['show', 'projects'], { NX_ISOLATE_PLUGINS: 'true' }),
  );
  report('@nx/docker no-op re-run (nx run, wall, median of 3)', seconds(peerNoop));
  report('ours no-op re-run (nx run, wall, median of 3, same moment)', seconds(oursNoop));
  report(
    'nx startup floor (nx show projects)',
    `${seconds(floor)} (${seconds(isolatedFloor)} with Nx's default plugin isolation, which .env turns off)`,
  );
  report(
    'warm no-op: ours vs @nx/docker, whole command',
    `${(peerNoop / oursNoop).toFixed(2)}x (both sit on the nx floor; see fresh-runner below)`,
  );
  report('warm no-op: ours vs @nx/docker, above the nx floor', `${((peerNoop - floor) / Math.max(oursNoop - floor, 1)).toFixed(2)}x`);
  // The engine-side work each no-op does: a fully cached `docker build` of the context vs our tag lookups.
  const dockerCli = dockerCommand();
  const buildArgs = [
    'build',
    '-q',
    '--build-arg',
    `BASE_IMAGE=${LOCAL_ROOT}`,
    '--build-arg',
    'VAST_PROFILE=local',
    '--build-arg',
    'PYTHON_VERSION=3.11',
    join(ws.root, peerDir),
  ];
  const engine = (args: string[]) => {
    const started = process.hrtime.bigint();
    execFileSync(dockerCli, args, { stdio: 'ignore', env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const cachedBuild = engine(buildArgs);
  const lookup = engine(['image', 'inspect', '--format', '{{.Id}}', LOCAL_ROOT]);
  // A developer machine runs the Nx daemon (CI does not): the same no-ops with it, warmed once.
  const daemon = { NX_DAEMON: 'true', CI: '' };
  timed(ws, 'daemon warm-up', ['show', 'projects'], daemon);
  const oursDaemon = Math.min(
    ...[0, 1].map(() => timed(ws, 'ours no-op (daemon)', ['run', 'base-image:docker-build', '-c', 'local'], daemon)),
  );
  const peerDaemon = Math.min(
    ...[0, 1].map(() => timed(ws, '@nx/docker no-op (daemon)', ['run', 'peer-base-image:docker:build'], { ...daemon, ...env })),
  );
  ws.run(join(ws.root, 'node_modules/.bin/nx'), ['daemon', '--stop'], daemon);
  report('with the Nx daemon: ours no-op', `${seconds(oursDaemon)} = ${ratio(oursDaemon, cold)} of cold`);
  report('with the Nx daemon: @nx/docker no-op', `${seconds(peerDaemon)} (ours ${(peerDaemon / oursDaemon).toFixed(2)}x)`);
  report('engine work of a no-op: cached docker build', seconds(cachedBuild));
  report('engine work of a no-op: our tag lookup', `${seconds(lookup)} (${(cachedBuild / lookup).toFixed(1)}x less)`);
  return { cold, peerBuild: () => timed(ws, '@nx/docker cold build', ['run', 'peer-base-image:docker:build'], env) };
}

function perImageCosts(images: number, extra: number) {
  const ws = ScratchWorkspace.create(`vast-bench-${images}-`);
  try {
    addGeneratedImages(ws, extra);
    ws.commit('bench: generated images');
    // Graph: computed from scratch (no daemon, no workspace-data cache).
    const graph = timed(ws, 'graph', ['graph', '--file=graph.json'], { NX_CACHE_PROJECT_GRAPH: 'false' });
    const build = timed(ws, 'assembly', ['run-many', '-t', 'build', '--skip-nx-cache', '--parallel=2']);
    return { graph: graph / images, build: build / images };
  } finally {
    ws.dispose();
  }
}

function scale() {
  console.log('\n== assembly (build) and project graph, per image, at 5 and at 200 images');
  const five = perImageCosts(5, 0);
  const many = perImageCosts(200, 195);
  report('graph per image at 5', seconds(five.graph));
  report('graph per image at 200', `${seconds(many.graph)} = ${(many.graph / five.graph).toFixed(2)}x (target <= 1.5x)`);
  report('assembly per image at 5', seconds(five.build));
  report('assembly per image at 200', `${seconds(many.build)} = ${(many.build / five.build).toFixed(2)}x (target <= 1.5x)`);
}

/** Section 4: for scripted one-file changes, what nx affected selects vs the FROM closure of the changed image. */
function affectedPrecision() {
  console.log('\n== affected precision: nx affected vs the minimal set (FROM closure of the changed image)');
  const ws = ScratchWorkspace.create('vast-bench-affected-');
  try {
    const images = ['base-image', 'pytorch', 'comfyui', 'vllm', 'ollama'];
    const parent = (name: string) =>
      Object.keys(JSON.parse(ws.read(`packages/images/${name}/package.json`)).dependencies ?? {})
        .map((d) => d.replace('@vast/', ''))
        .find((d) => images.includes(d));
    const closure = (changed: string) =>
      images.filter((i) => {
        for (let p: string | undefined = i; p; p = parent(p)) if (p === changed) return true;
        return false;
      });
    const cases: Array<{ what: string; edit: () => void; minimal: string[] }> = [];
    for (const image of images) {
      cases.push({
        what: `${image} ROOT file`,
        edit: () => ws.write(`packages/images/${image}/ROOT/etc/bench-${image}.txt`, 'x\n'),
        minimal: closure(image),
      });
      cases.push({
        what: `${image} image.ts`,
        edit: () => ws.edit(`packages/images/${image}/image.ts`, (t) => `${t}// bench\n`),
        minimal: closure(image),
      });
    }
    cases.push({
      what: 'conventions renderer',
      edit: () => ws.edit('packages/conventions/src/dockerfile.ts', (t) => `${t}// bench\n`),
      minimal: images,
    });
    cases.push({
      what: 'portal source',
      edit: () => ws.edit('packages/portal/package.json', (t) => t.replace('"description": "', '"description": "(bench) ')),
      minimal: images,
    });
    cases.push({ what: 'README.md', edit: () => ws.write('README.md', `${ws.read('README.md')}\nbench\n`), minimal: [] });
    let exact = 0;
    for (const c of cases) {
      c.edit();
      ws.commit(`bench: ${c.what}`);
      const result = ws.nx('show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '-t', 'docker-build');
      const selected = result.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .sort();
      const minimal = [...c.minimal].sort();
      const ok = JSON.stringify(selected) === JSON.stringify(minimal);
      if (ok) exact++;
      report(c.what, `${ok ? 'exact' : 'NOT minimal'}: selected [${selected.join(' ')}], minimal [${minimal.join(' ')}]`);
    }
    report('affected precision', `exactly minimal in ${exact}/${cases.length} cases (target: all)`);
  } finally {
    ws.dispose();
  }
}

/**
 * Section 3: a fresh CI runner (no image, no build cache) where another runner already built the same content — every
 * CI run of an unchanged image, and every unchanged parent that nx affected pulls in as a task dependency.
 * Ours finds the content-tagged build in the cache registry (one manifest lookup; no layer moves); @nx/docker has no
 * content key to look up and rebuilds. With --pull ours also downloads it, for when the engine must have it.
 */
async function freshRunner(ws: ScratchWorkspace, peerBuild: () => number) {
  console.log('\n== a fresh runner: the image was built elsewhere and shared through a registry (--cacheRegistry)');
  const dir = mkdtempSync(join(tmpdir(), 'vast-bench-registry-'));
  const registry = await startRegistry(dir);
  try {
    const ours = (...extra: string[]) =>
      timed(ws, 'ours on a fresh runner', ['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${registry.host}`, ...extra]);
    ours();
    const forget = () => {
      const ids = docker('image', 'ls', '--format', '{{.ID}}', '--filter', 'reference=vastai/base-image').split('\n');
      const peer = docker('image', 'ls', '--format', '{{.ID}}', '--filter', 'reference=*peer*').split('\n');
      const all = [...new Set([...ids, ...peer].filter(Boolean))];
      if (all.length) docker('image', 'rm', '-f', ...all);
      // Untagged leftovers of earlier builds still hold the same layers, and a registry cache would find them here.
      docker('image', 'prune', '-f');
      docker('builder', 'prune', '-af');
    };
    forget();
    const found = ours();
    forget();
    const pulled = ours('--pull');
    forget();
    const rebuilt = peerBuild();
    // The peer at its best: BuildKit's inline cache in the same registry (--cache-from). A hit still has to bring every
    // layer into the engine to produce the image, where ours moves none.
    const cacheRef = `${registry.host}/peer-base-image:cache`;
    const nxJson = JSON.parse(ws.read('nx.json'));
    const peerPlugin = nxJson.plugins.find((p: { plugin?: string }) => p.plugin === '@nx/docker');
    const peerArgs = peerPlugin.options.buildTarget.args as string[];
    peerPlugin.options.buildTarget.configurations = {
      'registry-cache': { args: [...peerArgs, '--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--cache-from', cacheRef] },
    };
    ws.write('nx.json', JSON.stringify(nxJson, null, 2));
    ws.commit('bench: @nx/docker with a registry cache');
    const peerCached = (label: string) =>
      timed(ws, label, ['run', 'peer-base-image:docker:build', '-c', 'registry-cache'], { DOCKER_BUILDKIT: '1' });
    peerCached('@nx/docker: image with inline cache');
    docker('tag', 'peer-base-image:latest', cacheRef);
    docker('push', cacheRef);
    docker('image', 'rm', cacheRef);
    forget();
    const peerFromCache = peerCached('@nx/docker on a fresh runner, registry cache');
    report('fresh-runner no-op, ours (found in the cache registry, nothing pulled)', seconds(found));
    report('fresh-runner no-op, @nx/docker as inferred (rebuilds)', seconds(rebuilt));
    report('fresh-runner no-op: ours vs @nx/docker as inferred', `${(rebuilt / found).toFixed(1)}x faster (target >= 10x)`);
    report('fresh-runner no-op, @nx/docker given a registry cache (--cache-from, inline)', seconds(peerFromCache));
    report('fresh-runner no-op: ours vs @nx/docker given a registry cache', `${(peerFromCache / found).toFixed(1)}x faster`);
    report(
      'fresh runner, image needed in the engine: ours with --pull',
      `${seconds(pulled)} (${(rebuilt / pulled).toFixed(1)}x faster than the rebuild, ${(peerFromCache / pulled).toFixed(1)}x the peer's registry cache)`,
    );
  } finally {
    registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const started = Date.now();
  // The code measured: the checkout as the run starts.
  const revision = currentRevision();
  const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '';
  const unknown = [...only].filter((s) => !SECTIONS.includes(s));
  if (unknown.length) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; the sections are ${SECTIONS.join(', ')}`);
  const ran: string[] = [];
  const section = (name: string) => {
    currentSection = name;
    ran.push(name);
  };
  if (want('rebuild')) {
    section('rebuild');
    const ws = ScratchWorkspace.create('vast-bench-rebuild-');
    try {
      const { peerBuild } = rebuilds(ws);
      await freshRunner(ws, peerBuild);
    } finally {
      ws.dispose();
    }
  }
  if (want('family')) {
    section('family');
    await family(familySize, record);
  }
  if (want('cold') || want('boot')) {
    const ws = ScratchWorkspace.create('vast-bench-cold-');
    try {
      if (want('cold')) {
        section('cold');
        cold(ws, record);
      }
      if (want('boot')) {
        section('boot');
        const rev = flag('boot-rev') ?? DEFAULT_BOOT_REV;
        console.log(`  the local base at ${rev}, built in its own checkout (a no-op once its engine has it)`);
        const previous = { rev, image: localBaseImageIn(ScratchWorkspace.at(revisionCheckout(rev))) };
        await boot(localBaseImageIn(ws), record, previous);
      }
    } finally {
      ws.dispose();
    }
  }
  if (want('portal')) {
    section('portal');
    await portal(flag('portal-rev') ?? DEFAULT_PREVIOUS_REV, record);
  }
  if (want('scale')) {
    section('scale');
    scale();
  }
  if (want('affected')) {
    section('affected');
    affectedPrecision();
  }
  if (want('loader')) {
    section('loader');
    const ws = ScratchWorkspace.create('vast-bench-loader-');
    try {
      loaderBeforeAfter(ws, flag('loader-rev') ?? DEFAULT_LOADER_REV, record);
      loaderFigures(ws, record);
    } finally {
      ws.dispose();
    }
  }
  const out = join(__dirname, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.txt'), figures.map(formatFigure).join('\n') + '\n');
  if (writeJson) {
    writeFileSync(
      join(out, 'latest.json'),
      latestJson({ started: new Date(started).toISOString(), revision: revision + dirty, sections: ran, note: flag('note'), figures }),
    );
  }
  console.log(
    `\n== summary\n${figures
      .filter((f) => f.target)
      .map((f) => `  ${formatFigure(f)}`)
      .join('\n')}`,
  );
  console.log(
    `\nbench finished in ${seconds(Date.now() - started)}; results in bench/out/latest.txt${writeJson ? ' and bench/out/latest.json' : ''}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
