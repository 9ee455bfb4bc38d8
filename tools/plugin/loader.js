// Runs the plugin's TypeScript entry points from esbuild bundles cached on disk, rebuilt whenever one of their inputs changes.
'use strict';

// Plain CommonJS and Node built-ins only: Nx requires this in every process, so loading it must cost nothing.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// Inside the plugin's folder, so a bundle's external requires resolve exactly as they would from src/.
// Git, Nx's hasher and npm already ignore node_modules/.cache; `rm -rf node_modules` clears it with everything else.
const DEFAULT_CACHE_DIR = path.join(__dirname, 'node_modules', '.cache', 'vast-plugin');

// Left as real requires: nx and @nx/* must be the very instances that Nx runs, esbuild ships a native binary, and
// execa 9 is ESM-only (exec.ts reaches it through import(), which Node 20 resolves at run time).
const EXTERNAL = ['nx', '@nx/*', 'esbuild', 'execa'];

// A file changed this close to the start of a build may have been read before or after its last write (timestamps
// are coarse on some file systems), so its recorded stat proves nothing and the next load builds again.
const SETTLE_MS = 1000;

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

function fingerprint(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  // ctime as well as mtime: copies that keep mtimes (cp -p, tar, rsync -t) still move ctime.
  return stat ? [file, stat.size, stat.mtimeMs, stat.ctimeMs] : [file, -1, 0, 0];
}

function unchanged([file, size, mtimeMs, ctimeMs]) {
  const [, nowSize, nowMtime, nowCtime] = fingerprint(file);
  return nowSize === size && nowMtime === mtimeMs && nowCtime === ctimeMs;
}

/** The tsconfig.json esbuild would pick for the entry, and every file it extends: their paths decide what gets bundled. */
function tsconfigChain(entry) {
  let dir = path.dirname(entry);
  let tsconfig;
  for (;;) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(candidate)) {
      tsconfig = candidate;
      break;
    }
    if (path.dirname(dir) === dir) return { tsconfig: undefined, files: [] };
    dir = path.dirname(dir);
  }
  const files = [];
  const pending = [tsconfig];
  while (pending.length && files.length < 20) {
    const file = pending.shift();
    if (files.includes(file)) continue;
    files.push(file);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // A regex, not JSON.parse: tsconfig files may hold comments and trailing commas.
    const extendsValue = /"extends"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])/.exec(text);
    if (!extendsValue) continue;
    for (const [, spec] of extendsValue[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
      if (spec.startsWith('.') || path.isAbsolute(spec)) {
        const target = path.resolve(path.dirname(file), spec);
        pending.push(target.endsWith('.json') ? target : `${target}.json`);
      } else {
        try {
          pending.push(require.resolve(spec, { paths: [path.dirname(file)] }));
        } catch {
          // An unresolvable base fails the build itself, with esbuild's message.
        }
      }
    }
  }
  return { tsconfig, files };
}

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
  const started = Date.now();
  const { tsconfig, files: tsconfigFiles } = tsconfigChain(entry);
  let result;
  try {
    result = require('esbuild').buildSync({
      entryPoints: [entry],
      absWorkingDir: process.cwd(),
      // Source map paths are relative to the output file, which lands in cacheDir under a name known only after the build.
      outfile: path.join(cacheDir, `${base}.cjs`),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: EXTERNAL,
      tsconfig,
      metafile: true,
      sourcemap: 'inline',
      // Stack traces need only the mappings; the TS sources are on disk. Halves the map Node decodes on every load.
      sourcesContent: false,
      logLevel: 'silent',
    });
  } catch (e) {
    throw describeBuildError(entry, e);
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.cjs')).contents;
  const bundle = `${base}-${crypto.createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
  const bundleFile = path.join(cacheDir, bundle);
  // Content-addressed, so a bundle never changes under a process that is loading it; the manifest is the one switch.
  if (!fs.existsSync(bundleFile)) writeAtomically(bundleFile, code);
  const inputs = [...Object.keys(result.metafile.inputs).map((f) => path.resolve(f)), ...tsconfigFiles].map(fingerprint);
  const racy = inputs.some(([, , mtimeMs, ctimeMs]) => Math.max(mtimeMs, ctimeMs) > started - SETTLE_MS);
  writeAtomically(manifestFile, JSON.stringify({ entry, stamp: stamp(), bundle, racy, inputs }));
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
  const readable = path.relative(path.dirname(path.dirname(entry)), entry).replace(/\.[cm]?tsx?$/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  const base = `${readable}-${crypto.createHash('sha256').update(entry).digest('hex').slice(0, 8)}`;
  const manifestFile = path.join(cacheDir, `${base}.json`);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch {
    manifest = undefined;
  }
  if (manifest && manifest.entry === entry && manifest.stamp === stamp() && !manifest.racy && manifest.inputs.every(unchanged)) {
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

module.exports = { compile, load };
