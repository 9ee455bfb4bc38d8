import { describe, expect, it } from 'vitest';
import { TagError } from './tags';
import { parseUpstreamTag, renderUpstreamTag, type UpstreamTag } from './upstream-tag-grammar';

/** Every tag form in upstream-contract §4.5 and upstream-runtime §4.4, with the parts it is made of. */
const FORMS: [string, UpstreamTag][] = [
  // base full: staging per-arch, final, default-Python alias
  [
    'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312-2026-08-21-amd64',
    { kind: 'dated', template: 'cuda-12.9.2-cudnn-devel-ubuntu24.04', python: '3.12', date: '2026-08-21', arch: 'amd64' },
  ],
  [
    'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312-2026-08-21',
    { kind: 'dated', template: 'cuda-12.9.2-cudnn-devel-ubuntu24.04', python: '3.12', date: '2026-08-21' },
  ],
  ['stock-ubuntu22.04-py310-2026-08-21', { kind: 'dated', template: 'stock-ubuntu22.04', python: '3.10', date: '2026-08-21' }],
  [
    'cuda-12.9.2-cudnn-devel-ubuntu24.04-2026-08-21',
    { kind: 'dated', template: 'cuda-12.9.2-cudnn-devel-ubuntu24.04', date: '2026-08-21' },
  ],
  ['stock-ubuntu24.04-2026-08-21-arm64', { kind: 'dated', template: 'stock-ubuntu24.04', date: '2026-08-21', arch: 'arm64' }],
  // base extend: a new staging date on the same template, py314 (the hard-coded list reaches 3.14)
  [
    'cuda-13.0.3-cudnn-devel-ubuntu24.04-py314-2026-09-01',
    { kind: 'dated', template: 'cuda-13.0.3-cudnn-devel-ubuntu24.04', python: '3.14', date: '2026-09-01' },
  ],
  // base mini
  ['cuda-12.9-mini-py312-2026-08-21', { kind: 'dated', template: 'cuda-12.9-mini', python: '3.12', date: '2026-08-21' }],
  [
    'cuda-13.2-mini-py313-2026-08-21-arm64',
    { kind: 'dated', template: 'cuda-13.2-mini', python: '3.13', date: '2026-08-21', arch: 'arm64' },
  ],
  // pytorch multi and its prod alias
  ['multi-210-291-271-py312-2026-08-21', { kind: 'dated', template: 'multi-210-291-271', python: '3.12', date: '2026-08-21' }],
  ['multi-2130-2121-2026-08-21', { kind: 'dated', template: 'multi-2130-2121', date: '2026-08-21' }],
  // base prod auto tag
  ['cuda-12.9.2-auto', { kind: 'cuda-auto', cuda: '12.9.2' }],
  ['cuda-13.0.3-auto', { kind: 'cuda-auto', cuda: '13.0.3' }],
  // pytorch full: staging, final, py312 alias
  [
    '2.10.0-cuda-12.8.1-py312-24.04-2026-08-21-amd64',
    { kind: 'pytorch', torch: '2.10.0', cuda: '12.8.1', python: '3.12', ubuntu: '24.04', date: '2026-08-21', arch: 'amd64' },
  ],
  [
    '2.10.0-cuda-12.8.1-py311-24.04-2026-08-21',
    { kind: 'pytorch', torch: '2.10.0', cuda: '12.8.1', python: '3.11', ubuntu: '24.04', date: '2026-08-21' },
  ],
  ['2.10.0-cuda-12.8.1-24.04-2026-08-21', { kind: 'pytorch', torch: '2.10.0', cuda: '12.8.1', ubuntu: '24.04', date: '2026-08-21' }],
  // pytorch mini (imagegen's basetag) and its staging per-arch tag
  [
    '2.10.0-cu128-cuda-12.9-mini-py312-2026-08-21',
    { kind: 'pytorch-backend', torch: '2.10.0', backend: 'cu128', cuda: '12.9', mini: true, python: '3.12', date: '2026-08-21' },
  ],
  [
    '2.10.0-cu130-cuda-13.2-mini-py312-2026-08-21-arm64',
    {
      kind: 'pytorch-backend',
      torch: '2.10.0',
      backend: 'cu130',
      cuda: '13.2',
      mini: true,
      python: '3.12',
      date: '2026-08-21',
      arch: 'arm64',
    },
  ],
  [
    '2.9.1-cu128-cuda-12.8-py310-2026-08-21',
    { kind: 'pytorch-backend', torch: '2.9.1', backend: 'cu128', cuda: '12.8', mini: false, python: '3.10', date: '2026-08-21' },
  ],
  // comfyui: release tag or 7-char master commit (no date: upstream's quirk, parsed as a release ref)
  ['v0.3.75-cuda-12.9-py312-amd64', { kind: 'release', ref: 'v0.3.75', cuda: '12.9', python: '3.12', arch: 'amd64' }],
  ['v0.3.75-cuda-12.9-py312', { kind: 'release', ref: 'v0.3.75', cuda: '12.9', python: '3.12' }],
  ['a1b2c3d-cuda-13.2-py312', { kind: 'release', ref: 'a1b2c3d', cuda: '13.2', python: '3.12' }],
  // invokeai, whisper, voicebox, unsloth-studio
  ['5.6.0-cuda-12.8-py312', { kind: 'release', ref: '5.6.0', cuda: '12.8', python: '3.12' }],
  // vllm, sglang, vllm-omni, llama-cpp; vllm nightly
  ['0.13.0-cuda-12.9', { kind: 'release', ref: '0.13.0', cuda: '12.9' }],
  ['v0.5.6.post2-cuda-13.0-arm64', { kind: 'release', ref: 'v0.5.6.post2', cuda: '13.0', arch: 'arm64' }],
  ['b6123-cuda-12.9', { kind: 'release', ref: 'b6123', cuda: '12.9' }],
  ['nightly-2026-08-21-cuda-13.0', { kind: 'release', ref: 'nightly-2026-08-21', cuda: '13.0' }],
  // ollama, openwebui: the version alone; per-arch staging
  ['0.17.1', { kind: 'release', ref: '0.17.1' }],
  ['0.17.1-amd64', { kind: 'release', ref: '0.17.1', arch: 'amd64' }],
  ['v0.6.30', { kind: 'release', ref: 'v0.6.30' }],
  // git-ref images: a1111/fluxgym/oobabooga/wan2gp/ostris, ace-step, sd-forge
  ['a1b2c3d-2026-02-02-cuda-12.9', { kind: 'commit', sha: 'a1b2c3d', date: '2026-02-02', cuda: '12.9' }],
  ['a1b2c3d-2026-02-02-cuda-12.9-py312', { kind: 'commit', sha: 'a1b2c3d', date: '2026-02-02', cuda: '12.9', python: '3.12' }],
  ['lllyasviel-a1b2c3d-2026-02-02-cuda-12.9', { kind: 'commit', prefix: 'lllyasviel', sha: 'a1b2c3d', date: '2026-02-02', cuda: '12.9' }],
  [
    'neo-a1b2c3d-2026-02-02-cuda-12.9-arm64',
    { kind: 'commit', prefix: 'neo', sha: 'a1b2c3d', date: '2026-02-02', cuda: '12.9', arch: 'arm64' },
  ],
  // linux-desktop
  ['cuda-12.9-ubuntu24.04-2026-08-21', { kind: 'desktop', cuda: '12.9', ubuntu: '24.04', suffix: '2026-08-21' }],
  ['ubuntu22.04-custom', { kind: 'desktop', ubuntu: '22.04', suffix: 'custom' }],
  // aio-studio and its base
  ['2026-04-15', { kind: 'studio', base: false, date: '2026-04-15' }],
  ['base-2026-04-15', { kind: 'studio', base: true, date: '2026-04-15' }],
  // staging forensics
  ['qa-1234567890-cuda-12.9-24', { kind: 'qa', runId: '1234567890', key: 'cuda-12.9-24' }],
];

describe('the upstream tag grammar', () => {
  it.each(FORMS)('renders %s from its parts and parses it back', (tag, parts) => {
    expect(renderUpstreamTag(parts)).toBe(tag);
    expect(parseUpstreamTag(parts.kind, tag)).toEqual(parts);
  });

  it('writes the date as YYYY-MM-DD only (never YYYYMMDD) and refuses anything else', () => {
    expect(() => renderUpstreamTag({ kind: 'dated', template: 'stock-ubuntu24.04', date: '20260821' })).toThrow(TagError);
    expect(() => renderUpstreamTag({ kind: 'commit', sha: 'a1b2c3d', date: '2026-2-2' })).toThrow(/date '2026-2-2' is not YYYY-MM-DD/);
  });

  it('shortens a full sha to 7 lowercase characters, as upstream does', () => {
    expect(renderUpstreamTag({ kind: 'commit', sha: 'A1B2C3D4E5F60718293a4b5c6d7e8f9012345678', date: '2026-02-02' })).toBe(
      'a1b2c3d-2026-02-02',
    );
  });

  it('refuses parts that cannot form the name, naming the part', () => {
    expect(() => renderUpstreamTag({ kind: 'cuda-auto', cuda: '12.9' })).toThrow(/cuda '12.9' is not X.Y.Z/);
    expect(() => renderUpstreamTag({ kind: 'commit', sha: 'xyz', date: '2026-02-02' })).toThrow(/sha 'xyz'/);
    expect(() => renderUpstreamTag({ kind: 'release', ref: 'v1', python: '312' })).toThrow(/python '312' is not 3.N/);
    expect(() => renderUpstreamTag({ kind: 'release', ref: 'feature/x' })).toThrow(/'\/' at position 8/);
    expect(() => renderUpstreamTag({ kind: 'qa', runId: 'abc', key: 'k' })).toThrow(/run id 'abc'/);
  });

  it('does not read a tag of another form', () => {
    expect(parseUpstreamTag('cuda-auto', 'cuda-12.9-auto')).toBeUndefined();
    expect(parseUpstreamTag('pytorch-backend', '2.10.0-cuda-12.8.1-py312-24.04-2026-08-21')).toBeUndefined();
    expect(parseUpstreamTag('commit', 'v0.3.75-cuda-12.9-py312')).toBeUndefined();
    expect(parseUpstreamTag('dated', '0.17.1')).toBeUndefined();
    expect(parseUpstreamTag('studio', '20260415')).toBeUndefined();
  });
});
