// base-image's two apt steps, as its assembled context renders them: the local (bookworm) and production (Ubuntu)
// package lists differ only where the local step names the difference and says why.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleContext } from '../../lib/assemble-context';
import { readWorkspaceImages } from '../../lib/workspace-images';

const workspaceRoot = join(__dirname, '../../../../..');
let out: string;
let steps: Map<string, string>;

beforeAll(async () => {
  const workspace = await readWorkspaceImages(workspaceRoot);
  out = mkdtempSync(join(tmpdir(), 'vast-apt-steps-'));
  assembleContext(workspaceRoot, workspace.images.get('base-image')!, { contextDir: out, skipArtifacts: true });
  steps = new Map(readdirSync(join(out, 'steps')).map((f) => [f.replace(/^\d+-|\.sh$/g, ''), readFileSync(join(out, 'steps', f), 'utf8')]));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The names after `apt-get install -y --no-install-recommends \`, up to the line that does not continue. */
function installed(script: string): string[] {
  const lines = script.split('\n');
  const start = lines.findIndex((l) => l.startsWith('apt-get install -y --no-install-recommends'));
  const names: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    names.push(...lines[i].replace(/\\$/, '').trim().split(/\s+/));
    if (!lines[i].endsWith('\\')) break;
  }
  return names;
}

/** The local step's named differences: `{ production, local }` from its `# ...: why` comment lines. */
function namedDifferences(script: string): Array<{ production?: string; local?: string }> {
  return script.split('\n').flatMap((line): Array<{ production?: string; local?: string }> => {
    let m = /^# not (\S+) \(production only\): \S/.exec(line);
    if (m) return [{ production: m[1] }];
    m = /^# (\S+) \(this profile only\): \S/.exec(line);
    if (m) return [{ local: m[1] }];
    m = /^# (\S+) for production's (\S+): \S/.exec(line);
    return m ? [{ local: m[1], production: m[2] }] : [];
  });
}

describe("base-image's apt packages", () => {
  it('local and production install the same list but for the differences the local step names, each with a reason', () => {
    const local = installed(steps.get('debian-packages')!);
    const production = installed(steps.get('system-packages')!);
    expect(production.length).toBeGreaterThanOrEqual(82);
    const named = namedDifferences(steps.get('debian-packages')!);
    expect(named.length).toBeGreaterThan(0);

    const onlyProduction = production.filter((p) => !local.includes(p)).sort();
    const onlyLocal = local.filter((p) => !production.includes(p)).sort();
    expect(onlyProduction).toEqual(named.flatMap((d) => (d.production ? [d.production] : [])).sort());
    expect(onlyLocal).toEqual(named.flatMap((d) => (d.local ? [d.local] : [])).sort());
  });

  it('installs in the local profile too what templates call (wget, ss, lsof, htop, git-lfs, zip, dig, netstat)', () => {
    const local = installed(steps.get('debian-packages')!);
    for (const name of ['wget', 'iproute2', 'lsof', 'htop', 'git-lfs', 'zip', 'dnsutils', 'net-tools']) expect(local).toContain(name);
  });
});
