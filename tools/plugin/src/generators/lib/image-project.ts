// Writes a new image project into the Tree, after checking its definition exactly as the build target will:
// parseImageDefinition, then resolveImageGraph with the rest of the family. Nothing is written if either fails.
import { getProjects, readJson, type Tree } from '@nx/devkit';
import {
  IMAGE_NAME,
  imageDefinitionSchema,
  parseImageDefinition,
  resolveImageGraph,
  type ImageDefinitionInput,
  type ResolvedImage,
} from '@vast/conventions';
import { applyMarkers, renderImageSource, type UnfilledMarkers } from '@vast/conventions';
import { GeneratorInputError } from './errors';
import { addWorkspacePackageToLock } from './package-lock';
import { IMAGES_DIR, imageFileOf, PACKAGE_SCOPE } from '@vast/conventions';
import type { TreeImages } from './tree-images';

/** The parent a derivative gets when none is named, and the base every external grafts. */
export const DEFAULT_PARENT = 'base-image';
export const repositoryOf = (name: string) => `vastai/${name}`;

/** The registry repository rule, read from the image schema so the two cannot disagree. */
export function checkRepository(repository: string, problems: string[]): void {
  const result = imageDefinitionSchema.options[0].shape.repository.safeParse(repository);
  if (!result.success) problems.push(`--repository='${repository}' ${result.error.issues[0].message}.`);
}

export const CONVENTIONS_PACKAGE = 'packages/conventions/package.json';
export const NEW_IMAGE_VERSION = '1.0.0';

/** Problems with the name of a new project: its form, and whether anything already has it. */
export function checkNewProjectName(tree: Tree, name: string, folder: string, problems: string[]): void {
  if (!IMAGE_NAME.test(name)) {
    problems.push(
      `'${name}' is not a valid image name: use kebab-case, lowercase letters and digits joined by single dashes (e.g. ${
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-+|-+$/g, '') || 'my-app'
      }).`,
    );
    return;
  }
  if (tree.exists(folder)) {
    problems.push(`${folder} already exists; the generator never overwrites a project. Choose another name, or delete the folder first.`);
    return;
  }
  if (getProjects(tree).has(name))
    problems.push(`'${name}' is already an Nx project (${getProjects(tree).get(name)!.root}). Choose another name.`);
}

export interface ImageProjectPlan {
  definition: ImageDefinitionInput;
  markers: UnfilledMarkers;
  /** The first line of image.ts. */
  summary: string;
  /** README.md, given the new image resolved in its family. */
  readme: (image: ResolvedImage) => string;
}

/** Checks the definition against the family, then writes package.json, image.ts, README.md and CHANGELOG.md. */
export function writeImageProject(tree: Tree, images: TreeImages, plan: ImageProjectPlan): void {
  const name = plan.definition.name;
  const file = imageFileOf(name);
  const parsed = parseImageDefinition(applyMarkers(plan.definition, plan.markers));
  if (!parsed.success) {
    throw new GeneratorInputError([`${file} would be invalid:`, ...parsed.errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  }
  const resolved = resolveImageGraph(
    [...images.records, { file, version: NEW_IMAGE_VERSION, definition: parsed.definition }],
    images.projects,
  );
  const own = resolved.errors.filter((e) => e.file === file);
  if (own.length)
    throw new GeneratorInputError([`${file} would not fit the image family:`, ...own.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));

  if (!tree.exists(CONVENTIONS_PACKAGE))
    throw new GeneratorInputError(`${CONVENTIONS_PACKAGE} is missing: generators pin the conventions version the new image is built with.`);
  const conventionsVersion = readJson<{ version: string }>(tree, CONVENTIONS_PACKAGE).version;
  const parent = parsed.definition.class === 'base' ? undefined : parsed.definition.parent;
  const parentVersion = parent ? images.records.find((r) => r.definition.name === parent)?.version : undefined;
  const dependencies: Record<string, string> = { [`${PACKAGE_SCOPE}conventions`]: conventionsVersion };
  // The exact pin is the Nx graph edge and what lets changesets carry a parent bump to this image.
  if (parent && parentVersion) dependencies[`${PACKAGE_SCOPE}${parent}`] = parentVersion;
  const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));

  const dir = `${IMAGES_DIR}/${name}`;
  const pkg = { name: `${PACKAGE_SCOPE}${name}`, version: NEW_IMAGE_VERSION, private: true, nx: { name }, dependencies: sorted };
  tree.write(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
  tree.write(file, renderImageSource(plan.definition, { markers: plan.markers, summary: plan.summary }));
  tree.write(`${dir}/README.md`, plan.readme(resolved.images.get(name)!));
  tree.write(`${dir}/CHANGELOG.md`, `# ${PACKAGE_SCOPE}${name}\n`);
  addWorkspacePackageToLock(tree, dir, pkg);
}
