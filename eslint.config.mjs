// ESLint (flat config), run by every project's inferred `eslint` target (nx.json; the image projects' `lint` target
// is the image invariants). Its job here is the project boundaries: a project imports another only through that
// project's package name and public entry points, and only in the direction the layering allows.
import nx from '@nx/eslint-plugin';
import tsParser from '@typescript-eslint/parser';

/** Which projects each kind of project may import (tags are set in each package.json or project.json). */
const depConstraints = [
  // The rules as pure code: nothing of the workspace below it.
  { sourceTag: 'type:conventions', onlyDependOnLibsWithTags: ['type:conventions'] },
  { sourceTag: 'type:plugin', onlyDependOnLibsWithTags: ['type:conventions'] },
  { sourceTag: 'type:portal', onlyDependOnLibsWithTags: ['type:conventions'] },
  { sourceTag: 'type:provisioner', onlyDependOnLibsWithTags: ['type:conventions'] },
  // An image is data on top of conventions; its package.json pins its parent image.
  { sourceTag: 'type:image', onlyDependOnLibsWithTags: ['type:conventions', 'type:image'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:plugin', 'type:conventions', 'type:portal', 'type:provisioner'] },
  // bench measures the portal too (its fixture comes from @vast/portal/testing).
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:plugin', 'type:conventions', 'type:portal'] },
  { sourceTag: 'type:scripts', onlyDependOnLibsWithTags: ['type:plugin', 'type:conventions'] },
];

/**
 * Relative imports across projects that stay for now, each with its reason. Anything else that reaches into another
 * project by path fails.
 */
const allow = [
  // The bench drives the same scratch workspace and registry as the end-to-end suites, and builds the local base as they do.
  '../e2e/support/scratch-workspace',
  '../e2e/support/registry-server',
  '../e2e/support/local-base-image',
  // The release command's pure plan (scripts/release-plan.ts) is tested with the release suites in e2e/release; the
  // entry goes when the plan moves into the plugin, where DESIGN.md puts it. (An entry is a regular expression, so the
  // name is written out in full: '../../scripts/release' would also let the command itself be imported.)
  '../../scripts/release-plan',
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test-output/**', 'tools/plugin/golden/**', 'packages/portal/src/public/**'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: { parser: tsParser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow, depConstraints }],
    },
  },
];
