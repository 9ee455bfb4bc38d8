// bench loader: what running the plugin from its content-hashed esbuild bundles (tools/plugin/loader.js) costs and
// saves, per nx command: with the bundles current, right after a plugin source edit (the one rebuild that edit costs),
// and the same commands with Nx transpiling the TypeScript itself (swc-node, as for any local plugin without a build).
// Works in a scratch copy; leaves the engine's tags and build cache alone (docker-build -c local is a no-op there once
// the shared local base is built, and is built once first if not).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ScratchWorkspace } from '../e2e/support/scratch-workspace';
import { median, seconds, type Figure } from './figures';
import { timed } from './timed-nx';

const SECTION = 'loader';

/** The commands whose cost the loader sits in: the graph alone, a cache hit, an executor in its task process, a no-op docker-build. */
const COMMANDS: Array<{ what: string; args: string[] }> = [
  { what: 'nx show projects (project graph only)', args: ['show', 'projects'] },
  { what: 'nx run base-image:build, replayed from the Nx cache', args: ['run', 'base-image:build'] },
  { what: 'nx run base-image:lint --skip-nx-cache (an executor in its task process)', args: ['run', 'base-image:lint', '--skip-nx-cache'] },
  { what: 'nx run base-image:docker-build -c local, no-op', args: ['run', 'base-image:docker-build', '-c', 'local'] },
];

/**
 * The plugin run by Nx's own TypeScript loading instead of the bundles: package.json main and the executor and
 * generator paths name the .ts sources, which Nx transpiles with @swc-node/register in every process that loads them.
 */
function useNxTranspiler(ws: ScratchWorkspace): void {
  ws.edit('tools/plugin/package.json', (text) => {
    const pkg = JSON.parse(text);
    pkg.main = 'src/index.ts';
    pkg.exports['.'] = { types: './src/index.ts', default: './src/index.ts' };
    return `${JSON.stringify(pkg, null, 2)}\n`;
  });
  for (const file of ['tools/plugin/executors.json', 'tools/plugin/generators.json']) {
    ws.edit(file, (text) =>
      text.replace(/"\.\/(executors|generators)\.js#([a-z-]+)"/g, (_, kind: string, name: string) => {
        const source =
          name === 'docker-build-batch' ? 'docker-build/batch' : kind === 'executors' ? `${name}/executor` : `${name}/generator`;
        return `"./src/${kind}/${source}.ts#default"`;
      }),
    );
  }
}

export function loaderFigures(ws: ScratchWorkspace, record: (figure: Figure) => void): void {
  console.log('\n== loader: nx commands with the plugin bundles current, after a plugin edit, and through Nx’s transpiler');
  const built = ws.nx('run', 'base-image:docker-build', '-c', 'local');
  if (built.code !== 0) throw new Error(`base-image:docker-build -c local failed:\n${built.output.slice(-3000)}`);
  const report = (what: string, ms: number[], extra = '') => {
    const value = median(ms);
    record({ section: SECTION, what, value: `${seconds(value)}${extra}`, numbers: { medianMs: Math.round(value) } });
    console.log(`  ${what}: ${seconds(value)}${extra}`);
  };
  const bundled = new Map<string, number>();
  for (const { what, args } of COMMANDS) {
    const runs = [0, 1, 2].map(() => timed(ws, what, args));
    bundled.set(what, median(runs));
    report(`bundles current: ${what}`, runs);
  }
  // The check each process makes before it requires a bundle: the sha256 of every input of the entry, compared.
  const loader = createRequire(__filename)(join(ws.root, 'tools/plugin/loader.js')) as { compile: (entry: string) => unknown };
  const entry = join(ws.root, 'tools/plugin/src/index.ts');
  const checks = [0, 1, 2].map(() => {
    const started = process.hrtime.bigint();
    loader.compile(entry);
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
  report("the loader's check that createNodes' bundle is current (in process)", checks);
  // A source edit the next command's executors run (a lib build, lint and docker-build import).
  let edits = 0;
  const afterEdit = [0, 1, 2].map(() => {
    ws.edit('tools/plugin/src/lib/workspace-images.ts', (text) => `${text}// bench edit ${++edits}\n`);
    return timed(ws, 'after an edit', ['run', 'base-image:lint', '--skip-nx-cache']);
  });
  report('first command after a plugin source edit (bundles rebuilt): nx run base-image:lint --skip-nx-cache', afterEdit);
  useNxTranspiler(ws);
  for (const { what, args } of COMMANDS) {
    const runs = [0, 1, 2].map(() => timed(ws, what, args));
    const ours = bundled.get(what) as number;
    report(`Nx's transpiler instead: ${what}`, runs, ` (bundles: ${seconds(ours)}, ${seconds(median(runs) - ours)} saved)`);
  }
}
