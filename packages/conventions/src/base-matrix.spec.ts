import { describe, expect, it } from 'vitest';
import {
  baseTagTemplate,
  baseVariantKey,
  CUDA_RUNTIME_ARG,
  cudaOfFrom,
  cudaRuntimeLines,
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

  it('is 12 FROM images x 5 Pythons, then 2 minis x 5 Pythons, each on both architectures', () => {
    const variants = upstreamBaseVariants();
    expect(variants).toHaveLength(70);
    expect(new Set(variants.map((v) => v.key)).size).toBe(70);
    expect(variants[0]).toEqual({
      key: 'stock-ubuntu22.04-py310',
      from: 'ubuntu:22.04',
      python: '3.10',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(variants.find((v) => v.key === 'cuda-13.3.1-cudnn-devel-ubuntu24.04-py314')).toMatchObject({ cuda: '13.3', python: '3.14' });
  });

  it("has upstream's minis (configs/base-image.json mini[]): the stock 24.04 FROM, the CUDA line, its runtime list", () => {
    const minis = upstreamBaseVariants().slice(60);
    expect(minis.map((v) => v.key)).toEqual([
      ...['cuda-12.9-mini-py310', 'cuda-12.9-mini-py311', 'cuda-12.9-mini-py312', 'cuda-12.9-mini-py313', 'cuda-12.9-mini-py314'],
      ...['cuda-13.2-mini-py310', 'cuda-13.2-mini-py311', 'cuda-13.2-mini-py312', 'cuda-13.2-mini-py313', 'cuda-13.2-mini-py314'],
    ]);
    expect(minis[2]).toEqual({
      key: 'cuda-12.9-mini-py312',
      from: 'ubuntu:24.04',
      python: '3.12',
      cuda: '12.9',
      platforms: ['linux/amd64', 'linux/arm64'],
      args: { [CUDA_RUNTIME_ARG]: '12-9' },
    });
    expect(minis[9]).toMatchObject({ from: 'ubuntu:24.04', cuda: '13.2', args: { [CUDA_RUNTIME_ARG]: '13-2' } });
    expect(baseVariantKey('ubuntu:24.04', '3.12', '12.9')).toBe('cuda-12.9-mini-py312');
  });

  it('names a mini after its lowest CUDA line, and refuses an empty or malformed list as upstream fails on one', () => {
    expect(cudaRuntimeLines('13-2 12.9')).toEqual(['12.9', '13.2']);
    expect(cudaRuntimeLines('12.10 12-9')).toEqual(['12.9', '12.10']);
    expect(cudaRuntimeLines('12')).toBeUndefined();
    const one =
      (cudaVersions: string[], miniTag = 'cuda-12.9-mini') =>
      () =>
        upstreamBaseVariants([], ['3.12'], [{ miniTag, cudaVersions }]);
    expect(one(['13-2', '12-9'])()).toMatchObject([
      { key: 'cuda-12.9-mini-py312', cuda: '12.9', args: { [CUDA_RUNTIME_ARG]: '13-2 12-9' } },
    ]);
    expect(one([])).toThrow(
      "packages/conventions/src/base-matrix.ts: UPSTREAM_MINI_BASES (cuda-12.9-mini): cudaVersions must list one or more CUDA lines as X-Y (e.g. '12-9').",
    );
    expect(one(['13-2'])).toThrow("its lowest CUDA line 13.2 names it 'cuda-13.2-mini'. Rename miniTag.");
  });
});

describe('isDefaultPythonVariant (what a new child starts from)', () => {
  it("keeps each FROM image's default Python, and anything upstream does not name", () => {
    const keys = upstreamBaseVariants()
      .filter(isDefaultPythonVariant)
      .map((v) => v.key);
    // a mini is no default start: pytorch's mini rows name theirs by hand
    expect(keys).toHaveLength(12);
    expect(isDefaultPythonVariant({ from: 'ubuntu:24.04', python: '3.12', cuda: '12.9' })).toBe(false);
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

  it("fires on a mini whose CUDA is not its key's or its runtime list's, on a mini without a list, and on one off the stock 24.04 FROM", () => {
    const mini = { key: 'cuda-12.9-mini-py312', from: 'ubuntu:24.04', cuda: '12.9', python: '3.12', args: { [CUDA_RUNTIME_ARG]: '12-9' } };
    expect(lint([mini])).toEqual([]);
    const messages = [
      { ...mini, cuda: '13.2' },
      { ...mini, args: {} },
      { ...mini, args: { [CUDA_RUNTIME_ARG]: ' ' } },
      { ...mini, key: 'cuda-12.9-mini-py310', from: 'ubuntu:22.04', python: '3.10' },
    ].flatMap((variant) => lint([variant]).map((f) => f.message));
    expect(messages).toEqual([
      "variant 'cuda-12.9-mini-py312' is 'cuda-13.2-mini-py312' upstream (FROM ubuntu:24.04, Python 3.12, CUDA 13.2): a template finds its variant by that name. Rename it.",
      "variant 'cuda-12.9-mini-py312': cuda is '13.2', but CUDA_RUNTIME_VERSIONS '12-9' installs 12.9. Set cuda: '12.9'.",
      "variant 'cuda-12.9-mini-py312': cuda is '12.9', but FROM ubuntu:24.04 carries no CUDA and CUDA_RUNTIME_VERSIONS is not set, so nothing would install it (upstream's mini build fails on an empty list). Set args.CUDA_RUNTIME_VERSIONS (e.g. '12-9'), or no cuda.",
      "variant 'cuda-12.9-mini-py312': CUDA_RUNTIME_VERSIONS is ' ': it must list one or more CUDA lines as X-Y (e.g. '12-9'); upstream fails on an empty list.",
      "variant 'cuda-12.9-mini-py310': CUDA_RUNTIME_VERSIONS adds CUDA to a stock image; upstream builds its minis FROM ubuntu:24.04, not ubuntu:22.04.",
    ]);
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
