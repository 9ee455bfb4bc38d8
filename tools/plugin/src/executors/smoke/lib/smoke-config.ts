// Which checks run for an image, as data (docker-library's test/config.sh): the global checks, the image's own,
// minus its exclusions. Every exclusion carries the reason it is acceptable, and names a check that exists.
import { GLOBAL_CHECKS, IMAGE_CHECKS, type SmokeCheck } from './checks';

export interface Exclusion {
  check: string;
  reason: string;
}

export interface SmokeConfig {
  global: SmokeCheck[];
  images: Record<string, SmokeCheck[]>;
  /** Nx project name -> checks that image skips, each with why. */
  exclusions: Record<string, Exclusion[]>;
}

export const SMOKE_CONFIG: SmokeConfig = {
  global: GLOBAL_CHECKS,
  images: IMAGE_CHECKS,
  // No image is excused from any check yet. An entry reads:
  //   'my-image': [{ check: 'jupyter-running', reason: 'ships no Jupyter: its upstream owns port 8080' }]
  exclusions: {},
};

export interface SelectedChecks {
  checks: SmokeCheck[];
  excluded: Exclusion[];
}

/** Problems in a config: duplicate ids, exclusions of unknown checks, exclusions without a reason. */
export function validateSmokeConfig(config: SmokeConfig): string[] {
  const errors: string[] = [];
  for (const [image, checks] of [['(global)', []] as const, ...Object.entries(config.images)]) {
    const seen = new Set<string>();
    for (const check of [...config.global, ...checks]) {
      if (seen.has(check.id))
        errors.push(`${image}: check id '${check.id}' is used twice. Give each check its own id (exclusions name checks by id).`);
      seen.add(check.id);
    }
  }
  for (const [image, exclusions] of Object.entries(config.exclusions)) {
    const known = new Set([...config.global, ...(config.images[image] ?? [])].map((c) => c.id));
    exclusions.forEach((exclusion, i) => {
      if (!known.has(exclusion.check))
        errors.push(
          `exclusions.${image}.${i}.check: '${exclusion.check}' is not a check ${image} runs. Use one of: ${[...known].join(', ')}`,
        );
      if (!exclusion.reason.trim())
        errors.push(`exclusions.${image}.${i}.reason: is empty. Say why ${image} may skip '${exclusion.check}'.`);
    });
  }
  return errors;
}

export function selectChecks(image: string, config: SmokeConfig = SMOKE_CONFIG): SelectedChecks {
  const errors = validateSmokeConfig(config);
  if (errors.length) throw new Error(`smoke check config is invalid:\n${errors.join('\n')}`);
  const excluded = config.exclusions[image] ?? [];
  const skipped = new Set(excluded.map((e) => e.check));
  const checks = [...config.global, ...(config.images[image] ?? [])].filter((c) => !skipped.has(c.id));
  return { checks, excluded };
}
