import { describe, expect, it } from 'vitest';
import { planBuildWaves, type WaveNode } from './build-waves';

const node = (name: string, ...parents: string[]): WaveNode => ({ name, parents });
/** The workspace's family: base-image, pytorch FROM it, comfyui FROM pytorch, vllm and ollama grafted onto it. */
const family = [
  node('base-image'),
  node('pytorch', 'base-image'),
  node('comfyui', 'pytorch'),
  node('vllm', 'base-image', 'vllm/vllm-openai'),
  node('ollama', 'base-image', 'ollama/ollama'),
];

describe('planBuildWaves', () => {
  it('a chain: one image per wave, parents first', () => {
    expect(planBuildWaves(family, ['comfyui', 'pytorch', 'base-image'])).toEqual({
      ok: true,
      waves: [['base-image'], ['pytorch'], ['comfyui']],
    });
  });

  it('siblings share a wave after their parent, which is built once', () => {
    expect(planBuildWaves(family, ['ollama', 'vllm', 'comfyui', 'pytorch', 'base-image'])).toEqual({
      ok: true,
      waves: [['base-image'], ['ollama', 'pytorch', 'vllm'], ['comfyui']],
    });
  });

  it('a diamond: the shared ancestor once, first; the join after both of its parents', () => {
    const diamond = [node('a'), node('b', 'a'), node('c', 'a'), node('d', 'b', 'c'), node('e', 'a')];
    expect(planBuildWaves(diamond, ['d', 'c', 'b', 'a', 'e'])).toEqual({ ok: true, waves: [['a'], ['b', 'c', 'e'], ['d']] });
    // The longest path decides: d waits for c even when c sits deeper than b.
    const lopsided = [node('a'), node('b', 'a'), node('c', 'b'), node('d', 'a', 'c')];
    expect(planBuildWaves(lopsided, ['a', 'b', 'c', 'd'])).toEqual({ ok: true, waves: [['a'], ['b'], ['c'], ['d']] });
  });

  it('unaffected images are in no wave, and an affected child of one starts as early as it can', () => {
    expect(planBuildWaves(family, ['comfyui'])).toEqual({ ok: true, waves: [['comfyui']] });
    expect(planBuildWaves(family, ['comfyui', 'vllm'])).toEqual({ ok: true, waves: [['comfyui', 'vllm']] });
    // Through an unaffected middle image, the order still holds.
    expect(planBuildWaves(family, ['comfyui', 'base-image'])).toEqual({ ok: true, waves: [['base-image'], ['comfyui']] });
  });

  it('nothing affected: no wave', () => {
    expect(planBuildWaves(family, [])).toEqual({ ok: true, waves: [] });
  });

  it('refuses a name that is not an image project, naming the ones that are', () => {
    expect(planBuildWaves(family, ['portal', 'comfyui'])).toEqual({
      ok: false,
      error: 'portal: not an image project. Affected images must be among: base-image, comfyui, ollama, pytorch, vllm.',
    });
  });

  it('refuses a FROM cycle with the loop spelled out', () => {
    expect(planBuildWaves([node('a', 'b'), node('b', 'a')], ['a'])).toEqual({
      ok: false,
      error: 'FROM cycle: a -> b -> a. No image can be built before the others; point one of these parents at an image outside the loop.',
    });
  });
});
