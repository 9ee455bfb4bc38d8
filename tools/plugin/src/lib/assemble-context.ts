// Writes an image's build context: generated files, the project's ROOT/ overlay and artifacts, then image.json.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  hashContext,
  renderContextFiles,
  renderImageManifest,
  type HashedFile,
  type ImageManifest,
  type ResolvedImage,
} from '@vast/conventions';

export const DIST_IMAGES = 'dist/images';
export const contextDirOf = (workspaceRoot: string, image: string) => join(workspaceRoot, DIST_IMAGES, image);

/** Every file below `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

export interface AssembleResult {
  contextDir: string;
  manifest: ImageManifest;
  files: string[];
}

export interface AssembleOptions {
  /** Where to write (default dist/images/<name>). */
  contextDir?: string;
  /** Leave out artifacts of other projects (golden files pin what this image's own sources render). */
  skipArtifacts?: boolean;
}

export function assembleContext(workspaceRoot: string, image: ResolvedImage, options: AssembleOptions = {}): AssembleResult {
  const projectDir = join(workspaceRoot, dirname(image.file));
  const contextDir = options.contextDir ?? contextDirOf(workspaceRoot, image.definition.name);
  const generated = renderContextFiles(image);
  const overlay = join(projectDir, 'ROOT');

  // A hand-written file where a generated one goes would be silently lost: make the author choose.
  for (const file of generated) {
    if (file.path.startsWith('ROOT/') && existsSync(join(projectDir, file.path))) {
      throw new Error(
        `${dirname(image.file)}/${file.path}: is generated from ${image.file}; delete the hand-written copy or rename the service.`,
      );
    }
  }

  rmSync(contextDir, { recursive: true, force: true });
  mkdirSync(join(contextDir, 'ROOT'), { recursive: true });
  if (existsSync(overlay)) cpSync(overlay, join(contextDir, 'ROOT'), { recursive: true, preserveTimestamps: false });
  for (const artifact of options.skipArtifacts ? [] : image.definition.artifacts) {
    const from = join(workspaceRoot, artifact.from);
    if (!existsSync(from)) {
      throw new Error(
        `${image.file}: artifacts: ${artifact.from} does not exist. It is the output of a dependency's build target; run nx run ${image.definition.name}:build (which builds dependencies first).`,
      );
    }
    cpSync(from, join(contextDir, 'ROOT', artifact.to), { recursive: true });
  }
  for (const file of generated) {
    const target = join(contextDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }

  const files = listFiles(contextDir);
  const hashed: HashedFile[] = files.map((path) => ({
    path,
    mode: statSync(join(contextDir, path)).mode,
    content: readFileSync(join(contextDir, path)),
  }));
  const manifest = renderImageManifest(image, hashContext(hashed));
  writeFileSync(join(contextDir, 'image.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { contextDir, manifest, files };
}

export function readManifest(workspaceRoot: string, image: string): ImageManifest | undefined {
  const file = join(contextDirOf(workspaceRoot, image), 'image.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ImageManifest) : undefined;
}
