// The pure parts of scripts/release.ts: options, which images a version change releases, FROM order, commands.
import { describe, expect, it } from 'vitest';
import { fromOrder, parseReleaseArgs, releaseCommands, releasedImages, type ImagePackage } from '../../scripts/release';

const pkg = (project: string, version: string, dependsOn: string[] = []): ImagePackage => ({ project, name: `@vast/${project}`, version, dependsOn: dependsOn.map((d) => `@vast/${d}`) });

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
    expect(parseReleaseArgs(['--publish', '--configuration=production', '--registry', 'docker.io'])).toMatchObject({ publish: true, registry: 'docker.io' });
  });

  it('rejects unknown flags, bad profiles and contradictory modes', () => {
    expect(parseReleaseArgs(['--push'])).toEqual({ error: "unknown option '--push'. See --help." });
    expect(parseReleaseArgs(['-c', 'staging'])).toEqual({ error: "--configuration: 'staging' is not a build profile. Use production or local." });
    expect(parseReleaseArgs(['--version-only', '--publish'])).toEqual({ error: '--version-only and --publish are two halves of a release; pass one.' });
    expect(parseReleaseArgs(['--registry'])).toEqual({ error: '--registry: needs a value such as 127.0.0.1:5000.' });
  });
});

describe('releasedImages', () => {
  const before = [pkg('base-image', '1.0.0'), pkg('pytorch', '1.0.0', ['base-image']), pkg('comfyui', '1.0.0', ['pytorch']), pkg('ollama', '1.0.0', ['base-image'])];

  it('lists only images whose version changed, parents first', () => {
    const after = [pkg('base-image', '1.0.0'), pkg('pytorch', '1.0.1', ['base-image']), pkg('comfyui', '1.0.1', ['pytorch']), pkg('ollama', '1.0.0', ['base-image'])];
    expect(releasedImages(before, after)).toEqual([
      { project: 'pytorch', name: '@vast/pytorch', from: '1.0.0', to: '1.0.1' },
      { project: 'comfyui', name: '@vast/comfyui', from: '1.0.0', to: '1.0.1' },
    ]);
    expect(releasedImages(before, before)).toEqual([]);
  });

  it('orders by depth in the FROM chain, then by name', () => {
    const all = [pkg('comfyui', '1', ['pytorch']), pkg('vllm', '1', ['base-image']), pkg('pytorch', '1', ['base-image']), pkg('base-image', '1')];
    expect(fromOrder(all, all).map((p) => p.project)).toEqual(['base-image', 'pytorch', 'vllm', 'comfyui']);
  });

  it('names a dependency cycle', () => {
    const all = [pkg('a', '1', ['b']), pkg('b', '1', ['a'])];
    expect(() => fromOrder(all, all)).toThrow(/^packages\/images: (a -> b -> a|b -> a -> b) is a cycle of image dependencies\. Remove one\.$/);
  });
});

describe('releaseCommands', () => {
  it('builds then pushes, one push at a time, stopping at the first failure', () => {
    expect(releaseCommands(['base-image', 'pytorch'], { configuration: 'local' })).toEqual([
      ['run-many', '-t', 'docker-build', '-p', 'base-image,pytorch', '-c', 'local'],
      ['run-many', '-t', 'docker-push', '-p', 'base-image,pytorch', '-c', 'local', '--parallel=1', '--nxBail'],
    ]);
  });
});
