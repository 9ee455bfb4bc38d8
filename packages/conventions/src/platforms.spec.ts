import { describe, expect, it } from 'vitest';
import { archOf, buildPlatformsOf, platformRootRef, platformTag } from './platforms';
import { parseUpstreamTag } from './upstream-tag-grammar';

describe('platforms', () => {
  it("names a platform's tags and local root after its architecture, as upstream's per-arch staging tags", () => {
    expect(archOf('linux/arm64')).toBe('arm64');
    expect(platformTag('1.2.0-local', 'linux/amd64')).toBe('1.2.0-local-amd64');
    expect(platformRootRef('vast-local/bookworm:latest', 'linux/arm64')).toBe('vast-local/bookworm:latest-arm64');
    expect(platformRootRef('127.0.0.1:5000/root', 'linux/arm64')).toBe('127.0.0.1:5000/root:latest-arm64');
    // The grammar reads the suffix back: a dated base tag staged for arm64.
    expect(parseUpstreamTag('dated', platformTag('cuda-12.9.2-cudnn-devel-ubuntu24.04-py312-2026-08-21', 'linux/arm64'))).toMatchObject({
      arch: 'arm64',
      date: '2026-08-21',
      python: '3.12',
    });
  });

  it("builds the engine's own platform when none is chosen, each declared one for all, and refuses an undeclared one", () => {
    const both = { key: 'local', platforms: ['linux/amd64', 'linux/arm64'] };
    expect(buildPlatformsOf(both, undefined)).toEqual({ ok: true, platforms: [undefined] });
    expect(buildPlatformsOf(both, 'all')).toEqual({ ok: true, platforms: ['linux/amd64', 'linux/arm64'] });
    expect(buildPlatformsOf({ key: 'x' }, 'all')).toEqual({ ok: true, platforms: [undefined] });
    expect(buildPlatformsOf(both, 'linux/arm64')).toEqual({ ok: true, platforms: ['linux/arm64'] });
    expect(buildPlatformsOf({ key: 'x', platforms: ['linux/amd64'] }, 'linux/arm64')).toEqual({
      ok: false,
      error:
        "variants: 'x' declares platforms linux/amd64, not linux/arm64. Add 'linux/arm64' to its platforms, or build another platform.",
    });
    expect(buildPlatformsOf(both, 'linux/s390x')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a platform\. Use one of: linux\/amd64, linux\/arm64, or all/),
    });
  });
});
