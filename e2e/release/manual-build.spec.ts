// docker-build's manual overrides and housekeeping against the real engine, on a few tiny images (one small layer on the local
// Debian root, so each build takes a second): --arg gives each build its own content tag and is recorded; --prune=N
// keeps the last N build-* tags of the variant it builds and leaves other variants alone.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildResultFileOf,
  dockerBuildExecutor,
  dockerCommand,
  fakeExecutorContext,
  imageExists,
  LOCAL_ROOT_DEFAULTS,
  run,
  type BuildResult,
} from '@vast/plugin/testing';
import { ensureLocalRoot } from '../support/local-base-image';

const REPOSITORY = `release-manual-e2e-${randomBytes(4).toString('hex')}/tiny`;
let root: string;
let cwd: string;

/** A workspace with one assembled base image `tiny` of two local variants, whose Dockerfile labels the image with N. */
function writeWorkspace(dir: string): void {
  mkdirSync(join(dir, 'packages/images/tiny'), { recursive: true });
  mkdirSync(join(dir, 'dist/images/tiny'), { recursive: true });
  writeFileSync(join(dir, 'packages/images/tiny/image.ts'), '// the assembled context below stands in for a real build\n');
  const variant = (key: string) => ({ key, local: true, from: LOCAL_ROOT_DEFAULTS.image, args: { N: '0' } });
  writeFileSync(
    join(dir, 'dist/images/tiny/image.json'),
    JSON.stringify({
      name: 'tiny',
      class: 'base',
      repository: REPOSITORY,
      version: '1.0.0',
      source: 'packages/images/tiny/image.ts',
      contextHash: 'tiny',
      upstreamTags: { scheme: 'none' },
      variants: [variant('local'), variant('other')],
    }),
  );
  // RUN makes a layer of its own, so each build is created when it is built (a LABEL alone keeps the root's time).
  writeFileSync(
    join(dir, 'dist/images/tiny/Dockerfile'),
    'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG N\nRUN echo "${N}" > /n\nLABEL io.vast.e2e.n=${N}\n',
  );
}

/** Runs docker-build on `tiny` with `options`; returns its record and every line it printed. */
async function build(options: Record<string, unknown>): Promise<{ record: BuildResult; lines: string[] }> {
  const lines: string[] = [];
  const log = vi.spyOn(logger, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    const result = await dockerBuildExecutor({ profile: 'local', ...options }, fakeExecutorContext(root, 'tiny'));
    expect(result.success, lines.join('\n')).toBe(true);
    return { record: JSON.parse(readFileSync(join(root, buildResultFileOf('tiny')), 'utf8')) as BuildResult, lines };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** The build-* tags of the repository the engine holds, sorted. */
async function buildTags(): Promise<string[]> {
  const listed = await run(dockerCommand(), [
    'image',
    'ls',
    '--filter',
    `reference=${REPOSITORY}:build-*`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]);
  return listed.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  await ensureLocalRoot();
  root = mkdtempSync(join(tmpdir(), 'release-manual-'));
  writeWorkspace(root);
  // The executor hands docker the context as a workspace-relative path, as under Nx (which runs it from the root).
  cwd = process.cwd();
  process.chdir(root);
}, 15 * 60_000);

afterAll(async () => {
  if (cwd) process.chdir(cwd);
  const listed = await run(
    dockerCommand(),
    ['image', 'ls', '--filter', `reference=${REPOSITORY}:*`, '--format', '{{.Repository}}:{{.Tag}}'],
    {
      reject: false,
    },
  );
  for (const ref of listed.stdout.split('\n').filter(Boolean))
    await run(dockerCommand(), ['image', 'rm', '--force', ref], { reject: false });
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('docker-build --arg and --prune on the real engine', () => {
  const local: string[] = [];
  let other: string;

  it('--arg gives each override its own content tag, recorded, with no version tag; --tag names it', async () => {
    for (const n of ['1', '2', '3']) {
      const { record, lines } = await build({ variants: ['local'], arg: [`N=${n}`], tag: 'try' });
      expect(record.overrides).toEqual({ N: n });
      expect(record.variants).toHaveLength(1);
      expect(record.variants[0]).toMatchObject({ key: 'local', extraTags: [`${REPOSITORY}:try-local`] });
      expect(record.variants[0].versionTag).toBeUndefined();
      expect(lines[0]).toBe(`# manual build: --arg N=${n} (in the content hash; no version tag, this is not the 1.0.0 release)`);
      local.push(record.variants[0].buildTag);
    }
    expect(new Set(local).size).toBe(3);
    const label = await run(dockerCommand(), [
      'image',
      'inspect',
      '--format',
      '{{index .Config.Labels "io.vast.e2e.n"}}',
      `${REPOSITORY}:try-local`,
    ]);
    expect(label.stdout.trim()).toBe('3');
    expect(await imageExists(`${REPOSITORY}:1.0.0-local`)).toBe(false);
    other = (await build({ variants: ['other'] })).record.variants[0].buildTag;
    expect(await imageExists(`${REPOSITORY}:1.0.0-other`)).toBe(true);
  });

  it('refuses an --arg the image does not have, naming the known ones, and builds nothing', async () => {
    const lines: string[] = [];
    const error = vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(line));
    try {
      const result = await dockerBuildExecutor({ profile: 'local', arg: ['M=1'] }, fakeExecutorContext(root, 'tiny'));
      expect(result.success).toBe(false);
    } finally {
      error.mockRestore();
    }
    expect(lines).toEqual([
      "tiny:docker-build: packages/images/tiny/image.ts: args: 'M' is not a build arg of tiny, so --arg cannot set it. Known: N.",
    ]);
    expect(await buildTags()).toEqual([...local, other].sort());
  });

  it("--prune=2 keeps this build and the one before it of the variant, untags older ones, and leaves other variants' builds", async () => {
    const { record, lines } = await build({ variants: ['local'], arg: ['N=4'], prune: 2 });
    const newest = record.variants[0].buildTag;
    expect(lines.at(-1)).toBe(`tiny:local: --prune=2: untagged ${local[1]}, ${local[0]}`);
    expect(await buildTags()).toEqual([local[2], newest, other].sort());
    // The image that only the pruned tag named is gone from the engine, not just untagged.
    expect(await imageExists(local[0])).toBe(false);

    const again = await build({ variants: ['local'], arg: ['N=4'], prune: 1 });
    expect(again.lines).toContain(`[1/1] tiny:local: up to date (${newest} exists), skipped`);
    expect(again.lines.at(-1)).toBe(`tiny:local: --prune=1: untagged ${local[2]}`);
    expect(await buildTags()).toEqual([newest, other].sort());
  });
});
