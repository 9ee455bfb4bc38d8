import { baseTemplateOf, isMiniVariant, UPSTREAM_DEFAULT_PYTHON } from './upstream-tags';
// Upstream's base-image matrix (configs/base-image.json): every FROM image, each on Python 3.10-3.14, both
// architectures; and its naming rule, `<tag_template>-py<XY>`, where tag_template is the FROM tag with `nvidia/cuda:`
// turned into `cuda-` and `ubuntu:` into `stock-ubuntu`. A template names the variant it runs on by these keys.
export const UPSTREAM_PYTHONS = ['3.10', '3.11', '3.12', '3.13', '3.14'] as const;
export const UPSTREAM_PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
export type Platform = (typeof UPSTREAM_PLATFORMS)[number];

/** The FROM images of upstream's configs, in its order. */
export const UPSTREAM_BASE_FROMS = [
  'ubuntu:22.04',
  'ubuntu:24.04',
  'nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04',
  'nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04',
  'nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04',
  'nvidia/cuda:12.6.3-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:12.9.2-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:13.0.3-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:13.1.2-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:13.2.1-cudnn-devel-ubuntu24.04',
  'nvidia/cuda:13.3.1-cudnn-devel-ubuntu24.04',
] as const;

/**
 * Upstream's "mini" CUDA runtime images (configs/base-image.json `mini[]`, built with Dockerfile.runtime): FROM the
 * just-built `stock-ubuntu24.04-py<XY>`, plus NVIDIA's runtime packages of each CUDA line in `cudaVersions` (written
 * `X-Y`, as upstream's `cuda_versions`), on every Python of the matrix and both architectures. Here a mini is the
 * same base build from MINI_FROM with the runtime step (base-image's `cuda-runtime`) reading CUDA_RUNTIME_ARG.
 */
export const UPSTREAM_MINI_BASES = [
  { miniTag: 'cuda-12.9-mini', cudaVersions: ['12-9'] },
  { miniTag: 'cuda-13.2-mini', cudaVersions: ['13-2'] },
] as const;
/** The FROM image of every mini: upstream builds them on its stock Ubuntu 24.04 base. */
export const MINI_FROM = 'ubuntu:24.04';
/** The build arg naming a mini's CUDA lines (space-separated `X-Y`); base-image's `cuda-runtime` step reads it. */
export const CUDA_RUNTIME_ARG = 'CUDA_RUNTIME_VERSIONS';

/** `12-9 13.2` -> `['12.9', '13.2']` lowest first (sort -V, as upstream picks libnccl2's line); undefined if malformed. */
export function cudaRuntimeLines(versions: string): string[] | undefined {
  const words = versions.split(/\s+/).filter(Boolean);
  if (!words.every((w) => /^\d+[-.]\d+$/.test(w))) return undefined;
  const lines = words.map((w) => w.replace('-', '.'));
  const parts = (line: string) => line.split('.').map(Number);
  return lines.sort((a, b) => parts(a)[0] - parts(b)[0] || parts(a)[1] - parts(b)[1]);
}

/** upstream-tags.ts's tag template of a FROM image upstream names, else undefined (no key to fall back on here). */
export function baseTagTemplate(from: string, cuda?: string): string | undefined {
  return baseTemplateOf({ key: '', from, cuda }) || undefined;
}

/** The CUDA line (MAJOR.MINOR) an nvidia/cuda FROM image carries. */
export function cudaOfFrom(from: string): string | undefined {
  return /^nvidia\/cuda:(\d+\.\d+)\./.exec(from)?.[1];
}

export const pythonTag = (python: string) => `py${python.replace('.', '')}`;

/**
 * Upstream's variant key for a FROM image and Python (and the CUDA line a stock FROM gets as a mini), or undefined
 * for a FROM image upstream does not name.
 */
export function baseVariantKey(from: string, python: string, cuda?: string): string | undefined {
  const template = baseTagTemplate(from, cuda);
  return template && `${template}-${pythonTag(python)}`;
}

interface UpstreamBaseVariant {
  key: string;
  from: string;
  python: string;
  cuda?: string;
  platforms: Platform[];
  args?: Record<string, string>;
}

/**
 * The whole production matrix as variants of a base image.ts: every FROM image on every Python, then the minis on
 * every Python (upstream's build order: the minis build on the stock images).
 */
export function upstreamBaseVariants(
  froms: readonly string[] = UPSTREAM_BASE_FROMS,
  pythons: readonly string[] = UPSTREAM_PYTHONS,
  minis: ReadonlyArray<{ miniTag: string; cudaVersions: readonly string[] }> = UPSTREAM_MINI_BASES,
): UpstreamBaseVariant[] {
  const full = froms.flatMap((from) =>
    pythons.map((python) => {
      const cuda = cudaOfFrom(from);
      return { key: baseVariantKey(from, python) ?? from, from, python, ...(cuda && { cuda }), platforms: [...UPSTREAM_PLATFORMS] };
    }),
  );
  return [...full, ...minis.flatMap((mini) => pythons.map((python) => miniVariant(mini, python)))];
}

/** One mini on one Python; its cuda fact is its lowest CUDA line, which names it (`cuda-<X.Y>-mini`). */
function miniVariant(mini: { miniTag: string; cudaVersions: readonly string[] }, python: string): UpstreamBaseVariant {
  const where = `packages/conventions/src/base-matrix.ts: UPSTREAM_MINI_BASES (${mini.miniTag})`;
  const lines = cudaRuntimeLines(mini.cudaVersions.join(' '));
  // Upstream's Dockerfile.runtime fails on an empty list; here the table cannot even produce such a variant.
  if (!lines?.length) throw new Error(`${where}: cudaVersions must list one or more CUDA lines as X-Y (e.g. '12-9').`);
  const key = baseVariantKey(MINI_FROM, python, lines[0]);
  if (key !== `${mini.miniTag}-${pythonTag(python)}`)
    throw new Error(`${where}: its lowest CUDA line ${lines[0]} names it '${baseTagTemplate(MINI_FROM, lines[0])}'. Rename miniTag.`);
  return {
    key,
    from: MINI_FROM,
    python,
    cuda: lines[0],
    platforms: [...UPSTREAM_PLATFORMS],
    args: { [CUDA_RUNTIME_ARG]: mini.cudaVersions.join(' ') },
  };
}

/**
 * Whether a base variant is on its FROM image's default Python: the variants a new child starts from. Not a mini:
 * those exist as the runtime of pytorch's mini rows, which name them by hand, as upstream's configs do.
 */
export function isDefaultPythonVariant(variant: { from?: string; python?: string; cuda?: string }): boolean {
  if (isMiniVariant(variant)) return false;
  const release = variant.from && /ubuntu:?(\d+\.\d+)$/.exec(variant.from)?.[1];
  const preferred = release ? UPSTREAM_DEFAULT_PYTHON[release] : undefined;
  return !preferred || !variant.python || variant.python === preferred;
}

/** The stock variant an external image grafts from by default (upstream's externals use it). */
export const DEFAULT_STOCK_VARIANT = 'stock-ubuntu24.04-py312';
