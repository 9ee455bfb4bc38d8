// Types of loader.js (plain CommonJS, so Nx loads it without a transpiler) for the TypeScript that tests it.

export interface LoaderOptions {
  /** Where bundles and their manifests live; defaults to tools/plugin/node_modules/.cache/vast-plugin. */
  cacheDir?: string;
}

export interface CompileResult {
  /** The current bundle of the entry. */
  file: string;
  /** True when this call built it (first load, or an input changed); false when the cached bundle was current. */
  built: boolean;
}

export function compile(entry: string, options?: LoaderOptions): CompileResult;
export function load(entry: string, options?: LoaderOptions): unknown;
