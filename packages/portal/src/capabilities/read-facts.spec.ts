import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleCapabilities } from '@vast/conventions/capabilities';
import { readCapabilitiesFacts } from './read-facts';

let root: string;
const put = (path: string, content = '') => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'capabilities-facts-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const cudaBlock = (env: Record<string, string>) =>
  (assembleCapabilities(readCapabilitiesFacts({ env, root })) as { hardware: { gpu: { cuda: Record<string, unknown> } } }).hardware.gpu
    .cuda;

describe('the CUDA facts read off a container folder', () => {
  it('finds the toolkit, its libraries on LD_LIBRARY_PATH, nvcc, the headers and the forward-compat folder stage 05 turned on', () => {
    for (const lib of ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libnvrtc.so.12', 'libnppc.so.12']) {
      put(`usr/local/cuda-12.9/targets/x86_64-linux/lib/${lib}`);
    }
    put('usr/local/cuda-12.9/bin/nvcc', '#!/bin/sh\n');
    chmodSync(join(root, 'usr/local/cuda-12.9/bin/nvcc'), 0o755);
    put('usr/local/cuda-12.9/include/cuda_runtime.h');
    put('usr/local/cuda-12.9/compat/libcuda.so.1');
    put('usr/local/cuda-12.9/compat/libcuda.so.575.57.08');
    symlinkSync('cuda-12.9', join(root, 'usr/local/cuda'));
    put('usr/lib/x86_64-linux-gnu/libcudnn.so.9');
    put('etc/ld.so.conf.d/0-compat-cuda.conf', '/usr/local/cuda-12.9/compat\n');
    put('proc/driver/nvidia/version', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\n');

    const cuda = cudaBlock({
      CUDA_HOME: '/usr/local/cuda',
      LD_LIBRARY_PATH: '/usr/local/cuda/targets/x86_64-linux/lib:/usr/lib/x86_64-linux-gnu:relative/ignored',
    });
    expect(cuda).toMatchObject({
      driver_version: '550.54.14',
      installed_version: '12.9',
      components: {
        nvcc: true,
        dev_headers: true,
        cudart: true,
        cublas: true,
        nvrtc: true,
        npp: true,
        cudnn: true,
        nccl: false,
        cufft: false,
      },
      forward_compat: {
        available: true,
        enabled: true,
        path: '/usr/local/cuda-12.9/compat',
        compat_driver_version: '575.57.08',
        host_driver_version: '550.54.14',
      },
      compute_capability: null,
    });
    expect(cuda).not.toHaveProperty('min_cuda_for_wheels');
  });

  it('reports an installed compat folder that boot left off as available, not enabled', () => {
    put('usr/local/cuda-12.9/compat/libcuda.so.575.57.08');
    symlinkSync('/usr/local/cuda-12.9', join(root, 'usr/local/cuda'));
    expect(cudaBlock({})).toMatchObject({ forward_compat: { available: true, enabled: false, path: '/usr/local/cuda-12.9/compat' } });
  });

  it('is all false and null on a root without CUDA (the local Debian image), never a made-up value', () => {
    const cuda = cudaBlock({ LD_LIBRARY_PATH: '/does/not/exist' });
    expect(Object.values(cuda.components as object).every((v) => v === false)).toBe(true);
    expect(cuda).toMatchObject({
      driver_version: null,
      installed_version: null,
      forward_compat: { available: false, enabled: false, path: null, compat_driver_version: null, host_driver_version: null },
      compute_capability: null,
    });
  });

  it('reads the render block only where the NVIDIA driver is: GL from LD_LIBRARY_PATH, the Vulkan ICD file, no OptiX', () => {
    const gpu = (env: Record<string, string>) =>
      (assembleCapabilities(readCapabilitiesFacts({ env, root })) as { hardware: { gpu: Record<string, unknown> } }).hardware.gpu;
    put('usr/lib/nvidia/libGLX_nvidia.so.0');
    put('usr/share/vulkan/icd.d/nvidia_icd.json', '{}');
    expect(gpu({ LD_LIBRARY_PATH: '/usr/lib/nvidia' })).not.toHaveProperty('render');
    put('proc/driver/nvidia/version', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\n');
    expect(gpu({ LD_LIBRARY_PATH: '/usr/lib/nvidia' }).render).toMatchObject({
      gl: true,
      optix: false,
      vulkan: true,
      note: expect.stringContaining('optix'),
    });
  });
});
