import { describe, expect, it } from 'vitest';
import { decidePush, planPush, type RemoteState } from './plan-push';
import { isLoopbackRegistry } from '../../../utils/registry-http';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const result = {
  name: 'pytorch',
  repository: 'vastai/pytorch',
  version: '2.1.0',
  variants: [
    { key: 'cu128', buildTag: 'vastai/pytorch:build-aaaaaaaaaaaa', imageId: id('a') },
    { key: 'cu130', buildTag: 'vastai/pytorch:build-bbbbbbbbbbbb', imageId: id('b') },
  ],
};

describe('planPush', () => {
  it("stages every variant's content, then pushes every exact tag, then the moving aliases", () => {
    expect(planPush(result, 'registry.example:5000').map((s) => [s.target, s.source, s.role])).toEqual([
      [`registry.example:5000/vastai/pytorch:staging-${'a'.repeat(64)}`, 'vastai/pytorch:build-aaaaaaaaaaaa', 'content'],
      [`registry.example:5000/vastai/pytorch:staging-${'b'.repeat(64)}`, 'vastai/pytorch:build-bbbbbbbbbbbb', 'content'],
      ['registry.example:5000/vastai/pytorch:2.1.0-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', 'exact'],
      ['registry.example:5000/vastai/pytorch:2.1.0-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', 'exact'],
      ['registry.example:5000/vastai/pytorch:2.1-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', 'alias'],
      ['registry.example:5000/vastai/pytorch:2-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', 'alias'],
      ['registry.example:5000/vastai/pytorch:latest-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', 'alias'],
      ['registry.example:5000/vastai/pytorch:2.1-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', 'alias'],
      ['registry.example:5000/vastai/pytorch:2-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', 'alias'],
      ['registry.example:5000/vastai/pytorch:latest-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', 'alias'],
    ]);
  });

  it("pushes each variant's extra tags (upstream's names) last, as moving tags", () => {
    const extra = new Map([['cu128', ['2.10.0-cuda-12.8.1-py312-24.04-2026-08-21', '2.10.0-cuda-12.8.1-24.04-2026-08-21']]]);
    expect(
      planPush(result, 'r:5000', extra)
        .slice(-3)
        .map((s) => [s.target, s.source, s.role]),
    ).toEqual([
      ['r:5000/vastai/pytorch:latest-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', 'alias'],
      ['r:5000/vastai/pytorch:2.10.0-cuda-12.8.1-py312-24.04-2026-08-21', 'vastai/pytorch:build-aaaaaaaaaaaa', 'alias'],
      ['r:5000/vastai/pytorch:2.10.0-cuda-12.8.1-24.04-2026-08-21', 'vastai/pytorch:build-aaaaaaaaaaaa', 'alias'],
    ]);
  });

  it('gives a manual build with --arg overrides no semver tag: only its --tag names and upstream names', () => {
    const manual = {
      ...result,
      overrides: { COMFYUI_REF: 'v0.4.0' },
      variants: [{ ...result.variants[0], extraTags: ['vastai/pytorch:try-cu128'] }],
    };
    expect(planPush(manual, 'r:5000', new Map([['cu128', ['v0.4.0-cuda-12.8-py312']]])).map((s) => [s.target, s.role])).toEqual([
      [`r:5000/vastai/pytorch:staging-${'a'.repeat(64)}`, 'content'],
      ['r:5000/vastai/pytorch:try-cu128', 'alias'],
      ['r:5000/vastai/pytorch:v0.4.0-cuda-12.8-py312', 'alias'],
    ]);
    expect(planPush(manual, 'r:5000').map((s) => s.role)).toEqual(['content', 'alias']);
    expect(planPush({ ...manual, variants: [result.variants[0]] }, 'r:5000').map((s) => s.role)).toEqual(['content']);
  });

  it('gives a prerelease only its exact tags', () => {
    expect(planPush({ ...result, version: '2.1.0-rc.1' }, 'docker.io').map((s) => s.target)).toEqual([
      `docker.io/vastai/pytorch:staging-${'a'.repeat(64)}`,
      `docker.io/vastai/pytorch:staging-${'b'.repeat(64)}`,
      'docker.io/vastai/pytorch:2.1.0-rc.1-cu128',
      'docker.io/vastai/pytorch:2.1.0-rc.1-cu130',
    ]);
  });

  it('throws before anything is planned when a tag would be invalid', () => {
    expect(() => planPush({ ...result, variants: [{ ...result.variants[0], key: 'x'.repeat(125) }] }, 'docker.io')).toThrow(
      /Docker allows at most 128/,
    );
  });
});

describe('decidePush', () => {
  const steps = planPush(result, 'r:5000');
  const R = 'r:5000/vastai/pytorch';
  const manifest = (c: string) => `sha256:${c.repeat(64)}`;
  const rerun = 'run nx run pytorch:docker-push --registry=r:5000 again';
  const states = (entries: Record<string, RemoteState>) =>
    new Map(steps.map((s) => [s.target, entries[s.target.slice(R.length + 1)] ?? { kind: 'absent' as const }]));
  const actions = (entries: Record<string, RemoteState>) => {
    const decision = decidePush(steps, states(entries), rerun);
    if (!decision.ok) throw new Error(decision.errors.join('\n'));
    return decision.actions.map((a) => `${a.action} ${a.step.target.slice(R.length + 1)}`);
  };

  it('pushes everything into an empty registry, content first', () => {
    expect(actions({})).toEqual(steps.map((s) => `push ${s.target.slice(R.length + 1)}`));
  });

  it('keeps what is already there and stages only variants that still need a tag (a re-run after a cut)', () => {
    const cu128Tags = ['2.1.0-cu128', '2.1-cu128', '2-cu128', 'latest-cu128'];
    const there = Object.fromEntries(
      [...cu128Tags, `staging-${'b'.repeat(64)}`, '2.1.0-cu130'].map((t) => [t, { kind: 'same' as const, digest: manifest('d') }]),
    );
    expect(actions(there)).toEqual([
      `unchanged staging-${'b'.repeat(64)}`,
      'unchanged 2.1.0-cu128',
      'unchanged 2.1.0-cu130',
      'unchanged 2.1-cu128',
      'unchanged 2-cu128',
      'unchanged latest-cu128',
      'push 2.1-cu130',
      'push 2-cu130',
      'push latest-cu130',
    ]);
  });

  it('moves an alias that names another image', () => {
    expect(actions({ 'latest-cu128': { kind: 'different', digest: manifest('e'), configDigest: manifest('f') } })).toContain(
      'push latest-cu128',
    );
  });

  it('refuses the whole push when an exact tag names another image, naming the tag, both digests and the fix', () => {
    const decision = decidePush(
      steps,
      states({ '2.1.0-cu130': { kind: 'different', digest: manifest('e'), configDigest: manifest('f') } }),
      rerun,
    );
    expect(decision).toEqual({
      ok: false,
      errors: [
        `${R}:2.1.0-cu130: the exact version tag already names manifest ${manifest('e')} of image ${manifest('f')}; this build is image ${manifest('b')}. An exact version tag names one image forever, so it is not overwritten. Release this build under a new version (npx changeset, then npm run release), or, if the registry's image is the wrong one, delete that tag in the registry first.`,
      ],
    });
  });

  it('refuses an exact tag that holds a manifest list, and any reference the registry gave no clear answer for', () => {
    const decision = decidePush(
      steps,
      states({
        '2.1.0-cu128': { kind: 'different', digest: manifest('e') },
        'latest-cu130': { kind: 'unknown', reason: 'connection refused' },
      }),
      rerun,
    );
    expect(!decision.ok && decision.errors).toEqual([
      expect.stringContaining(
        `${R}:2.1.0-cu128: the exact version tag already names manifest list ${manifest('e')} (several platforms, not this image)`,
      ),
      `${R}:latest-cu130: cannot tell what the registry holds there (connection refused). Check that the registry is up and reachable (docker login if it needs credentials), then ${rerun}.`,
    ]);
  });
});

describe('isLoopbackRegistry', () => {
  it('is true only for loopback hosts', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000/ns')).toBe(true);
    expect(isLoopbackRegistry('127.1.2.3')).toBe(true);
    expect(isLoopbackRegistry('docker.io')).toBe(false);
    expect(isLoopbackRegistry('127.0.0.1.example.com:5000')).toBe(false);
  });
});
