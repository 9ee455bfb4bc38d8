import { describe, expect, it } from 'vitest';
import { planPush } from './plan-push';
import { checkMergeSources, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, planMerge, renderManifestList } from './plan-merge';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const oneVariant = (platform?: 'linux/amd64' | 'linux/arm64') => ({
  name: 'base-image',
  repository: 'vastai/base-image',
  version: '1.2.0',
  variants: [{ key: 'local', buildTag: 'vastai/base-image:build-aaaaaaaaaaaa', imageId: id('a'), ...(platform ? { platform } : {}) }],
});

describe('one-platform pushes and the merge', () => {
  it("pushes a one-platform build under upstream's per-arch names (<tag>-<arch>), upstream's own names included", () => {
    const steps = planPush(oneVariant('linux/arm64'), 'r:5000', new Map([['local', ['local-py311-2026-08-21']]]));
    expect(steps.map((s) => [s.target, s.role])).toEqual([
      [`r:5000/vastai/base-image:staging-${'a'.repeat(64)}`, 'content'],
      ['r:5000/vastai/base-image:1.2.0-local-arm64', 'exact'],
      ['r:5000/vastai/base-image:1.2-local-arm64', 'alias'],
      ['r:5000/vastai/base-image:1-local-arm64', 'alias'],
      ['r:5000/vastai/base-image:latest-local-arm64', 'alias'],
      ['r:5000/vastai/base-image:local-py311-2026-08-21-arm64', 'alias'],
    ]);
  });

  it('merges every release tag of a variant with platforms from its -<arch> tags, and leaves the others out', () => {
    const steps = planPush(oneVariant(), 'r:5000');
    const merge = planMerge(steps, (key) => (key === 'local' ? ['linux/amd64', 'linux/arm64'] : undefined));
    expect(merge.map((s) => [s.target, s.role, s.sources.map((x) => x.ref)])).toEqual([
      [
        'r:5000/vastai/base-image:1.2.0-local',
        'exact',
        ['r:5000/vastai/base-image:1.2.0-local-amd64', 'r:5000/vastai/base-image:1.2.0-local-arm64'],
      ],
      [
        'r:5000/vastai/base-image:1.2-local',
        'alias',
        ['r:5000/vastai/base-image:1.2-local-amd64', 'r:5000/vastai/base-image:1.2-local-arm64'],
      ],
      ['r:5000/vastai/base-image:1-local', 'alias', ['r:5000/vastai/base-image:1-local-amd64', 'r:5000/vastai/base-image:1-local-arm64']],
      [
        'r:5000/vastai/base-image:latest-local',
        'alias',
        ['r:5000/vastai/base-image:latest-local-amd64', 'r:5000/vastai/base-image:latest-local-arm64'],
      ],
    ]);
    expect(planMerge(steps, () => undefined)).toEqual([]);
  });

  it('writes one deterministic list naming each platform, a Docker list over Docker manifests, else an OCI index', () => {
    const [step] = planMerge(planPush(oneVariant(), 'r:5000'), () => ['linux/amd64', 'linux/arm64']);
    const found = new Map([
      [step.sources[0].ref, { mediaType: DOCKER_MANIFEST, digest: id('1'), size: 10, architecture: 'amd64', os: 'linux' }],
      [step.sources[1].ref, { mediaType: DOCKER_MANIFEST, digest: id('2'), size: 20, architecture: 'arm64', os: 'linux' }],
    ]);
    const list = renderManifestList(step, found);
    expect(list.mediaType).toBe(DOCKER_MANIFEST_LIST);
    expect(JSON.parse(list.bytes)).toEqual({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [
        { mediaType: DOCKER_MANIFEST, digest: id('1'), size: 10, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: DOCKER_MANIFEST, digest: id('2'), size: 20, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    });
    expect(renderManifestList(step, found).bytes).toBe(list.bytes);
    found.set(step.sources[1].ref, { ...found.get(step.sources[1].ref)!, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(renderManifestList(step, found).mediaType).toBe(OCI_INDEX);
  });

  it('refuses a missing source and a source of another architecture than its tag names, before writing anything', () => {
    const [step] = planMerge(planPush(oneVariant(), 'r:5000'), () => ['linux/amd64', 'linux/arm64']);
    const found = new Map([
      [step.sources[1].ref, { mediaType: DOCKER_MANIFEST, digest: id('2'), size: 20, architecture: 'amd64', os: 'linux' }],
    ]);
    expect(checkMergeSources([step], found, 'Push it.')).toEqual([
      "r:5000/vastai/base-image:1.2.0-local-amd64: not in the registry (variant 'local', linux/amd64). Push it.",
      'r:5000/vastai/base-image:1.2.0-local-arm64: is a linux/amd64 image, not linux/arm64. Rebuild it with docker-build --platform linux/arm64 and push it again.',
    ]);
  });
});
