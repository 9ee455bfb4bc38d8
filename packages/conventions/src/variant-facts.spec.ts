import { describe, expect, it } from 'vitest';
import { renderImageManifest } from './build-plan';
import { renderDockerfile } from './dockerfile';
import { parseDockerfile } from './lint/dockerfile-parser';
import { fakeDefinition, fakeFamily } from './testing';
import { exportedFacts, resolveVariantFacts } from './variant-facts';

/** base -> torchy (pins torch per variant) -> child (states no facts), and an external grafted on base. */
function family() {
  const base = fakeDefinition('base', {
    variants: [
      { key: 'stock', from: 'ubuntu:24.04', python: '3.12' },
      { key: 'cuda', from: 'nvidia/cuda:12.9.1-cudnn-devel-ubuntu24.04', python: '3.12', cuda: '12.9' },
      { key: 'local', from: 'vast-local/bookworm:latest', python: '3.11', local: true },
    ],
  });
  const torchy = fakeDefinition('derivative', {
    name: 'torchy',
    repository: 'vastai/torchy',
    services: [],
    variants: [
      { key: '2.10.0-cu128', parent: 'cuda', torch: '2.10.0', torchBackend: 'cu128' },
      { key: 'local', parent: 'local', local: true, torch: '1.13.1', torchBackend: 'cpu' },
    ],
  });
  const child = fakeDefinition('derivative', {
    parent: 'torchy',
    variants: [
      { key: 'cuda', parent: '2.10.0-cu128' },
      { key: 'local', parent: 'local', local: true, python: '3.13' },
    ],
  });
  const ext = fakeDefinition('external', { variants: [{ key: '1.0', parent: 'cuda', upstream: 'example/ext:1.0' }] });
  return fakeFamily(base, torchy, child, ext);
}

describe('variant facts down the FROM chain', () => {
  it('a child variant gets its parent variant facts, all the way up, unless it states its own', () => {
    const images = family();
    const child = images.get('app')!;
    expect(resolveVariantFacts(child, child.definition.variants[0])).toEqual({
      python: '3.12',
      cuda: '12.9',
      torch: '2.10.0',
      torchBackend: 'cu128',
    });
    expect(resolveVariantFacts(child, child.definition.variants[1])).toEqual({ python: '3.13', torch: '1.13.1', torchBackend: 'cpu' });
  });

  it('an external image inherits nothing: it runs on its upstream image, not on the base variant it grafts from', () => {
    const ext = family().get('ext')!;
    expect(resolveVariantFacts(ext, ext.definition.variants[0])).toEqual({});
  });

  it('image.json carries the resolved facts and the build args they make', () => {
    const child = family().get('app')!;
    const manifest = renderImageManifest(child, 'hash');
    expect(manifest.variants[0]).toMatchObject({
      key: 'cuda',
      torch: '2.10.0',
      torchBackend: 'cu128',
      cuda: '12.9',
      python: '3.12',
      args: { PYTORCH_VERSION: '2.10.0', PYTORCH_BACKEND: 'cu128', CUDA_SHORT: '12.9', PYTHON_VERSION: '3.12' },
    });
    expect(manifest.variants[1].args).toEqual({ PYTORCH_VERSION: '1.13.1', PYTORCH_BACKEND: 'cpu', PYTHON_VERSION: '3.13' });
  });

  it('the cuda fact is never passed as CUDA_VERSION, which the nvidia/cuda bases set as ENV (and ENV beats a build arg)', () => {
    const images = family();
    for (const image of images.values()) {
      for (const variant of renderImageManifest(image, 'hash').variants) expect(Object.keys(variant.args)).not.toContain('CUDA_VERSION');
    }
  });

  it('an image exports as ENV the facts every variant has, under the names upstream uses', () => {
    const images = family();
    expect(exportedFacts(images.get('base')!)).toEqual(['python']);
    expect(exportedFacts(images.get('torchy')!)).toEqual(['python', 'torch', 'torchBackend']);
    const env = parseDockerfile(renderDockerfile(images.get('torchy')!))
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('PYTORCH_VERSION="${PYTORCH_VERSION}"');
    expect(env).toContain('PYTORCH_BACKEND="${PYTORCH_BACKEND}"');
    expect(env).toContain('PYTHON_VERSION="${PYTHON_VERSION}"');
    expect(env).not.toContain('CUDA_SHORT');
  });
});
