// Runs an image.ts (or provisioning.ts) through the plugin's one loader (loader.js evaluate: the compiler settings its
// own bundles use), with @vast/conventions bound to the module this plugin already loaded. So a definition runs the
// same in an Nx task, under vitest and in plain Node, and is validated by the very schemas it was defined with.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as conventions from '@vast/conventions';
import type * as Loader from '../../loader';

/**
 * loader.js itself, never a copy bundled in: required at run time by its package path, which resolves to the file
 * that index.js and executors.js already loaded (from src/ under vitest, from the cached bundle in an Nx task).
 */
const { evaluate } = createRequire(__filename)('@vast/plugin/loader') as typeof Loader;

/** Reads a file by absolute path; null when it does not exist. Lets a generator's in-memory Tree stand in for the disk. */
export type ReadSource = (absolute: string) => string | null;

/**
 * The default export of the definition file at `file` (absolute); read afresh on every call. Files it imports by a
 * relative path (shared helpers, another image's definition, in TypeScript too) are bundled in; packages stay real
 * requires. `read` replaces the disk (a generator's Tree); builds and generators thus load a definition the same way.
 */
export async function loadDefinitionModule(file: string, read?: ReadSource): Promise<unknown> {
  let exports: Record<string, unknown>;
  try {
    exports = await evaluate(file, { read, modules: { '@vast/conventions': conventions } });
  } catch (e) {
    const first = (e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors?.[0];
    if (!first) throw e;
    const where = first.location
      ? ` (${first.location.file === file || resolve(first.location.file) === file ? '' : `${first.location.file}, `}line ${first.location.line}, column ${first.location.column + 1})`
      : '';
    throw new Error(`is not valid TypeScript${where}: ${first.text}`);
  }
  return exports.default ?? exports;
}
