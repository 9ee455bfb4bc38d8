import { describe, expect, it } from 'vitest';
import { walkFrom } from './graph';
import { errorsForChain, resolveImageProjects, type ImagePackageJson, type ImageProjectInput } from './image-projects';
import { fakeDefinition } from './testing';

const pkg = (name: string, version: string, dependencies: Record<string, string> = {}): ImagePackageJson => ({
  name: `@vast/${name}`,
  version,
  nx: { name },
  dependencies,
});
const project = (name: string, definition: unknown, packageJson: ImagePackageJson): ImageProjectInput => ({
  name,
  pkg: { value: packageJson },
  definition: { value: definition },
});

describe('resolveImageProjects', () => {
  const base = project('base', fakeDefinition('base'), pkg('base', '1.2.0'));

  it('resolves projects whose package.json pins the parent of image.ts exactly', () => {
    const family = resolveImageProjects(
      [base, project('app', fakeDefinition('derivative'), pkg('app', '1.0.0', { '@vast/base': '1.2.0' }))],
      ['app', 'base'],
    );
    expect(family.errors).toEqual([]);
    expect(family.images.get('app')!.ancestors.map((a) => a.definition.name)).toEqual(['base']);
    expect(family.images.get('base')!.version).toBe('1.2.0');
  });

  it('fails on a parent pin that drifted, a stray image pin and a misnamed package, naming the fix', () => {
    const app = project('app', fakeDefinition('derivative'), {
      ...pkg('app', '1.0.0', { '@vast/base': '1.1.0', '@vast/other': '1.0.0' }),
      name: 'app',
    });
    const other = project('other', fakeDefinition('base', { name: 'other' }), pkg('other', '1.0.0'));
    const { errors } = resolveImageProjects([base, app, other], ['app', 'base', 'other']);
    expect(errors).toEqual([
      { file: 'packages/images/app/package.json', path: 'name', message: "is 'app'; it must be '@vast/app' to match image.ts." },
      {
        file: 'packages/images/app/package.json',
        path: 'dependencies.@vast/base',
        message: `is '1.1.0'; image.ts builds FROM base, so pin it exactly: "@vast/base": "1.2.0" (the Nx graph edge and the changesets cascade both come from this pin).`,
      },
      {
        file: 'packages/images/app/package.json',
        path: 'dependencies.@vast/other',
        message: 'pins another image, but image.ts builds FROM base. Remove it.',
      },
    ]);
  });

  it('reports what could not be read against the file, and a name that is not the folder', () => {
    const unreadable: ImageProjectInput = { name: 'broken', pkg: { error: 'cannot be read (boom).' }, definition: { value: {} } };
    const misnamed = project('elsewhere', fakeDefinition('base'), pkg('elsewhere', '1.0.0'));
    const { errors, images } = resolveImageProjects([unreadable, misnamed], ['broken', 'elsewhere']);
    expect(images.size).toBe(0);
    expect(errors.map((e) => `${e.file}: ${e.path}`)).toEqual([
      'packages/images/broken/package.json: (root)',
      'packages/images/elsewhere/image.ts: name',
    ]);
  });

  it("keeps a sibling's errors out of an image's chain", () => {
    const sibling = project('sib', fakeDefinition('derivative', { name: 'sib' }), pkg('sib', '1.0.0'));
    const family = resolveImageProjects([base, sibling], ['base', 'sib']);
    expect(family.errors.map((e) => e.file)).toEqual(['packages/images/sib/package.json']);
    expect(errorsForChain(family, 'base')).toEqual([]);
    expect(errorsForChain(family, 'sib')).toHaveLength(1);
  });
});

describe('walkFrom', () => {
  const parents: Record<string, string | undefined> = { base: undefined, app: 'base', child: 'app', orphan: 'gone', a: 'b', b: 'a' };
  const walk = (start: string) =>
    walkFrom(
      start,
      (n) => (n in parents ? n : undefined),
      (n) => parents[n],
    );

  it('walks from an image to the top of its chain, nearest first', () => {
    expect(walk('child')).toEqual({ chain: ['child', 'app', 'base'] });
  });
  it('stops at an unknown parent and names it', () => {
    expect(walk('orphan')).toEqual({ chain: ['orphan'], missing: 'gone' });
    expect(walk('nothing')).toEqual({ chain: [] });
  });
  it('stops at a loop and spells it out', () => {
    expect(walk('a')).toEqual({ chain: ['a', 'b'], cycle: ['a', 'b', 'a'] });
  });
});
