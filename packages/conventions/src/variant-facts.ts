// Variant facts (python, cuda, torch, torchBackend) as they flow down the FROM chain: a child variant that names its
// parent variant has the parent's facts unless it states its own, and each fact reaches build steps as a build arg.
import type { ResolvedImage } from './graph';
import type { Variant } from './schema';

export type FactName = 'python' | 'cuda' | 'torch' | 'torchBackend';
export type VariantFacts = Partial<Record<FactName, string>>;

/**
 * The build arg (and, where an image states the fact on every variant, the ENV) each fact reaches steps under.
 * PYTHON_VERSION, PYTORCH_VERSION and PYTORCH_BACKEND are upstream's names (its base and pytorch images export them).
 * The cuda fact is MAJOR.MINOR, which upstream's CI calls cuda_short; it cannot be CUDA_VERSION: every nvidia/cuda
 * base sets ENV CUDA_VERSION=<MAJOR.MINOR.PATCH>, and an inherited ENV beats a build arg of the same name.
 */
export const FACT_ARGS: Readonly<Record<FactName, string>> = {
  python: 'PYTHON_VERSION',
  cuda: 'CUDA_SHORT',
  torch: 'PYTORCH_VERSION',
  torchBackend: 'PYTORCH_BACKEND',
};
export const FACT_NAMES = Object.keys(FACT_ARGS) as FactName[];

/** The facts a variant states itself. */
function ownFacts(variant: Variant): VariantFacts {
  return Object.fromEntries(FACT_NAMES.flatMap((f) => (variant[f] !== undefined ? [[f, variant[f]]] : []))) as VariantFacts;
}

/**
 * A variant's facts with its parent variant's (and theirs, up the chain) filled in. Facts flow only through
 * derivatives, which are built FROM their parent: an external image runs on its upstream image's OS and Python, so
 * the base variant it grafts from says nothing about it. A missing parent variant contributes nothing (graph.ts
 * reports it).
 */
export function resolveVariantFacts(image: Pick<ResolvedImage, 'definition' | 'ancestors'>, variant: Variant): VariantFacts {
  const facts: VariantFacts = {};
  const chain = [image.definition, ...image.ancestors.map((a) => a.definition)];
  let current: Variant | undefined = variant;
  for (let depth = 0; current; depth++) {
    for (const [name, value] of Object.entries(ownFacts(current))) facts[name as FactName] ??= value;
    const parentKey: string | undefined = current.parent;
    current =
      chain[depth].class === 'derivative' && parentKey !== undefined
        ? chain[depth + 1]?.variants.find((v) => v.key === parentKey)
        : undefined;
  }
  return facts;
}

/** The facts as build args: `{ PYTHON_VERSION: '3.12', ... }`. */
export function factArgs(facts: VariantFacts): Record<string, string> {
  return Object.fromEntries(FACT_NAMES.flatMap((f) => (facts[f] !== undefined ? [[FACT_ARGS[f], facts[f] as string]] : [])));
}

/**
 * The facts an image exports as ENV for its children, as upstream's base exports PYTHON_VERSION and its pytorch
 * PYTORCH_VERSION and PYTORCH_BACKEND: those every variant has (stated or inherited), so no variant gets an empty one.
 */
export function exportedFacts(image: Pick<ResolvedImage, 'definition' | 'ancestors'>): FactName[] {
  const all = image.definition.variants.map((v) => resolveVariantFacts(image, v));
  return FACT_NAMES.filter((f) => all.every((facts) => facts[f] !== undefined));
}

/**
 * The FROM at the top of a variant's chain (a base variant's `from`), followed through derivatives as the facts are:
 * upstream's pytorch tags name the base's full CUDA version and Ubuntu release. Undefined through an external image.
 */
export function rootFromOf(image: Pick<ResolvedImage, 'definition' | 'ancestors'>, variant: Variant): string | undefined {
  const chain = [image.definition, ...image.ancestors.map((a) => a.definition)];
  let current: Variant | undefined = variant;
  for (let depth = 0; current; depth++) {
    if (chain[depth].class === 'base') return current.from;
    if (chain[depth].class !== 'derivative' || current.parent === undefined) return undefined;
    const parentKey: string = current.parent;
    current = chain[depth + 1]?.variants.find((v) => v.key === parentKey);
  }
  return undefined;
}
