import { describe, expect, it } from 'vitest';
import { checkBuildResult, type BuildResultFacts } from './build-result';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const facts: BuildResultFacts = {
  file: 'dist/builds/base-image/build-result.json',
  projectName: 'base-image',
  packageVersion: '1.1.0',
  packageFile: 'packages/images/base-image/package.json',
  manifest: {
    repository: 'vastai/base-image',
    version: '1.1.0',
    variants: [
      { key: 'cuda-12.9', local: false },
      { key: 'cuda-13.0', local: false },
      { key: 'local', local: true },
    ],
  },
  manifestFile: 'dist/images/base-image/image.json',
};
const good = {
  name: 'base-image',
  repository: 'vastai/base-image',
  version: '1.1.0',
  variants: [{ key: 'local', buildTag: 'vastai/base-image:build-0123456789ab', imageId: id('a') }],
};

describe('checkBuildResult', () => {
  it('accepts a complete build of the current version', () => {
    expect(checkBuildResult(good, { ...facts, profile: 'local' })).toEqual({ ok: true, result: good });
  });

  it('takes one build per platform of a variant, and with --variants needs (and pushes) only the variants named', () => {
    const min = { key: 'local-min', local: true, onDemand: true };
    const withMin = { ...facts, profile: 'local' as const, manifest: { ...facts.manifest!, variants: [...facts.manifest!.variants, min] } };
    const perPlatform = {
      ...good,
      variants: [
        { key: 'local-min', platform: 'linux/amd64', buildTag: 'vastai/base-image:build-aaaaaaaaaaaa', imageId: id('b') },
        { key: 'local-min', platform: 'linux/arm64', buildTag: 'vastai/base-image:build-bbbbbbbbbbbb', imageId: id('c') },
      ],
    };
    expect(checkBuildResult(perPlatform, { ...withMin, variants: ['local-min'] })).toEqual({ ok: true, result: perPlatform });
    // Unnamed, an onDemand variant is not part of the release: the profile's own variants are still needed.
    expect(checkBuildResult(perPlatform, withMin)).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/'local' of the local profile not built/)],
    });
    // A variant built but not named stays local.
    const both = { ...good, variants: [...good.variants, ...perPlatform.variants] };
    expect(checkBuildResult(both, withMin)).toEqual({ ok: true, result: { ...both, variants: good.variants } });
    const twice = { ...good, variants: [perPlatform.variants[0], perPlatform.variants[0]] };
    expect(checkBuildResult(twice, { ...withMin, variants: ['local-min'] })).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/variants\.1\.key: 'local-min \(linux\/amd64\)' is listed twice/)],
    });
  });

  it('refuses a build of an older version (changeset version ran after the build)', () => {
    const check = checkBuildResult({ ...good, version: '1.0.0' }, facts);
    expect(check).toEqual({
      ok: false,
      errors: [
        'dist/builds/base-image/build-result.json: version: the build is of 1.0.0, but packages/images/base-image/package.json now says 1.1.0. Run nx run base-image:docker-build first.',
      ],
    });
  });

  it('refuses when a variant of the profile was not built', () => {
    const check = checkBuildResult(good, { ...facts, profile: 'production' });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.errors).toEqual([
      "dist/builds/base-image/build-result.json: variants: 'cuda-12.9', 'cuda-13.0' of the production profile not built. Run nx run base-image:docker-build -c production first.",
    ]);
  });

  it('reports every missing field of an unfinished variant', () => {
    const check = checkBuildResult({ ...good, variants: [{ key: 'local', buildTag: 'x:build-1' }] }, facts);
    expect(!check.ok && check.errors).toEqual([
      'dist/builds/base-image/build-result.json: variants.0.imageId: is missing, so this variant did not finish building. Run nx run base-image:docker-build first.',
    ]);
  });

  it('rejects non-objects, empty variant lists, duplicates, bad ids, foreign names and unknown variants', () => {
    expect(checkBuildResult([], facts)).toEqual({
      ok: false,
      errors: ['dist/builds/base-image/build-result.json: is not a JSON object. Run nx run base-image:docker-build first.'],
    });
    const errors = (value: unknown) => {
      const check = checkBuildResult(value, facts);
      return check.ok ? [] : check.errors;
    };
    expect(errors({ ...good, variants: [] })).toEqual([expect.stringMatching(/variants: no built variant is listed/)]);
    expect(errors({ ...good, variants: [good.variants[0], good.variants[0]] })).toEqual([
      expect.stringMatching(/variants.1.key: 'local' is listed twice/),
    ]);
    expect(errors({ ...good, variants: [{ ...good.variants[0], imageId: 'abc' }] })).toEqual([
      expect.stringMatching(/imageId: 'abc' is not a sha256 image id/),
    ]);
    expect(errors({ ...good, name: 'pytorch' })).toEqual([expect.stringMatching(/name: is 'pytorch', but this is project 'base-image'/)]);
    expect(errors({ ...good, variants: [{ ...good.variants[0], key: 'gone' }] })).toEqual([
      expect.stringMatching(/variants: 'gone' is not a variant in dist\/images\/base-image\/image.json/),
    ]);
    expect(errors({ ...good, repository: 'vastai/other' })).toEqual([
      expect.stringMatching(/repository: is 'vastai\/other', but .*image.json says 'vastai\/base-image'/),
    ]);
  });
});
