// Golden files: the assembled contexts of the real images, committed, so a renderer change is a reviewable diff.
// Regenerate with: UPDATE_GOLDEN=1 npx nx run plugin:test
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintContext } from '@vast/conventions';
import { assembleContext, listFiles } from '../../lib/assemble-context';
import { imageProjectDirs, readWorkspaceImages, type WorkspaceImages } from '../../lib/workspace-images';
import { readLintContext } from '../lint/lib/read-context';
import { runShellChecks } from '../lint/lib/shellcheck';

const workspaceRoot = join(__dirname, '../../../../..');
const goldenDir = join(__dirname, '../../../golden');
/** Every image project of the workspace: a new image is checked (and needs its golden files) from its first commit. */
const IMAGES = imageProjectDirs(workspaceRoot);
const update = process.env.UPDATE_GOLDEN === '1';

let workspace: WorkspaceImages;
let out: string;

beforeAll(async () => {
  workspace = await readWorkspaceImages(workspaceRoot);
  out = mkdtempSync(join(tmpdir(), 'vast-golden-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * The golden form of a context: the contents of every generated file, and a MODES list of every file with its mode
 * (scripts must stay executable) and where it came from. Overlay files are listed, not copied: they are in ROOT/.
 */
function snapshot(dir: string, overlayDir: string): Map<string, string> {
  const overlay = new Set(listFiles(overlayDir).map((p) => `ROOT/${p}`));
  const files = new Map<string, string>();
  const modes: string[] = [];
  for (const path of listFiles(dir)) {
    const mode = statSync(join(dir, path)).mode & 0o111 ? '755' : '644';
    modes.push(`${mode} ${overlay.has(path) ? 'overlay  ' : 'generated'} ${path}`);
    if (overlay.has(path)) continue;
    const content = readFileSync(join(dir, path), 'utf8');
    files.set(
      path,
      path === 'image.json' ? content.replace(/"contextHash": "[0-9a-f]+"/, '"contextHash": "(varies with the overlay)"') : content,
    );
  }
  files.set('MODES', modes.join('\n') + '\n');
  return files;
}

describe('assembled contexts', () => {
  it('the workspace definitions are valid', () => {
    expect(workspace.errors).toEqual([]);
    expect([...workspace.images.keys()].sort()).toEqual([...IMAGES].sort());
  });

  it.each(IMAGES)('%s matches its golden files', (name) => {
    const contextDir = join(out, name);
    assembleContext(workspaceRoot, workspace.images.get(name)!, { contextDir, skipArtifacts: true });
    const actual = snapshot(contextDir, join(workspaceRoot, 'packages/images', name, 'ROOT'));
    const golden = join(goldenDir, name);
    if (update) {
      rmSync(golden, { recursive: true, force: true });
      for (const [path, content] of actual) {
        mkdirSync(dirname(join(golden, path)), { recursive: true });
        writeFileSync(join(golden, path), content);
      }
    }
    expect(existsSync(golden), `no golden files for ${name}: run UPDATE_GOLDEN=1 npx nx run plugin:test`).toBe(true);
    const expected = new Map(listFiles(golden).map((p) => [p, readFileSync(join(golden, p), 'utf8')]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of actual)
      expect(content, `${name}/${path} differs from golden (UPDATE_GOLDEN=1 to accept)`).toBe(expected.get(path));
  });

  it.each(IMAGES)('%s lints clean, shellcheck and the step checks included', async (name) => {
    const contextDir = join(out, `${name}-lint`);
    const { manifest } = assembleContext(workspaceRoot, workspace.images.get(name)!, { contextDir, skipArtifacts: true });
    const context = readLintContext(contextDir, manifest, workspace.images.get(name));
    const findings = [...lintContext(context), ...(await runShellChecks(contextDir, context))];
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
