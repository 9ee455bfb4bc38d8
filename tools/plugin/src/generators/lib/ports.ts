// Ports of a new service: the ones asked for, checked against the chain's PORTAL_CONFIG entries, or a free pair.
import type { PortalEntry } from '@vast/conventions';

/** Where the search for a free external port starts (the Gradio/app convention: 7860, proxied from 17860). */
export const FIRST_EXTERNAL_PORT = 7860;
/** Internal ports sit this far above the external one when free (a habit upstream has, not a rule). */
export const INTERNAL_OFFSET = 10000;

export interface PortOwner {
  image: string;
  entry: PortalEntry;
}

/** Who already uses `port`, as an external or internal port of an entry of the chain. */
export function portOwner(owners: readonly PortOwner[], port: number): PortOwner | undefined {
  return owners.find((o) => o.entry.externalPort === port || o.entry.internalPort === port);
}

function firstFree(owners: readonly PortOwner[], from: number, taken: ReadonlySet<number>): number {
  for (let port = from; port <= 65535; port++) if (!portOwner(owners, port) && !taken.has(port)) return port;
  for (let port = 1024; port < from; port++) if (!portOwner(owners, port) && !taken.has(port)) return port;
  throw new Error('no free port left between 1024 and 65535');
}

/**
 * The external/internal pair for a new service: given ports are kept (the caller has checked them), missing ones are
 * the first free ones from 7860 (external) and external + 10000 (internal), never equal to each other.
 */
export function pickPortPair(
  owners: readonly PortOwner[],
  requested: { external?: number; internal?: number },
): { external: number; internal: number } {
  const external = requested.external ?? firstFree(owners, FIRST_EXTERNAL_PORT, new Set(requested.internal ? [requested.internal] : []));
  const preferred = external + INTERNAL_OFFSET <= 65535 ? external + INTERNAL_OFFSET : 1024;
  const internal = requested.internal ?? firstFree(owners, preferred, new Set([external]));
  return { external, internal };
}
