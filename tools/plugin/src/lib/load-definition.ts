// Loads an image.ts module wherever the plugin runs: under Nx (swc-node registered: require handles .ts),
// under vitest (its transformer handles import()), or plain Node (tsx's loader).
import { pathToFileURL } from 'node:url';

export async function loadDefinitionModule(file: string): Promise<unknown> {
  let mod: { default?: unknown };
  if (typeof require === 'function' && require.extensions && '.ts' in require.extensions) {
    delete require.cache[require.resolve(file)];
    mod = require(file);
  } else if (process.env.VITEST) {
    mod = await import(/* @vite-ignore */ file);
  } else {
    // tsx ships its API as .mts types that this CommonJS build cannot resolve; the shape used is just this.
    const api = 'tsx/esm/api';
    const { tsImport } = (await import(api)) as { tsImport: (url: string, options: { parentURL: string }) => Promise<{ default?: unknown }> };
    mod = await tsImport(pathToFileURL(file).href, { parentURL: pathToFileURL(__filename).href });
  }
  const value = mod.default ?? mod;
  // Some loaders wrap a CommonJS-shaped module once more.
  return value && typeof value === 'object' && 'default' in value && Object.keys(value).length === 1 ? (value as { default: unknown }).default : value;
}
