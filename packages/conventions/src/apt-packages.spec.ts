import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptPackageNames, aptProfileDifferences, renderAptInstall, renderGraftAptList, type AptPackage } from './apt-packages';
import { GRAFT_APT_LIST } from './runtime-contract';

const LIST: AptPackage[] = [
  { name: 'curl', group: 'Base' },
  { name: 'man', group: 'Base', local: 'man-db', why: 'virtual in bookworm' },
  { name: 'fonts-ubuntu', group: 'Display', local: false, why: 'not in Debian' },
  { name: 'nodejs', group: 'Runtime', command: 'node' },
  { name: 'supervisor', group: 'Runtime', command: 'supervisord', production: false, why: 'from PyPI in production' },
];

describe('one apt list, two profiles', () => {
  it('gives each profile its names, substitutes and exclusions applied', () => {
    expect(aptPackageNames(LIST, 'production')).toEqual(['curl', 'man', 'fonts-ubuntu', 'nodejs']);
    expect(aptPackageNames(LIST, 'local')).toEqual(['curl', 'man-db', 'nodejs', 'supervisor']);
  });

  it('names every difference with its reason, and nothing else', () => {
    expect(aptProfileDifferences(LIST)).toEqual([
      { production: 'man', local: 'man-db', why: 'virtual in bookworm' },
      { production: 'fonts-ubuntu', local: null, why: 'not in Debian' },
      { production: null, local: 'supervisor', why: 'from PyPI in production' },
    ]);
  });

  it("gives the graft the profile's list, commands named, plus (production) the runtime production takes from PyPI", () => {
    expect(renderGraftAptList(LIST, 'local')).toBe('curl\nman-db\nnodejs node\nsupervisor supervisord');
    expect(renderGraftAptList(LIST, 'production')).toBe('curl\nman\nfonts-ubuntu\nnodejs node\nsupervisor supervisord');
  });

  it('renders an install step that names its differences and writes the graft list (bash runs it as written)', () => {
    const step = renderAptInstall(LIST, 'local');
    expect(step).toContain("# man-db for production's man: virtual in bookworm");
    expect(step).toContain('# not fonts-ubuntu (production only): not in Debian');
    expect(step).toContain('# supervisor (this profile only): from PyPI in production');
    expect(step).toMatch(/apt-get install -y --no-install-recommends \\\n {2}curl man-db nodejs supervisor\n/);
    expect(renderAptInstall(LIST, 'production', { upgrade: true })).toMatch(/apt-get update\napt-get upgrade -y\n/);

    // The heredoc part, run by bash against a scratch root: the file graft.sh reads holds exactly the list.
    const root = mkdtempSync(join(tmpdir(), 'vast-apt-'));
    try {
      const heredoc = step.slice(step.indexOf('mkdir -p')).replaceAll(GRAFT_APT_LIST, `${root}${GRAFT_APT_LIST}`);
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', heredoc], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(readFileSync(`${root}${GRAFT_APT_LIST}`, 'utf8')).toBe(`${renderGraftAptList(LIST, 'local')}\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
