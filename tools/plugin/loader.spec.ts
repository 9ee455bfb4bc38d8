// loader.js and the entry stubs on real files: build, reuse, rebuild after an edit, errors, source maps, concurrency.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as Loader from './loader';

// Node's own require, as Nx uses it: vitest would otherwise run loader.js (CommonJS) through its ESM transform.
const loaderFile = join(__dirname, 'loader.js');
const { compile, load } = createRequire(__filename)(loaderFile) as typeof Loader;

let dir: string;
let cacheDir: string;
let entry: string;

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const node = (script: string) => promisify(execFile)(process.execPath, ['-e', script]);
/** JavaScript that loads the entry the way the package's stubs do (index.js, executors.js). */
const loadEntry = () => `require(${JSON.stringify(loaderFile)}).load(${JSON.stringify(entry)}, { cacheDir: ${JSON.stringify(cacheDir)} })`;
const value = () => (load(entry, { cacheDir }) as { default: unknown }).default;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-loader-'));
  cacheDir = join(dir, 'cache');
  entry = join(dir, 'entry.ts');
  write('entry.ts', "import { value } from './value';\nexport default value;\n");
  write('value.ts', "export const value: string = 'one';\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loader', () => {
  it('builds on the first load and reuses the bundle while no input changes', async () => {
    const first = compile(entry, { cacheDir });
    expect(first.built).toBe(true);
    expect(value()).toBe('one');
    const mtime = statSync(first.file).mtimeMs;

    const second = compile(entry, { cacheDir });
    expect(second).toEqual({ file: first.file, built: false });
    expect(statSync(second.file).mtimeMs).toBe(mtime);
  });

  it('rebuilds after an imported file changes, and returns the new value', async () => {
    expect(value()).toBe('one');
    write('value.ts', "export const value: string = 'two';\n");
    const after = compile(entry, { cacheDir });
    expect(after.built).toBe(true);
    expect(value()).toBe('two');
    expect(compile(entry, { cacheDir }).built).toBe(false);
  });

  it('goes by content, not timestamps: a copy that keeps its bytes reuses the bundle; a same-size edit with the old mtime rebuilds', () => {
    expect(value()).toBe('one');
    const { mtime } = statSync(join(dir, 'value.ts'));
    // The same content written again (as checkout, cp or an editor's save do) moves the timestamps, not the bundle.
    write('value.ts', "export const value: string = 'one';\n");
    expect(compile(entry, { cacheDir }).built).toBe(false);
    // Other content of the same length, with the old timestamps put back (tar, rsync -t, cp -p): rebuilt.
    write('value.ts', "export const value: string = 'uno';\n");
    utimesSync(join(dir, 'value.ts'), mtime, mtime);
    expect(compile(entry, { cacheDir }).built).toBe(true);
    expect(value()).toBe('uno');
  });

  it('rebuilds when the manifest was written by another loader or esbuild version', async () => {
    compile(entry, { cacheDir });
    const manifest = join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.json')) as string);
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), stamp: 'another loader' }));
    expect(compile(entry, { cacheDir }).built).toBe(true);
    expect(compile(entry, { cacheDir }).built).toBe(false);
  });

  it('names the file, line and column of a syntax error', () => {
    write('value.ts', "export const value: string = 'one';\nexport const broken = ;\n");
    expect(() => compile(entry, { cacheDir })).toThrow(`${join(dir, 'value.ts')}:2:23: Unexpected ";"`);
  });

  it('names the import that no longer resolves when an input vanishes', async () => {
    compile(entry, { cacheDir });
    rmSync(join(dir, 'value.ts'));
    expect(() => compile(entry, { cacheDir })).toThrow(`${entry}:1:23: Could not resolve "./value"`);
  });

  it('maps stack traces to the TypeScript source', async () => {
    write('value.ts', "export const value: string = 'one';\nexport function fail(): never {\n  throw new Error('boom');\n}\n");
    write('entry.ts', "export { fail } from './value';\n");
    // In a plain Node process, as under Nx: vitest replaces Error.prepareStackTrace, which bypasses Node's source maps.
    const { stdout } = await node(`try { ${loadEntry()}.fail() } catch (e) { process.stdout.write(e.stack) }`);
    expect(stdout).toContain(`fail (${join(dir, 'value.ts')}:3:9)`);
  });

  it('lets several processes build the same entry at once', async () => {
    const outputs = await Promise.all(Array.from({ length: 4 }, () => node(`process.stdout.write(${loadEntry()}.default)`)));
    expect(outputs.map((o) => o.stdout)).toEqual(['one', 'one', 'one', 'one']);
    // One manifest and one bundle; no temp files left behind.
    const files = readdirSync(cacheDir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/-entry-[0-9a-f]{8}-[0-9a-f]{16}\.cjs$/);
    expect(files[1]).toMatch(/-entry-[0-9a-f]{8}\.json$/);
  });
});

describe("the package's entry points", () => {
  // Node's require again: these are the files Nx itself requires (package.json main, executors.json, generators.json).
  const requireHere = createRequire(__filename);
  const names = (file: string, key: string) =>
    Object.entries(requireHere(`./${file}`)[key] as Record<string, { implementation?: string; factory?: string }>);

  it('index.js exports createNodesV2 and createNodes', () => {
    const main = requireHere(`./${requireHere('./package.json').main}`);
    expect(Array.isArray(main.createNodesV2)).toBe(true);
    expect(main.createNodes).toBe(main.createNodesV2);
  });

  it.each([
    ['executors.json', 'executors', 'implementation'],
    ['generators.json', 'generators', 'factory'],
  ] as const)('every entry of %s is a function its stub loads', (file, key, field) => {
    for (const [name, entry] of names(file, key)) {
      const [stub, exported] = (entry[field] as string).split('#');
      expect(exported, `${file}: ${name}`).toBe(name);
      expect(typeof requireHere(stub)[exported], `${file}: ${name}`).toBe('function');
    }
  });
});
