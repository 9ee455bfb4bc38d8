import { describe, expect, it } from 'vitest';
import { GLOBAL_CHECKS, IMAGE_CHECKS } from './checks';
import { selectChecks, SMOKE_CONFIG, validateSmokeConfig, type SmokeConfig } from './smoke-config';

const config = (exclusions: SmokeConfig['exclusions']): SmokeConfig => ({ global: GLOBAL_CHECKS, images: IMAGE_CHECKS, exclusions });

describe('smoke check config', () => {
  it('the shipped config is valid and ids are unique', () => {
    expect(validateSmokeConfig(SMOKE_CONFIG)).toEqual([]);
    const ids = [...GLOBAL_CHECKS, ...Object.values(IMAGE_CHECKS).flat()].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('an image runs the global checks and its own; an image with none of its own only the global ones', () => {
    const base = selectChecks('base-image').checks.map((c) => c.id);
    expect(base.slice(0, GLOBAL_CHECKS.length)).toEqual(GLOBAL_CHECKS.map((c) => c.id));
    expect(base).toContain('jupyter-answers-internally');
    expect(selectChecks('pytorch').checks.map((c) => c.id)).toEqual([
      ...GLOBAL_CHECKS.map((c) => c.id),
      'torch-in-main-venv',
      'torch-facts-in-env',
    ]);
    expect(selectChecks('ollama').checks.map((c) => c.id)).toEqual(GLOBAL_CHECKS.map((c) => c.id));
  });

  it('an exclusion removes its check and is reported with its reason', () => {
    const selected = selectChecks('ollama', config({ ollama: [{ check: 'jupyter-running', reason: 'the upstream owns 8080' }] }));
    expect(selected.checks.map((c) => c.id)).not.toContain('jupyter-running');
    expect(selected.excluded).toEqual([{ check: 'jupyter-running', reason: 'the upstream owns 8080' }]);
  });

  it('rejects exclusions of unknown checks and exclusions without a reason', () => {
    const errors = validateSmokeConfig(
      config({
        vllm: [
          { check: 'no-such-check', reason: 'x' },
          { check: 'caddy-running', reason: ' ' },
        ],
      }),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^exclusions\.vllm\.0\.check: 'no-such-check' is not a check vllm runs\. Use one of: boot-stages-in-order, /);
    expect(errors[1]).toBe("exclusions.vllm.1.reason: is empty. Say why vllm may skip 'caddy-running'.");
    expect(() => selectChecks('vllm', config({ vllm: [{ check: 'nope', reason: 'x' }] }))).toThrow(/smoke check config is invalid/);
  });

  it('rejects an image check that reuses a global id', () => {
    const clash = { ...GLOBAL_CHECKS[0] };
    expect(validateSmokeConfig({ global: GLOBAL_CHECKS, images: { 'my-image': [clash] }, exclusions: {} })).toEqual([
      "my-image: check id 'boot-stages-in-order' is used twice. Give each check its own id (exclusions name checks by id).",
    ]);
  });
});
