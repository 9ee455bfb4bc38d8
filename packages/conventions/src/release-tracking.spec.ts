import { describe, expect, it } from 'vitest';
import {
  currentUpstreamVersion,
  decideTrackUpdate,
  moveUpstreamVersionInSource,
  tagVersion,
  isNewerVersion,
  isPythonPrerelease,
  moveArgInSource,
  renderTrackChangeset,
  trackingSchema,
} from './release-tracking';

const NOW = new Date('2026-11-30T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000).toISOString();
const comfy = trackingSchema.parse({
  arg: 'COMFYUI_REF',
  source: { kind: 'github-releases', repository: 'Comfy-Org/ComfyUI', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' },
});

describe('decideTrackUpdate', () => {
  it("moves to the newest release by publication, once it is older than upstream's 43200 s", () => {
    const releases = [
      { version: 'v0.3.75', publishedAt: hoursAgo(300), prerelease: false },
      { version: 'v0.3.77', publishedAt: hoursAgo(13), prerelease: false },
      { version: 'v0.3.76', publishedAt: hoursAgo(40), prerelease: false },
    ];
    expect(comfy.minAgeSeconds).toBe(43_200);
    expect(decideTrackUpdate(comfy, 'v0.3.75', releases, NOW)).toEqual({
      kind: 'update',
      subject: 'COMFYUI_REF',
      from: 'v0.3.75',
      to: 'v0.3.77',
      release: releases[1],
    });
  });

  it('ignores pre-releases and tags the pattern does not match', () => {
    const releases = [
      { version: 'v0.4.0', publishedAt: hoursAgo(30), prerelease: true },
      { version: 'v0.4.0-rc1', publishedAt: hoursAgo(30), prerelease: false },
      { version: 'v0.3.75', publishedAt: hoursAgo(300), prerelease: false },
    ];
    expect(decideTrackUpdate(comfy, 'v0.3.75', releases, NOW)).toEqual({
      kind: 'none',
      reason: 'COMFYUI_REF v0.3.75 is current (newest release: v0.3.75)',
    });
  });

  it('waits for a release younger than the threshold', () => {
    const releases = [{ version: 'v0.3.76', publishedAt: hoursAgo(2), prerelease: false }];
    expect(decideTrackUpdate(comfy, 'v0.3.75', releases, NOW)).toEqual({
      kind: 'none',
      reason: 'v0.3.76 was published 2h ago, younger than the 43200 s threshold; a later run takes it',
    });
  });

  it('says when the source lists nothing that matches', () => {
    expect(decideTrackUpdate(comfy, 'v0.3.75', [], NOW)).toEqual({
      kind: 'none',
      reason: 'GitHub releases of Comfy-Org/ComfyUI lists no release matching ^v\\d+\\.\\d+\\.\\d+$',
    });
  });
});

describe('versions', () => {
  it('compares numerically, with or without v, and a .postN after the release', () => {
    expect(isNewerVersion('v0.3.10', 'v0.3.9')).toBe(true);
    expect(isNewerVersion('0.13.0', 'v0.12.9')).toBe(true);
    expect(isNewerVersion('v0.5.6.post2', 'v0.5.6')).toBe(true);
    expect(isNewerVersion('v0.3.75', 'v0.3.75')).toBe(false);
    expect(isNewerVersion('master', 'v0.3.75')).toBe(false);
  });

  it("knows PEP 440's pre-releases", () => {
    expect(['2.0.0a1', '2.0.0b2', '2.0.0rc1', '2.0.0.dev3'].map(isPythonPrerelease)).toEqual([true, true, true, true]);
    expect(['2.0.0', '2.0.0.post1', '2025.11.1'].map(isPythonPrerelease)).toEqual([false, false, false]);
  });
});

describe('the edits', () => {
  const text = "export default defineImage({\n  args: { COMFYUI_REF: 'v0.3.75' },\n  env: { X: 'v0.3.75' },\n});\n";

  it('moves exactly the tracked arg', () => {
    expect(moveArgInSource('comfyui/image.ts', text, 'COMFYUI_REF', 'v0.3.75', 'v0.3.76')).toBe(
      text.replace("COMFYUI_REF: 'v0.3.75'", "COMFYUI_REF: 'v0.3.76'"),
    );
  });

  it('refuses a definition that does not state the arg once, as a literal', () => {
    expect(() => moveArgInSource('comfyui/image.ts', text.replace('COMFYUI_REF', 'OTHER'), 'COMFYUI_REF', 'v0.3.75', 'v0.3.76')).toThrow(
      "comfyui/image.ts: args.COMFYUI_REF: expected one literal COMFYUI_REF: 'v0.3.75' to move to 'v0.3.76', found 0.",
    );
    expect(() => moveArgInSource('f', `${text}${text}`, 'COMFYUI_REF', 'v0.3.75', 'v0.3.76')).toThrow(/found 2/);
  });

  it('writes a patch changeset of the image package', () => {
    const update = {
      kind: 'update' as const,
      subject: 'COMFYUI_REF',
      from: 'v0.3.75',
      to: 'v0.3.76',
      release: { version: 'v0.3.76', publishedAt: '2026-11-29T10:00:00Z', prerelease: false },
    };
    expect(renderTrackChangeset('@vast/comfyui', comfy, update)).toEqual({
      file: 'track-comfyui-v0-3-76.md',
      text: "---\n'@vast/comfyui': patch\n---\n\nCOMFYUI_REF v0.3.75 -> v0.3.76: GitHub releases of Comfy-Org/ComfyUI published v0.3.76 on 2026-11-29.\n",
    });
  });
});

describe('tracking the upstream image of an external image (vllm, ollama)', () => {
  const vllm = trackingSchema.parse({
    upstream: 'vllm/vllm-openai',
    source: { kind: 'dockerhub-tags', repository: 'vllm/vllm-openai', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' },
  });
  const variants = [
    { key: '0.13.0-cuda-12.9', upstream: 'vllm/vllm-openai:v0.13.0' },
    { key: '0.13.0-cuda-13.0', upstream: 'vllm/vllm-openai:v0.13.0-cu130' },
  ];

  it('reads the one version every variant is at, from tags with or without v and with a variant suffix', () => {
    expect(['v0.13.0', 'v0.13.0-cu130', '0.17.1', 'v0.5.6.post2-cu128', 'nightly', 'v0.13.0rc1'].map(tagVersion)).toEqual([
      '0.13.0',
      '0.13.0',
      '0.17.1',
      '0.5.6.post2',
      undefined,
      undefined,
    ]);
    expect(currentUpstreamVersion(variants, 'vllm/vllm-openai')).toEqual({ version: '0.13.0' });
  });

  it('refuses variants on two versions, a tag with no version, and a repository no variant uses', () => {
    expect(currentUpstreamVersion([...variants, { key: 'old', upstream: 'vllm/vllm-openai:v0.12.0' }], 'vllm/vllm-openai')).toEqual({
      error:
        "the variants' vllm/vllm-openai tags are at 0.13.0 and 0.12.0; tracking moves them together. Put every variant on one version.",
    });
    expect(currentUpstreamVersion([{ key: 'n', upstream: 'vllm/vllm-openai:nightly' }], 'vllm/vllm-openai')).toEqual({
      error:
        "variants.0.upstream: tag 'nightly' does not start with a version, so tracking cannot move it. Pin a version tag such as 1.2.3 or v1.2.3-cu130.",
    });
    expect(currentUpstreamVersion(variants, 'ollama/ollama')).toEqual({
      error: "no variant's upstream is ollama/ollama:<version>. Track the repository the variants graft onto.",
    });
  });

  it('moves to the bare version of the newest matching tag; variant tags (-cu130) do not match the pattern', () => {
    const tags = [
      { version: 'v0.14.0-cu130', publishedAt: hoursAgo(20), prerelease: false },
      { version: 'v0.14.0', publishedAt: hoursAgo(20), prerelease: false },
      { version: 'v0.13.0', publishedAt: hoursAgo(400), prerelease: false },
    ];
    expect(decideTrackUpdate(vllm, '0.13.0', tags, NOW)).toEqual({
      kind: 'update',
      subject: 'vllm/vllm-openai tag',
      from: '0.13.0',
      to: '0.14.0',
      release: tags[1],
    });
  });

  it('edits the one literal the variants are built from, keeping its v', () => {
    const text = "const VERSION = '0.13.0';\nconst up = `vllm/vllm-openai:v${VERSION}`;\n";
    expect(moveUpstreamVersionInSource('vllm/image.ts', text, 'vllm/vllm-openai', '0.13.0', '0.14.0')).toBe(
      text.replace("'0.13.0'", "'0.14.0'"),
    );
    expect(moveUpstreamVersionInSource('f', "const V = 'v1.2.3';", 'a/b', '1.2.3', '1.3.0')).toBe("const V = 'v1.3.0';");
    expect(() =>
      moveUpstreamVersionInSource('vllm/image.ts', `${text}const again = '0.13.0';\n`, 'vllm/vllm-openai', '0.13.0', '0.14.0'),
    ).toThrow(
      "vllm/image.ts: track (vllm/vllm-openai): expected one string literal '0.13.0' (or 'v0.13.0') to move to '0.14.0', found 2. State the upstream version once",
    );
  });
});
