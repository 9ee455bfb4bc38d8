// Bundles the portal for the Node.js that base-image runs into dist/packages/portal: portal-config.cjs (caddy's
// pre-start step), portal-auth.cjs (the auth gate Caddy asks), portal.cjs (the server), capabilities.cjs (boot stage 80
// and vast-capabilities' fallback), public/ (the page) and not-ready/ (Caddy's page while an application starts).
// Run by `nx run portal:build`.
import { cpSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForImage } from '../../../tools/bundle.mjs';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = await bundleForImage({
  project: 'portal',
  outdirEnv: 'PORTAL_BUILD_OUTDIR',
  entryPoints: {
    'portal-config': join(packageRoot, 'src/portal-config/main.ts'),
    'portal-auth': join(packageRoot, 'src/auth/main.ts'),
    portal: join(packageRoot, 'src/server/main.ts'),
    capabilities: join(packageRoot, 'src/capabilities/main.ts'),
  },
});
// The page's specs sit beside its modules; they are not part of it.
cpSync(join(packageRoot, 'src/public'), join(outdir, 'public'), { recursive: true, filter: (path) => !path.endsWith('.spec.ts') });
// The page Caddy shows while an application starts (NOT_READY_DIR in the image).
cpSync(join(packageRoot, 'src/not-ready'), join(outdir, 'not-ready'), { recursive: true });
console.log(`portal: bundled into ${outdir}`);
