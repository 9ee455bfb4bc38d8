// Which local image goes to which registry reference, in the order they are pushed. Pure.
import { releaseTags } from '@vast/conventions';
import type { BuildResult } from '../../../lib/build-result';

export interface PushStep {
  variant: string;
  /** The local content-addressed tag the release comes from. */
  source: string;
  imageId: string;
  /** `registry/repository:tag` */
  target: string;
  /** A moving tag (`1.4-v`, `1-v`, `latest-v`) rather than the exact version tag. */
  alias: boolean;
}

/**
 * Every exact version tag of every variant first, then the moving aliases. If a push fails halfway,
 * what reached the registry is exact tags only: no `latest-*` or `1.4-*` moved to a release that is
 * not complete.
 */
export function planPush(result: BuildResult, registry: string): PushStep[] {
  const steps = result.variants.map((variant) => {
    const [exact, ...aliases] = releaseTags({ registry, repository: result.repository, version: result.version, variant: variant.key });
    const base = { variant: variant.key, source: variant.buildTag, imageId: variant.imageId };
    return {
      exact: { ...base, target: exact, alias: false },
      aliases: aliases.map((target) => ({ ...base, target, alias: true })),
    };
  });
  return [...steps.map((s) => s.exact), ...steps.flatMap((s) => s.aliases)];
}

/** Loopback registries speak plain HTTP; docker only allows that for them (and for configured insecure registries). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.split('/')[0].replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}
