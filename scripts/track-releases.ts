// The release-tracking command (`npm run track-releases`): for every image.ts that tracks an upstream source, asks the
// source for its releases, and when a newer one is old enough moves the tracked build arg (or the version its
// variants' upstream images are tagged with) in image.ts, writes a patch
// changeset and prints the pull request's title and body. The decisions are @vast/conventions release-tracking
// (pure); the HTTP clients are the plugin's. A script, not a generator or an Nx target: it spans the whole family,
// needs the network, and feeds a workflow that opens one pull request per image, as `npm run release` does for
// releases. Run with `npx tsx scripts/track-releases.ts [options]`; `--help` lists them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  currentUpstreamVersion,
  decideTrackUpdate,
  moveArgInSource,
  moveUpstreamVersionInSource,
  renderTrackChangeset,
  renderTrackPullRequest,
  trackedSubject,
  type ResolvedImage,
} from '@vast/conventions';
import { endpointsFromEnv, fetchReleases, readWorkspaceImages, SourceError } from '@vast/plugin/scripting';

const USAGE = `Usage: npm run track-releases -- [options]

  --image <name>     only this image (the scheduled workflow runs one image per job, one pull request each)
  --list             print the images that track a source, as a JSON array, and ask no source
  --dry-run          change nothing: print what would move
  --pr-file <file>   write the pull request's {"title","body"} as JSON there when an arg moved
  -h, --help         this text

Sources: VAST_GITHUB_API, VAST_DOCKERHUB_API, VAST_PYPI_API override the API hosts; GITHUB_TOKEN raises GitHub's limit.`;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        image: { type: 'string' },
        list: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'pr-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`track-releases: ${(error as Error).message}. See --help.\n`);
    return 2;
  }
  if (values.help) {
    log(USAGE);
    return 0;
  }
  const root = resolve(__dirname, '..');
  const { images, errors } = await readWorkspaceImages(root);
  if (errors.length) {
    process.stderr.write(
      `track-releases: fix the image definitions first:\n${errors.map((e) => `  ${e.file}: ${e.path}: ${e.message}`).join('\n')}\n`,
    );
    return 1;
  }
  if (values.list) {
    log(JSON.stringify([...images.values()].filter((i) => i.definition.track.length).map((i) => i.definition.name)));
    return 0;
  }
  const selected: ResolvedImage[] = [...images.values()].filter((i) => !values.image || i.definition.name === values.image);
  if (values.image && !selected.length) {
    process.stderr.write(`track-releases: --image ${values.image}: no such image project. Use one of: ${[...images.keys()].join(', ')}.\n`);
    return 2;
  }
  const endpoints = endpointsFromEnv(process.env);
  const now = new Date();
  let failed = 0;
  const pulls: { title: string; body: string }[] = [];
  for (const image of selected) {
    const def = image.definition;
    for (const tracking of def.track) {
      const label = `${def.name} ${trackedSubject(tracking)}`;
      let releases;
      try {
        releases = await fetchReleases(tracking.source, endpoints);
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        failed++;
        log(`${label}: ${error.message}`);
        continue;
      }
      // An `upstream` entry's version was checked when the definition was read (parseImageDefinition).
      const upstream = 'upstream' in tracking ? currentUpstreamVersion(def.variants, tracking.upstream) : undefined;
      const current = 'arg' in tracking ? def.args[tracking.arg] : upstream && 'version' in upstream ? upstream.version : '';
      const decision = decideTrackUpdate(tracking, current, releases, now);
      if (decision.kind === 'none') {
        log(`${label}: unchanged: ${decision.reason}`);
        continue;
      }
      const file = image.file;
      const text = readFileSync(join(root, file), 'utf8');
      const moved =
        'arg' in tracking
          ? moveArgInSource(file, text, tracking.arg, decision.from, decision.to)
          : moveUpstreamVersionInSource(file, text, tracking.upstream, decision.from, decision.to);
      const changeset = renderTrackChangeset(`@vast/${def.name}`, tracking, decision);
      const pull = renderTrackPullRequest(def.name, file, tracking, decision, changeset.file);
      if (!values['dry-run']) {
        writeFileSync(join(root, file), moved);
        writeFileSync(join(root, '.changeset', changeset.file), changeset.text);
      }
      log(
        `${label}: ${decision.from} -> ${decision.to}${values['dry-run'] ? ' (dry run: nothing written)' : `: wrote ${file} and .changeset/${changeset.file}`}`,
      );
      log(`\n${pull.title}\n\n${pull.body}\n`);
      pulls.push(pull);
    }
  }
  if (values['pr-file'] && pulls.length && !values['dry-run']) {
    writeFileSync(
      values['pr-file'],
      `${JSON.stringify({ title: pulls.map((p) => p.title).join('; '), body: pulls.map((p) => p.body).join('\n\n') })}\n`,
    );
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`track-releases: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
