// Runs an image.ts (or provisioning.ts): esbuild strips the types and @vast/conventions is bound to the module this plugin
// already loaded. So a definition runs the same in an Nx task (the plugin's esbuild bundle, no TypeScript loader in the
// process), under vitest and in plain Node, and is validated by the very schemas it was defined with.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import * as conventions from '@vast/conventions';

/** Runs CommonJS code compiled from the definition file at `absolute`; returns its default export. */
export function runDefinitionCode(code: string, absolute: string): unknown {
  const realRequire = createRequire(absolute);
  const require = (id: string) => (id === '@vast/conventions' ? conventions : realRequire(id));
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', '__filename', '__dirname', code)(require, module, module.exports, absolute, dirname(absolute));
  return module.exports.default ?? module.exports;
}

/**
 * The default export of the definition file at `file` (absolute); read afresh on every call. Files it imports by a
 * relative path (shared helpers, in TypeScript too) are bundled in; packages stay real requires.
 */
export async function loadDefinitionModule(file: string): Promise<unknown> {
  let code: string;
  try {
    const result = await build({ entryPoints: [file], bundle: true, packages: 'external', write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent' });
    code = result.outputFiles[0].text;
  } catch (e) {
    const first = (e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors?.[0];
    if (!first) throw e;
    const where = first.location ? ` (${first.location.file === file || resolve(first.location.file) === file ? '' : `${first.location.file}, `}line ${first.location.line}, column ${first.location.column + 1})` : '';
    throw new Error(`is not valid TypeScript${where}: ${first.text}`);
  }
  return runDefinitionCode(code, file);
}
