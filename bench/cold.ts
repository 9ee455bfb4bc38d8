// bench cold: base-image's local variant built with no build cache vs its floor, the same apt installs run once in
// a plain `docker run` of the local Debian root. Both under tags and names of their own: the shared engine's
// base-image tags and build cache are left alone.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCommand, LOCAL_ROOT_DEFAULTS } from '@vast/plugin/testing';
import type { ScratchWorkspace } from '../e2e/support/scratch-workspace';
import { formatFigure, ratioFigure, seconds, type Figure } from './figures';

const SECTION = 'cold';
const COLD_TAG = 'vast-bench-cold/base-image:latest';
/**
 * The steps that install Debian packages (the apt list; a step of the other profile exits at once). The other steps
 * set up files from the build context (ROOT), which a plain container does not have: they are not the floor.
 */
export const installsPackages = (script: string) => /^\s*apt-get install\b/m.test(script);

/** The planned `docker build` argv of base-image -c local (from --dryRun), with only COLD_TAG and no build cache. */
export function coldArgv(dryRunOutput: string): string[] {
  const line = dryRunOutput.split('\n').find((l) => l.startsWith('docker build '));
  if (!line) throw new Error(`no docker build line in the dry run:\n${dryRunOutput.slice(-2000)}`);
  const argv = line.split(' ').slice(1);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tag') {
      i++;
      continue;
    }
    out.push(argv[i]);
  }
  return [out[0], '--no-cache', '--tag', COLD_TAG, ...out.slice(1)];
}

const timed = (fn: () => void) => {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

export function cold(ws: ScratchWorkspace, record: (figure: Figure) => void): void {
  console.log('\n== cold: base-image -c local with no build cache vs its install steps in a plain container');
  const dry = ws.nx('run', 'base-image:docker-build', '-c', 'local', '--dryRun');
  if (dry.code !== 0) throw new Error(`dry run failed:\n${dry.output.slice(-3000)}`);
  const argv = coldArgv(dry.output);
  const build = timed(() =>
    execFileSync(dockerCommand(), argv, {
      cwd: ws.root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    }),
  );
  console.log(`  cold build: ${seconds(build)}`);
  execFileSync(dockerCommand(), ['image', 'rm', '-f', COLD_TAG], { stdio: 'ignore' });
  const steps = join(ws.root, 'dist/images/base-image/steps');
  const installs = readdirSync(steps)
    .filter((f) => installsPackages(readFileSync(join(steps, f), 'utf8')))
    .sort();
  // The build's own args (PYTHON_VERSION, VAST_PROFILE, ...) are what the steps read from their environment.
  const buildEnv = argv.flatMap((a, i) => (argv[i - 1] === '--build-arg' && !a.startsWith('BASE_IMAGE=') ? ['-e', a] : []));
  const script = `umask 002; for s in ${installs.map((s) => `/steps/${s}`).join(' ')}; do bash "$s" || exit 1; done`;
  const floor = timed(() =>
    execFileSync(
      dockerCommand(),
      [
        'run',
        '--rm',
        '--name',
        `wt-speed-bench-floor-${process.pid}`,
        ...buildEnv,
        '-e',
        'DEBIAN_FRONTEND=noninteractive',
        '-e',
        'PIP_BREAK_SYSTEM_PACKAGES=1',
        '-v',
        `${steps}:/steps:ro`,
        LOCAL_ROOT_DEFAULTS.image,
        'bash',
        '-c',
        script,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  console.log(`  floor (${installs.join(', ')} in one docker run of ${LOCAL_ROOT_DEFAULTS.image}): ${seconds(floor)}`);
  const figure = ratioFigure(
    SECTION,
    'cold docker build of base-image -c local (no build cache) vs the plain-container floor',
    { ms: build, label: 'cold build' },
    { ms: floor, label: `${installs.join(', ')} in one docker run` },
    1.25,
  );
  record(figure);
  console.log(`  ${formatFigure(figure)}`);
}
