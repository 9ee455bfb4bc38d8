// CI's build waves (`npx tsx scripts/build-waves.ts`): given the affected images, prints one `waveN=<JSON matrix>`
// line per wave job of ci.yml, for $GITHUB_OUTPUT. Each matrix entry is a comma-separated project list that one
// runner builds. With a cache registry every image gets its own runner and a wave starts when the one before it
// finished (its parents are then in the cache registry, found by one manifest lookup); without one, runners cannot
// share builds, so one runner builds the whole affected set parents first. Either way a parent is built once per run.
// The order is @vast/conventions planBuildWaves (pure); this file reads the family and formats the output.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parentOf, planBuildWaves } from '@vast/conventions';
import { readWorkspaceImages } from '@vast/plugin/scripting';

const USAGE = `Usage: npx tsx scripts/build-waves.ts --affected '<JSON array of image projects>' --jobs <N> [--one-runner]

  --affected <json>  the images to build (nx show projects --affected -t docker-build --json)
  --jobs <N>         how many wave jobs the workflow has; more waves than that is an error naming the fix
  --one-runner       no cache registry: everything in wave 1, one runner (nx builds parents first)
  -h, --help         this text`;

/** The `waveN=<matrix>` lines for waves 1..jobs (an empty wave is `[]`, which skips its job). */
export function renderWaveOutputs(waves: string[][], jobs: number, oneRunner: boolean): string[] {
  const entries = oneRunner ? [waves.flat().length ? [waves.flat().join(',')] : []] : waves;
  return Array.from({ length: jobs }, (_, i) => `wave${i + 1}=${JSON.stringify(entries[i] ?? [])}`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      affected: { type: 'string' },
      jobs: { type: 'string' },
      'one-runner': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobs = Number(values.jobs);
  let affected: unknown;
  try {
    affected = JSON.parse(values.affected ?? '');
  } catch {
    affected = undefined;
  }
  if (!Array.isArray(affected) || !affected.every((a) => typeof a === 'string') || !Number.isInteger(jobs) || jobs < 1) {
    process.stderr.write(`build-waves: pass --affected '["base-image",...]' and --jobs <N>.\n${USAGE}\n`);
    return 2;
  }
  const { images, errors } = await readWorkspaceImages(resolve(__dirname, '..'));
  if (errors.length) {
    process.stderr.write(
      `build-waves: fix the image definitions first:\n${errors.map((e) => `  ${e.file}: ${e.path}: ${e.message}`).join('\n')}\n`,
    );
    return 1;
  }
  const nodes = [...images.values()].map((i) => ({
    name: i.definition.name,
    parents: [parentOf(i.definition)].filter((p) => p !== undefined),
  }));
  const plan = planBuildWaves(nodes, affected as string[]);
  if (!plan.ok) {
    process.stderr.write(`build-waves: ${plan.error}\n`);
    return 1;
  }
  if (!values['one-runner'] && plan.waves.length > jobs) {
    process.stderr.write(
      `build-waves: the affected images need ${plan.waves.length} waves (${plan.waves.map((w) => w.join(' ')).join(' | ')}) and .github/workflows/ci.yml has ${jobs} wave jobs. Add wave jobs there (each needs the one before it) up to ${plan.waves.length}.\n`,
    );
    return 1;
  }
  plan.waves.forEach((wave, i) => process.stderr.write(`wave ${i + 1}: ${wave.join(', ')}\n`));
  if (values['one-runner']) process.stderr.write('no cache registry: one runner builds them all, parents first\n');
  for (const line of renderWaveOutputs(plan.waves, jobs, values['one-runner'])) process.stdout.write(`${line}\n`);
  return 0;
}

// Run only as a command, not when a test imports it.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`build-waves: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
