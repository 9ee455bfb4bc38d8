// The bench's generated family: `count` small derivative images of base-image, shaped as the derivative generator
// makes them, added to a scratch copy of the workspace (never the checkout).
import type { ScratchWorkspace } from '../e2e/support/scratch-workspace';

export const generatedName = (i: number) => `gen-${String(i).padStart(3, '0')}`;

/** Adds `count` small derivative images of base-image to a scratch workspace (as the derivative generator shapes them). */
export function addGeneratedImages(ws: ScratchWorkspace, count: number) {
  for (let i = 0; i < count; i++) {
    const name = generatedName(i);
    const port = 20000 + i;
    ws.write(
      `packages/images/${name}/package.json`,
      JSON.stringify(
        {
          name: `@vast/${name}`,
          version: '1.0.0',
          private: true,
          nx: { name },
          dependencies: { '@vast/conventions': '1.0.0', '@vast/base-image': '1.0.0' },
        },
        null,
        2,
      ) + '\n',
    );
    ws.write(
      `packages/images/${name}/image.ts`,
      [
        "import { defineImage } from '@vast/conventions';",
        'export default defineImage({',
        `  name: '${name}', class: 'derivative', parent: 'base-image', description: 'Generated image ${i}.', repository: 'vastai/${name}',`,
        `  services: [{ name: 'app', portalLabel: 'App ${i}', portal: [{ label: 'App ${i}', externalPort: ${port}, internalPort: ${port + 10000} }], command: 'python3 -m http.server ${port + 10000}' }],`,
        "  variants: [{ key: 'local', parent: 'local', local: true }],",
        '});',
        '',
      ].join('\n'),
    );
  }
}
