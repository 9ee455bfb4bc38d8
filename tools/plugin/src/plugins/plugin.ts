// createNodesV2: every packages/images/<name>/image.ts makes its folder an image project with inferred targets.
// Cheap and deterministic: it looks at which files exist and at package.json (whose dependencies are also the graph
// edges), never at the clock, git or the definitions' contents.
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { CreateNodesV2, TargetConfiguration } from '@nx/devkit';

export const IMAGE_GLOB = 'packages/images/*/image.ts';

export interface ImagePluginOptions {
  buildTargetName?: string;
  lintTargetName?: string;
  dockerBuildTargetName?: string;
  smokeTargetName?: string;
  dockerPushTargetName?: string;
  localRootTargetName?: string;
}

export type NormalizedImagePluginOptions = Required<ImagePluginOptions>;

export function normalizeOptions(options: ImagePluginOptions | undefined): NormalizedImagePluginOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    lintTargetName: options?.lintTargetName ?? 'lint',
    dockerBuildTargetName: options?.dockerBuildTargetName ?? 'docker-build',
    smokeTargetName: options?.smokeTargetName ?? 'smoke',
    dockerPushTargetName: options?.dockerPushTargetName ?? 'docker-push',
    localRootTargetName: options?.localRootTargetName ?? 'local-root',
  };
}

const DOCKER_CONFIGURATIONS = { production: { profile: 'production' }, local: { profile: 'local' } };

/**
 * The executors of executors.json, named by the plugin's folder: Nx reads `<collection>:<name>` by resolving
 * `<collection>/package.json` from the workspace root, and for a path that is the plugin's own package.json, so there is
 * one name and nothing to install. Not `@vast/plugin:<name>`: for a package name that is a workspace project Nx looks
 * for the executor in the project's sources first, and loads TypeScript to read tsconfig.base.json for that, in the
 * nx process and again in every task process (e2e/workspace checks that neither the lookup nor a task loads it).
 */
const PLUGIN_COLLECTION = './tools/plugin';
const executor = (name: string) => `${PLUGIN_COLLECTION}:${name}`;

/**
 * The executors' own code, as an input of every cached target. The whole plugin rather than one executor's folder:
 * build and lint run shared modules (lib/assemble-context.ts, lib/workspace-images.ts, utils/...), and a list derived
 * by hand goes stale the day one more import is added, replaying a cached, now wrong, result. Conventions is already
 * an input through `^production` (every image depends on it).
 */
const PLUGIN_SOURCE_INPUTS = [
  '{workspaceRoot}/tools/plugin/**/*',
  '!{workspaceRoot}/tools/plugin/**/*.spec.ts',
  '!{workspaceRoot}/tools/plugin/golden/**/*',
  '!{workspaceRoot}/tools/plugin/**/*.md',
];

export function createImageTargets(projectRoot: string, options: NormalizedImagePluginOptions): Record<string, TargetConfiguration> {
  const name = projectRoot.split('/').pop() as string;
  const contextDir = `{workspaceRoot}/dist/images/{projectName}`;
  const group = { technologies: ['docker'] };
  // Each target states `continuous: false`: otherwise Nx resolves the executor and reads its schema to find out, for
  // every target of every image, in every nx command that computes the project graph.
  return {
    [options.buildTargetName]: {
      executor: executor('build'),
      continuous: false,
      cache: true,
      dependsOn: ['^build'],
      // The build executor itself renders the context, so its code is an input too.
      inputs: ['production', '^production', ...PLUGIN_SOURCE_INPUTS, { externalDependencies: ['zod', 'yaml'] }],
      outputs: [contextDir],
      metadata: {
        ...group,
        description: `Assemble ${name}'s build context: Dockerfile, ROOT overlay and image.json`,
        help: { command: 'nx run <project>:build', example: {} },
      },
    },
    [options.lintTargetName]: {
      executor: executor('lint'),
      continuous: false,
      cache: true,
      dependsOn: [options.buildTargetName],
      inputs: ['production', '^production', { dependentTasksOutputFiles: '**/*' }, ...PLUGIN_SOURCE_INPUTS],
      outputs: [],
      metadata: { ...group, description: 'Check the assembled context against the image invariants and shellcheck every script' },
    },
    [options.dockerBuildTargetName]: {
      executor: executor('docker-build'),
      continuous: false,
      cache: false,
      // Parents first: a derivative's FROM is its parent's build tag. --dry-run and --variants travel down the chain.
      dependsOn: [options.buildTargetName, { dependencies: true, target: options.dockerBuildTargetName, params: 'forward' }],
      options: { profile: 'production' },
      configurations: DOCKER_CONFIGURATIONS,
      defaultConfiguration: 'production',
      metadata: {
        ...group,
        description: 'Build the selected variants with the Docker engine (content-addressed: unchanged builds are skipped)',
      },
    },
    [options.smokeTargetName]: {
      executor: executor('smoke'),
      continuous: false,
      cache: false,
      options: { profile: 'production' },
      configurations: DOCKER_CONFIGURATIONS,
      defaultConfiguration: 'production',
      metadata: { ...group, description: 'Boot the built image and check the runtime contract' },
    },
    [options.dockerPushTargetName]: {
      executor: executor('docker-push'),
      continuous: false,
      cache: false,
      // No dependsOn: a push is of what was built (build-result.json), and refuses a partial or stale build.
      options: { profile: 'production' },
      configurations: DOCKER_CONFIGURATIONS,
      defaultConfiguration: 'production',
      metadata: { ...group, description: 'Push the release tags of every built variant, all or nothing' },
    },
  };
}

/**
 * Whether package.json pins another image project (the parent every derivative and external image pins exactly,
 * which the build checks against image.ts). An image that pins none is a base image.
 */
function buildsOnAnotherImage(workspaceRoot: string, projectRoot: string): boolean {
  const pkg = JSON.parse(readFileSync(join(workspaceRoot, projectRoot, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const imagesDir = dirname(projectRoot);
  return Object.keys(pkg.dependencies ?? {}).some(
    (dep) => dep.startsWith('@vast/') && existsSync(join(workspaceRoot, imagesDir, dep.slice('@vast/'.length), 'image.ts')),
  );
}

export const createNodesV2: CreateNodesV2<ImagePluginOptions> = [
  IMAGE_GLOB,
  async (files, options, context) => {
    const normalized = normalizeOptions(options);
    return files.map((file) => {
      const projectRoot = dirname(file);
      // A folder without package.json is not a workspace package yet (e.g. half-generated); infer nothing.
      if (!existsSync(join(context.workspaceRoot, projectRoot, 'package.json'))) return [file, {}];
      const targets = createImageTargets(projectRoot, normalized);
      // Base images build FROM the local Debian root in the `local` profile, so they carry the target that makes it.
      if (!buildsOnAnotherImage(context.workspaceRoot, projectRoot)) {
        targets[normalized.localRootTargetName] = {
          executor: executor('local-root'),
          continuous: false,
          cache: false,
          metadata: { technologies: ['docker'], description: 'Make the local Debian bookworm base image with debootstrap + docker import' },
        };
      }
      return [
        file,
        {
          projects: {
            [projectRoot]: {
              projectType: 'application',
              tags: ['type:image'],
              targets,
              metadata: { targetGroups: { Image: Object.keys(targets) } },
            },
          },
        },
      ];
    });
  },
];
