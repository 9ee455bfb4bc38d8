// Bundles the portal for the Node.js that base-image runs (Debian bookworm's nodejs 18.19) into dist/packages/portal:
// portal-config.cjs (caddy's pre-start step), portal-auth.cjs (the auth gate Caddy asks), portal.cjs (the server),
// capabilities.cjs (boot stage 80 and vast-capabilities' fallback) and
// public/ (the page). Run by `nx run portal:build`.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceRoot = resolve(packageRoot, '../..');
const outdir = process.env.PORTAL_BUILD_OUTDIR ? resolve(process.env.PORTAL_BUILD_OUTDIR) : join(workspaceRoot, 'dist/packages/portal');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: {
    'portal-config': join(packageRoot, 'src/portal-config/main.ts'),
    'portal-auth': join(packageRoot, 'src/auth/main.ts'),
    portal: join(packageRoot, 'src/server/main.ts'),
    capabilities: join(packageRoot, 'src/capabilities/main.ts'),
  },
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
// The page's specs sit beside its modules; they are not part of it.
cpSync(join(packageRoot, 'src/public'), join(outdir, 'public'), { recursive: true, filter: (path) => !path.endsWith('.spec.ts') });
console.log(`portal: bundled into ${outdir}`);
