// Reads an assembled context from disk into the shape the lint rules take.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  chainLintFacts,
  isProjectManifest,
  type ImageManifest,
  type LintContext,
  type LintFile,
  type ResolvedImage,
} from '@vast/conventions';
import { listFiles } from '../../../lib/assemble-context';

const BINARY = /\0/;

/** The provisioning manifests a project holds outside ROOT/, with workspace-relative paths (VL070 checks them in place). */
export function readProjectManifests(workspaceRoot: string, projectDir: string): LintFile[] {
  const root = join(workspaceRoot, projectDir);
  return listFiles(root)
    .filter(isProjectManifest)
    .map((path) => ({
      path: `${projectDir}/${path}`,
      content: readFileSync(join(root, path), 'utf8'),
      mode: statSync(join(root, path)).mode,
    }));
}

export function readLintContext(
  contextDir: string,
  manifest: ImageManifest,
  image: ResolvedImage | undefined,
  workspaceRoot?: string,
): LintContext {
  const files = listFiles(contextDir)
    .filter((path) => path !== 'image.json')
    .map((path) => {
      const buffer = readFileSync(join(contextDir, path));
      const content = buffer.subarray(0, 8000).toString('latin1').match(BINARY) ? '' : buffer.toString('utf8');
      return { path, content, mode: statSync(join(contextDir, path)).mode };
    });
  return {
    image: manifest.name,
    class: manifest.class,
    source: manifest.source,
    files,
    ...(workspaceRoot ? { projectFiles: readProjectManifests(workspaceRoot, dirname(manifest.source)) } : {}),
    ...chainLintFacts(image),
  };
}
