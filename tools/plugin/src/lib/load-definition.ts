// Loads an image.ts module. Inside Nx the executor runs under swc-node, so require() handles TypeScript;
// elsewhere (vitest, plain node) tsx's loader does the same job.
import { pathToFileURL } from 'node:url';

export async function loadDefinitionModule(file: string): Promise<unknown> {
  let mod: { default?: unknown };
  if (typeof require === 'function' && require.extensions && '.ts' in require.extensions) {
    delete require.cache[require.resolve(file)];
    mod = require(file);
  } else {
    const { tsImport } = await import('tsx/esm/api');
    mod = await tsImport(pathToFileURL(file).href, { parentURL: pathToFileURL(__filename).href });
  }
  const value = mod.default ?? mod;
  // tsx wraps CommonJS-shaped modules once more.
  return value && typeof value === 'object' && 'default' in value && Object.keys(value).length === 1 ? (value as { default: unknown }).default : value;
}
