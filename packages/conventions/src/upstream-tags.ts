// Which of upstream's tag names one variant of an image gets, next to its semver tags (tags.ts): the scheme an image
// follows, its variant's facts and the build date in, the tags out (upstream-tag-grammar.ts renders them). Pure.
import { renderUpstreamTag, type UpstreamTag } from './upstream-tag-grammar';

/**
 * The upstream scheme an image's tags follow. `base`: dated template tags, the default-Python alias and
 * `cuda-<X.Y.Z>-auto` (the default of a base image). `pytorch`: `<torch>-cuda-<X.Y.Z>-py<XY>-<ubuntu>-<DATE>` and its
 * py312 alias, on a mini `<torch>-<backend>-cuda-<X.Y>-mini-py<XY>-<DATE>`. `release`: the value of build arg `arg` (a release tag, or a commit sha, which gets the date) with the
 * variant's cuda and python. `upstream-version`: the version of the upstream image an external image grafts onto (its
 * default). `none`: semver tags only.
 */
export type UpstreamTagScheme =
  { scheme: 'base' } | { scheme: 'pytorch' } | { scheme: 'release'; arg: string } | { scheme: 'upstream-version' } | { scheme: 'none' };

/** The facts of one variant (image.json's variant, with `root`: the FROM at the top of its chain). */
export interface UpstreamTagVariant {
  key: string;
  from?: string;
  upstream?: string;
  root?: string;
  cuda?: string;
  python?: string;
  torch?: string;
  torchBackend?: string;
  args: Record<string, string>;
}

/** Upstream's default Python per Ubuntu release (default_python in its configs); base-matrix.ts reads it too. */
export const UPSTREAM_DEFAULT_PYTHON: Record<string, string> = { '22.04': '3.10', '24.04': '3.12' };
const DEFAULT_PYTHON = UPSTREAM_DEFAULT_PYTHON;
/** configs/pytorch.json `default_python`. */
const PYTORCH_DEFAULT_PYTHON = '3.12';

const CUDA_FROM = /^nvidia\/cuda:((\d+\.\d+\.\d+)[^:]*)$/;
const UBUNTU_IN = /ubuntu[-:]?(\d{2}\.\d{2})/;
const SHA = /^[0-9a-f]{7,40}$/i;
const UPSTREAM_VERSION = /:v?(\d+\.\d+\.\d+(?:\.post\d+)?)/;

/** Whether a base variant is one of the minis: a stock Ubuntu FROM that carries a CUDA line (its runtime step adds it). */
export function isMiniVariant(variant: { from?: string; cuda?: string }): boolean {
  return variant.cuda !== undefined && variant.from !== undefined && /^ubuntu:/.test(variant.from);
}

/**
 * A base variant's tag template, as upstream's configs name them: `nvidia/cuda:<tag>` -> `cuda-<tag>`,
 * `ubuntu:<ver>` -> `stock-ubuntu<ver>`, and `ubuntu:<ver>` with a CUDA line (a mini: the stock image plus NVIDIA's
 * runtime packages) -> its `mini_tag`, `cuda-<X.Y>-mini`; any other FROM (the local Debian root) -> the variant key
 * without `-py<XY>`.
 */
export function baseTemplateOf(variant: Pick<UpstreamTagVariant, 'key' | 'from' | 'cuda'>): string {
  const from = variant.from ?? '';
  const cuda = CUDA_FROM.exec(from);
  if (cuda) return `cuda-${cuda[1]}`;
  const ubuntu = /^ubuntu:(\d{2}\.\d{2})$/.exec(from);
  if (ubuntu && isMiniVariant(variant)) return `cuda-${variant.cuda}-mini`;
  if (ubuntu) return `stock-ubuntu${ubuntu[1]}`;
  return variant.key.replace(/-py\d+$/, '');
}

/** Upstream's tags of one variant built on `date` (YYYY-MM-DD, UTC), exact tag first. Empty when the facts are missing. */
export function upstreamTagsOf(scheme: UpstreamTagScheme, variant: UpstreamTagVariant, date: string): string[] {
  const tags: UpstreamTag[] = [];
  switch (scheme.scheme) {
    case 'base': {
      const template = baseTemplateOf(variant);
      const ubuntu = UBUNTU_IN.exec(variant.from ?? '')?.[1];
      if (variant.python) tags.push({ kind: 'dated', template, python: variant.python, date });
      // The alias without -py names the distro's default Python; a FROM with one Python (the local root) has no other.
      // A mini has none: upstream's build and promotion name only `<mini_tag>-py<XY>-<DATE>`.
      if (!isMiniVariant(variant) && (!variant.python || !ubuntu || DEFAULT_PYTHON[ubuntu] === variant.python))
        tags.push({ kind: 'dated', template, date });
      const cuda = CUDA_FROM.exec(variant.from ?? '')?.[2];
      if (cuda) tags.push({ kind: 'cuda-auto', cuda });
      break;
    }
    case 'pytorch': {
      const root = CUDA_FROM.exec(variant.root ?? '');
      const ubuntu = UBUNTU_IN.exec(variant.root ?? '')?.[1];
      // On a mini (a stock Ubuntu root with a CUDA line): `<torch>-<backend>-cuda-<X.Y>-mini-py<XY>-<DATE>`, no alias.
      if (
        isMiniVariant({ from: variant.root, cuda: variant.cuda }) &&
        variant.torch &&
        variant.torchBackend &&
        variant.cuda &&
        variant.python
      ) {
        const { torch, torchBackend: backend, cuda, python } = variant;
        tags.push({ kind: 'pytorch-backend', torch, backend, cuda, mini: true, python, date });
      }
      if (!variant.torch || !root || !ubuntu) break;
      const parts = { kind: 'pytorch' as const, torch: variant.torch, cuda: root[2], ubuntu, date };
      if (variant.python) tags.push({ ...parts, python: variant.python });
      if (!variant.python || variant.python === PYTORCH_DEFAULT_PYTHON) tags.push(parts);
      break;
    }
    case 'release': {
      const ref = variant.args[scheme.arg];
      if (!ref) break;
      const facts = { ...(variant.cuda ? { cuda: variant.cuda } : {}), ...(variant.python ? { python: variant.python } : {}) };
      // AGENTS.md's rule: a commit-hash ref carries the build date, a version ref does not.
      tags.push(SHA.test(ref) ? { kind: 'commit', sha: ref, date, ...facts } : { kind: 'release', ref, ...facts });
      break;
    }
    case 'upstream-version': {
      const version = UPSTREAM_VERSION.exec(variant.upstream ?? '')?.[1];
      if (version) tags.push({ kind: 'release', ref: version, ...(variant.cuda ? { cuda: variant.cuda } : {}) });
      break;
    }
    case 'none':
      break;
  }
  return tags.map(renderUpstreamTag);
}
