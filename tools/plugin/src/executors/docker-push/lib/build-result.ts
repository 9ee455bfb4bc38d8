// The checks that decide whether build-result.json (its shape: lib/build-result) describes a complete build of the
// version being released. Pure: the caller reads the files.

import { isPlatform } from '@vast/conventions';
import type { BuildResult, BuiltVariant } from '../../../lib/build-result';

/** The parts of dist/images/<name>/image.json the push cross-checks. */
export interface ManifestFacts {
  repository: string;
  version: string;
  variants: { key: string; local: boolean; platforms?: string[]; onDemand?: boolean }[];
}

export interface BuildResultFacts {
  /** Workspace-relative path of build-result.json, for messages. */
  file: string;
  projectName: string;
  /** The version in the project's package.json now (after `changeset version`). */
  packageVersion: string;
  /** Workspace-relative path of that package.json, for messages. */
  packageFile: string;
  manifest?: ManifestFacts;
  manifestFile?: string;
  /** The profile the docker-push target runs with. */
  profile?: 'production' | 'local';
  /** `--variants`: push only these (all of them must be built); unset, every variant of the profile but the onDemand ones. */
  variants?: string[];
}

export type BuildResultCheck = { ok: true; result: BuildResult } | { ok: false; errors: string[] };

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Validates parsed build-result.json against the project's current facts. Every problem is reported,
 * each as `<file>: <field>: what is wrong. What to do.`
 */
export function checkBuildResult(value: unknown, facts: BuildResultFacts): BuildResultCheck {
  const { file } = facts;
  const rebuild = `Run nx run ${facts.projectName}:docker-build${facts.profile ? ` -c ${facts.profile}` : ''} first.`;
  if (!isRecord(value)) return { ok: false, errors: [`${file}: is not a JSON object. ${rebuild}`] };

  const errors: string[] = [];
  for (const field of ['name', 'repository', 'version'] as const) {
    if (!isText(value[field])) errors.push(`${file}: ${field}: is missing. ${rebuild}`);
  }
  if (isText(value.name) && value.name !== facts.projectName) {
    errors.push(
      `${file}: name: is '${value.name}', but this is project '${facts.projectName}'. Delete the file and ${rebuild.toLowerCase()}`,
    );
  }
  if (isText(value.version) && value.version !== facts.packageVersion) {
    errors.push(
      `${file}: version: the build is of ${value.version}, but ${facts.packageFile} now says ${facts.packageVersion}. ${rebuild}`,
    );
  }
  if (value.profile !== undefined && value.profile !== 'production' && value.profile !== 'local') {
    errors.push(`${file}: profile: must be 'production' or 'local'. ${rebuild}`);
  }

  const variants: BuiltVariant[] = [];
  if (!Array.isArray(value.variants) || value.variants.length === 0) {
    errors.push(`${file}: variants: no built variant is listed. ${rebuild}`);
  } else {
    const seen = new Set<string>();
    value.variants.forEach((entry, i) => {
      const at = `${file}: variants.${i}`;
      if (!isRecord(entry)) {
        errors.push(`${at}: is not an object. ${rebuild}`);
        return;
      }
      const bad = (['key', 'buildTag', 'imageId'] as const).filter((f) => !isText(entry[f]));
      for (const f of bad) errors.push(`${at}.${f}: is missing, so this variant did not finish building. ${rebuild}`);
      if (bad.length) return;
      const variant: BuiltVariant = { key: entry.key as string, buildTag: entry.buildTag as string, imageId: entry.imageId as string };
      // Left in the cache registry by docker-build: the push pulls it from there first.
      if (isText(entry.cacheRef))
        Object.assign(variant, { cacheRef: entry.cacheRef, ...(isText(entry.versionTag) ? { versionTag: entry.versionTag } : {}) });
      // One platform's build (docker-build --platform): pushed under `-<arch>` names, for docker-push --merge.
      if (entry.platform !== undefined) {
        if (typeof entry.platform === 'string' && isPlatform(entry.platform)) variant.platform = entry.platform;
        else errors.push(`${at}.platform: '${String(entry.platform)}' is not linux/amd64 or linux/arm64. ${rebuild}`);
      }
      // A manual build's --tag names, pushed after the release tags.
      if (Array.isArray(entry.extraTags) && entry.extraTags.every(isText)) variant.extraTags = entry.extraTags as string[];
      if (!IMAGE_ID.test(variant.imageId)) errors.push(`${at}.imageId: '${variant.imageId}' is not a sha256 image id. ${rebuild}`);
      const id = `${variant.key}${variant.platform ? ` (${variant.platform})` : ''}`;
      if (seen.has(id)) errors.push(`${at}.key: '${id}' is listed twice. ${rebuild}`);
      seen.add(id);
      variants.push(variant);
    });
  }

  const manifest = facts.manifest;
  const manifestFile = facts.manifestFile ?? 'image.json';
  if (manifest) {
    if (isText(value.repository) && value.repository !== manifest.repository) {
      errors.push(`${file}: repository: is '${value.repository}', but ${manifestFile} says '${manifest.repository}'. ${rebuild}`);
    }
    const known = new Set(manifest.variants.map((v) => v.key));
    for (const v of variants) {
      if (!known.has(v.key)) errors.push(`${file}: variants: '${v.key}' is not a variant in ${manifestFile}. ${rebuild}`);
    }
    // All or nothing: a release of the profile needs every variant of that profile built (or every one --variants names).
    const profile = facts.profile ?? (value.profile as BuildResult['profile']);
    if (profile) {
      const built = new Set(variants.map((v) => v.key));
      const missing = manifest.variants
        .filter((v) => (profile === 'local' ? v.local : !v.local) && isSelected(v, facts.variants) && !built.has(v.key))
        .map((v) => v.key);
      if (missing.length) {
        errors.push(`${file}: variants: ${missing.map((k) => `'${k}'`).join(', ')} of the ${profile} profile not built. ${rebuild}`);
      }
    }
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    result: {
      name: value.name as string,
      repository: value.repository as string,
      version: value.version as string,
      ...(value.profile ? { profile: value.profile as BuildResult['profile'] } : {}),
      ...(isRecord(value.overrides) && Object.keys(value.overrides).length ? { overrides: value.overrides as Record<string, string> } : {}),
      // Only what the push selects is pushed (--variants, else all but onDemand): other variants built stay local.
      variants: variants.filter((v) => {
        const declared = manifest?.variants.find((m) => m.key === v.key);
        return declared ? isSelected(declared, facts.variants) : !facts.variants || facts.variants.includes(v.key);
      }),
    },
  };
}

/** Whether a push includes a variant: the one --variants names, else every variant that is not onDemand. */
export const isSelected = (variant: { key: string; onDemand?: boolean }, selection: readonly string[] | undefined): boolean =>
  selection ? selection.includes(variant.key) : !variant.onDemand;
