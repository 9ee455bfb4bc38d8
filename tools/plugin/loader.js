// Runs the plugin's TypeScript entry points from esbuild bundles cached on disk, rebuilt whenever one of their inputs
// changes; and evaluates the image definitions (image.ts, provisioning.ts) the plugin reads, with the same compiler settings.
//
// The Nx contracts this rests on (all documented for local plugins, https://nx.dev/extending-nx/intro/getting-started):
// - nx.json's "plugins" entry "@vast/plugin" is require()d by package name: package.json "exports" "." -> index.js,
//   which must export createNodesV2 (CommonJS, so Nx needs no transpiler to load it).
// - executors.json / generators.json name an implementation as "<file>#<export>"; Nx require()s the file and takes
//   that export (executors.js, generators.js below), and reads "schema" as a JSON file.
// - An executor "<collection>:<name>" is looked up in the executors.json that <collection>/package.json names, resolved
//   like a require from the workspace root; the inferred targets give the plugin's folder, ./tools/plugin.
// Nothing is built ahead: a fresh clone's first nx command bundles what it runs, and a later one rebuilds only a bundle
// whose inputs changed. bench/loader.ts measures what that costs and saves against Nx transpiling the sources itself.
// A bundle is current while every file esbuild read for it has the same content (sha256) as when it was built.
'use strict';

// Plain CommonJS and Node built-ins only: Nx requires this in every process, so loading it must cost nothing.
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

// Inside the plugin's folder, so a bundle's external requires resolve exactly as they would from src/.
// Git, Nx's hasher and npm already ignore node_modules/.cache; `rm -rf node_modules` clears it with everything else.
const DEFAULT_CACHE_DIR = path.join(__dirname, 'node_modules', '.cache', 'vast-plugin');

// Left as real requires: nx and @nx/* must be the very instances that Nx runs, esbuild ships a native binary, and
// execa 9 is ESM-only (exec.ts reaches it through import(), which Node 20 resolves at run time).
const EXTERNAL = ['nx', '@nx/*', 'esbuild', 'execa'];

let stampMemo;

/** What makes two bundles of the same sources differ: this loader's code (options, externals) and esbuild's version. */
function stamp() {
  if (stampMemo === undefined) {
    const esbuildPackage = require.resolve('esbuild/package.json', { paths: [__dirname] });
    const { version } = JSON.parse(fs.readFileSync(esbuildPackage, 'utf8'));
    stampMemo = crypto.createHash('sha256').update(fs.readFileSync(__filename)).update(`\0esbuild ${version}`).digest('hex');
  }
  return stampMemo;
}

/** [file, sha256 of its content] ('' when it is gone): what the manifest records and compares. */
function fingerprint(file) {
  try {
    return [file, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')];
  } catch {
    return [file, ''];
  }
}

/** The package.json of the installed package `file` belongs to, or undefined for a file outside node_modules. */
function installedPackageJson(file) {
  const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return match ? path.join(match[1], 'package.json') : undefined;
}

function unchanged([file, hash]) {
  return fingerprint(file)[1] === hash;
}

/**
 * Emit options normally read from tsconfig.json. Given here instead, esbuild looks up no tsconfig.json at all: the
 * workspace packages resolve through node_modules (their package.json "exports"), so no `paths` are needed, and the
 * bundle depends on nothing but the files esbuild reports reading.
 */
const TSCONFIG_RAW = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } };

/** How every TypeScript source Nx runs here becomes JavaScript: the plugin's bundles and the definitions alike. */
const COMPILE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  tsconfigRaw: TSCONFIG_RAW,
  write: false,
  logLevel: 'silent',
};

function writeAtomically(file, contents) {
  // Several Nx task processes may build the same entry at once: each writes its own temp file and renames it into place.
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

/** Relative to the working directory (the workspace root in Nx) when inside it, like compilers print paths. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function describeBuildError(entry, error) {
  const messages = Array.isArray(error.errors) && error.errors.length ? error.errors : [{ text: error.message }];
  const lines = messages.map(({ text, location }) => {
    if (!location) return `  ${text}`;
    return `  ${shown(path.resolve(location.file))}:${location.line}:${location.column + 1}: ${text}\n    ${location.lineText}`;
  });
  return new Error(`Cannot compile ${shown(entry)}:\n${lines.join('\n')}`);
}

function build(entry, cacheDir, base, manifestFile) {
  let result;
  try {
    result = require('esbuild').buildSync({
      ...COMPILE_OPTIONS,
      entryPoints: [entry],
      absWorkingDir: process.cwd(),
      // Source map paths are relative to the output file, which lands in cacheDir under a name known only after the build.
      outfile: path.join(cacheDir, `${base}.cjs`),
      external: EXTERNAL,
      metafile: true,
      // External at first, with the sources esbuild read: their hashes are what the manifest records (below).
      sourcemap: 'external',
      sourcesContent: true,
    });
  } catch (e) {
    throw describeBuildError(entry, e);
  }
  const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map')).text);
  // The inputs by the very text esbuild bundled (from the map), so an edit made while it read cannot be recorded as
  // built; files that gave no code (none so far) are hashed from disk.
  const read = new Map(map.sources.map((source, i) => [path.resolve(cacheDir, source), map.sourcesContent[i]]));
  const files = Object.keys(result.metafile.inputs).map((f) => path.resolve(f));
  // An installed package stands in by its package.json (name and version; npm replaces the whole folder on a change):
  // a dozen small files to hash on every load instead of the hundreds a bundled dependency is made of.
  const packages = [...new Set(files.map(installedPackageJson).filter(Boolean))];
  const inputs = [
    ...files
      .filter((file) => !installedPackageJson(file))
      .map((file) => (read.has(file) ? [file, crypto.createHash('sha256').update(read.get(file)).digest('hex')] : fingerprint(file))),
    ...packages.map(fingerprint),
  ];
  // Stack traces need only the mappings; the TS sources are on disk. Dropping them halves the map Node decodes on every load.
  delete map.sourcesContent;
  const js = result.outputFiles.find((f) => f.path.endsWith('.cjs')).text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  const code = `${js}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  const bundle = `${base}-${crypto.createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
  const bundleFile = path.join(cacheDir, bundle);
  // Content-addressed, so a bundle never changes under a process that is loading it; the manifest is the one switch.
  if (!fs.existsSync(bundleFile)) writeAtomically(bundleFile, code);
  writeAtomically(manifestFile, JSON.stringify({ entry, stamp: stamp(), bundle, inputs }));
  pruneOldBundles(cacheDir, base, bundle);
  return bundleFile;
}

function pruneOldBundles(cacheDir, base, keep) {
  // Superseded bundles of this entry go at once (load() retries a process that loses one between manifest and require);
  // temp files only once they are a minute old, since a younger one may be another process's write in progress.
  const cutoff = Date.now() - 60_000;
  for (const name of fs.readdirSync(cacheDir)) {
    if (!name.startsWith(base) || name === keep || name === `${base}.json`) continue;
    const file = path.join(cacheDir, name);
    try {
      if (name.endsWith('.cjs') || fs.statSync(file).mtimeMs < cutoff) fs.unlinkSync(file);
    } catch {
      // Already gone, or still open elsewhere (Windows): the next rebuild tries again.
    }
  }
}

/**
 * Makes sure the bundle of `entry` (an absolute path to a .ts file) is current, building it if any recorded input
 * changed, vanished or the stamp moved. Returns the bundle's path and whether this call built it.
 */
function compile(entry, options = {}) {
  entry = path.resolve(entry);
  const cacheDir = options.cacheDir ? path.resolve(options.cacheDir) : DEFAULT_CACHE_DIR;
  const readable = path
    .relative(path.dirname(path.dirname(entry)), entry)
    .replace(/\.[cm]?tsx?$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
  const base = `${readable}-${crypto.createHash('sha256').update(entry).digest('hex').slice(0, 8)}`;
  const manifestFile = path.join(cacheDir, `${base}.json`);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch {
    manifest = undefined;
  }
  if (manifest && manifest.entry === entry && manifest.stamp === stamp() && manifest.inputs.every(unchanged)) {
    const bundleFile = path.join(cacheDir, manifest.bundle);
    if (fs.existsSync(bundleFile)) return { file: bundleFile, built: false };
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  return { file: build(entry, cacheDir, base, manifestFile), built: true };
}

/** The exports of `entry`, run from its current bundle. Stack traces name the TypeScript sources. */
function load(entry, options) {
  process.setSourceMapsEnabled(true);
  const { file } = compile(entry, options);
  try {
    return require(file);
  } catch (e) {
    // Another process rebuilt this entry and pruned the bundle just read from the manifest: take its new one.
    if (e.code === 'MODULE_NOT_FOUND' && !fs.existsSync(file)) return require(compile(entry, options).file);
    throw e;
  }
}

const SOURCE_EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.js'];

/** An esbuild plugin that resolves relative imports and loads every source through `read` rather than the disk. */
function readerPlugin(read) {
  return {
    name: 'vast-read-source',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        const base = path.resolve(args.resolveDir, args.path);
        const found = SOURCE_EXTENSIONS.map((ext) => base + ext).find((candidate) => read(candidate) !== null);
        return found ? { path: found, namespace: 'vast-source' } : { errors: [{ text: `Could not resolve "${args.path}"` }] };
      });
      // Packages stay real requires, as with files on disk (`packages: 'external'` needs a real folder to resolve from).
      build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'vast-source' }, (args) => ({
        contents: read(args.path) ?? '',
        loader: path.extname(args.path) === '.json' ? 'json' : /\.[cm]?js$/.test(args.path) ? 'js' : 'ts',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

/**
 * The exports of a definition file (image.ts, provisioning.ts; `file` absolute), compiled afresh on every call with the
 * files it imports by a relative path; packages stay requires from its folder, except those `modules` names, which get
 * the instance given (a definition is validated by the very @vast/conventions it was defined with). `read` replaces the
 * disk (a generator's Tree: (absolute path) => text, or null when there is no such file). Rejects with esbuild's
 * error (its `errors` name file, line and column) when the source does not compile.
 */
async function evaluate(file, { read, modules = {} } = {}) {
  const result = await require('esbuild').build({
    ...COMPILE_OPTIONS,
    ...(read
      ? {
          stdin: { contents: read(file) ?? '', sourcefile: file, resolveDir: path.dirname(file), loader: 'ts' },
          plugins: [readerPlugin(read)],
        }
      : { entryPoints: [file], packages: 'external' }),
  });
  const realRequire = Module.createRequire(file);
  const module = { exports: {} };
  const requireHere = (id) => (Object.prototype.hasOwnProperty.call(modules, id) ? modules[id] : realRequire(id));
  new Function('require', 'module', 'exports', '__filename', '__dirname', result.outputFiles[0].text)(
    requireHere,
    module,
    module.exports,
    file,
    path.dirname(file),
  );
  return module.exports;
}

module.exports = { compile, load, evaluate };
