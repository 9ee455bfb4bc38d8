// The capabilities manifest's `hardware.gpu.render` (upstream §5.2): whether programs in the container can reach the
// NVIDIA driver's OpenGL (libGLX_nvidia.so.0), OptiX (libnvoptix.so.1) and Vulkan (an nvidia*.json ICD) pieces, from
// recorded `ldconfig -p` output and folder listings. Present only where the NVIDIA driver is (/proc/driver/nvidia/version).
import { parseLdconfigLibraries, type CudaComponentFacts } from './cuda';

/** Where a Vulkan loader finds NVIDIA's ICD file (upstream's list). */
export const VULKAN_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/opt/nvidia-drivers/lib64'] as const;

/** What render needs beyond the CUDA component facts (whose loader listing it shares): the Vulkan ICD folders. */
export interface RenderFacts {
  /** File names in each of VULKAN_ICD_DIRS (a missing folder lists nothing). */
  vulkanIcdListings: string[][];
}

export interface RenderSupport {
  gl: boolean;
  optix: boolean;
  vulkan: boolean;
  note?: string;
  fix?: string;
}

/** `loader`: the `ldconfig -p` output and LD_LIBRARY_PATH listings the CUDA components were read from. */
export function renderSupport(
  loader: Pick<CudaComponentFacts, 'ldconfig' | 'libraryDirListings'> | undefined,
  facts: RenderFacts,
): RenderSupport {
  const names = new Set([...parseLdconfigLibraries(loader?.ldconfig ?? ''), ...(loader?.libraryDirListings.flat() ?? [])]);
  const support = {
    gl: names.has('libGLX_nvidia.so.0'),
    optix: names.has('libnvoptix.so.1'),
    vulkan: facts.vulkanIcdListings.flat().some((file) => /^nvidia.*\.json$/.test(file)),
  };
  if (support.gl && support.optix && support.vulkan) return support;
  const missing = Object.entries(support)
    .filter(([, present]) => !present)
    .map(([name]) => name);
  return {
    ...support,
    note: `The host driver's ${missing.join(', ')} libraries are not visible in this container: compute (CUDA) works, rendering through them does not.`,
    // Upstream points at its install-display-drivers tool, which this image does not ship (docs/compatibility.md).
    fix: "Install the NVIDIA display driver's user-space libraries matching hardware.gpu.cuda.driver_version, or choose a host that exposes them to containers.",
  };
}
