// CI's build waves: the images a change affects, in the order the FROM graph allows, so each runner of a wave finds
// every parent it needs already built (in the cache registry) by an earlier wave. Pure: the command reads the graph
// and the affected list, the workflow runs one job per wave.

/** An image and the images it is built FROM (one for our classes; several where a build takes more than one). */
export interface WaveNode {
  name: string;
  parents: readonly string[];
}

export type WavePlan = { ok: true; waves: string[][] } | { ok: false; error: string };

/**
 * The affected images in waves: an image is in the wave after the last wave holding one of its affected ancestors
 * (through unaffected ones too), so every image is built exactly once and only after all of its affected ancestors.
 * Unaffected images are in no wave: their content tags did not change, so the cache registry has them. Sorted by name
 * within a wave. Refuses an affected name the graph does not know, and a FROM cycle.
 */
export function planBuildWaves(nodes: readonly WaveNode[], affected: readonly string[]): WavePlan {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const unknown = affected.filter((name) => !byName.has(name));
  if (unknown.length) {
    return {
      ok: false,
      error: `${unknown.join(', ')}: not an image project. Affected images must be among: ${[...byName.keys()].sort().join(', ')}.`,
    };
  }
  const isAffected = new Set(affected);
  // depth(n): how many affected images lie on the longest FROM path ending at n, n included.
  const depth = new Map<string, number>();
  const visiting: string[] = [];
  const depthOf = (name: string): number | string[] => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.includes(name)) return [...visiting.slice(visiting.indexOf(name)), name];
    visiting.push(name);
    let deepest = 0;
    for (const parent of byName.get(name)?.parents ?? []) {
      // A parent outside the graph (an upstream image such as ollama/ollama) is never built here.
      if (!byName.has(parent)) continue;
      const d = depthOf(parent);
      if (Array.isArray(d)) return d;
      deepest = Math.max(deepest, d);
    }
    visiting.pop();
    const own = deepest + (isAffected.has(name) ? 1 : 0);
    depth.set(name, own);
    return own;
  };
  const waves: string[][] = [];
  for (const name of [...isAffected].sort()) {
    const d = depthOf(name);
    if (Array.isArray(d)) {
      return {
        ok: false,
        error: `FROM cycle: ${d.join(' -> ')}. No image can be built before the others; point one of these parents at an image outside the loop.`,
      };
    }
    (waves[d - 1] ??= []).push(name);
  }
  // No wave is empty: an image of wave d has an affected ancestor in wave d - 1 (the one before it on its longest path).
  return { ok: true, waves };
}
