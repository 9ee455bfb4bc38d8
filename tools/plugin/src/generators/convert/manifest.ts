// nx g @vast/plugin:convert <name> --manifest=<file> [--parent=<image>]: a provisioning manifest becomes a derivative
// image that installs at build time what the manifest installs at boot (conventions' convertManifest); what only a
// booted instance can do stays in a residual manifest the image ships as /provisioning.yaml (boot stage 75 runs it).
// The same generator as the template conversion: both make a derivative image project; only the source differs.
import type { Tree } from '@nx/devkit';
import { parse as parseYaml } from 'yaml';
import {
  chainHasTorch,
  convertManifest,
  derivativeVariants,
  IMAGES_DIR,
  IMAGE_NAME,
  isUnfilled,
  parseProvisioningManifest,
  renderManifestYaml,
  stepInput,
  unfilledPaths,
  type ImageDefinitionInput,
  type ManifestConversion,
  type ProvisioningManifest,
  type ProvisioningManifestInput,
  type ResolvedImage,
} from '@vast/conventions';
import { GeneratorInputError, throwIfAny } from '../lib/errors';
import { checkNewProjectName, checkRepository, repositoryOf, writeImageProject } from '../lib/image-project';
import { renderImageReadme } from '../lib/readme';
import { readTreeImages, requireImage, type TreeImages } from '../lib/tree-images';
import type { NormalizedApp } from '../lib/app-options';
import type { ConvertGeneratorSchema } from './schema';

export interface NormalizedManifestConvertOptions {
  name: string;
  file: string;
  manifest: ProvisioningManifest;
  parent: ResolvedImage;
  repository: string;
  description: string;
  images: TreeImages;
  conversion: ManifestConversion;
}

/** The image whose project holds the manifest (packages/images/<image>/provisioning/...), the default parent. */
const holderOf = (file: string) => new RegExp(`^${IMAGES_DIR}/([^/]+)/`).exec(file)?.[1];

export async function normalizeManifestConvertOptions(
  tree: Tree,
  options: ConvertGeneratorSchema,
): Promise<NormalizedManifestConvertOptions> {
  const name = String(options.name ?? '').trim();
  const file = String(options.manifest ?? '').replace(/^\.\//, '');
  const command = `nx g @vast/plugin:convert ${name} --manifest=${file}`;
  const problems: string[] = [];
  checkNewProjectName(tree, name, `${IMAGES_DIR}/${name}`, problems);
  const repository = options.repository ?? repositoryOf(name);
  if (options.repository !== undefined || IMAGE_NAME.test(name)) checkRepository(repository, problems);
  const text = tree.read(file, 'utf8');
  if (text === null) throwIfAny([...problems, `--manifest: ${file} does not exist (give its path from the workspace root).`], command);
  let raw: unknown;
  try {
    raw = parseYaml(text!);
  } catch (e) {
    throw new GeneratorInputError(`${file}: is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = parseProvisioningManifest(raw);
  if (!parsed.success)
    throw new GeneratorInputError([`${file} is invalid:`, ...parsed.errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  for (const path of unfilledPaths(raw)) problems.push(`${file}: ${path} still says CHANGEME. Decide it first.`);
  const parentName = options.parent ?? holderOf(file);
  if (!parentName) problems.push(`--parent: ${file} is not in an image project; name the image to build FROM, e.g. --parent=base-image.`);
  const images = await readTreeImages(tree);
  let parent: ResolvedImage | undefined;
  if (parentName) {
    try {
      parent = requireImage(images, parentName, '--parent');
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!parsed.manifest.services.length)
    problems.push(
      `${file}: services: the manifest has none; an image needs one to run (a manifest that only installs or downloads stays a manifest).`,
    );
  throwIfAny(problems, command);
  const description =
    options.description?.trim() || `${parent!.definition.name} with what ${file.split('/').pop()} installs, baked in at build time.`;
  if (isUnfilled(description)) throwIfAny(['--description still says CHANGEME.'], command);
  const conversion = convertManifest(parsed.manifest, raw as ProvisioningManifestInput, { torchInChain: chainHasTorch(parent!) });
  return { name, file, manifest: parsed.manifest, parent: parent!, repository, description, images, conversion };
}

/** The README's view of the image: its first service with a portal entry, and what it installs. */
function appOf(options: NormalizedManifestConvertOptions): NormalizedApp {
  const { conversion, manifest } = options;
  const service = conversion.services.find((s) => s.portal?.length) ?? conversion.services[0];
  const entry = service.portal?.[0];
  return {
    name: options.name,
    description: options.description,
    service,
    install: { name: options.name, aptPackages: manifest.apt_packages, pythonPackages: manifest.pip_packages.flatMap((b) => b.packages) },
    decisions: {},
    external: entry?.externalPort ?? 0,
    internal: entry?.internalPort ?? 0,
  };
}

export function generateManifestConvert(tree: Tree, options: NormalizedManifestConvertOptions): NormalizedApp {
  const { name, file, parent, conversion } = options;
  const generatedBy = `nx g @vast/plugin:convert ${name} --manifest=${file}`;
  // What fetches from PyPI or a git host is production-only, so a local variant would lack it.
  const online = conversion.steps.some((s) => s.profile === 'production');
  const local = parent.definition.variants.some((v) => v.local) && !online;
  const definition: ImageDefinitionInput = {
    name,
    class: 'derivative',
    parent: parent.definition.name,
    description: options.description,
    repository: options.repository,
    ...(conversion.steps.length ? { steps: conversion.steps.map(stepInput) } : {}),
    services: conversion.services,
    defaultPortalConfig: true,
    variants: derivativeVariants(parent.definition, { local }),
  };
  const app = appOf(options);
  writeImageProject(tree, options.images, {
    definition,
    markers: {},
    summary: `${name}: ${options.description.replace(/\.$/, '')}. Converted from ${file} by ${generatedBy}; edit freely.`,
    readme: (image) =>
      renderImageReadme({
        app,
        kind: 'derivative',
        parent: parent.definition.name,
        generatedBy,
        image,
        local: local
          ? { local: true }
          : {
              local: false,
              why: online
                ? 'its git repositories or Python packages come from hosts the local profile cannot reach'
                : `${parent.definition.name} has none to build on`,
            },
      }),
  });
  const root = `${IMAGES_DIR}/${name}/ROOT`;
  for (const f of conversion.files) tree.write(`${root}/${f.path}`, f.content, { mode: f.mode.toString(8) });
  if (conversion.residual)
    tree.write(
      `${root}/provisioning.yaml`,
      renderManifestYaml(conversion.residual, [
        `${name}: what ${file} does that a build cannot (downloads, env_merge, conda, post_commands), run at boot.`,
        `Written by ${generatedBy}. The image ships it as /provisioning.yaml: boot stage 75 runs it unless PROVISIONING_MANIFEST names another.`,
        '',
      ]),
    );
  return app;
}
