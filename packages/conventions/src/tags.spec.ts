import { describe, expect, it } from 'vitest';
import {
  DOCKER_TAG,
  TagError,
  releaseTags,
  repositoryInNamespace,
  sanitizeTagPart,
  validateNamespace,
  validateTag,
  versionTags,
} from './tags';

describe('versionTags', () => {
  it('gives a stable release its full tag and the moving aliases', () => {
    expect(versionTags({ version: '1.4.2', variant: 'cuda-12.9-py312' })).toEqual([
      '1.4.2-cuda-12.9-py312',
      '1.4-cuda-12.9-py312',
      '1-cuda-12.9-py312',
      'latest-cuda-12.9-py312',
    ]);
  });

  it('omits the suffix (and gives plain latest) when the variant is empty', () => {
    expect(versionTags({ version: '2.0.0', variant: '' })).toEqual(['2.0.0', '2.0', '2', 'latest']);
  });

  it('gives a prerelease only its full tag', () => {
    expect(versionTags({ version: '1.4.2-rc.1', variant: 'local' })).toEqual(['1.4.2-rc.1-local']);
    expect(versionTags({ version: '2.0.0-beta', variant: '' })).toEqual(['2.0.0-beta']);
  });

  it('maps semver build metadata to - and keeps it on the full tag only', () => {
    expect(versionTags({ version: '1.4.2+build.5', variant: 'local' })).toEqual([
      '1.4.2-build.5-local',
      '1.4-local',
      '1-local',
      'latest-local',
    ]);
    expect(versionTags({ version: '1.4.2-rc.1+sha.abc', variant: 'x' })).toEqual(['1.4.2-rc.1-sha.abc-x']);
  });

  it('gives 0.x no major alias', () => {
    expect(versionTags({ version: '0.3.1', variant: 'v' })).toEqual(['0.3.1-v', '0.3-v', 'latest-v']);
  });

  it('never puts a date on a version tag', () => {
    for (const tag of versionTags({ version: '1.0.0', variant: 'cuda-12.9' })) expect(tag).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('rejects a version that is not semver, naming the field to fix', () => {
    expect(() => versionTags({ version: '1.4', variant: 'x' })).toThrow(TagError);
    expect(() => versionTags({ version: 'v1.4.x', variant: 'x' })).toThrow(/version 'v1.4.x' is not a semver version.*package\.json/);
  });

  it('rejects a variant with characters a tag cannot hold', () => {
    expect(() => versionTags({ version: '1.0.0', variant: 'cuda/12.9' })).toThrow(
      /variant key 'cuda\/12.9'.*'\/' at position 5.*image\.ts/,
    );
    expect(() => versionTags({ version: '1.0.0', variant: 'py 3.12' })).toThrow(/a space at position 3/);
  });

  it('rejects a long variant whose full tag exceeds 128 characters, and names the length', () => {
    // 'latest-' is the longest prefix of a stable release, so it sets the limit: 7 + 121 = 128.
    expect(versionTags({ version: '1.0.0', variant: 'v'.repeat(121) })[3]).toHaveLength(128);
    expect(() => versionTags({ version: '1.0.0', variant: 'v'.repeat(122) })).toThrow(
      /tag 'latest-v+…' is 129 characters; Docker allows at most 128/,
    );
    // a prerelease makes the full tag longer than the aliases: the full tag is what overflows
    expect(() => versionTags({ version: '10.20.30-rc.1', variant: 'v'.repeat(115) })).toThrow(/tag '10.20.30-rc.1-v+…' is 129 characters/);
  });
});

describe('validateTag', () => {
  it('accepts what Docker accepts', () => {
    for (const tag of ['latest', '1.4.2-cuda-12.9-py312', '_x', 'A.b_c-d', 'x'.repeat(128)]) {
      expect(validateTag(tag)).toBeUndefined();
      expect(DOCKER_TAG.test(tag)).toBe(true);
    }
  });

  it('names the offending character and its position', () => {
    expect(validateTag('1.4.2+build')).toBe(
      "tag '1.4.2+build' contains '+' at position 6; Docker tags allow only letters, digits, '_', '.' and '-'. Replace it, e.g. with '-'.",
    );
    expect(validateTag('a:b')).toMatch(/':' at position 2/);
    expect(validateTag('tab\there')).toMatch(/control character U\+0009 at position 4/);
    expect(validateTag('héllo')).toMatch(/'é' at position 2/);
  });

  it('rejects a leading . or -', () => {
    expect(validateTag('-rc')).toMatch(/starts with '-'.*Drop the leading '-'/);
    expect(validateTag('.hidden')).toMatch(/starts with '\.'/);
  });

  it('rejects empty and over-long tags with the length', () => {
    expect(validateTag('')).toMatch(/empty/);
    expect(validateTag('x'.repeat(129))).toMatch(/is 129 characters; Docker allows at most 128/);
    expect(DOCKER_TAG.test('x'.repeat(129))).toBe(false);
  });

  it('agrees with DOCKER_TAG on every single character', () => {
    for (let code = 0; code < 256; code++) {
      const tag = `a${String.fromCharCode(code)}`;
      expect(validateTag(tag) === undefined).toBe(DOCKER_TAG.test(tag));
    }
  });
});

describe('sanitizeTagPart', () => {
  it('maps runs of invalid characters to one dash and trims the ends', () => {
    expect(sanitizeTagPart('@vast/base-image')).toBe('vast-base-image');
    expect(sanitizeTagPart('feature//x  y')).toBe('feature-x-y');
    expect(sanitizeTagPart('.-x-.')).toBe('x');
    expect(sanitizeTagPart('1.4.2+b')).toBe('1.4.2-b');
  });
});

describe('releaseTags', () => {
  it('prefixes registry and repository, full tag first', () => {
    expect(releaseTags({ registry: '127.0.0.1:5000', repository: 'vastai/base-image', version: '1.1.0', variant: 'local' })).toEqual([
      '127.0.0.1:5000/vastai/base-image:1.1.0-local',
      '127.0.0.1:5000/vastai/base-image:1.1-local',
      '127.0.0.1:5000/vastai/base-image:1-local',
      '127.0.0.1:5000/vastai/base-image:latest-local',
    ]);
  });

  it('leaves the registry out when none is given and accepts a namespace path', () => {
    expect(releaseTags({ repository: 'vastai/pytorch', version: '2.0.0-rc.2', variant: 'cu128' })).toEqual([
      'vastai/pytorch:2.0.0-rc.2-cu128',
    ]);
    expect(releaseTags({ registry: 'ghcr.io/vast-ai/', repository: 'comfy', version: '1.0.0', variant: '' })[0]).toBe(
      'ghcr.io/vast-ai/comfy:1.0.0',
    );
  });

  it('rejects a bad repository or registry, naming where to fix it', () => {
    expect(() => releaseTags({ repository: 'VastAI/Base', version: '1.0.0', variant: '' })).toThrow(/repository 'VastAI\/Base'.*image\.ts/);
    expect(() => releaseTags({ registry: 'http://x:5000', repository: 'a/b', version: '1.0.0', variant: '' })).toThrow(
      /registry 'http:\/\/x:5000'.*VAST_REGISTRY/,
    );
  });
});

describe('repositoryInNamespace', () => {
  it("swaps the namespace as upstream's staging does, and gives a repository without one the namespace", () => {
    expect(repositoryInNamespace('vastai/base-image', 'vastaistaging')).toBe('vastaistaging/base-image');
    expect(repositoryInNamespace('vastai/pytorch', 'vast-ai_staging')).toBe('vast-ai_staging/pytorch');
    expect(repositoryInNamespace('comfy', 'vastaistaging')).toBe('vastaistaging/comfy');
    expect(repositoryInNamespace('org/team/app', 'staging')).toBe('staging/team/app');
  });

  it('refuses what is not one lowercase path component, saying what a namespace is', () => {
    for (const bad of ['', 'Vast', 'a/b', '-x', 'x-', 'a b', 'docker.io/vastai'])
      expect(validateNamespace(bad), bad).toBe(
        `'${bad}' is not a namespace: one path component of lowercase letters and digits, joined by '.', '_', '__' or '-' (e.g. vastaistaging).`,
      );
    expect(validateNamespace('vastaistaging')).toBeUndefined();
    expect(() => repositoryInNamespace('vastai/base-image', 'Vast')).toThrow(TagError);
  });
});
