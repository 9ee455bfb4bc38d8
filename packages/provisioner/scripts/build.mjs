// Bundles the provisioner for the Node.js that base-image runs into dist/packages/provisioner/provisioner.cjs, one
// self-contained file. Run by `nx run provisioner:build`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForImage } from '../../../tools/bundle.mjs';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = await bundleForImage({
  project: 'provisioner',
  outdirEnv: 'PROVISIONER_BUILD_OUTDIR',
  entryPoints: { provisioner: join(packageRoot, 'src/main.ts') },
});
console.log(`provisioner: bundled into ${outdir}`);
