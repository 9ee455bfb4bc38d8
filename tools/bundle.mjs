// The one esbuild setup for what base-image ships as Node programs (the portal's and the provisioner's bundles): each
// entry point becomes one self-contained <name>.cjs for the Node.js the image runs (Debian bookworm's nodejs 18).
// Imported by packages/*/scripts/build.mjs; the build targets that use it list this file among their inputs.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Empties the output folder, then bundles `entryPoints` ({ name: file }) into it. The folder is dist/packages/<project>,
 * or the path in the environment variable `outdirEnv` when that is set (the bundle specs build into a temp folder).
 * Returns the folder.
 */
export async function bundleForImage({ project, entryPoints, outdirEnv }) {
  const outdir = process.env[outdirEnv] ? resolve(process.env[outdirEnv]) : join(workspaceRoot, 'dist/packages', project);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    // One self-contained file each: the image has no node_modules.
    packages: 'bundle',
    legalComments: 'eof',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return outdir;
}
