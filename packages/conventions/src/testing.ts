// In-memory builders for tests: a valid definition of each class, and a resolved family built from them.
import { parseImageDefinition, type ImageDefinition, type ImageDefinitionInput } from './schema';
import { resolveImageGraph, type ResolvedImage } from './graph';

const BASE: ImageDefinitionInput = {
  name: 'base',
  class: 'base',
  description: 'Base image suitable for Vast.ai.',
  repository: 'vastai/base-image',
  env: { WORKSPACE: '/workspace' },
  steps: [{ name: 'packages', run: 'apt-get update\napt-get install -y supervisor' }],
  services: [
    {
      name: 'instance_portal',
      portalLabel: 'Instance Portal',
      portal: [{ label: 'Instance Portal', externalPort: 1111, internalPort: 11111 }],
      command: 'node /opt/portal/portal.cjs',
      waitForProvisioning: false,
    },
  ],
  defaultPortalConfig: true,
  variants: [
    { key: 'stock', from: 'ubuntu:24.04' },
    { key: 'local', from: 'vast-local/bookworm:latest', local: true },
  ],
};

/** A valid definition of the given class; `overrides` replace top-level fields. */
export function fakeDefinition(kind: 'base' | 'derivative' | 'external', overrides: Record<string, unknown> = {}): ImageDefinition {
  const input: Record<string, unknown> =
    kind === 'base'
      ? { ...BASE }
      : kind === 'derivative'
        ? {
            name: 'app',
            class: 'derivative',
            parent: 'base',
            description: 'App image suitable for Vast.ai.',
            repository: 'vastai/app',
            services: [{ name: 'app', portalLabel: 'My App', portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }], command: 'python -m http.server 17860' }],
            defaultPortalConfig: true,
            variants: [
              { key: 'stock', parent: 'stock' },
              { key: 'local', parent: 'local', local: true },
            ],
          }
        : {
            name: 'ext',
            class: 'external',
            parent: 'base',
            description: 'Ext image suitable for Vast.ai.',
            repository: 'vastai/ext',
            services: [{ name: 'ext', portalLabel: 'Ext API', portal: [{ label: 'Ext API', externalPort: 21434, internalPort: 11434 }], command: 'ext serve' }],
            defaultPortalConfig: true,
            variants: [{ key: '1.0', parent: 'stock', upstream: 'example/ext:1.0' }],
          };
  const result = parseImageDefinition({ ...input, ...overrides });
  if (!result.success) throw new Error(`fakeDefinition(${kind}) is invalid: ${JSON.stringify(result.errors)}`);
  return result.definition;
}

/** Resolves a family; throws on graph errors so tests see them. */
export function fakeFamily(...definitions: ImageDefinition[]): Map<string, ResolvedImage> {
  const { images, errors } = resolveImageGraph(definitions.map((definition) => ({ file: `packages/images/${definition.name}/image.ts`, version: '1.0.0', definition })));
  if (errors.length) throw new Error(errors.map((e) => `${e.file}: ${e.path}: ${e.message}`).join('\n'));
  return images;
}
