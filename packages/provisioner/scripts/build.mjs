// Bundles the provisioner for the Node.js that base-image runs (Debian bookworm's nodejs 18) into
// dist/packages/provisioner/provisioner.cjs, one self-contained file. Run by `nx run provisioner:build`.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceRoot = resolve(packageRoot, '../..');
const outdir = process.env.PROVISIONER_BUILD_OUTDIR
  ? resolve(process.env.PROVISIONER_BUILD_OUTDIR)
  : join(workspaceRoot, 'dist/packages/provisioner');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { provisioner: join(packageRoot, 'src/main.ts') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  // The image has no node_modules.
  packages: 'bundle',
  legalComments: 'eof',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
console.log(`provisioner: bundled into ${outdir}`);
