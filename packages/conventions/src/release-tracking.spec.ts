import { describe, expect, it } from 'vitest';
import {
  decideTrackUpdate,
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
      arg: 'COMFYUI_REF',
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
      arg: 'COMFYUI_REF',
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
