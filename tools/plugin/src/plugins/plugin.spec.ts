import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateNodesContextV2 } from '@nx/devkit';
import { createNodesV2 } from './plugin';

let root: string;
const context = (): CreateNodesContextV2 => ({ nxJsonConfiguration: {}, workspaceRoot: root });

/** An image project; `parent` is pinned in package.json the way every derivative and external image pins it. */
function addImage(name: string, parent?: string, withPackageJson = true) {
  mkdirSync(join(root, 'packages/images', name), { recursive: true });
  writeFileSync(join(root, 'packages/images', name, 'image.ts'), `export default { name: '${name}' };\n`);
  const dependencies = { '@vast/conventions': '1.0.0', ...(parent ? { [`@vast/${parent}`]: '1.0.0' } : {}) };
  if (withPackageJson)
    writeFileSync(
      join(root, 'packages/images', name, 'package.json'),
      JSON.stringify({ name: `@vast/${name}`, version: '1.0.0', dependencies }),
    );
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vast-plugin-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('createNodesV2', () => {
  it('matches image definitions', () => {
    expect(createNodesV2[0]).toBe('packages/images/*/image.ts');
  });

  it('infers the image targets, with local-root on base images only (those whose package.json pins no other image)', async () => {
    addImage('base-image');
    addImage('app', 'base-image');
    const results = await createNodesV2[1](['packages/images/base-image/image.ts', 'packages/images/app/image.ts'], undefined, context());
    const base = results[0][1].projects!['packages/images/base-image'];
    const app = results[1][1].projects!['packages/images/app'];
    expect(Object.keys(base.targets!)).toEqual(['build', 'lint', 'docker-build', 'smoke', 'docker-push', 'local-root']);
    expect(Object.keys(app.targets!)).toEqual(['build', 'lint', 'docker-build', 'smoke', 'docker-push']);
    expect(app).toMatchInlineSnapshot(`
      {
        "metadata": {
          "targetGroups": {
            "Image": [
              "build",
              "lint",
              "docker-build",
              "smoke",
              "docker-push",
            ],
          },
        },
        "projectType": "application",
        "tags": [
          "type:image",
        ],
        "targets": {
          "build": {
            "cache": true,
            "continuous": false,
            "dependsOn": [
              "^build",
            ],
            "executor": "./tools/plugin:build",
            "inputs": [
              "production",
              "^production",
              "{workspaceRoot}/tools/plugin/**/*",
              "!{workspaceRoot}/tools/plugin/**/*.spec.ts",
              "!{workspaceRoot}/tools/plugin/golden/**/*",
              "!{workspaceRoot}/tools/plugin/**/*.md",
              {
                "externalDependencies": [
                  "zod",
                  "yaml",
                ],
              },
            ],
            "metadata": {
              "description": "Assemble app's build context: Dockerfile, ROOT overlay and image.json",
              "help": {
                "command": "nx run <project>:build",
                "example": {},
              },
              "technologies": [
                "docker",
              ],
            },
            "outputs": [
              "{workspaceRoot}/dist/images/{projectName}",
            ],
          },
          "docker-build": {
            "cache": false,
            "configurations": {
              "local": {
                "profile": "local",
              },
              "production": {
                "profile": "production",
              },
            },
            "continuous": false,
            "defaultConfiguration": "production",
            "dependsOn": [
              "build",
              {
                "dependencies": true,
                "params": "forward",
                "target": "docker-build",
              },
            ],
            "executor": "./tools/plugin:docker-build",
            "metadata": {
              "description": "Build the selected variants with the Docker engine (content-addressed: unchanged builds are skipped)",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "profile": "production",
            },
          },
          "docker-push": {
            "cache": false,
            "configurations": {
              "local": {
                "profile": "local",
              },
              "production": {
                "profile": "production",
              },
            },
            "continuous": false,
            "defaultConfiguration": "production",
            "executor": "./tools/plugin:docker-push",
            "metadata": {
              "description": "Push the release tags of every built variant, all or nothing",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "profile": "production",
            },
          },
          "lint": {
            "cache": true,
            "continuous": false,
            "dependsOn": [
              "build",
            ],
            "executor": "./tools/plugin:lint",
            "inputs": [
              "production",
              "^production",
              {
                "dependentTasksOutputFiles": "**/*",
              },
              "{workspaceRoot}/tools/plugin/**/*",
              "!{workspaceRoot}/tools/plugin/**/*.spec.ts",
              "!{workspaceRoot}/tools/plugin/golden/**/*",
              "!{workspaceRoot}/tools/plugin/**/*.md",
            ],
            "metadata": {
              "description": "Check the assembled context against the image invariants and shellcheck every script",
              "technologies": [
                "docker",
              ],
            },
            "outputs": [],
          },
          "smoke": {
            "cache": false,
            "configurations": {
              "local": {
                "profile": "local",
              },
              "production": {
                "profile": "production",
              },
            },
            "continuous": false,
            "defaultConfiguration": "production",
            "executor": "./tools/plugin:smoke",
            "metadata": {
              "description": "Boot the built image and check the runtime contract",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "profile": "production",
            },
          },
        },
      }
    `);
  });

  it('honours renamed targets', async () => {
    addImage('app');
    const results = await createNodesV2[1](['packages/images/app/image.ts'], { dockerBuildTargetName: 'image' }, context());
    const targets = results[0][1].projects!['packages/images/app'].targets!;
    expect(Object.keys(targets)).toContain('image');
    expect(targets['docker-build']).toBeUndefined();
    expect(targets.image.dependsOn).toEqual(['build', { dependencies: true, target: 'image', params: 'forward' }]);
  });

  it('never reads image.ts: a definition that does not even parse still gets its targets', async () => {
    addImage('base-image');
    writeFileSync(join(root, 'packages/images/base-image/image.ts'), 'this is not TypeScript {');
    const results = await createNodesV2[1](['packages/images/base-image/image.ts'], undefined, context());
    expect(Object.keys(results[0][1].projects!['packages/images/base-image'].targets!)).toContain('local-root');
  });

  it('infers nothing for a folder without package.json (half-generated)', async () => {
    addImage('app', undefined, false);
    const results = await createNodesV2[1](['packages/images/app/image.ts'], undefined, context());
    expect(results[0][1]).toEqual({});
  });
});
