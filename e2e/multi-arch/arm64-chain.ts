// The emulated half of e2e/multi-arch, as one job: base-image's local-min built for linux/arm64 in a scratch copy of
// the workspace (its arm64 Debian root made by local-root under qemu), then booted through the smoke. About half an
// hour of qemu on one core, so scripts/test.sh starts it first, beside everything else, and multi-arch.spec.ts (run
// last) waits for its result file; a spec run on its own starts the job itself.
//   npx tsx e2e/multi-arch/arm64-chain.ts RESULT.json    (progress in RESULT.json.log)
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withoutProjectPrefix } from '../support/local-base-image';
import { repoRoot, ScratchWorkspace } from '../support/scratch-workspace';

/** scripts/test.sh sets it to the result file of the job it started in the background. */
export const ARM64_CHAIN_RESULT_ENV = 'VAST_E2E_ARM64_RESULT';
export const VARIANT = 'local-min';
/** Boot and checks under emulation: measured 154 s alone and 302 s beside the other suites, at nice 10. */
const SMOKE_TIMEOUT_SECONDS = 1800;

export interface ChainStep {
  command: string;
  exitCode: number;
  seconds: number;
  /** The step's output, its project prefix removed (the last 400 lines). */
  output: string;
}

export interface Arm64ChainResult {
  build: ChainStep;
  /** The arm64 image's content tag, from the scratch copy's build record. */
  buildTag?: string;
  smoke?: ChainStep;
}

/** Runs nx in the scratch copy without blocking, the output going to the log as it comes. */
function nxStep(ws: ScratchWorkspace, args: string[], log: (text: string) => void): Promise<ChainStep> {
  const started = Date.now();
  const command = `nx ${args.join(' ')}`;
  log(`\n==> ${command}\n`);
  return new Promise((resolve) => {
    const child = spawn(join(ws.root, 'node_modules/.bin/nx'), [...args, '--outputStyle=stream'], {
      cwd: ws.root,
      env: ws.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk;
      log(chunk.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      log(`==> ${command}: exit ${code} in ${seconds}s\n`);
      const lines = withoutProjectPrefix(output).split('\n');
      resolve({ command, exitCode: code ?? 1, seconds, output: lines.slice(-400).join('\n') });
    });
  });
}

export async function runArm64Chain(log: (text: string) => void): Promise<Arm64ChainResult> {
  const ws = ScratchWorkspace.create('vast-e2e-arm64-');
  try {
    const build = await nxStep(
      ws,
      ['run', 'base-image:docker-build', '-c', 'local', `--variants=${VARIANT}`, '--platform=linux/arm64'],
      log,
    );
    if (build.exitCode !== 0) return { build };
    const record = JSON.parse(ws.read('dist/builds/base-image/build-result.json')) as {
      variants: Array<{ platform?: string; buildTag: string }>;
    };
    const buildTag = record.variants.find((v) => v.platform === 'linux/arm64')?.buildTag;
    if (!buildTag) return { build, buildTag };
    const smoke = await nxStep(
      ws,
      ['run', 'base-image:smoke', '-c', 'local', `--image=${buildTag}`, `--timeoutSeconds=${SMOKE_TIMEOUT_SECONDS}`],
      log,
    );
    return { build, buildTag, smoke };
  } finally {
    ws.dispose();
  }
}

/** The job as a process of its own: progress in `<result>.log`, the result written whole (renamed into place) at the end. */
export function startArm64Chain(resultFile: string): void {
  mkdirSync(dirname(resultFile), { recursive: true });
  rmSync(resultFile, { force: true });
  const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'e2e/multi-arch/arm64-chain.ts'), resultFile], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
}

/** The background job's result: waits for its file (the job started by scripts/test.sh, or here if none was). */
export async function arm64ChainResult(timeoutMs: number): Promise<Arm64ChainResult> {
  let resultFile = process.env[ARM64_CHAIN_RESULT_ENV];
  if (!resultFile) {
    resultFile = join(repoRoot, 'test-output/multi-arch/arm64-chain.json');
    startArm64Chain(resultFile);
  }
  const deadline = Date.now() + timeoutMs;
  let lastNote = 0;
  while (!existsSync(resultFile)) {
    if (Date.now() > deadline)
      throw new Error(`the arm64 job wrote no ${resultFile} in ${timeoutMs / 60_000} minutes; see ${resultFile}.log`);
    if (Date.now() - lastNote > 60_000) {
      lastNote = Date.now();
      const progress = existsSync(`${resultFile}.log`) ? readFileSync(`${resultFile}.log`, 'utf8').trim().split('\n').at(-1) : '';
      console.log(`waiting for the arm64 job (${resultFile}.log): ${progress?.slice(0, 160)}`);
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  return JSON.parse(readFileSync(resultFile, 'utf8')) as Arm64ChainResult;
}

if (process.argv[1]?.endsWith('arm64-chain.ts')) {
  const resultFile = process.argv[2];
  if (!resultFile) {
    console.error('usage: npx tsx e2e/multi-arch/arm64-chain.ts RESULT.json');
    process.exit(2);
  }
  mkdirSync(dirname(resultFile), { recursive: true });
  writeFileSync(`${resultFile}.log`, '');
  const log = (text: string) => appendFileSync(`${resultFile}.log`, text);
  runArm64Chain(log)
    .catch((e: unknown): Arm64ChainResult => {
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`\nthe arm64 job failed: ${message}\n`);
      return { build: { command: 'arm64 job', exitCode: 1, seconds: 0, output: message } };
    })
    .then((result) => {
      writeFileSync(`${resultFile}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
      renameSync(`${resultFile}.tmp`, resultFile);
    });
}
