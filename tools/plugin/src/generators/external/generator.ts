// nx g @vast/plugin:external <name> --upstream=org/image:tag: an upstream image with the base runtime grafted on,
// one production variant (and with --local an offline one), its service behind Caddy, PORTAL_CONFIG set at boot.
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { DEFAULT_STOCK_VARIANT, IMAGE_NAME, offlineInstallGap } from '@vast/conventions';
import { IMAGE_REFERENCE, type ImageDefinitionInput, type ResolvedImage, type Variant } from '@vast/conventions';
import { appImageFields, normalizeAppOptions, type NormalizedApp } from '../lib/app-options';
import { throwIfAny } from '../lib/errors';
import { checkNewProjectName, checkRepository, DEFAULT_PARENT, repositoryOf, writeImageProject } from '../lib/image-project';
import { nextSteps } from '../lib/next-steps';
import { renderImageReadme } from '../lib/readme';
import { IMAGES_DIR } from '@vast/conventions';
import { readTreeImages, requireImage, type TreeImages } from '../lib/tree-images';
import type { ExternalGeneratorSchema } from './schema';

export interface NormalizedExternalOptions {
  app: NormalizedApp;
  base: ResolvedImage;
  upstream: string;
  /** The base variant the production variant grafts from (a stock one when there is one). */
  productionParent: Variant;
  localParent?: Variant;
  repository: string;
  images: TreeImages;
}

/** The variant key an upstream reference gives: its tag (`v0.13.0`), or `sha256-<12 hex>` for a digest. */
export function upstreamVariantKey(upstream: string): string {
  const digest = /@sha256:([a-f0-9]{12})/.exec(upstream);
  const raw = digest ? `sha256-${digest[1]}` : upstream.slice(upstream.lastIndexOf(':') + 1);
  const key = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return key === '' || key === 'local' ? `upstream-${key || 'latest'}` : key;
}

export async function normalizeExternalOptions(tree: Tree, options: ExternalGeneratorSchema): Promise<NormalizedExternalOptions> {
  const name = String(options.name ?? '').trim();
  const command = `nx g @vast/plugin:external ${name}`;
  const problems: string[] = [];
  checkNewProjectName(tree, name, `${IMAGES_DIR}/${name}`, problems);
  const upstream = String(options.upstream ?? '').trim();
  if (!IMAGE_REFERENCE.test(upstream)) {
    problems.push(
      `--upstream='${upstream}' is not an image reference with a tag or a digest: write org/image:tag (e.g. ollama/ollama:0.17.1) or org/image@sha256:<64 hex>.`,
    );
  }
  const images = await readTreeImages(tree);
  let base: ResolvedImage;
  try {
    base = requireImage(images, DEFAULT_PARENT, 'the base image');
  } catch (e) {
    throwIfAny([...problems, (e as Error).message], command);
    throw e;
  }
  if (base.definition.class !== 'base')
    problems.push(`${DEFAULT_PARENT} is a ${base.definition.class} image; an external image grafts a base image's runtime.`);
  const production = base.definition.variants.filter((v) => !v.local);
  const productionParent =
    production.find((v) => v.key === DEFAULT_STOCK_VARIANT) ?? production.find((v) => v.key.startsWith('stock')) ?? production[0];
  if (!productionParent) problems.push(`${DEFAULT_PARENT} has no production variant to graft from.`);
  const localParent = base.definition.variants.find((v) => v.local);
  if (options.local && !localParent) problems.push(`--local needs a local variant of ${DEFAULT_PARENT} to graft from, and it has none.`);
  const repository = options.repository ?? repositoryOf(name);
  // A bad name already says what is wrong; the repository derived from it would only repeat it.
  if (options.repository !== undefined || IMAGE_NAME.test(name)) checkRepository(repository, problems);
  const app = normalizeAppOptions(name, options, base, problems);
  const gap = offlineInstallGap(app.install);
  if (options.local && gap)
    problems.push(`--local: a local build would lack ${name}: ${gap}. Leave --local out (the production build installs it).`);
  throwIfAny(problems, command);
  return { app, base, upstream, productionParent, localParent: options.local ? localParent : undefined, repository, images };
}

export function externalDefinition(options: NormalizedExternalOptions): {
  definition: ImageDefinitionInput;
  markers: Record<string, string>;
} {
  const { app, base, upstream } = options;
  // The upstream's own Python is unknown here, so installs are not torch-guarded; add torchGuard by hand if it ships torch.
  const { fields, markers } = appImageFields(app, options.repository, false);
  const key = upstreamVariantKey(upstream);
  const definition: ImageDefinitionInput = {
    name: app.name,
    class: 'external',
    parent: base.definition.name,
    ...fields,
    variants: [
      { key, parent: options.productionParent.key, upstream },
      ...(options.localParent ? [{ key: 'local', parent: options.localParent.key, local: true, upstream }] : []),
    ],
  };
  return { definition, markers };
}

export function generateExternal(tree: Tree, options: NormalizedExternalOptions, generatedBy: string): void {
  const { app, base } = options;
  const { definition, markers } = externalDefinition(options);
  writeImageProject(tree, options.images, {
    definition,
    markers,
    summary: `${app.name}: ${options.upstream} with the Vast runtime grafted on, serving '${app.service.portalLabel}'. Made by ${generatedBy}; edit freely.`,
    readme: (image) =>
      renderImageReadme({
        app,
        kind: 'external',
        parent: base.definition.name,
        upstream: options.upstream,
        generatedBy,
        image,
        local: options.localParent ? { local: true } : { local: false, why: 'made without --local' },
      }),
  });
}

export default async function externalGenerator(tree: Tree, options: ExternalGeneratorSchema): Promise<GeneratorCallback> {
  const normalized = await normalizeExternalOptions(tree, options);
  generateExternal(tree, normalized, `nx g @vast/plugin:external ${normalized.app.name} --upstream=${normalized.upstream}`);
  const local = !!normalized.localParent;
  const name = normalized.app.name;
  return nextSteps(
    normalized.app,
    `${IMAGES_DIR}/${name}/image.ts`,
    local
      ? `\`npx nx run ${name}:lint\` (it names any marker left), and \`npx nx run ${name}:docker-build -c local\` builds it offline (with ${normalized.upstream} in the engine)`
      : `\`npx nx run ${name}:lint\` (it names any marker left), and \`npx nx run ${name}:docker-build --dry-run\` prints its build plan`,
  );
}
