// cuda-driver-version, the image's tool that asks the NVIDIA driver (cuDriverGetVersion in libcuda) for the newest CUDA
// it runs: its parsing on recorded outputs of real hosts, and the tool itself where there is no driver (here, and in
// every local container). Runs the shipped Python file with the host's python3; no container.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@vast/plugin/testing';
import { repoRoot } from '../support/scratch-workspace';

const TOOL = join(repoRoot, 'packages/images/base-image/ROOT/opt/instance-tools/bin/cuda-driver-version');

/** Calls one function of the tool's module with JSON arguments and returns its JSON result. */
async function call(fn: string, ...args: unknown[]): Promise<unknown> {
  const script = [
    'import importlib.machinery, importlib.util, json, sys',
    "loader = importlib.machinery.SourceFileLoader('cdv', sys.argv[1])",
    "module = importlib.util.module_from_spec(importlib.util.spec_from_loader('cdv', loader))",
    'loader.exec_module(module)',
    'print(json.dumps(getattr(module, sys.argv[2])(*json.loads(sys.argv[3]))))',
  ].join('\n');
  const result = await run('python3', ['-c', script, TOOL, fn, JSON.stringify(args)], { reject: false });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

// `ldconfig -p` of a CUDA 12.8 image with forward compatibility configured, on a 550 driver (x86_64).
const LDCONFIG = [
  "512 libs found in cache `/etc/ld.so.cache'",
  '\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12',
  '\tlibcuda.so.1 (libc6,x86-64) => /usr/local/cuda-12.8/compat/libcuda.so.1',
  '\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1',
  '\tlibcuda.so (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so',
].join('\n');

// /proc/self/maps lines of a process that loaded the native libcuda (and one that got the compat one).
const MAPS_NATIVE = [
  '7f1c2a000000-7f1c2a200000 r--p 00000000 08:01 131 /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14',
  '7f1c2a200000-7f1c2b000000 r-xp 00200000 08:01 131 /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14',
  '7f1c2c000000-7f1c2c100000 r--p 00000000 08:01 77 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7ffd5a000000-7ffd5a021000 rw-p 00000000 00:00 0 [stack]',
].join('\n');
const MAPS_COMPAT = '7f1c2a000000-7f1c2a200000 r--p 00000000 08:01 99 /usr/local/cuda-12.8/compat/libcuda.so.570.86.10';

describe('cuda-driver-version', () => {
  it("formats cuDriverGetVersion's integer as MAJOR.MINOR", async () => {
    expect(await call('format_version', 12040)).toBe('12.4');
    expect(await call('format_version', 12080)).toBe('12.8');
    expect(await call('format_version', 13010)).toBe('13.1');
  });

  it('--native looks only outside compat folders: ldconfig first, then the usual driver folders', async () => {
    const candidates = (await call('native_candidates', LDCONFIG, ['/usr/lib/x86_64-linux-gnu', '/usr/local/nvidia/lib64'])) as string[];
    expect(candidates).toEqual(['/usr/lib/x86_64-linux-gnu/libcuda.so.1', '/usr/local/nvidia/lib64/libcuda.so.1']);
  });

  it('reads which libcuda a process really loaded from /proc/self/maps', async () => {
    expect(await call('loaded_libcuda', MAPS_NATIVE)).toEqual(['/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.14']);
    expect(await call('loaded_libcuda', MAPS_COMPAT)).toEqual(['/usr/local/cuda-12.8/compat/libcuda.so.570.86.10']);
  });

  it('without a driver prints nothing on stdout and the reason on stderr, exit 1; a wrong flag exits 2', async () => {
    const native = await run('python3', [TOOL, '--native'], { reject: false });
    expect([native.exitCode, native.stdout]).toEqual([1, '']);
    expect(native.stderr).toMatch(/^cuda-driver-version: no native libcuda\.so\.1/);
    const effective = await run('python3', [TOOL], { reject: false });
    expect([effective.exitCode, effective.stdout]).toEqual([1, '']);
    expect((await run('python3', [TOOL, '--nvidia-smi'], { reject: false })).exitCode).toBe(2);
  });
});
