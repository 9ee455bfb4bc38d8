// bench family: a whole family that changed nothing (base-image and N-1 tiny derivatives, generated in a scratch
// copy), confirmed warm and on a fresh runner, against one image's no-op; peak memory of the run; and the same runs
// with --batch=false, which is how docker-build ran before its batch implementation (one task process per image).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScratchWorkspace } from '../e2e/support/scratch-workspace';
import { startRegistry } from '../e2e/support/registry-server';
import { localVariantTag } from '../e2e/support/local-base-image';
import { dockerCommand } from '@vast/plugin/testing';
import { addGeneratedImages, generatedName } from './generated-images';
import { formatFigure, megabytes, ratioFigure, seconds, type Figure } from './figures';
import { runSampled } from './process-tree';

const SECTION = 'family';

function docker(...args: string[]): string {
  return execFileSync(dockerCommand(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export async function family(count: number, record: (figure: Figure) => void): Promise<void> {
  console.log(`\n== family: docker-build no-op over ${count} images (base-image + ${count - 1} generated derivatives)`);
  const ws = ScratchWorkspace.create('vast-bench-family-');
  const registryDir = mkdtempSync(join(tmpdir(), 'vast-bench-family-registry-'));
  const gens = Array.from({ length: count - 1 }, (_, i) => generatedName(i));
  try {
    addGeneratedImages(ws, count - 1);
    ws.commit('bench: generated family');
    const nx = join(ws.root, 'node_modules/.bin/nx');
    const env = ws.env();
    const run = async (label: string, args: string[]) => {
      const result = await runSampled(nx, args, ws.root, env);
      if (result.code !== 0) throw new Error(`${label} failed:\n${result.output.slice(-4000)}`);
      return result;
    };
    const median3 = async (label: string, args: string[]) => {
      const runs: Array<Awaited<ReturnType<typeof run>>> = [];
      for (let i = 0; i < 3; i++) runs.push(await run(label, args));
      return runs.sort((a, b) => a.ms - b.ms)[1];
    };
    const local = ['-c', 'local'];
    const one = ['run', 'base-image:docker-build', ...local];
    const all = ['run-many', '-t', 'docker-build', ...local, '-p', 'base-image', 'gen-*'];
    const five = ['run-many', '-t', 'docker-build', ...local, '-p', 'base-image', ...gens.slice(0, 4)];
    const unbatched = ['--batch=false'];

    const first = await run('first build of the family', all);
    console.log(`  built the family once in ${seconds(first.ms)} (cold derivatives; not a figure)`);

    const oneNow = await median3('one image no-op', one);
    const allNow = await median3(`${count}-image no-op`, all);
    // The previous code's runs once each: at 200 images one costs minutes on a loaded 2-core machine.
    const oneBefore = await median3('one image no-op, --batch=false', [...one, ...unbatched]);
    const allBefore = await run(`${count}-image no-op, --batch=false`, [...all, ...unbatched]);
    const show = (f: Figure) => {
      record(f);
      console.log(`  ${formatFigure(f)}`);
    };
    show(
      ratioFigure(
        SECTION,
        `warm no-op, ${count} images vs one (median of 3)`,
        { ms: allNow.ms, label: `${count} images` },
        { ms: oneNow.ms, label: 'base-image alone' },
        3,
      ),
    );
    show(
      ratioFigure(
        SECTION,
        `warm no-op, ${count} images (one run) vs one (median of 3), previous code (--batch=false: a task process per image)`,
        { ms: allBefore.ms, label: `${count} images` },
        { ms: oneBefore.ms, label: 'base-image alone' },
        3,
      ),
    );

    // The other way to settle a no-op without a task process: a custom task hasher folding the presence of the content
    // tags into docker-build's hash, so an unchanged image is replayed from Nx's cache. Its floor, measured: every
    // docker-build made cacheable (targetDefaults), replayed with no engine lookup at all (a real hasher adds its own).
    const nxJson = ws.read('nx.json');
    const cached = JSON.parse(nxJson);
    cached.targetDefaults = {
      ...cached.targetDefaults,
      'docker-build': { ...cached.targetDefaults?.['docker-build'], cache: true, outputs: ['{workspaceRoot}/dist/builds/{projectName}'] },
    };
    ws.write('nx.json', JSON.stringify(cached, null, 2));
    ws.commit('bench: docker-build replayed from the Nx cache (hasher floor)');
    await run('prime the Nx cache', all);
    const allReplayed = await median3(`${count}-image no-op replayed from the Nx cache`, all);
    ws.write('nx.json', nxJson);
    ws.commit('bench: docker-build not cached again');
    show({
      section: SECTION,
      what: `warm no-op, ${count} images, the task-hasher alternative's floor (every docker-build an Nx cache hit, no engine lookup)`,
      value: `${seconds(allReplayed.ms)} vs the batch's ${seconds(allNow.ms)}`,
      numbers: { replayedMs: Math.round(allReplayed.ms), batchMs: Math.round(allNow.ms) },
    });

    const fiveRun = await run('five-image no-op', five);
    show({
      section: SECTION,
      what: `peak resident memory of the no-op (nx and its task processes), ${count} images vs 5`,
      value: `${megabytes(allNow.peakKb)} vs ${megabytes(fiveRun.peakKb)} (previous code: ${megabytes(allBefore.peakKb)})`,
      numbers: { peakKb: allNow.peakKb, fiveImagesPeakKb: fiveRun.peakKb, previousPeakKb: allBefore.peakKb },
    });

    // A fresh runner: the derivatives were built and shared elsewhere. base-image stays in this engine (other builds on
    // this machine use it), so its task is an engine hit; every derivative is found in the cache registry.
    const registry = await startRegistry(registryDir);
    try {
      const cache = [`--cacheRegistry=${registry.host}`];
      const shared = await run('sharing the family in the cache registry', [...all, ...cache]);
      console.log(`  shared the family in the loopback registry in ${seconds(shared.ms)} (not a figure)`);
      const forget = () => {
        for (const name of gens) {
          const refs = docker('image', 'ls', `vastai/${name}`, '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter(Boolean);
          if (refs.length) docker('image', 'rm', '-f', ...refs);
        }
      };
      forget();
      const oneFresh = await median3('fresh-runner no-op, one image', ['run', `${gens[0]}:docker-build`, ...local, ...cache]);
      const allFresh = await median3(`fresh-runner no-op, ${count} images`, [...all, ...cache]);
      const oneFreshBefore = await median3('fresh-runner one, --batch=false', [
        'run',
        `${gens[0]}:docker-build`,
        ...local,
        ...cache,
        ...unbatched,
      ]);
      const allFreshBefore = await run(`fresh-runner ${count}, --batch=false`, [...all, ...cache, ...unbatched]);
      show(
        ratioFigure(
          SECTION,
          `fresh-runner no-op, ${count} images vs one (median of 3)`,
          { ms: allFresh.ms, label: `${count} images` },
          { ms: oneFresh.ms, label: `${gens[0]} (and its parent)` },
          5,
        ),
      );
      show(
        ratioFigure(
          SECTION,
          `fresh-runner no-op, ${count} images (one run) vs one (median of 3), previous code (--batch=false)`,
          { ms: allFreshBefore.ms, label: `${count} images` },
          { ms: oneFreshBefore.ms, label: `${gens[0]} (and its parent)` },
          5,
        ),
      );
      // @nx/docker as inferred has no content key to look up: on a fresh runner it runs `docker build` of every image
      // with no build cache. One derivative's such build, measured; the family's is that times its size (not run).
      const parentTag = localVariantTag(ws.root);
      const peerTag = `vast-bench-family/peer-${gens[0]}:latest`;
      const started = process.hrtime.bigint();
      docker(
        'build',
        '-q',
        '--no-cache',
        '--file',
        join(ws.root, `dist/images/${gens[0]}/Dockerfile`),
        '--tag',
        peerTag,
        '--build-arg',
        `PARENT_IMAGE=${parentTag}`,
        '--build-arg',
        'VAST_PROFILE=local',
        join(ws.root, `dist/images/${gens[0]}`),
      );
      const peerOne = Number(process.hrtime.bigint() - started) / 1e6;
      docker('image', 'rm', '-f', peerTag);
      show({
        section: SECTION,
        what: `fresh-runner no-op, @nx/docker as inferred (rebuilds every image, no build cache)`,
        value: `${seconds(peerOne)} for one derivative's docker build alone, so about ${seconds(peerOne * (count - 1))} for the ${count - 1} derivatives (estimated from one, not run); ours ${seconds(allFresh.ms)} for all ${count}`,
        numbers: { oneBuildMs: Math.round(peerOne), estimatedFamilyMs: Math.round(peerOne * (count - 1)), oursMs: Math.round(allFresh.ms) },
      });
    } finally {
      registry.stop();
    }
  } finally {
    for (const name of gens) {
      const refs = docker('image', 'ls', `vastai/${name}`, '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter(Boolean);
      if (refs.length) docker('image', 'rm', '-f', ...refs);
    }
    ws.dispose();
    rmSync(registryDir, { recursive: true, force: true });
  }
}
