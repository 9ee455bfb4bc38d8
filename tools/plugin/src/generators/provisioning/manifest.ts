// nx g @vast/plugin:provisioning <name> --from=<image> --manifest: a provisioning manifest (PROVISIONING_MANIFEST) for
// an image, kept in the image's project as provisioning/<name>.yaml, where `nx run <image>:lint` checks it (VL070) with
// the schema the provisioner runs it with. Every option maps onto a manifest key, so no PROVISIONING_SCRIPT is needed
// and none is written.
import type { Tree } from '@nx/devkit';
import {
  applyMarkers,
  IMAGE_NAME,
  IMAGES_DIR,
  parseDownloadEntries,
  parseProvisioningManifest,
  renderManifestYaml,
  type ProvisioningManifestInput,
  type ResolvedImage,
} from '@vast/conventions';
import { chainPortalConfig, decisionMarkers, normalizeAppOptions, type NormalizedApp } from '../lib/app-options';
import { DEFAULT_PARENT } from '../lib/image-project';
import { GeneratorInputError, throwIfAny } from '../lib/errors';
import { requireImage, readTreeImages } from '../lib/tree-images';
import type { ProvisioningGeneratorSchema } from './schema';

export const manifestFileOf = (image: string, name: string) => `${IMAGES_DIR}/${image}/provisioning/${name}.yaml`;

export interface NormalizedManifestOptions {
  app: NormalizedApp;
  from: ResolvedImage;
  /** No service: the manifest installs or downloads, and that is all. */
  modelsOnly: boolean;
  downloads: { url: string; dest: string }[];
}

/** The options that shape a service, which a models-only manifest does not have. */
const SERVICE_OPTIONS = ['service', 'label', 'portalPath', 'port', 'internalPort', 'command', 'workdir'] as const;

export async function normalizeManifestOptions(tree: Tree, options: ProvisioningGeneratorSchema): Promise<NormalizedManifestOptions> {
  const name = String(options.name ?? '').trim();
  const command = `nx g @vast/plugin:provisioning ${name} --manifest`;
  const problems: string[] = [];
  if (!IMAGE_NAME.test(name))
    problems.push(`'${name}' is not a valid manifest name: use kebab-case, lowercase letters and digits joined by single dashes.`);
  let from: ResolvedImage;
  try {
    from = requireImage(await readTreeImages(tree), options.from ?? DEFAULT_PARENT, '--from');
  } catch (e) {
    throwIfAny([...problems, (e as Error).message], command);
    throw e;
  }
  const file = manifestFileOf(from.definition.name, name);
  if (tree.exists(file)) problems.push(`${file} already exists; the generator never overwrites a manifest. Edit it, or delete it first.`);
  const modelsOnly = options.modelsOnly === true;
  const given = modelsOnly ? SERVICE_OPTIONS.filter((o) => options[o] !== undefined) : [];
  if (given.length)
    problems.push(
      `${given.map((o) => `--${o}`).join(', ')} describe a service, and --modelsOnly makes a manifest without one. Drop one or the other.`,
    );
  // The same entry form as PROVISIONING_DOWNLOADS, read by the same function the provisioner reads that with.
  const warnings: string[] = [];
  const downloads = parseDownloadEntries('--download', options.download, warnings);
  problems.push(...warnings);
  const app = normalizeAppOptions(name, options, from, problems);
  if (modelsOnly) {
    delete app.decisions.command;
    if (!downloads.length && !app.install.aptPackages.length && !app.install.pythonPackages.length && !app.install.git)
      problems.push('--modelsOnly with --manifest needs something to provision: --download (url|dest), packages or --gitSource.');
  }
  throwIfAny(problems, command);
  return { app, from, modelsOnly, downloads };
}

/** The manifest, in upstream's keys, with the markers of what is left to decide. */
export function manifestOfApp(options: NormalizedManifestOptions): {
  manifest: ProvisioningManifestInput;
  markers: Record<string, string>;
} {
  const { app, downloads } = options;
  const { aptPackages, pythonPackages, git } = app.install;
  const service = app.service;
  const internal = service.portal?.[0]?.internalPort;
  const manifest: ProvisioningManifestInput = {
    version: 1,
    ...(aptPackages.length ? { apt_packages: [...aptPackages] } : {}),
    ...(pythonPackages.length ? { pip_packages: [{ packages: [...pythonPackages] }] } : {}),
    ...(git ? { git_repos: [{ url: git.url, ref: git.ref, dest: `/workspace/${app.name}` }] } : {}),
    ...(downloads.length ? { downloads } : {}),
    ...(options.modelsOnly
      ? {}
      : {
          services: [
            {
              name: service.name,
              portal_search_term: service.portalLabel ?? service.name,
              ...(service.workdir ? { workdir: service.workdir } : {}),
              command: service.command,
              ...(internal ? { port: internal } : {}),
            },
          ],
        }),
  };
  const markers = Object.fromEntries(Object.entries(decisionMarkers(app, 'git_repos.0.ref')).filter(([path]) => path !== 'description'));
  return { manifest, markers };
}

function comments(options: NormalizedManifestOptions, file: string): string[] {
  const { app, from } = options;
  const image = from.definition.name;
  const lines = [
    `${app.name}: provisioning manifest for ${image} (PROVISIONING_MANIFEST). Made by nx g @vast/plugin:provisioning ${app.name} --from=${image} --manifest.`,
    app.decisions.description ? `CHANGEME: what ${app.name} is, in one sentence.` : app.description,
    '',
    `Edit freely; nx run ${image}:lint checks it with the schema the provisioner runs it with (VL070).`,
    `Use it: serve it over https and set PROVISIONING_MANIFEST to its URL on a template of ${image}.`,
  ];
  if (!options.modelsOnly) {
    lines.push(
      `The service starts only while its label is in PORTAL_CONFIG; the template's value (${image}'s entries, then this one):`,
      `  PORTAL_CONFIG="${chainPortalConfig(from, app)}"`,
    );
  }
  lines.push(`nx g @vast/plugin:convert ${app.name} --manifest=${file} bakes what it installs into an image.`, '');
  return lines;
}

/** Internal: validates the manifest as the provisioner will, then writes it. */
export function generateManifest(tree: Tree, options: NormalizedManifestOptions): string {
  const file = manifestFileOf(options.from.definition.name, options.app.name);
  const { manifest, markers } = manifestOfApp(options);
  const withMarkers = applyMarkers(manifest, markers);
  const parsed = parseProvisioningManifest(withMarkers);
  if (!parsed.success)
    throw new GeneratorInputError([`${file} would be invalid:`, ...parsed.errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  tree.write(file, renderManifestYaml(withMarkers, comments(options, file)));
  return file;
}
