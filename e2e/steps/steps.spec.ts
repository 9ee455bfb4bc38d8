// Install steps run as written, in a real docker build: the step corpus goes into one base image definition, whose
// rendered Dockerfile (its SHELL swapped for one that also saves each RUN's output) is built once FROM the local Debian
// root. Each step must print exactly what `bash -euo pipefail` prints for the same script here. A second build after
// one step's edit shows the layer plan: the steps before it come from cache, it and the later ones run again.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepFilePath, type ImageDefinition } from '@vast/conventions';
import { fakeDefinition, fakeFamily, STEP_CORPUS, STEP_CORPUS_ARGS } from '@vast/conventions/testing';
import { assembleContext, dockerCommand, LOCAL_ROOT_DEFAULTS, run, type RunResult } from '@vast/plugin/testing';
import { ensureLocalRoot } from '../support/local-base-image';

const LOCAL_ROOT = LOCAL_ROOT_DEFAULTS.image;
const OUT = '/vast-corpus-out';
const TMP_COPY = 'image-tmp';
/** The base renderer's SHELL (umask 002), with every RUN's output also saved as OUT/<nnn>, numbered in order. */
const BASE_SHELL = 'SHELL ["/bin/bash", "-c", "umask 002 && /bin/bash -c \\"$@\\"", "-"]';
const CAPTURE_SHELL = `SHELL ["/bin/bash", "-c", "mkdir -p ${OUT} && n=$(ls ${OUT} | wc -l) && f=${OUT}/$(printf %03d $n) && umask 002 && { /bin/bash -c \\"$@\\" > $f 2>&1 || { s=$?; cat $f; exit $s; }; }", "-"]`;

/** The corpus, plus one step per profile: the build runs the local profile, so only the first of these runs. */
const STEPS: ImageDefinition['steps'] = [
  ...STEP_CORPUS.map((s) => ({ ...s, needs: [], torchGuard: false })),
  { name: 'local-only', profile: 'local', run: 'echo "the local profile runs this"', needs: [], torchGuard: false },
  { name: 'production-only', profile: 'production', run: 'echo "never under the local profile"', needs: [], torchGuard: false },
];
const EDITED = STEP_CORPUS.findIndex((s) => s.name === 'heredocs');

let root: string;

beforeAll(async () => {
  await ensureLocalRoot();
  root = mkdtempSync(join(tmpdir(), 'vast-e2e-steps-'));
  // The trailer's env-hash is a base-image tool; a stand-in is enough for a root that is not the base image.
  const envHash = join(root, 'packages/images/base/ROOT/usr/local/bin/env-hash');
  mkdirSync(dirname(envHash), { recursive: true });
  writeFileSync(envHash, "#!/bin/bash\n# Stand-in for base-image's env-hash in the step corpus build.\necho corpus\n");
  chmodSync(envHash, 0o755);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Assembles the corpus image's context with `steps`, builds it, and returns each RUN's saved output and the build log. */
async function buildCorpus(steps: ImageDefinition['steps'], name: string): Promise<{ outputs: string[]; tmp: string[]; log: string }> {
  const definition = fakeDefinition('base', { steps, args: STEP_CORPUS_ARGS, variants: [{ key: 'local', from: LOCAL_ROOT, local: true }] });
  const image = fakeFamily(definition).get('base')!;
  const contextDir = join(root, 'context');
  assembleContext(root, image, { contextDir, skipArtifacts: true });
  const dockerfile = readFileSync(join(contextDir, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(BASE_SHELL);
  // What the build saved, and the image's /tmp (where each step's script was mounted), come out through a scratch stage.
  writeFileSync(
    join(contextDir, 'Dockerfile'),
    `${dockerfile.replace(BASE_SHELL, CAPTURE_SHELL)}\nFROM scratch\nCOPY --from=0 ${OUT} /\nCOPY --from=0 /tmp /${TMP_COPY}\n`,
  );
  const out = join(root, name);
  const build: RunResult = await run(
    dockerCommand(),
    [
      'build',
      '--progress=plain',
      '--build-arg',
      `BASE_IMAGE=${LOCAL_ROOT}`,
      '--build-arg',
      'VAST_PROFILE=local',
      '--output',
      `type=local,dest=${out}`,
      contextDir,
    ],
    { env: { ...process.env, DOCKER_BUILDKIT: '1' }, reject: false, timeoutMs: 10 * 60_000 },
  );
  const log = `${build.stdout}\n${build.stderr}`;
  if (build.exitCode !== 0) throw new Error(`the corpus build failed:\n${log.split('\n').slice(-60).join('\n')}`);
  const outputs = readdirSync(out)
    .filter((f) => /^\d{3}$/.test(f))
    .sort()
    .map((f) => readFileSync(join(out, f), 'utf8'));
  return { outputs, tmp: readdirSync(join(out, TMP_COPY)), log };
}

/** What `bash -euo pipefail <script>` prints here, stdout and stderr together as a build log has them. */
function bashPrints(script: string): string {
  const file = join(root, 'expected.sh');
  writeFileSync(file, script);
  const result = spawnSync('bash', ['-c', 'bash -euo pipefail "$1" 2>&1', '-', file], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...STEP_CORPUS_ARGS },
  });
  expect(result.status, `bash -euo pipefail exited ${result.status} on:\n${script}\n${result.stdout}`).toBe(0);
  return result.stdout;
}

describe('install steps in a real docker build', () => {
  let first: Awaited<ReturnType<typeof buildCorpus>>;

  beforeAll(async () => {
    first = await buildCorpus(STEPS, 'first');
  });

  it('ran one RUN per step, then the trailer', () => {
    expect(first.outputs).toHaveLength(STEPS.length + 1);
  });

  it.each(STEP_CORPUS.map((s, i) => [s.name, i] as const))('%s prints exactly what bash -euo pipefail prints', (_name, index) => {
    expect(first.outputs[index]).toBe(bashPrints(STEP_CORPUS[index].run));
  });

  it('runs a step of the building profile and skips one of the other profile', () => {
    expect(first.outputs.slice(STEP_CORPUS.length, STEPS.length)).toEqual([
      'the local profile runs this\n',
      'step production-only: production profile only, skipped\n',
    ]);
  });

  it('leaves no step script in the image', () => {
    expect(first.tmp).toEqual([]);
  });

  it('re-runs an edited step and the steps after it, and takes the steps before it from cache', async () => {
    const marker = `edited ${randomBytes(6).toString('hex')}`;
    const edited = STEPS.map((s, i) => (i === EDITED ? { ...s, run: `${s.run}\necho "${marker}"` } : s));
    const second = await buildCorpus(edited, 'second');
    expect(second.outputs[EDITED].endsWith(`${marker}\n`)).toBe(true);

    // BuildKit's plain log: `#N [k/M] RUN --mount=...source=steps/<file>,...` names a vertex, `#N CACHED` says it was not run.
    const vertexOf = new Map<string, string>();
    for (const match of second.log.matchAll(/^(#\d+) \[[^\]]+\] RUN --mount=type=bind,source=(steps\/[^,]+),/gm))
      vertexOf.set(match[2], match[1]);
    const cached = new Set([...second.log.matchAll(/^(#\d+) CACHED$/gm)].map((m) => m[1]));
    const reran = STEPS.map((step, i) => stepFilePath(i, step)).map((path) => {
      const vertex = vertexOf.get(path);
      expect(vertex, `no RUN of ${path} in the build log`).toBeDefined();
      return !cached.has(vertex!);
    });
    expect(reran).toEqual(STEPS.map((_, i) => i >= EDITED));
  });
});
