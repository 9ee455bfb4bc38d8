// The CUDA block of the capabilities manifest (upstream §5.2 `hardware.gpu.cuda`) from recorded text: `ldconfig -p`
// output, listings of the LD_LIBRARY_PATH folders, the forward-compat folder's listing and 0-compat-cuda.conf's content.
// The portal's read-facts gathers that text (fail-soft: what it cannot read is absent, and absent reads as false/null).
import { CUDA_LINK } from '../runtime-contract';

/** Each component upstream lists, and the shared-library name that shows it (nvcc and dev_headers are files). */
export const CUDA_LIBRARY_COMPONENTS = {
  cudart: 'libcudart.so',
  nvrtc: 'libnvrtc.so',
  cublas: 'libcublas.so',
  cudnn: 'libcudnn.so',
  cufft: 'libcufft.so',
  cusparse: 'libcusparse.so',
  cusolver: 'libcusolver.so',
  curand: 'libcurand.so',
  nccl: 'libnccl.so',
  npp: 'libnppc.so',
  nvjpeg: 'libnvjpeg.so',
} as const;

export type CudaComponents = { nvcc: boolean; dev_headers: boolean } & Record<keyof typeof CUDA_LIBRARY_COMPONENTS, boolean>;

/** What was seen on disk for the component listing. */
export interface CudaComponentFacts {
  /** `ldconfig -p` output; empty when ldconfig could not be run. */
  ldconfig: string;
  /** File names in each LD_LIBRARY_PATH folder (a missing folder lists nothing). */
  libraryDirListings: string[][];
  /** nvcc is executable in CUDA_HOME/bin (or /usr/local/cuda/bin) or on PATH. */
  nvcc: boolean;
  /** CUDA_HOME/include/cuda_runtime.h (or /usr/local/cuda's) exists. */
  devHeaders: boolean;
}

/** Library names (`libcudart.so.12`) in `ldconfig -p` output: the first word of each entry line, the header skipped. */
export function parseLdconfigLibraries(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\s+(\S+)\s+\(/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * Is a library there: a name that is the library's own `.so`, or it with a version (`libcublas.so.12.8.4.1`), and not
 * a sibling that starts alike (`libcublasLt.so` is not cublas, `libnvrtc-builtins.so` is not nvrtc).
 */
const hasLibrary = (names: readonly string[], soname: string) => names.some((n) => n === soname || n.startsWith(`${soname}.`));

export function cudaComponents(facts: CudaComponentFacts | undefined): CudaComponents {
  const names = facts ? [...parseLdconfigLibraries(facts.ldconfig), ...facts.libraryDirListings.flat()] : [];
  const libraries = Object.fromEntries(
    Object.entries(CUDA_LIBRARY_COMPONENTS).map(([component, soname]) => [component, hasLibrary(names, soname)]),
  ) as Record<keyof typeof CUDA_LIBRARY_COMPONENTS, boolean>;
  return { nvcc: facts?.nvcc ?? false, dev_headers: facts?.devHeaders ?? false, ...libraries };
}

/** What was seen on disk for forward compatibility. */
export interface ForwardCompatFacts {
  /** The compat folder of the toolkit /usr/local/cuda points at (`/usr/local/cuda-X.Y/compat`), else /usr/local/cuda/compat. */
  path: string;
  /** File names in it; empty when it is not there. */
  files: string[];
  /** /etc/ld.so.conf.d/0-compat-cuda.conf's content; undefined when it is not there. */
  ldConf?: string;
  /** LD_LIBRARY_PATH as the process sees it. */
  ldLibraryPath?: string;
}

export interface ForwardCompat {
  available: boolean;
  enabled: boolean;
  path: string | null;
  compat_driver_version: string | null;
  host_driver_version: string | null;
  note: string;
}

/**
 * The compat driver's version from its library's name: cuda-compat ships `libcuda.so.<driver version>` beside the
 * `libcuda.so.1` link, and the longest such version (575.57.08 over 575) is the driver's full version.
 */
export function compatDriverVersion(files: readonly string[]): string | undefined {
  const versions = files.map((f) => /^libcuda\.so\.(\d+(?:\.\d+)+)$/.exec(f)?.[1]).filter((v): v is string => v !== undefined);
  return versions.sort((a, b) => b.split('.').length - a.split('.').length || b.localeCompare(a))[0];
}

const trimSlash = (dir: string) => dir.replace(/\/+$/, '');

/**
 * `forward_compat`: available when the toolkit's compat folder holds a libcuda.so.*; enabled when 0-compat-cuda.conf
 * (which stage 05 writes only when it turned forward compatibility on) names a compat folder, or the compat folder is
 * on LD_LIBRARY_PATH. `host_driver_version` is the kernel module's (/proc/driver/nvidia/version), which the compat
 * library does not change. Without the facts (no GPU read, a test), every field but the note is false/null.
 */
export function forwardCompat(facts: ForwardCompatFacts | undefined, hostDriverVersion: string | undefined): ForwardCompat {
  const libs = facts?.files.filter((f) => /^libcuda\.so(\.|$)/.test(f)) ?? [];
  const available = libs.length > 0;
  const onLdPath =
    facts !== undefined &&
    (facts.ldLibraryPath ?? '')
      .split(':')
      .filter(Boolean)
      .map(trimSlash)
      .some((dir) => dir === trimSlash(facts.path) || dir === `${CUDA_LINK}/compat`);
  const enabled = facts !== undefined && (/compat/.test(facts.ldConf ?? '') || onLdPath);
  return {
    available,
    enabled,
    path: facts && available ? facts.path : null,
    compat_driver_version: compatDriverVersion(libs) ?? null,
    host_driver_version: hostDriverVersion ?? null,
    note: "Forward compatibility runs a toolkit newer than driver_max_cuda on an older datacenter driver through the toolkit's compat libcuda; boot enables it when needed unless DISABLE_FORWARD_COMPAT=true. It does not work on consumer GPUs.",
  };
}

/** Upstream's rule: Blackwell (compute capability 10.0 and up) needs wheels built for CUDA 12.8 or newer. */
export const MIN_CUDA_FOR_BLACKWELL_WHEELS = '12.8';

/** `compute_capability`: the one string when all GPUs agree, the list when mixed, null when unknown. */
export function computeCapabilityField(capabilities: readonly string[] | undefined): string | string[] | null {
  const distinct = [...new Set((capabilities ?? []).filter((c) => /^\d+\.\d+$/.test(c)))];
  if (distinct.length === 0) return null;
  return distinct.length === 1 ? distinct[0] : distinct;
}

export function needsBlackwellWheels(capabilities: readonly string[] | undefined): boolean {
  return (capabilities ?? []).some((c) => /^\d+\.\d+$/.test(c) && Number(c.split('.')[0]) >= 10);
}

/** `nvidia-smi --query-gpu=compute_cap --format=csv,noheader` output: one `X.Y` per GPU. */
export function parseComputeCapabilities(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\d+\.\d+$/.test(line));
}
