// The release command (`npm run release`): version the packages from the pending changesets, refresh the
// lockfile, then build the released images parents first and push their tags; with --publish, tag in git exactly the
// versions it pushed. The decisions are scripts/release-plan.ts (pure); this file gathers the facts and runs the
// steps. Run with `npx tsx scripts/release.ts [options]`; `--help` lists them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResolvedImage } from '@vast/conventions';
import { pushResultFileOf, readWorkspaceImages, run } from '@vast/plugin/scripting';
import {
  describeStaging,
  planGitTags,
  planRelease,
  parseReleaseArgs,
  packageNameOf,
  stagingFromEnv,
  type PushOutcome,
  type ReleasePlan,
} from './release-plan';

const USAGE = `Usage: npm run release -- [options]

  (no option)        changeset version, npm install --package-lock-only, then docker-build and
                     docker-push every image whose version changed
  --version-only     stop after the lockfile refresh (the "Version images" pull request runs this)
  --publish          after the version PR merged: build and push every image whose current version has
                     no git tag yet, then tag in git exactly the versions it pushed
  --dry-run          change nothing: print the versions and the commands a release would run
  -c, --configuration <production|local>
                     build profile for docker-build and docker-push (default: production)
  --registry <host>  registry to push to (default: $VAST_REGISTRY)
  staging            with $VAST_STAGING_REGISTRY (host[:port][/path] on the same registry) and/or
                     $VAST_STAGING_NAMESPACE (a namespace replacing each repository's own, e.g. vastaistaging:
                     vastai/base-image stages as vastaistaging/base-image) set, the push goes there first, the
                     images are smoke tested, and the release tags are promoted from it by digest; upstream's
                     tag names move only then
  -h, --help         this text`;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function bin(root: string, name: string): string {
  return join(root, 'node_modules', '.bin', name);
}

/** The image family, validated as the build targets validate it; a broken definition stops the release. */
async function readImages(root: string): Promise<ResolvedImage[]> {
  const { images, errors } = await readWorkspaceImages(root);
  if (errors.length)
    throw new Error(
      `the image definitions have errors; fix them first:\n${errors.map((e) => `  ${e.file}: ${e.path}: ${e.message}`).join('\n')}`,
    );
  return [...images.values()];
}

/** The versions `changeset version` would write, read from `changeset status --output` (writes nothing in the repo). */
async function pendingVersions(root: string): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'release-status-'));
  try {
    const out = join(dir, 'plan.json');
    await run(bin(root, 'changeset'), ['status', `--output=${out}`], { cwd: root });
    const plan = JSON.parse(readFileSync(out, 'utf8')) as { releases: { name: string; newVersion: string; type: string }[] };
    return new Map(plan.releases.filter((r) => r.type !== 'none').map((r) => [r.name, r.newVersion]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const currentVersions = (images: ResolvedImage[]) => new Map(images.map((i) => [packageNameOf(i), i.version]));

const pushResultFile = (root: string, project: string) => join(root, pushResultFileOf(project));

/** What docker-push recorded for `project` in this run (the command removes older records before pushing). */
function readPushOutcome(root: string, project: string): PushOutcome | undefined {
  const file = pushResultFile(root, project);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as { version: string; registry: string; profile?: string; failed?: unknown };
  return {
    version: record.version,
    registry: record.registry,
    ...(record.profile ? { profile: record.profile } : {}),
    failed: record.failed !== undefined,
  };
}

function printPlan(plan: ReleasePlan, dryRun: boolean): void {
  log(`\nrelease: ${plan.releases.length ? 'images to release' : 'no image to release'}${dryRun ? ' (dry run)' : ''}`);
  for (const r of plan.releases) log(`  ${r.project.padEnd(16)} ${r.from} -> ${r.to}`);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseReleaseArgs(argv);
  if ('help' in parsed) {
    log(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`release: ${parsed.error}\n`);
    return 2;
  }
  const options = parsed;
  const root = resolve(__dirname, '..');
  const registry = options.registry ?? process.env.VAST_REGISTRY;
  const env = { ...process.env, ...(registry ? { VAST_REGISTRY: registry } : {}) };
  const step = async (what: string, command: string, args: string[]) => {
    log(`\nrelease: ${what}\n$ ${[command.startsWith(root) ? command.slice(root.length + 1) : command, ...args].join(' ')}`);
    await run(command, args, { cwd: root, env, stdio: 'inherit' });
  };
  // Checked before anything changes: a release that cannot push should not version either.
  if (!options.versionOnly && !options.dryRun && !registry) {
    process.stderr.write('release: no registry to push to. Pass --registry=<host[:port]> or set VAST_REGISTRY. Nothing was changed.\n');
    return 1;
  }

  const stagingSetting = stagingFromEnv(process.env, registry);
  if ('error' in stagingSetting) {
    process.stderr.write(`release: ${stagingSetting.error} Nothing was changed.\n`);
    return 1;
  }
  const { staging } = stagingSetting;

  const images = await readImages(root);
  let plan: ReleasePlan;
  if (options.publish) {
    const gitTags = new Set((await run('git', ['tag', '--list', '@vast/*'], { cwd: root })).stdout.split('\n').filter(Boolean));
    plan = planRelease({ images, versionsAfter: currentVersions(images), gitTags, configuration: options.configuration, staging });
  } else if (options.dryRun) {
    plan = planRelease({ images, versionsAfter: await pendingVersions(root), configuration: options.configuration, staging });
  } else {
    await step('1/4 apply the changesets', bin(root, 'changeset'), ['version']);
    // changeset version does not touch package-lock.json; without this `npm ci` fails on the version PR.
    await step('2/4 refresh the lockfile', 'npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund']);
    plan = planRelease({
      images,
      versionsAfter: currentVersions(await readImages(root)),
      configuration: options.configuration,
      staging,
    });
  }

  printPlan(plan, options.dryRun);
  if (options.versionOnly) return 0;
  // An image with no variant in this profile has nothing to build or push (the local profile builds only what Debian
  // packages can make); say so rather than fail halfway through the chain.
  for (const { release, reason } of plan.skipped) log(`  ${release.project.padEnd(16)} not built or pushed: ${reason}`);
  if (!plan.build.length) return 0;

  const buildCommand = plan.commands[0];
  const pushCommand = plan.commands[plan.commands.length - 1];
  // Staged: the push to staging and the smoke tests, before the promotion (pushCommand).
  const staged = plan.commands.slice(1, -1);
  if (options.dryRun) {
    log('\nrelease: would run');
    if (!options.publish) {
      log('  changeset version');
      log('  npm install --package-lock-only --ignore-scripts --no-audit --no-fund');
    }
    for (const c of plan.commands) log(`  nx ${c.join(' ')}`);
    if (options.publish)
      log(`  git tag <package>@<version> for each image the push completes (${plan.build.map((r) => r.project).join(', ')})`);
    return 0;
  }
  const nx = bin(root, 'nx');
  await step('3/4 build the released images, parents first', nx, buildCommand);
  // Only this run's records count: an older push-result.json must not make an image look pushed.
  for (const r of plan.build) rmSync(pushResultFile(root, r.project), { force: true });
  // A failure here throws: nothing is promoted that was not staged and smoke tested.
  for (const [i, command] of staged.entries())
    await step(i === 0 ? `3/4 stage them in ${describeStaging(staging!)}` : '3/4 smoke test the staged images', nx, command);
  const pushFailed = await step(
    staged.length
      ? `4/4 promote their tags from ${describeStaging(staging!)} to ${registry}, by digest`
      : `4/4 push their tags to ${registry}`,
    nx,
    pushCommand,
  ).then(
    () => false,
    (error: unknown) => {
      process.stderr.write(`release: the push stopped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
      return true;
    },
  );

  const pushed = new Map(plan.build.map((r) => [r.project, readPushOutcome(root, r.project)]));
  if (!options.publish) {
    const done = plan.build.filter((r) => pushed.get(r.project) && !pushed.get(r.project)?.failed);
    log(`\nrelease: pushed ${done.map((r) => `${r.project}@${r.to}`).join(', ') || 'nothing'}`);
    log('release: no git tag yet: commit the version changes, then npm run release -- --publish tags what is in the registry.');
    return pushFailed ? 1 : 0;
  }
  const tags = planGitTags(plan, { images, configuration: options.configuration, registry: registry as string, pushed });
  log('\nrelease: git tags');
  for (const tag of tags.create) {
    // The tag changeset tag would create (annotated, so git push --follow-tags pushes it).
    await run('git', ['tag', tag, '-m', tag], { cwd: root });
    // Worded as changeset tag words it: changesets/action finds the published versions by "New tag:" lines.
    log(`  New tag:         ${tag}`);
  }
  for (const { release, reason } of tags.untagged) log(`  not tagged       ${release.name}@${release.to}: ${reason}`);
  if (tags.untagged.length) log('release: the untagged versions stay unreleased; the next --publish picks them up.');
  return pushFailed ? 1 : 0;
}

// Run only as a command, not when a test imports it.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`release: ${error instanceof Error ? error.message : String(error)}\nNothing after the failed step ran.\n`);
      process.exit(1);
    },
  );
}
