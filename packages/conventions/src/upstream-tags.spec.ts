import { describe, expect, it } from 'vitest';
import { upstreamBaseVariants } from './base-matrix';
import { parseUpstreamTag } from './upstream-tag-grammar';
import { baseTemplateOf, upstreamTagsOf } from './upstream-tags';

const DATE = '2026-08-21';

describe('upstreamTagsOf', () => {
  it('gives a CUDA base variant its dated tag, the default-Python alias and the auto tag', () => {
    const variant = {
      key: 'cuda-12.9.2-ubuntu24.04-py312',
      from: 'nvidia/cuda:12.9.2-cudnn-devel-ubuntu24.04',
      python: '3.12',
      cuda: '12.9',
      args: {},
    };
    expect(upstreamTagsOf({ scheme: 'base' }, variant, DATE)).toEqual([
      'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312-2026-08-21',
      'cuda-12.9.2-cudnn-devel-ubuntu24.04-2026-08-21',
      'cuda-12.9.2-auto',
    ]);
  });

  it('gives a non-default Python no alias (22.04 defaults to 3.10, 24.04 to 3.12)', () => {
    expect(upstreamTagsOf({ scheme: 'base' }, { key: 'x', from: 'ubuntu:22.04', python: '3.12', args: {} }, DATE)).toEqual([
      'stock-ubuntu22.04-py312-2026-08-21',
    ]);
    expect(upstreamTagsOf({ scheme: 'base' }, { key: 'x', from: 'ubuntu:22.04', python: '3.10', args: {} }, DATE)).toEqual([
      'stock-ubuntu22.04-py310-2026-08-21',
      'stock-ubuntu22.04-2026-08-21',
    ]);
  });

  it('names the local root after the variant key; its one Python is the default', () => {
    expect(
      upstreamTagsOf({ scheme: 'base' }, { key: 'local', from: 'vast-local/bookworm:latest', python: '3.11', args: {} }, DATE),
    ).toEqual(['local-py311-2026-08-21', 'local-2026-08-21']);
    expect(baseTemplateOf({ key: 'bookworm-py311', from: 'vast-local/bookworm:latest' })).toBe('bookworm');
  });

  it('gives pytorch the full CUDA version and Ubuntu release of the base at the top of its chain', () => {
    const variant = {
      key: '2.10.0-cu128-cuda-12.8-py312',
      root: 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04',
      torch: '2.10.0',
      cuda: '12.8',
      python: '3.12',
      args: {},
    };
    expect(upstreamTagsOf({ scheme: 'pytorch' }, variant, DATE)).toEqual([
      '2.10.0-cuda-12.8.1-py312-24.04-2026-08-21',
      '2.10.0-cuda-12.8.1-24.04-2026-08-21',
    ]);
    // the local pytorch (Debian's CPU torch on the Debian root) has no upstream name
    expect(
      upstreamTagsOf({ scheme: 'pytorch' }, { key: 'local', root: 'vast-local/bookworm:latest', torch: '1.13.1', args: {} }, DATE),
    ).toEqual([]);
  });

  it("gives a mini base variant upstream's mini names: <mini_tag>-py<XY>-<DATE> only (no alias, no auto tag)", () => {
    const minis = upstreamBaseVariants().filter((v) => v.key.includes('-mini-'));
    const tagsOf = (key: string) => upstreamTagsOf({ scheme: 'base' }, { args: {}, ...minis.find((v) => v.key === key)! }, DATE);
    expect(tagsOf('cuda-12.9-mini-py312')).toEqual(['cuda-12.9-mini-py312-2026-08-21']);
    expect(tagsOf('cuda-13.2-mini-py310')).toEqual(['cuda-13.2-mini-py310-2026-08-21']);
    expect(parseUpstreamTag('dated', tagsOf('cuda-13.2-mini-py314')[0])).toEqual({
      kind: 'dated',
      template: 'cuda-13.2-mini',
      python: '3.14',
      date: DATE,
    });
    // the stock image on the same FROM keeps its own name
    expect(upstreamTagsOf({ scheme: 'base' }, { key: 'x', from: 'ubuntu:24.04', python: '3.12', args: {} }, DATE)[0]).toBe(
      'stock-ubuntu24.04-py312-2026-08-21',
    );
  });

  it("gives a pytorch variant on a mini upstream's pytorch mini name, <torch>-<backend>-cuda-<X.Y>-mini-py<XY>-<DATE>", () => {
    const variant = {
      key: '2.10.0-cu128-cuda-12.9-mini-py312',
      root: 'ubuntu:24.04',
      torch: '2.10.0',
      torchBackend: 'cu128',
      cuda: '12.9',
      python: '3.12',
      args: {},
    };
    expect(upstreamTagsOf({ scheme: 'pytorch' }, variant, DATE)).toEqual(['2.10.0-cu128-cuda-12.9-mini-py312-2026-08-21']);
    expect(
      upstreamTagsOf(
        { scheme: 'pytorch' },
        { ...variant, key: '2.10.0-cu130-cuda-13.2-mini-py312', torchBackend: 'cu130', cuda: '13.2' },
        DATE,
      ),
    ).toEqual(['2.10.0-cu130-cuda-13.2-mini-py312-2026-08-21']);
    // comfyui's default PYTORCH_BASE upstream, read back as the mini it names
    expect(parseUpstreamTag('pytorch-backend', '2.10.0-cu128-cuda-12.9-mini-py312-2026-08-21')).toMatchObject({ mini: true, cuda: '12.9' });
  });

  it('tags a release ref without a date and a commit ref with one', () => {
    const variant = { key: 'cuda-12.9-py312', cuda: '12.9', python: '3.12', args: { COMFYUI_REF: 'v0.3.75' } };
    expect(upstreamTagsOf({ scheme: 'release', arg: 'COMFYUI_REF' }, variant, DATE)).toEqual(['v0.3.75-cuda-12.9-py312']);
    expect(upstreamTagsOf({ scheme: 'release', arg: 'COMFYUI_REF' }, { ...variant, args: { COMFYUI_REF: 'a1b2c3d4e5' } }, DATE)).toEqual([
      'a1b2c3d-2026-08-21-cuda-12.9-py312',
    ]);
    expect(upstreamTagsOf({ scheme: 'release', arg: 'COMFYUI_REF' }, { ...variant, args: {} }, DATE)).toEqual([]);
  });

  it("tags an external image by its upstream image's version", () => {
    expect(
      upstreamTagsOf(
        { scheme: 'upstream-version' },
        { key: '0.13.0-cuda-13.0', upstream: 'vllm/vllm-openai:v0.13.0-cu130', cuda: '13.0', args: {} },
        DATE,
      ),
    ).toEqual(['0.13.0-cuda-13.0']);
    expect(upstreamTagsOf({ scheme: 'upstream-version' }, { key: '0.17.1', upstream: 'ollama/ollama:0.17.1', args: {} }, DATE)).toEqual([
      '0.17.1',
    ]);
  });

  it('gives nothing under the none scheme', () => {
    expect(upstreamTagsOf({ scheme: 'none' }, { key: 'x', from: 'ubuntu:24.04', python: '3.12', args: {} }, DATE)).toEqual([]);
  });
});
