// GET /capabilities (and /.well-known/vast-capabilities, /capabilities/services, /capabilities/endpoints): the live
// manifest of §5.2. The facts are stage 80's (read-facts.ts, from the portal's own folders) plus what only a running
// portal knows: supervisor's states, the GPU summary, and with `include=` the metrics and the package versions. The
// manifest itself is @vast/conventions' assembleCapabilities, the one that writes the static snapshot.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { CapabilitiesFacts, MergedFragments } from '@vast/conventions/capabilities';
import { readCapabilitiesFacts } from '../capabilities/read-facts';
import type { SystemMetrics } from './system-metrics';
import type { NormalizedPortalServerSettings } from './settings';

export interface LiveFacts {
  settings: NormalizedPortalServerSettings;
  /** Supervisor's programs (hidden ones already left out) and their states. */
  processes: ReadonlyArray<{ name: string; statename: string }>;
  metrics: SystemMetrics;
  include: { metrics?: boolean; packages?: boolean };
}

export async function readLiveCapabilitiesFacts({ settings, processes, metrics, include }: LiveFacts): Promise<CapabilitiesFacts> {
  const facts = readCapabilitiesFacts({
    env: settings.env,
    fragmentsDir: settings.capabilitiesDir,
    markerDir: settings.markerDir,
    portalYaml: settings.portalYaml,
  });
  return {
    ...facts,
    supervisor: new Map(processes.map((p) => [p.name, p.statename])),
    gpu: { ...facts.gpu, summary: metrics.gpu.summary },
    ...(include.metrics && {
      metrics: { cpu: metrics.cpu, ram: metrics.ram, disk: metrics.disk, volume: metrics.volume, gpu: metrics.gpu },
    }),
    ...(include.packages && { packageVersions: await readPackageVersions(facts.fragments) }),
  };
}

const VERSIONS_SCRIPT = [
  'import json, sys',
  'from importlib import metadata',
  'out = {}',
  'for name in sys.argv[1:]:',
  '    try:',
  '        out[name] = metadata.version(name)',
  '    except Exception:',
  '        out[name] = None',
  'print(json.dumps(out))',
].join('\n');

/** `<path>/bin/python` asked for each package of interest (20 s at most, as upstream); an environment that fails gives null. */
export async function readPackageVersions(fragments: MergedFragments): Promise<Record<string, Record<string, string | null>>> {
  const result: Record<string, Record<string, string | null>> = {};
  await Promise.all(
    fragments.python_environments
      .filter((env) => typeof env.path === 'string' && env.path && env.packages_of_interest.length > 0)
      .map((env) => {
        const path = String(env.path);
        return new Promise<void>((resolve) => {
          execFile(join(path, 'bin/python'), ['-c', VERSIONS_SCRIPT, ...env.packages_of_interest], { timeout: 20_000 }, (error, stdout) => {
            try {
              if (!error) result[path] = JSON.parse(stdout) as Record<string, string | null>;
            } catch {
              // not JSON: no versions for this environment
            }
            resolve();
          });
        });
      }),
  );
  return result;
}
