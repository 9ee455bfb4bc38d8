// bench loader: what running the plugin from its content-hashed esbuild bundles (tools/plugin/loader.js) costs and
// saves, per nx command: with the bundles current, right after a plugin source edit (the one rebuild that edit costs),
// and the same commands with Nx transpiling the TypeScript itself (swc-node, as for any local plugin without a build).
// First, the same commands at an earlier revision (--loader-rev, default the commit issue 16 was filed against), run in
// turn with the code now so both see the same machine. Works in a scratch copy and that revision's own checkout; no
// tag is removed (each side's docker-build -c local is a no-op once its local base is built, and builds it once if not).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ScratchWorkspace } from '../e2e/support/scratch-workspace';
import { median, seconds, sideBySide, type Figure } from './figures';
import { currentRevision, revisionCheckout } from './revision-checkout';
import { localBaseImageIn } from '../e2e/support/local-base-image';
import { timed } from './timed-nx';

const SECTION = 'loader';
/** The commit issue 16 (one home for every rule, the loader made boring) was filed against. */
export const DEFAULT_LOADER_REV = 'ac20962';

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
  localBaseImageIn(ws);
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

/**
 * The four commands at `rev` beside the code now. Each round runs every command once on each side, then before now,
 * so a slow minute of the machine falls on both; medians of three rounds, after one warm-up of each (which builds
 * each side's local base if its engine has no image under that side's content tag).
 */
export function loaderBeforeAfter(ws: ScratchWorkspace, rev: string, record: (figure: Figure) => void): void {
  console.log(`\n== loader: the same commands at ${rev} (its own checkout and node_modules) and now, in turn`);
  const then = ScratchWorkspace.at(revisionCheckout(rev));
  const runs = COMMANDS.map(() => ({ then: [] as number[], now: [] as number[] }));
  for (const { what, args } of COMMANDS) {
    timed(then, `${what} at ${rev} (warm-up)`, args);
    timed(ws, `${what} (warm-up)`, args);
  }
  for (let round = 0; round < 3; round++) {
    COMMANDS.forEach(({ what, args }, i) => {
      runs[i].then.push(timed(then, `${what} at ${rev}`, args));
      runs[i].now.push(timed(ws, what, args));
    });
  }
  COMMANDS.forEach(({ what }, i) => {
    const figure = sideBySide(
      SECTION,
      `before/after: ${what} (median of 3)`,
      'Ms',
      { value: median(runs[i].now), label: `now ${currentRevision()}` },
      { value: median(runs[i].then), label: `then ${rev}` },
    );
    record(figure);
    console.log(`  ${figure.what}: ${figure.value}`);
  });
}
