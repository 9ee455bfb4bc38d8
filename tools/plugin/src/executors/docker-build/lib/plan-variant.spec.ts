// planVariant with no Docker: the facts are data, the actions are data.
import { describe, expect, it } from 'vitest';
import type { PlannedBuild } from '@vast/conventions';
import { parseArgOverrides, planVariant, type VariantPlanOptions } from './plan-variant';

const base: PlannedBuild = {
  image: 'base',
  variant: 'stock',
  profile: 'production',
  buildHash: 'a'.repeat(64),
  buildTag: 'vastai/base:build-aaaaaaaaaaaa',
  versionTag: 'vastai/base:1.0.0-stock',
  extraTags: [],
  overrides: {},
  buildArgs: {},
  argv: ['build', '--tag', 'vastai/base:build-aaaaaaaaaaaa', 'dist/images/base'],
};
const child: PlannedBuild = {
  ...base,
  image: 'app',
  buildTag: 'vastai/app:build-bbbbbbbbbbbb',
  versionTag: 'vastai/app:1.0.0-stock',
  parent: { image: 'base', variant: 'stock', buildTag: base.buildTag },
  argv: ['build', '--tag', 'vastai/app:build-bbbbbbbbbbbb', 'dist/images/app'],
};
const plain: VariantPlanOptions = { force: false, pull: false };
const shared: VariantPlanOptions = { force: false, pull: false, cacheRegistry: 'cache.example:5000' };
const ID = `sha256:${'1'.repeat(64)}`;

const kinds = (actions: Array<{ kind: string }>) => actions.map((a) => a.kind);

describe('planVariant', () => {
  it('skips a build whose content tag the engine has, and only re-points a moved version tag', () => {
    expect(planVariant(base, { engine: { buildTagId: ID, versionTagId: ID } }, plain)).toEqual([
      { kind: 'skip', buildTag: base.buildTag, imageId: ID },
    ]);
    expect(planVariant(base, { engine: { buildTagId: ID } }, plain)).toEqual([
      { kind: 'skip', buildTag: base.buildTag, imageId: ID },
      { kind: 'tag', source: base.buildTag, target: base.versionTag },
    ]);
  });

  it('builds what the engine has with --force', () => {
    expect(kinds(planVariant(base, { engine: { buildTagId: ID, versionTagId: ID } }, { ...plain, force: true }))).toEqual(['build', 'tag']);
  });

  it('shares a skipped build the cache registry lacks, and a new build', () => {
    expect(planVariant(base, { engine: { buildTagId: ID, versionTagId: ID } }, shared)).toEqual([
      { kind: 'skip', buildTag: base.buildTag, imageId: ID },
      { kind: 'share', buildTag: base.buildTag, cacheRef: `cache.example:5000/${base.buildTag}` },
    ]);
    expect(kinds(planVariant(base, { engine: { buildTagId: ID, versionTagId: ID }, cached: { configDigest: ID } }, shared))).toEqual([
      'skip',
    ]);
    expect(planVariant(base, { engine: {} }, shared)).toEqual([
      { kind: 'build', buildTag: base.buildTag, argv: base.argv },
      { kind: 'tag', source: base.buildTag, target: base.versionTag },
      { kind: 'share', buildTag: base.buildTag, cacheRef: `cache.example:5000/${base.buildTag}` },
    ]);
  });

  it('uses a build found in the cache registry without pulling it; with --pull, pulls it before falling back to a build', () => {
    const cached = { engine: {}, cached: { configDigest: ID } };
    expect(planVariant(base, cached, shared)).toEqual([
      { kind: 'use-cached', cacheRef: `cache.example:5000/${base.buildTag}`, imageId: ID },
    ]);
    const pulled = planVariant(base, cached, { ...shared, pull: true });
    expect(pulled[0]).toEqual({
      kind: 'pull-cached',
      cacheRef: `cache.example:5000/${base.buildTag}`,
      buildTag: base.buildTag,
      tags: [base.versionTag],
    });
    expect(kinds(pulled)).toEqual(['pull-cached', 'build', 'tag', 'share']);
  });

  it('has the parent in the engine before building a child FROM it, from the cache registry when shared', () => {
    expect(planVariant(child, { engine: {} }, shared)).toEqual([
      {
        kind: 'pull-parent',
        parent: {
          key: 'base:stock',
          image: 'base',
          variant: 'stock',
          buildTag: base.buildTag,
          cacheRef: `cache.example:5000/${base.buildTag}`,
        },
      },
      { kind: 'build', buildTag: child.buildTag, argv: child.argv },
      { kind: 'tag', source: child.buildTag, target: child.versionTag },
      { kind: 'share', buildTag: child.buildTag, cacheRef: `cache.example:5000/${child.buildTag}` },
    ]);
    expect(kinds(planVariant(child, { engine: {} }, plain))).toEqual(['pull-parent', 'build', 'tag']);
    // An unchanged child needs no parent at all.
    expect(kinds(planVariant(child, { engine: { buildTagId: ID, versionTagId: ID } }, plain))).toEqual(['skip']);
  });
});

describe('a manual build with overrides (--arg, --tag)', () => {
  const overridden: PlannedBuild = {
    ...base,
    buildTag: 'vastai/base:build-cccccccccccc',
    versionTag: 'vastai/base:build-cccccccccccc',
    extraTags: ['vastai/base:try-stock'],
    overrides: { UV_VERSION: '0.9.0' },
  };

  it('never gives an overridden build the version tag, and names it by its --tag', () => {
    expect(planVariant(overridden, { engine: {} }, plain)).toEqual([
      { kind: 'build', buildTag: overridden.buildTag, argv: overridden.argv },
      { kind: 'tag', source: overridden.buildTag, target: 'vastai/base:try-stock' },
    ]);
    expect(planVariant(overridden, { engine: { buildTagId: ID } }, plain)).toEqual([
      { kind: 'skip', buildTag: overridden.buildTag, imageId: ID },
      { kind: 'tag', source: overridden.buildTag, target: 'vastai/base:try-stock' },
    ]);
  });

  it('adds --tag names to a normal build next to its version tag, also when pulled from the cache registry', () => {
    const tagged = { ...base, extraTags: ['vastai/base:nightly-stock'] };
    expect(planVariant(tagged, { engine: {}, cached: {} }, { ...shared, pull: true })[0]).toEqual({
      kind: 'pull-cached',
      cacheRef: `cache.example:5000/${base.buildTag}`,
      buildTag: base.buildTag,
      tags: [base.versionTag, 'vastai/base:nightly-stock'],
    });
  });

  it('reads --arg KEY=VALUE, one or many, values with = and , kept whole', () => {
    expect(parseArgOverrides(undefined)).toEqual({ ok: true, overrides: {} });
    expect(parseArgOverrides('COMFYUI_REF=v0.4.0')).toEqual({ ok: true, overrides: { COMFYUI_REF: 'v0.4.0' } });
    expect(parseArgOverrides(['A=1', 'B=x=y,z'])).toEqual({ ok: true, overrides: { A: '1', B: 'x=y,z' } });
  });

  it('refuses an --arg that is not KEY=VALUE, or one given twice', () => {
    expect(parseArgOverrides('COMFYUI_REF')).toEqual({
      ok: false,
      error: "--arg 'COMFYUI_REF': expected KEY=VALUE with an UPPER_SNAKE_CASE build arg name, e.g. --arg COMFYUI_REF=v0.3.75.",
    });
    expect(parseArgOverrides(['lower=1'])).toMatchObject({ ok: false });
    expect(parseArgOverrides(['A=1', 'A=2'])).toEqual({ ok: false, error: "--arg A: given twice ('1' and '2'). Pass it once." });
  });
});
