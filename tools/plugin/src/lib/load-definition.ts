// Runs an image.ts (or provisioning.ts): esbuild strips the types and @vast/conventions is bound to the module this plugin
// already loaded. So a definition runs the same in an Nx task (the plugin's esbuild bundle, no TypeScript loader in the
// process), under vitest and in plain Node, and is validated by the very schemas it was defined with.
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import * as conventions from '@vast/conventions';

/** Runs CommonJS code compiled from the definition file at `absolute`; returns its default export. */
export function runDefinitionCode(code: string, absolute: string): unknown {
  const realRequire = createRequire(absolute);
  const require = (id: string) => (id === '@vast/conventions' ? conventions : realRequire(id));
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', '__filename', '__dirname', code)(
    require,
    module,
    module.exports,
    absolute,
    dirname(absolute),
  );
  return module.exports.default ?? module.exports;
}

/** Reads a file by absolute path; null when it does not exist. Lets a generator's in-memory Tree stand in for the disk. */
export type ReadSource = (absolute: string) => string | null;

const SOURCE_EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.js'];

/** An esbuild plugin that resolves relative imports and loads every source through `read` rather than the disk. */
function readerPlugin(read: ReadSource): Plugin {
  return {
    name: 'vast-read-source',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        const base = resolve(args.resolveDir, args.path);
        const found = SOURCE_EXTENSIONS.map((ext) => base + ext).find((candidate) => read(candidate) !== null);
        return found ? { path: found, namespace: 'vast-source' } : { errors: [{ text: `Could not resolve "${args.path}"` }] };
      });
      // Packages stay real requires, as with files on disk (`packages: 'external'` needs a real folder to resolve from).
      build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'vast-source' }, (args) => ({
        contents: read(args.path) ?? '',
        loader: extname(args.path).slice(1) === 'json' ? 'json' : /\.[cm]?js$/.test(args.path) ? 'js' : 'ts',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * The default export of the definition file at `file` (absolute); read afresh on every call. Files it imports by a
 * relative path (shared helpers, another image's definition, in TypeScript too) are bundled in; packages stay real
 * requires. `read` replaces the disk (a generator's Tree); builds and generators thus load a definition the same way.
 */
export async function loadDefinitionModule(file: string, read?: ReadSource): Promise<unknown> {
  let code: string;
  try {
    const result = await build({
      ...(read
        ? {
            stdin: { contents: read(file) ?? '', sourcefile: file, resolveDir: dirname(file), loader: 'ts' as const },
            plugins: [readerPlugin(read)],
          }
        : { entryPoints: [file] }),
      bundle: true,
      packages: 'external',
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    });
    code = result.outputFiles[0].text;
  } catch (e) {
    const first = (e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors?.[0];
    if (!first) throw e;
    const where = first.location
      ? ` (${first.location.file === file || resolve(first.location.file) === file ? '' : `${first.location.file}, `}line ${first.location.line}, column ${first.location.column + 1})`
      : '';
    throw new Error(`is not valid TypeScript${where}: ${first.text}`);
  }
  return runDefinitionCode(code, file);
}
