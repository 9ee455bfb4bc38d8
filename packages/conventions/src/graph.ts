// Resolves the FROM graph of the image family: parents exist, no cycles, variants line up with their parents'.
import { validatePortalEntries } from './portal-config';
import { checkPortalLabels } from './portal-labels';
import type { ImageDefinition, PortalEntry } from './schema';

export interface ImageRecord {
  /** Where the definition came from, for error messages (e.g. packages/images/comfyui/image.ts). */
  file: string;
  version: string;
  definition: ImageDefinition;
}

export interface ResolvedImage extends ImageRecord {
  /** Parent first, the base image last. */
  ancestors: ImageRecord[];
  /** The PORTAL_CONFIG entries of the whole chain, base first (services, then links, per image). */
  portalEntries: PortalEntry[];
}

export interface GraphError {
  file: string;
  path: string;
  message: string;
}

export type GraphResult = { images: Map<string, ResolvedImage>; errors: GraphError[] };

export function parentOf(definition: ImageDefinition): string | undefined {
  return definition.class === 'base' ? undefined : definition.parent;
}

/** An image and its FROM ancestors, base first: the order its chain's PORTAL_CONFIG entries and labels are read in. */
export function imageChain(image: ImageRecord & { ancestors: readonly ImageRecord[] }): ImageRecord[] {
  return [...image.ancestors].reverse().concat(image);
}

/** The entries an image itself contributes to PORTAL_CONFIG. */
export function ownPortalEntries(definition: ImageDefinition): PortalEntry[] {
  return [...definition.services.flatMap((s) => s.portal), ...definition.links];
}

/** The entries of an image's default PORTAL_CONFIG: the chain's, less those a template must list itself (`optIn`). */
export function defaultPortalEntries(entries: readonly PortalEntry[]): PortalEntry[] {
  return entries.filter((e) => !e.optIn);
}

/**
 * Resolves the records given. `projects` names every image project of the workspace, for the hint in an
 * unknown-parent error, when only a chain was loaded (loading all definitions would make each build O(images)).
 */
export function resolveImageGraph(records: ImageRecord[], projects?: readonly string[]): GraphResult {
  const byName = new Map(records.map((r) => [r.definition.name, r]));
  const errors: GraphError[] = [];
  const images = new Map<string, ResolvedImage>();

  for (const record of records) {
    const { definition, file } = record;
    const walk = walkFrom(
      definition.name,
      (name) => byName.get(name),
      (r) => parentOf(r.definition),
    );
    const ancestors = walk.chain.slice(1);
    if (walk.cycle) {
      errors.push({
        file,
        path: 'parent',
        message: `FROM cycle: ${walk.cycle.join(' -> ')}. An image cannot be built FROM itself; point one of these parents at an image outside the loop.`,
      });
      continue;
    }
    if (walk.missing !== undefined) {
      const known = [...new Set([...(projects ?? []), ...byName.keys()])].sort().join(', ');
      errors.push({
        file: walk.chain[walk.chain.length - 1].file,
        path: 'parent',
        message: `'${walk.missing}' is not an image project. Use one of: ${known}.`,
      });
      continue;
    }

    if (definition.class === 'external' && ancestors[0] && ancestors[0].definition.class !== 'base') {
      errors.push({
        file,
        path: 'parent',
        message: `an external image grafts the base infrastructure, so its parent must be a base image; '${ancestors[0].definition.name}' is a ${ancestors[0].definition.class} image.`,
      });
    }
    const parent = ancestors[0];
    if (parent) {
      const parentKeys = new Set(parent.definition.variants.map((v) => v.key));
      definition.variants.forEach((variant, i) => {
        if (variant.parent && !parentKeys.has(variant.parent)) {
          errors.push({
            file,
            path: `variants.${i}.parent`,
            message: `'${variant.parent}' is not a variant of ${parent.definition.name}. Use one of: ${[...parentKeys].join(', ')}.`,
          });
        } else if (variant.parent && variant.local && !parent.definition.variants.find((p) => p.key === variant.parent)?.local) {
          errors.push({
            file,
            path: `variants.${i}.local`,
            message: `a local variant must build on a local parent variant, and ${parent.definition.name}:${variant.parent} is not local.`,
          });
        }
      });
    }
    const chain = imageChain({ ...record, ancestors });
    const portalEntries = chain.flatMap((r) => ownPortalEntries(r.definition));
    // The chain's entries become one PORTAL_CONFIG: ports and labels must not collide across images either.
    for (const message of validatePortalEntries(portalEntries)) {
      errors.push({
        file,
        path: 'services',
        message: `the PORTAL_CONFIG of ${[...chain].map((r) => r.definition.name).join(' + ')}: ${message}`,
      });
    }
    // exit_portal.sh gates each service on its label appearing in /etc/portal.yaml: labels must select their own entry.
    for (const problem of checkPortalLabels(chain.map((r) => r.definition))) errors.push({ file, ...problem });
    images.set(definition.name, { ...record, ancestors, portalEntries });
  }
  return { images, errors };
}

export interface FromWalk<T> {
  /** The start and its FROM ancestors, nearest first, as far as they are known. */
  chain: T[];
  /** The names around a FROM loop, start first and the repeated name last, when the chain comes back on itself. */
  cycle?: string[];
  /** The first parent name that `lookup` does not know. */
  missing?: string;
}

/**
 * The one walk up a FROM chain: from `start` through each parent that `lookup` knows, stopping at the top, at an
 * unknown parent or at a loop. Works on anything that names its parent (records, manifests, packages).
 */
export function walkFrom<T>(
  start: string,
  lookup: (name: string) => T | undefined,
  parentName: (item: T) => string | undefined,
): FromWalk<T> {
  const chain: T[] = [];
  const seen: string[] = [];
  for (let name: string | undefined = start; name !== undefined;) {
    if (seen.includes(name)) return { chain, cycle: [...seen, name] };
    const item = lookup(name);
    if (item === undefined) return seen.length ? { chain, missing: name } : { chain };
    chain.push(item);
    seen.push(name);
    name = parentName(item);
  }
  return { chain };
}

/** Images in FROM order: every parent before its children; ties broken by name for stable output. */
export function sortImagesByFrom(images: Iterable<ResolvedImage>): ResolvedImage[] {
  return [...images].sort((a, b) => a.ancestors.length - b.ancestors.length || a.definition.name.localeCompare(b.definition.name));
}
