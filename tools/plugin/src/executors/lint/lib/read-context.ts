// Reads an assembled context from disk into the shape the lint rules take.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chainLintFacts, type ImageManifest, type LintContext, type ResolvedImage } from '@vast/conventions';
import { listFiles } from '../../../lib/assemble-context';

const BINARY = /\0/;

export function readLintContext(contextDir: string, manifest: ImageManifest, image: ResolvedImage | undefined): LintContext {
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
    ...chainLintFacts(image),
  };
}
