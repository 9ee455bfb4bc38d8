import { describe, expect, it } from 'vitest';
import { hashContext, planDockerBuilds, renderImageManifest, type ImageManifest } from './build-plan';
import { fakeDefinition, fakeFamily } from './testing';

function manifests(contextHashes: Record<string, string> = {}): Map<string, ImageManifest> {
  const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'), fakeDefinition('external'));
  return new Map([...family].map(([name, image]) => [name, renderImageManifest(image, contextHashes[name] ?? `hash-of-${name}`)]));
}
const contextDir = (name: string) => `dist/images/${name}`;

describe('planDockerBuilds', () => {
  it('plans parents first with the parent build tag as PARENT_IMAGE', () => {
    const plan = planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir });
    expect(plan.map((b) => `${b.image}:${b.variant}`)).toEqual(['base:stock', 'app:stock']);
    expect(plan[1].buildArgs.PARENT_IMAGE).toBe(plan[0].buildTag);
    expect(plan[1].argv.slice(0, 7)).toEqual([
      'build',
      '--file',
      'dist/images/app/Dockerfile',
      '--tag',
      plan[1].buildTag,
      '--tag',
      'vastai/app:1.0.0-stock',
    ]);
    expect(plan[1].argv.at(-1)).toBe('dist/images/app');
  });

  it('selects variants by profile and by key, with clear errors', () => {
    expect(planDockerBuilds(manifests(), 'app', { profile: 'local', contextDir }).map((b) => b.variant)).toEqual(['local', 'local']);
    expect(() => planDockerBuilds(manifests(), 'ext', { profile: 'local', contextDir })).toThrow(/ext has no local variant/);
    expect(() => planDockerBuilds(manifests(), 'app', { profile: 'production', variants: ['local'], contextDir })).toThrow(
      /is a local variant; run with -c local/,
    );
    expect(() => planDockerBuilds(manifests(), 'app', { profile: 'production', variants: ['nope'], contextDir })).toThrow(
      /'nope' is not a variant of app/,
    );
    expect(() => planDockerBuilds(new Map(), 'app', { profile: 'production', contextDir })).toThrow(/run nx run app:build first/);
  });

  it('grafts externals: VAST_BASE is the base build, UPSTREAM_IMAGE the pinned upstream', () => {
    const [base, ext] = planDockerBuilds(manifests(), 'ext', { profile: 'production', contextDir });
    expect(ext.buildArgs).toMatchObject({ VAST_BASE: base.buildTag, UPSTREAM_IMAGE: 'example/ext:1.0', VAST_PROFILE: 'production' });
  });

  it('changes a child hash when only its parent changes, and nothing else when a sibling changes', () => {
    const before = planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir });
    const parentChanged = planDockerBuilds(manifests({ base: 'edited' }), 'app', { profile: 'production', contextDir });
    const siblingChanged = planDockerBuilds(manifests({ ext: 'edited' }), 'app', { profile: 'production', contextDir });
    expect(parentChanged[1].buildHash).not.toBe(before[1].buildHash);
    expect(siblingChanged.map((b) => b.buildHash)).toEqual(before.map((b) => b.buildHash));
  });

  it('feeds the id of a mutable FROM image into the hash', () => {
    const a = planDockerBuilds(manifests(), 'base', {
      profile: 'local',
      contextDir,
      fromImageIds: { 'vast-local/bookworm:latest': 'sha256:1' },
    });
    const b = planDockerBuilds(manifests(), 'base', {
      profile: 'local',
      contextDir,
      fromImageIds: { 'vast-local/bookworm:latest': 'sha256:2' },
    });
    expect(a[0].buildHash).not.toBe(b[0].buildHash);
  });

  /** The fake family, its derivative `app` with a build arg APP_REF. */
  const withArg = () => {
    const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative', { args: { APP_REF: 'v1.0' } }));
    return new Map([...family].map(([name, image]) => [name, renderImageManifest(image, `hash-of-${name}`)]));
  };

  it('--arg overrides a build arg of the target: a new content tag, no version tag, the parents unchanged', () => {
    const before = planDockerBuilds(withArg(), 'app', { profile: 'production', contextDir });
    const after = planDockerBuilds(withArg(), 'app', { profile: 'production', contextDir, overrides: { APP_REF: 'v2.0' } });
    expect(after[0]).toEqual(before[0]);
    expect(after[1].buildHash).not.toBe(before[1].buildHash);
    expect(after[1].buildArgs.APP_REF).toBe('v2.0');
    expect(after[1].overrides).toEqual({ APP_REF: 'v2.0' });
    expect(after[1].versionTag).toBe(after[1].buildTag);
    expect(after[1].argv).toContain('APP_REF=v2.0');
    expect(after[1].argv).not.toContain('vastai/app:1.0.0-stock');
    expect(before[1].overrides).toEqual({});
  });

  it('refuses an --arg that is not a build arg of the target, listing the known ones', () => {
    expect(() => planDockerBuilds(withArg(), 'app', { profile: 'production', contextDir, overrides: { NOPE: '1', ALSO: '2' } })).toThrow(
      "args: 'NOPE', 'ALSO' are not build args of app, so --arg cannot set them. Known: APP_REF.",
    );
    expect(() => planDockerBuilds(withArg(), 'app', { profile: 'production', contextDir, overrides: { NOPE: '1' } })).toThrow(
      /^packages\/images\/app\/image\.ts: args: 'NOPE' is not a build arg of app/,
    );
  });

  it('--tag adds <tag>-<variant> to the target builds only, and refuses a tag Docker cannot hold', () => {
    const plan = planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir, extraTags: ['try'] });
    expect(plan.map((b) => b.extraTags)).toEqual([[], ['vastai/app:try-stock']]);
    expect(plan[1].argv.slice(5, 9)).toEqual(['--tag', 'vastai/app:1.0.0-stock', '--tag', 'vastai/app:try-stock']);
    expect(() => planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir, extraTags: ['no/slash'] })).toThrow(
      /--tag: tag 'no\/slash' contains '\/'/,
    );
  });

  it('lists only the target with onlyTarget, hashes unchanged', () => {
    const all = planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir });
    const only = planDockerBuilds(manifests(), 'app', { profile: 'production', contextDir, onlyTarget: true });
    expect(only).toEqual([all[1]]);
  });
});

describe('planDockerBuilds --platform', () => {
  const withPlatforms = (platforms: string[]) => {
    const m = manifests();
    for (const manifest of m.values()) for (const v of manifest.variants) v.platforms = platforms;
    return m;
  };

  it('builds each chosen platform apart: its own content tag, --platform, the per-arch tag, and its own local root', () => {
    const m = withPlatforms(['linux/amd64', 'linux/arm64']);
    const own = planDockerBuilds(m, 'app', { profile: 'local', contextDir });
    const all = planDockerBuilds(m, 'app', { profile: 'local', contextDir, platform: 'all' });
    expect(all.map((b) => `${b.image}:${b.variant}@${b.platform}`)).toEqual([
      'base:local@linux/amd64',
      'app:local@linux/amd64',
      'base:local@linux/arm64',
      'app:local@linux/arm64',
    ]);
    const [baseArm, appArm] = all.slice(2);
    expect(new Set([own[0].buildHash, all[0].buildHash, baseArm.buildHash]).size).toBe(3);
    expect(appArm.buildArgs.PARENT_IMAGE).toBe(baseArm.buildTag);
    expect(baseArm.buildArgs.BASE_IMAGE).toBe('vast-local/bookworm:latest-arm64');
    expect(baseArm.versionTag).toBe('vastai/base-image:1.0.0-local-arm64');
    expect(baseArm.argv).toEqual(expect.arrayContaining(['--platform', 'linux/arm64']));
    // The engine's own platform: no --platform, the root and the tags as before.
    expect(own[0].argv).not.toContain('--platform');
    expect(own[0].buildArgs.BASE_IMAGE).toBe('vast-local/bookworm:latest');
    expect(own[0].platform).toBeUndefined();
  });

  it('builds an onDemand variant only when --variants names it', () => {
    const m = manifests();
    const base = m.get('base')!;
    base.variants.push({ ...base.variants.find((v) => v.key === 'local')!, key: 'local-min', onDemand: true });
    expect(planDockerBuilds(m, 'base', { profile: 'local', contextDir }).map((b) => b.variant)).toEqual(['local']);
    expect(planDockerBuilds(m, 'base', { profile: 'local', contextDir, variants: ['local-min'] }).map((b) => b.variant)).toEqual([
      'local-min',
    ]);
  });

  it("keeps the hash of a build for the engine's own platform whatever the variant declares", () => {
    expect(planDockerBuilds(withPlatforms(['linux/arm64']), 'app', { profile: 'local', contextDir }).map((b) => b.buildHash)).toEqual(
      planDockerBuilds(manifests(), 'app', { profile: 'local', contextDir }).map((b) => b.buildHash),
    );
  });

  it('refuses a platform the target or a parent does not declare, naming the file and the fix', () => {
    expect(() => planDockerBuilds(manifests(), 'app', { profile: 'local', contextDir, platform: 'linux/arm64' })).toThrow(
      /packages\/images\/app\/image.ts: variants: 'local' declares platforms \(none: the engine's own only\), not linux\/arm64\. Add 'linux\/arm64' to its platforms/,
    );
    const m = withPlatforms(['linux/amd64', 'linux/arm64']);
    m.get('base')!.variants.forEach((v) => (v.platforms = ['linux/amd64']));
    expect(() => planDockerBuilds(m, 'app', { profile: 'local', contextDir, platform: 'linux/arm64' })).toThrow(
      /base\/image.ts: variants: 'local' declares platforms linux\/amd64, not linux\/arm64/,
    );
  });
});

describe('hashContext', () => {
  it('depends on paths, contents and the executable bit, not on order', () => {
    const files = [
      { path: 'a', mode: 0o644, content: 'x' },
      { path: 'b', mode: 0o755, content: 'y' },
    ];
    const h = hashContext(files);
    expect(hashContext([...files].reverse())).toBe(h);
    expect(hashContext([files[0], { ...files[1], mode: 0o644 }])).not.toBe(h);
    expect(hashContext([files[0], { ...files[1], content: 'z' }])).not.toBe(h);
    expect(hashContext([files[0], { ...files[1], mode: 0o775 }])).toBe(h);
  });
});
