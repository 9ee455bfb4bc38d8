// The pure decisions of the release command (scripts/release-plan.ts): options, which images a release covers and
// builds (FROM order from conventions' sortImagesByFrom), and which versions it tags in git after the push.
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '@vast/conventions';
import { fakeDefinition, fakeFamily } from '@vast/conventions/testing';
import {
  describeStaging,
  parseReleaseArgs,
  planGitTags,
  planRelease,
  releaseCommands,
  stagingFromEnv,
  type PushOutcome,
} from '../../scripts/release-plan';

describe('parseReleaseArgs', () => {
  it('reads the flags, with production as the default profile', () => {
    expect(parseReleaseArgs([])).toEqual({ dryRun: false, versionOnly: false, publish: false, configuration: 'production' });
    expect(parseReleaseArgs(['--dry-run', '-c', 'local', '--registry=127.0.0.1:5000'])).toEqual({
      dryRun: true,
      versionOnly: false,
      publish: false,
      configuration: 'local',
      registry: '127.0.0.1:5000',
    });
    expect(parseReleaseArgs(['--publish', '--configuration=production', '--registry', 'docker.io'])).toMatchObject({
      publish: true,
      registry: 'docker.io',
    });
    expect(parseReleaseArgs(['-h'])).toEqual({ help: true });
  });

  it('rejects unknown flags, stray arguments, bad profiles and contradictory modes', () => {
    expect(parseReleaseArgs(['--push'])).toEqual({ error: "unknown option '--push'. See --help." });
    expect(parseReleaseArgs(['base-image'])).toEqual({ error: "unexpected argument 'base-image'. See --help." });
    expect(parseReleaseArgs(['-c', 'staging'])).toEqual({
      error: "--configuration: 'staging' is not a build profile. Use production or local.",
    });
    expect(parseReleaseArgs(['--version-only', '--publish'])).toEqual({
      error: '--version-only and --publish are two halves of a release; pass one.',
    });
    expect(parseReleaseArgs(['--registry'])).toEqual({ error: '--registry: needs a value such as 127.0.0.1:5000.' });
    expect(parseReleaseArgs(['--registry='])).toEqual({ error: '--registry: needs a value such as 127.0.0.1:5000.' });
  });
});

// base (stock + local) <- app (stock + local), base <- ext (production only), base <- tiny (local only).
const family = fakeFamily(
  fakeDefinition('base'),
  fakeDefinition('derivative'),
  fakeDefinition('external'),
  fakeDefinition('derivative', { name: 'tiny', repository: 'vastai/tiny', variants: [{ key: 'local', parent: 'local', local: true }] }),
);
const at = (versions: Record<string, string>): ResolvedImage[] =>
  [...family.values()].map((i) => ({ ...i, version: versions[i.definition.name] ?? '1.0.0' }));
const images = at({});

describe('planRelease', () => {
  it('covers the images whose version changes, parents first, and builds those with a variant in the profile', () => {
    const plan = planRelease({
      images,
      versionsAfter: new Map([
        ['@vast/app', '1.0.1'],
        ['@vast/ext', '1.1.0'],
        ['@vast/tiny', '2.0.0'],
      ]),
      configuration: 'local',
    });
    expect(plan.releases).toEqual([
      { project: 'app', name: '@vast/app', from: '1.0.0', to: '1.0.1' },
      { project: 'ext', name: '@vast/ext', from: '1.0.0', to: '1.1.0' },
      { project: 'tiny', name: '@vast/tiny', from: '1.0.0', to: '2.0.0' },
    ]);
    expect(plan.build.map((r) => r.project)).toEqual(['app', 'tiny']);
    expect(plan.skipped).toEqual([
      {
        release: { project: 'ext', name: '@vast/ext', from: '1.0.0', to: '1.1.0' },
        reason: 'no local variant in packages/images/ext/image.ts',
      },
    ]);
    expect(plan.commands).toEqual(releaseCommands(['app', 'tiny'], 'local'));
  });

  it('orders the FROM chain with conventions: a parent before its children, then by name', () => {
    const all = new Map(images.map((i) => [`@vast/${i.definition.name}`, '9.0.0']));
    expect(
      planRelease({ images: [...images].reverse(), versionsAfter: all, configuration: 'production' }).releases.map((r) => r.project),
    ).toEqual(['base', 'app', 'ext', 'tiny']);
  });

  it('with --publish covers every image whose current version has no git tag', () => {
    const plan = planRelease({
      images: at({ base: '1.1.0' }),
      versionsAfter: new Map(),
      gitTags: new Set(['@vast/base@1.0.0', '@vast/app@1.0.0', '@vast/tiny@1.0.0']),
      configuration: 'production',
    });
    expect(plan.releases).toEqual([
      { project: 'base', name: '@vast/base', from: '(untagged)', to: '1.1.0' },
      { project: 'ext', name: '@vast/ext', from: '(untagged)', to: '1.0.0' },
    ]);
    expect(plan.build.map((r) => r.project)).toEqual(['base', 'ext']);
    expect(plan.skipped).toEqual([]);
  });

  it('plans no command when nothing in the profile is released', () => {
    const plan = planRelease({ images, versionsAfter: new Map([['@vast/ext', '1.0.1']]), configuration: 'local' });
    expect(plan.build).toEqual([]);
    expect(plan.commands).toEqual([]);
  });
});

describe('releaseCommands', () => {
  it('builds then pushes, one push at a time, stopping at the first failure', () => {
    expect(releaseCommands(['base-image', 'pytorch'], 'local')).toEqual([
      ['run-many', '-t', 'docker-build', '-p', 'base-image,pytorch', '-c', 'local'],
      ['run-many', '-t', 'docker-push', '-p', 'base-image,pytorch', '-c', 'local', '--parallel=1', '--nxBail'],
    ]);
  });
});

describe('releaseCommands through staging', () => {
  it('stages without upstream names, smoke tests, then promotes by digest: a failing smoke stops the release before the promotion', () => {
    const push = ['run-many', '-t', 'docker-push', '-p', 'base-image,pytorch', '-c', 'local', '--parallel=1', '--nxBail'];
    expect(releaseCommands(['base-image', 'pytorch'], 'local', { registry: '127.0.0.1:5000/staging' })).toEqual([
      ['run-many', '-t', 'docker-build', '-p', 'base-image,pytorch', '-c', 'local'],
      [...push, '--registry=127.0.0.1:5000/staging', '--upstreamTags=false'],
      ['run-many', '-t', 'smoke', '-p', 'base-image,pytorch', '-c', 'local', '--parallel=1', '--nxBail'],
      [...push, '--promoteFrom=127.0.0.1:5000/staging'],
    ]);
  });

  it("stages in upstream's staging namespace: the staging push swaps it, the promotion reads from it", () => {
    const push = ['run-many', '-t', 'docker-push', '-p', 'base-image', '-c', 'production', '--parallel=1', '--nxBail'];
    expect(releaseCommands(['base-image'], 'production', { registry: 'docker.io', namespace: 'vastaistaging' })).toEqual([
      ['run-many', '-t', 'docker-build', '-p', 'base-image', '-c', 'production'],
      [...push, '--registry=docker.io', '--namespace=vastaistaging', '--upstreamTags=false'],
      ['run-many', '-t', 'smoke', '-p', 'base-image', '-c', 'production', '--parallel=1', '--nxBail'],
      [...push, '--promoteFrom=docker.io', '--promoteFromNamespace=vastaistaging'],
    ]);
  });

  it('planRelease passes the staging location on', () => {
    const all = new Map(images.map((i) => [`@vast/${i.definition.name}`, '9.0.0']));
    const staging = { registry: 'r', namespace: 'staging' };
    const plan = planRelease({ images, versionsAfter: all, configuration: 'local', staging });
    expect(plan.commands).toEqual(
      releaseCommands(
        plan.build.map((r) => r.project),
        'local',
        staging,
      ),
    );
    expect(plan.commands).toHaveLength(4);
  });
});

describe('stagingFromEnv', () => {
  it('reads VAST_STAGING_REGISTRY and VAST_STAGING_NAMESPACE; a namespace alone stages on the production registry', () => {
    expect(stagingFromEnv({}, 'docker.io')).toEqual({});
    expect(stagingFromEnv({ VAST_STAGING_REGISTRY: ' ' }, 'docker.io')).toEqual({});
    expect(stagingFromEnv({ VAST_STAGING_REGISTRY: '127.0.0.1:5000/staging' }, '127.0.0.1:5000')).toEqual({
      staging: { registry: '127.0.0.1:5000/staging' },
    });
    expect(stagingFromEnv({ VAST_STAGING_NAMESPACE: 'vastaistaging' }, 'docker.io')).toEqual({
      staging: { registry: 'docker.io', namespace: 'vastaistaging' },
    });
    expect(stagingFromEnv({ VAST_STAGING_REGISTRY: 'ghcr.io', VAST_STAGING_NAMESPACE: 'vast-staging' }, 'docker.io')).toEqual({
      staging: { registry: 'ghcr.io', namespace: 'vast-staging' },
    });
    expect(describeStaging({ registry: 'docker.io', namespace: 'vastaistaging' })).toBe('docker.io, namespace vastaistaging');
    expect(describeStaging({ registry: '127.0.0.1:5000/staging' })).toBe('127.0.0.1:5000/staging');
  });

  it('refuses a namespace with a registry in it, and a namespace with no registry to stage on', () => {
    expect(stagingFromEnv({ VAST_STAGING_NAMESPACE: 'docker.io/vastaistaging' }, 'docker.io')).toEqual({
      error:
        "VAST_STAGING_NAMESPACE: 'docker.io/vastaistaging' is not a namespace: one path component of lowercase letters and digits, joined by '.', '_', '__' or '-' (e.g. vastaistaging). Set it to the staging namespace alone, without the registry.",
    });
    expect(stagingFromEnv({ VAST_STAGING_NAMESPACE: 'vastaistaging' }, undefined)).toEqual({
      error: 'VAST_STAGING_NAMESPACE is set but there is no registry to stage on. Pass --registry or set VAST_REGISTRY.',
    });
  });
});

describe('planGitTags', () => {
  const registry = '127.0.0.1:5000';
  const untaggedEverywhere = new Set<string>();
  const publish = (configuration: 'production' | 'local') =>
    planRelease({ images, versionsAfter: new Map(), gitTags: untaggedEverywhere, configuration });
  const ok = (version = '1.0.0', profile = 'local'): PushOutcome => ({ version, registry, profile, failed: false });

  it('tags exactly the versions this run pushed; one the profile skipped stays untagged and is named', () => {
    // The bug this replaces: `changeset tag` tagged ext too, and a later --publish never pushed it.
    const plan = publish('local');
    const tags = planGitTags(plan, {
      images,
      configuration: 'local',
      registry,
      pushed: new Map([
        ['base', ok()],
        ['tiny', ok()],
      ]),
    });
    expect(tags.create).toEqual(['@vast/tiny@1.0.0']);
    expect(tags.untagged.map((u) => [u.release.project, u.reason])).toEqual([
      ['base', 'pushed its local variant only; its production variants (stock) still need --publish -c production'],
      ['app', 'not pushed by this run (docker-push did not finish for 1.0.0; see its output above)'],
      ['ext', 'not built or pushed: no local variant in packages/images/ext/image.ts'],
    ]);
  });

  it('in production tags what pushed completely, not a failed push, a stale record or one for another registry', () => {
    const plan = publish('production');
    const pushed = new Map<string, PushOutcome | undefined>([
      ['base', ok('1.0.0', 'production')],
      ['app', { ...ok('1.0.0', 'production'), failed: true }],
      ['ext', ok('0.9.0', 'production')],
    ]);
    const tags = planGitTags(plan, { images, configuration: 'production', registry, pushed });
    expect(tags.create).toEqual(['@vast/base@1.0.0']);
    expect(tags.untagged.map((u) => [u.release.project, u.reason])).toEqual([
      ['app', 'its push stopped part-way (see the docker-push output above); a re-run finishes it'],
      ['ext', 'not pushed by this run (docker-push did not finish for 1.0.0; see its output above)'],
      ['tiny', 'not built or pushed: no production variant in packages/images/tiny/image.ts'],
    ]);
    const elsewhere = planGitTags(plan, { images, configuration: 'production', registry: 'docker.io', pushed });
    expect(elsewhere.create).toEqual([]);
  });
});
