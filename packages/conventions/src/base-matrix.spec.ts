import { describe, expect, it } from 'vitest';
import {
  baseTagTemplate,
  baseVariantKey,
  cudaOfFrom,
  DEFAULT_STOCK_VARIANT,
  isDefaultPythonVariant,
  upstreamBaseVariants,
} from './base-matrix';
import { lintContext } from './lint';
import { fakeDefinition, fakeFamily } from './testing';
import { renderContextFiles } from './context';

describe("upstream's base matrix", () => {
  it("names variants as upstream's tag_template-pyXY", () => {
    expect(baseTagTemplate('ubuntu:22.04')).toBe('stock-ubuntu22.04');
    expect(baseVariantKey('nvidia/cuda:12.9.2-cudnn-devel-ubuntu24.04', '3.12')).toBe('cuda-12.9.2-cudnn-devel-ubuntu24.04-py312');
    expect(baseVariantKey('nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04', '3.10')).toBe('cuda-11.8.0-cudnn8-devel-ubuntu22.04-py310');
    expect(baseVariantKey('debian:bookworm', '3.11')).toBeUndefined();
    expect(cudaOfFrom('nvidia/cuda:13.10.1-cudnn-devel-ubuntu24.04')).toBe('13.10');
    expect(cudaOfFrom('ubuntu:24.04')).toBeUndefined();
    expect(baseVariantKey('ubuntu:24.04', '3.12')).toBe(DEFAULT_STOCK_VARIANT);
  });

  it('is 12 FROM images x 5 Pythons, each on both architectures', () => {
    const variants = upstreamBaseVariants();
    expect(variants).toHaveLength(60);
    expect(new Set(variants.map((v) => v.key)).size).toBe(60);
    expect(variants[0]).toEqual({
      key: 'stock-ubuntu22.04-py310',
      from: 'ubuntu:22.04',
      python: '3.10',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(variants.find((v) => v.key === 'cuda-13.3.1-cudnn-devel-ubuntu24.04-py314')).toMatchObject({ cuda: '13.3', python: '3.14' });
  });
});

describe('isDefaultPythonVariant (what a new child starts from)', () => {
  it("keeps each FROM image's default Python, and anything upstream does not name", () => {
    const keys = upstreamBaseVariants()
      .filter(isDefaultPythonVariant)
      .map((v) => v.key);
    expect(keys).toHaveLength(12);
    expect(keys.slice(0, 3)).toEqual(['stock-ubuntu22.04-py310', 'stock-ubuntu24.04-py312', 'cuda-11.8.0-cudnn8-devel-ubuntu22.04-py310']);
    expect(isDefaultPythonVariant({ from: 'ubuntu:24.04' })).toBe(true);
    expect(isDefaultPythonVariant({ from: 'vast-local/bookworm:latest', python: '3.11' })).toBe(true);
  });
});

describe('VL006 (base variants named as upstream names them)', () => {
  const lint = (variants: unknown[]) => {
    const image = fakeFamily(fakeDefinition('base', { variants })).get('base')!;
    const files = renderContextFiles(image);
    return lintContext({
      image: 'base',
      class: 'base',
      source: image.file,
      files,
      torchInParent: false,
      inheritedEnv: [],
      variants: image.definition.variants,
    }).filter((f) => f.code === 'VL006');
  };

  it('passes the matrix and a local variant', () => {
    expect(lint([...upstreamBaseVariants(), { key: 'local', from: 'vast-local/bookworm:latest', python: '3.11', local: true }])).toEqual(
      [],
    );
  });

  it('names the upstream key, an unshipped Python and a wrong CUDA line, each with the fix', () => {
    const messages = lint([
      { key: 'cuda-12.8.1-ubuntu24.04-py312', from: 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04', cuda: '12.8', python: '3.12' },
      { key: 'stock-ubuntu24.04-py39', from: 'ubuntu:24.04', python: '3.9' },
      {
        key: 'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312',
        from: 'nvidia/cuda:12.9.2-cudnn-devel-ubuntu24.04',
        cuda: '12.8',
        python: '3.12',
      },
    ]).map((f) => `${f.at}: ${f.message}`);
    expect(messages).toEqual([
      "packages/images/base/image.ts variants[0] (key \"cuda-12.8.1-ubuntu24.04-py312\"): variant 'cuda-12.8.1-ubuntu24.04-py312' is 'cuda-12.8.1-cudnn-devel-ubuntu24.04-py312' upstream (FROM nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04, Python 3.12): a template finds its variant by that name. Rename it.",
      "packages/images/base/image.ts variants[1] (key \"stock-ubuntu24.04-py39\"): variant 'stock-ubuntu24.04-py39': python '3.9' is not one upstream ships (3.10, 3.11, 3.12, 3.13, 3.14).",
      "packages/images/base/image.ts variants[2] (key \"cuda-12.9.2-cudnn-devel-ubuntu24.04-py312\"): variant 'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312': cuda is '12.8', but FROM nvidia/cuda:12.9.2-cudnn-devel-ubuntu24.04 carries 12.9. Set cuda: '12.9'.",
    ]);
  });
});
