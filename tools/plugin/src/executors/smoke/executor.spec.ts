import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import smokeExecutor from './executor';

describe('smoke executor (no engine needed)', () => {
  let root: string;
  let logs: string[];
  let errors: string[];
  const context = () => ({ root, projectName: 'base-image' }) as unknown as ExecutorContext;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'smoke-executor-spec-'));
    logs = [];
    errors = [];
    vi.spyOn(logger, 'log').mockImplementation((line: string) => void logs.push(line));
    vi.spyOn(logger, 'error').mockImplementation((line: string) => void errors.push(line));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('fails with the command to run when nothing was built', async () => {
    expect(await smokeExecutor({ profile: 'local' }, context())).toEqual({ success: false });
    expect(errors).toEqual([
      'base-image:smoke: dist/builds/base-image/build-result.json is missing, so there is no image to boot. Build it first: nx run base-image:docker-build -c local',
    ]);
  });

  it('prints the image and every check in a dry run, booting nothing', async () => {
    mkdirSync(join(root, 'dist/builds/base-image'), { recursive: true });
    writeFileSync(
      join(root, 'dist/builds/base-image/build-result.json'),
      JSON.stringify({ profile: 'local', variants: [{ key: 'local', buildTag: 'vastai/base-image:build-0123456789ab' }] }),
    );
    expect(await smokeExecutor({ profile: 'local', dryRun: true }, context())).toEqual({ success: true });
    expect(logs[0]).toBe(
      'base-image:smoke would boot vastai/base-image:build-0123456789ab with PORTAL_CONFIG=localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:8384:18384:/:Syncthing and run:',
    );
    expect(logs.some((l) => /^ {2}boot-stages-in-order\s+every stage/.test(l))).toBe(true);
    expect(logs.some((l) => /^ {2}jupyter-answers-internally\s/.test(l))).toBe(true);
  });
});
