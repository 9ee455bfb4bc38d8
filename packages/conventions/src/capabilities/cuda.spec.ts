import { describe, expect, it } from 'vitest';
import { compatDriverVersion, computeCapabilityField, cudaComponents, forwardCompat, parseLdconfigLibraries } from './cuda';
import { assembleCapabilities, mergeCapabilityFragments, type CapabilitiesFacts } from './manifest';
import { renderSupport, type RenderFacts } from './render';

// `ldconfig -p` as a CUDA 12.9 image with cuDNN 9 and NCCL prints it (x86-64), cut to the CUDA entries and a few others.
const CUDA_IMAGE_LDCONFIG = `1342 libs found in cache \`/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
\tlibnvrtc.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libnvrtc.so.12
\tlibnvrtc.so (libc6,x86-64) => /usr/local/cuda/lib64/libnvrtc.so
\tlibnvrtc-builtins.so.12.9 (libc6,x86-64) => /usr/local/cuda/lib64/libnvrtc-builtins.so.12.9
\tlibnvjpeg.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libnvjpeg.so.12
\tlibnppc.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libnppc.so.12
\tlibnccl.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libnccl.so.2
\tlibcufft.so.11 (libc6,x86-64) => /usr/local/cuda/lib64/libcufft.so.11
\tlibcudnn.so.9 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcudnn.so.9
\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12
\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1
\tlibcublasLt.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcublasLt.so.12
\tlibcublas.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcublas.so.12
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
`;

// The local Debian root (bookworm, no CUDA): no CUDA library at all.
const DEBIAN_LDCONFIG = `96 libs found in cache \`/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
`;

describe('the CUDA component listing', () => {
  it('reads library names from ldconfig -p, the header line skipped', () => {
    expect(parseLdconfigLibraries(DEBIAN_LDCONFIG)).toEqual(['libz.so.1', 'libstdc++.so.6', 'libc.so.6']);
  });

  it('finds what a CUDA image has, and not a sibling library (cublasLt, nvrtc-builtins) in place of a missing one', () => {
    const components = cudaComponents({ ldconfig: CUDA_IMAGE_LDCONFIG, libraryDirListings: [], nvcc: true, devHeaders: true });
    expect(components).toEqual({
      nvcc: true,
      dev_headers: true,
      cudart: true,
      nvrtc: true,
      cublas: true,
      cudnn: true,
      cufft: true,
      cusparse: false,
      cusolver: false,
      curand: false,
      nccl: true,
      npp: true,
      nvjpeg: true,
    });
    const onlySiblings = `x\n\tlibcublasLt.so.12 (libc6,x86-64) => /a\n\tlibnvrtc-builtins.so.12.9 (libc6,x86-64) => /b\n`;
    expect(cudaComponents({ ldconfig: onlySiblings, libraryDirListings: [], nvcc: false, devHeaders: false })).toMatchObject({
      cublas: false,
      nvrtc: false,
    });
  });

  it('adds what the LD_LIBRARY_PATH folders hold that the loader cache lacks', () => {
    const listings = [['libcusparse.so.12', 'libcusparse.so.12.5.10.65'], [], ['libcurand.so', 'libcusolver.so.11', 'README']];
    expect(cudaComponents({ ldconfig: DEBIAN_LDCONFIG, libraryDirListings: listings, nvcc: false, devHeaders: false })).toMatchObject({
      cusparse: true,
      curand: true,
      cusolver: true,
      cudart: false,
    });
  });

  it('is all false on the local Debian root, and when nothing could be read', () => {
    const none = cudaComponents({ ldconfig: DEBIAN_LDCONFIG, libraryDirListings: [], nvcc: false, devHeaders: false });
    expect(Object.values(none).every((v) => v === false)).toBe(true);
    expect(cudaComponents(undefined)).toEqual(none);
    expect(Object.keys(none)).toEqual([
      'nvcc',
      'dev_headers',
      'cudart',
      'nvrtc',
      'cublas',
      'cudnn',
      'cufft',
      'cusparse',
      'cusolver',
      'curand',
      'nccl',
      'npp',
      'nvjpeg',
    ]);
  });
});

describe('forward compatibility', () => {
  const compatFiles = ['libcuda.so', 'libcuda.so.1', 'libcuda.so.575.57.08', 'libnvidia-nvvm.so.4', 'libnvidia-ptxjitcompiler.so.1'];

  it('is available with the compat libcuda, its driver version from the library name, enabled by 0-compat-cuda.conf', () => {
    const block = forwardCompat(
      {
        path: '/usr/local/cuda-12.9/compat',
        files: compatFiles,
        ldConf: '/usr/local/cuda-12.9/compat\n',
        ldLibraryPath: '/usr/local/nvidia/lib64',
      },
      '550.54.14',
    );
    expect(block).toMatchObject({
      available: true,
      enabled: true,
      path: '/usr/local/cuda-12.9/compat',
      compat_driver_version: '575.57.08',
      host_driver_version: '550.54.14',
    });
    expect(block.note).toMatch(/DISABLE_FORWARD_COMPAT/);
  });

  it('is enabled by the compat folder on LD_LIBRARY_PATH (trailing slash or the /usr/local/cuda link) without the conf', () => {
    const facts = { path: '/usr/local/cuda-12.9/compat', files: compatFiles };
    expect(forwardCompat({ ...facts, ldLibraryPath: '/opt/x:/usr/local/cuda-12.9/compat/' }, undefined).enabled).toBe(true);
    expect(forwardCompat({ ...facts, ldLibraryPath: '/usr/local/cuda/compat' }, undefined).enabled).toBe(true);
    expect(forwardCompat({ ...facts, ldLibraryPath: '/usr/local/cuda/lib64' }, undefined)).toMatchObject({
      available: true,
      enabled: false,
    });
  });

  it('is not available, and null where nothing was found, without the compat folder (the local Debian root)', () => {
    expect(forwardCompat({ path: '/usr/local/cuda/compat', files: [] }, undefined)).toMatchObject({
      available: false,
      enabled: false,
      path: null,
      compat_driver_version: null,
      host_driver_version: null,
    });
    expect(forwardCompat(undefined, '550.54.14')).toMatchObject({ available: false, enabled: false, host_driver_version: '550.54.14' });
    expect(compatDriverVersion(['libcuda.so.1', 'libcuda.so'])).toBeUndefined();
  });
});

const facts = (gpu: CapabilitiesFacts['gpu']): CapabilitiesFacts => ({
  generatedAt: '2026-01-01T00:00:00Z',
  fragments: mergeCapabilityFragments([]),
  env: {},
  portalEntries: [],
  provisioning: { inProgress: false, complete: false, failed: false },
  listeningPorts: [],
  workspaceIsVolume: false,
  rcloneConfigured: false,
  platformJupyter: false,
  gpu,
  pythonEnvKinds: {},
  agentGuides: [],
});

describe('hardware.gpu.cuda in the manifest', () => {
  const cudaOf = (gpu: CapabilitiesFacts['gpu']) =>
    (assembleCapabilities(facts(gpu)) as { hardware: { gpu: { cuda: Record<string, unknown> } } }).hardware.gpu.cuda;

  it("has upstream's keys in upstream's order, with the components and forward_compat blocks and min_cuda_for_wheels on Blackwell", () => {
    const cuda = cudaOf({
      summary: 'unknown',
      driverVersion: '550.54.14',
      driverMaxCuda: '12.4',
      installedCudaVersion: '12.9',
      cudaHome: '/usr/local/cuda',
      components: { ldconfig: CUDA_IMAGE_LDCONFIG, libraryDirListings: [], nvcc: true, devHeaders: true },
      forwardCompat: {
        path: '/usr/local/cuda-12.9/compat',
        files: ['libcuda.so.1', 'libcuda.so.575.57.08'],
        ldConf: '/usr/local/cuda-12.9/compat\n',
      },
      computeCapabilities: ['10.0', '10.0'],
    });
    expect(Object.keys(cuda)).toEqual([
      'driver_version',
      'components',
      'installed_version',
      'cuda_home',
      'forward_compat',
      'driver_max_cuda',
      'compute_capability',
      'min_cuda_for_wheels',
      'note',
    ]);
    expect(cuda).toMatchObject({
      components: { cudart: true, cublas: true, cudnn: true, nccl: true, nvrtc: true, curand: false },
      forward_compat: { available: true, enabled: true, compat_driver_version: '575.57.08', host_driver_version: '550.54.14' },
      compute_capability: '10.0',
      min_cuda_for_wheels: '12.8',
    });
  });

  it('lists mixed capabilities, and has no min_cuda_for_wheels below 10.0 nor when the capability is unknown', () => {
    expect(computeCapabilityField(['8.6', '9.0', '8.6'])).toEqual(['8.6', '9.0']);
    const hopper = cudaOf({ summary: 'unknown', computeCapabilities: ['9.0'] });
    expect(hopper.compute_capability).toBe('9.0');
    expect(hopper).not.toHaveProperty('min_cuda_for_wheels');
    const unknown = cudaOf({ summary: 'unknown' });
    expect(unknown).toMatchObject({ compute_capability: null, forward_compat: { available: false, enabled: false, path: null } });
    expect(unknown).not.toHaveProperty('min_cuda_for_wheels');
    expect(Object.values(unknown.components as object).every((v) => v === false)).toBe(true);
  });
});

describe('hardware.gpu.render', () => {
  const ICD = [['nvidia_icd.json'], [], []];
  it('has gl, optix and vulkan and no note when the driver exposes all three', () => {
    const ldconfig =
      "2 libs found in cache `/etc/ld.so.cache'\n\tlibGLX_nvidia.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0\n\tlibnvoptix.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvoptix.so.1\n";
    expect(renderSupport({ ldconfig, libraryDirListings: [] }, { vulkanIcdListings: ICD })).toEqual({
      gl: true,
      optix: true,
      vulkan: true,
    });
  });

  it('names what is missing, with a fix that points at no tool this image lacks', () => {
    const render = renderSupport(
      { ldconfig: '', libraryDirListings: [['libGLX_nvidia.so.0', 'libGLX_nvidia.so.550.54.14']] },
      { vulkanIcdListings: [[], ['10_nvidia.json'], []] },
    );
    expect(render).toMatchObject({ gl: true, optix: false, vulkan: false });
    expect(render.note).toContain('optix, vulkan');
    expect(render.fix).not.toContain('install-display-drivers');
  });

  it('is in the manifest only where the NVIDIA driver is, before the cuda block', () => {
    const gpu = (render?: RenderFacts) =>
      (assembleCapabilities(facts({ summary: 'x', render })) as { hardware: { gpu: Record<string, unknown> } }).hardware.gpu;
    expect(Object.keys(gpu())).toEqual(['summary', 'cuda']);
    expect(Object.keys(gpu({ vulkanIcdListings: ICD }))).toEqual(['summary', 'render', 'cuda']);
  });
});
