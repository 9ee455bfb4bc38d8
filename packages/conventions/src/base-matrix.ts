import { baseTemplateOf, UPSTREAM_DEFAULT_PYTHON } from './upstream-tags';
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

/** upstream-tags.ts's tag template of a FROM image upstream names, else undefined (no key to fall back on here). */
export function baseTagTemplate(from: string): string | undefined {
  return baseTemplateOf({ key: '', from }) || undefined;
}

/** The CUDA line (MAJOR.MINOR) an nvidia/cuda FROM image carries. */
export function cudaOfFrom(from: string): string | undefined {
  return /^nvidia\/cuda:(\d+\.\d+)\./.exec(from)?.[1];
}

export const pythonTag = (python: string) => `py${python.replace('.', '')}`;

/** Upstream's variant key for a FROM image and Python, or undefined for a FROM image upstream does not name. */
export function baseVariantKey(from: string, python: string): string | undefined {
  const template = baseTagTemplate(from);
  return template && `${template}-${pythonTag(python)}`;
}

/** The whole production matrix as variants of a base image.ts. */
export function upstreamBaseVariants(
  froms: readonly string[] = UPSTREAM_BASE_FROMS,
  pythons: readonly string[] = UPSTREAM_PYTHONS,
): Array<{ key: string; from: string; python: string; cuda?: string; platforms: Platform[] }> {
  return froms.flatMap((from) =>
    pythons.map((python) => {
      const cuda = cudaOfFrom(from);
      return { key: baseVariantKey(from, python) ?? from, from, python, ...(cuda && { cuda }), platforms: [...UPSTREAM_PLATFORMS] };
    }),
  );
}

/** Whether a base variant is on its FROM image's default Python: the variants a new child starts from. */
export function isDefaultPythonVariant(variant: { from?: string; python?: string }): boolean {
  const release = variant.from && /ubuntu:?(\d+\.\d+)$/.exec(variant.from)?.[1];
  const preferred = release ? UPSTREAM_DEFAULT_PYTHON[release] : undefined;
  return !preferred || !variant.python || variant.python === preferred;
}

/** The stock variant an external image grafts from by default (upstream's externals use it). */
export const DEFAULT_STOCK_VARIANT = 'stock-ubuntu24.04-py312';
