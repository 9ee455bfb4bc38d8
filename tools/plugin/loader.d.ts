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

export interface EvaluateOptions {
  /** Reads a source by absolute path instead of the disk (a generator's Tree); null when there is no such file. */
  read?: (absolute: string) => string | null;
  /** Package names whose require() gets the given instance instead of the installed package. */
  modules?: Record<string, unknown>;
}

export function evaluate(file: string, options?: EvaluateOptions): Promise<Record<string, unknown>>;
