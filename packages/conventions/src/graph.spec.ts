import { describe, expect, it } from 'vitest';
import { renderContextFiles } from './context';
import { resolveImageGraph, sortImagesByFrom } from './graph';
import { fakeDefinition, fakeFamily } from './testing';

const record = (definition: ReturnType<typeof fakeDefinition>) => ({
  file: `packages/images/${definition.name}/image.ts`,
  version: '1.0.0',
  definition,
});

describe('resolveImageGraph', () => {
  it('resolves the chain parent first and the whole chain portal entries base first', () => {
    const images = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'));
    const app = images.get('app')!;
    expect(app.ancestors.map((a) => a.definition.name)).toEqual(['base']);
    expect(app.portalEntries.map((e) => e.label)).toEqual(['Instance Portal', 'My App']);
  });

  it('names an unknown parent and the images that exist', () => {
    const { errors } = resolveImageGraph([record(fakeDefinition('base')), record(fakeDefinition('derivative', { parent: 'nope' }))]);
    expect(errors).toEqual([
      { file: 'packages/images/app/image.ts', path: 'parent', message: "'nope' is not an image project. Use one of: app, base." },
    ]);
  });

  it('reports a FROM cycle with the loop spelled out', () => {
    const a = fakeDefinition('derivative', { name: 'a', parent: 'b' });
    const b = fakeDefinition('derivative', { name: 'b', parent: 'a' });
    const { errors, images } = resolveImageGraph([record(a), record(b)]);
    expect(images.size).toBe(0);
    expect(errors[0].message).toBe(
      'FROM cycle: a -> b -> a. An image cannot be built FROM itself; point one of these parents at an image outside the loop.',
    );
  });

  it('requires an external parent to be a base image', () => {
    const ext = fakeDefinition('external', { parent: 'app' });
    const { errors } = resolveImageGraph([record(fakeDefinition('base')), record(fakeDefinition('derivative')), record(ext)]);
    expect(errors.map((e) => e.message)).toContain(
      "an external image grafts the base infrastructure, so its parent must be a base image; 'app' is a derivative image.",
    );
  });

  it('checks variant parents exist and local builds on local', () => {
    const app = fakeDefinition('derivative', {
      variants: [
        { key: 'x', parent: 'missing' },
        { key: 'y', parent: 'stock', local: true },
      ],
    });
    const { errors } = resolveImageGraph([record(fakeDefinition('base')), record(app)]);
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "variants.0.parent: 'missing' is not a variant of base. Use one of: stock, local.",
      'variants.1.local: a local variant must build on a local parent variant, and base:stock is not local.',
    ]);
  });

  it('sorts parents before children', () => {
    const images = fakeFamily(
      fakeDefinition('derivative', { name: 'zz', parent: 'app', services: [] }),
      fakeDefinition('derivative'),
      fakeDefinition('base'),
    );
    expect(sortImagesByFrom(images.values()).map((i) => i.definition.name)).toEqual(['base', 'app', 'zz']);
  });
});

describe('resolveImageGraph: the chain PORTAL_CONFIG', () => {
  it('rejects two services on one port across the chain', () => {
    const app = fakeDefinition('derivative', {
      services: [
        { name: 'app', portalLabel: 'My App', portal: [{ label: 'My App', externalPort: 1111, internalPort: 17860 }], command: 'x' },
      ],
    });
    const { errors } = resolveImageGraph([record(fakeDefinition('base')), record(app)]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'packages/images/app/image.ts', path: 'services' });
    expect(errors[0].message).toMatch(/^the PORTAL_CONFIG of base \+ app: entry 2 \("My App"\): external port 1111 already proxies/);
  });

  it('rejects a label that would break the PORTAL_CONFIG format', () => {
    const app = fakeDefinition('derivative', {
      services: [{ name: 'app', portalLabel: 'A|B', portal: [{ label: 'A|B', externalPort: 7860, internalPort: 17860 }], command: 'x' }],
    });
    const { errors } = resolveImageGraph([record(fakeDefinition('base')), record(app)]);
    expect(errors.map((e) => e.message).join('\n')).toContain("'|'");
  });
});

describe('opt-in PORTAL_CONFIG entries (optIn)', () => {
  const base = fakeDefinition('base', {
    services: [
      { name: 'web', portalLabel: 'Web', portal: [{ label: 'Web', externalPort: 8080, internalPort: 18080 }], command: 'web' },
      {
        name: 'sync',
        portalLabel: 'sync',
        portal: [{ label: 'Sync', externalPort: 8384, internalPort: 18384, optIn: true }],
        command: 'sync',
      },
    ],
  });

  it("are checked with the chain's entries but left out of the default PORTAL_CONFIG, the base's and a child's", () => {
    const family = fakeFamily(base, fakeDefinition('derivative'));
    expect(family.get('base')!.portalEntries.map((e) => e.label)).toEqual(['Web', 'Sync']);
    const bootEnv = (name: string) =>
      renderContextFiles(family.get(name)!).find((f) => f.path.startsWith('ROOT/etc/vast_boot.d/05-'))?.content ?? '';
    expect(bootEnv('base')).toContain('${PORTAL_CONFIG:-localhost:8080:18080:/:Web}');
    expect(bootEnv('app')).toContain('${PORTAL_CONFIG:-localhost:8080:18080:/:Web|localhost:7860:17860:/:My App}');
  });

  it('still take their port: a child entry on it is refused', () => {
    const app = fakeDefinition('derivative', {
      services: [{ name: 'app', portalLabel: 'App', portal: [{ label: 'App', externalPort: 8384, internalPort: 17860 }], command: 'app' }],
    });
    const { errors } = resolveImageGraph([record(base), record(app)]);
    expect(errors.map((e) => e.message).join('\n')).toContain('8384');
  });
});
