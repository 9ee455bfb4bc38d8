// Reads what a push is decided from: build-result.json (docker-build), image.json (build) and the
// project's package.json version, and checks them with checkBuildResult.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upstreamTagSchemeOf, type ImageClass, type UpstreamTagScheme, type UpstreamTagVariant } from '@vast/conventions';
import { buildResultFileOf, type BuildResult } from '../../../lib/build-result';
import { checkBuildResult, isSelected, type ManifestFacts } from './build-result';
import type { NormalizedDockerPushOptions } from './normalize-options';

/** What image.json says about upstream's tag names: the scheme and each variant's facts. */
export interface UpstreamTagFacts {
  scheme: UpstreamTagScheme;
  variants: UpstreamTagVariant[];
}

export type PushInputs =
  | { ok: true; result: BuildResult; buildResultFile: string; upstream?: UpstreamTagFacts }
  /** Only for --dry-run: nothing built yet, so the plan comes from image.json. */
  | { ok: 'manifest-only'; manifest: ManifestFacts & { name: string }; note: string; upstream?: UpstreamTagFacts }
  | { ok: false; errors: string[] };

function readJson(file: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export function readPushInputs(o: NormalizedDockerPushOptions): PushInputs {
  const abs = (rel: string) => join(o.workspaceRoot, rel);
  const packageFile = `${o.projectRoot}/package.json`;
  const buildResultFile = buildResultFileOf(o.projectName);
  const manifestFile = `${o.distDir}/image.json`;
  const rebuild = `Run nx run ${o.projectName}:docker-build${o.profile ? ` -c ${o.profile}` : ''} first.`;

  const pkg = readJson(abs(packageFile));
  const version = (pkg.value as { version?: unknown } | undefined)?.version;
  if (typeof version !== 'string')
    return { ok: false, errors: [`${packageFile}: version: ${pkg.error ?? 'is missing'}. Give the image a semver version.`] };

  let manifest: (ManifestFacts & { name: string }) | undefined;
  let upstream: UpstreamTagFacts | undefined;
  if (existsSync(abs(manifestFile))) {
    const m = readJson(abs(manifestFile));
    const value = m.value as Partial<ManifestFacts & { name: string }> | undefined;
    if (!value || typeof value.repository !== 'string' || !Array.isArray(value.variants)) {
      return { ok: false, errors: [`${manifestFile}: ${m.error ?? 'has no repository or variants'}. Run nx run ${o.projectName}:build.`] };
    }
    manifest = {
      name: value.name ?? o.projectName,
      repository: value.repository,
      version: String(value.version ?? version),
      variants: value.variants.map((v) => ({
        key: String(v.key),
        local: v.local === true,
        ...(Array.isArray(v.platforms) ? { platforms: v.platforms.map(String) } : {}),
        ...(v.onDemand === true ? { onDemand: true } : {}),
      })),
    };
    const unknown = (o.variants ?? []).filter((key) => !manifest!.variants.some((v) => v.key === key));
    if (unknown.length) {
      return {
        ok: false,
        errors: [
          `--variants: ${unknown.map((k) => `'${k}'`).join(', ')} not a variant of ${o.projectName} (${manifestFile}). Use one of: ${manifest.variants.map((v) => v.key).join(', ')}.`,
        ],
      };
    }
    const full = m.value as { class?: ImageClass; upstreamTags?: UpstreamTagScheme; variants: UpstreamTagVariant[] };
    upstream = {
      scheme: full.upstreamTags ?? upstreamTagSchemeOf({ class: full.class ?? 'base' }),
      variants: full.variants.map((v) => ({ ...v, args: v.args ?? {} })),
    };
  }

  // A merge joins what one-platform pushes left in the registry: it needs image.json, not a build here.
  if (!existsSync(abs(buildResultFile)) || (o.merge && manifest)) {
    if ((o.dryRun || o.merge) && manifest) {
      const variants = manifest.variants.filter(
        (v) => (!o.profile || (o.profile === 'local' ? v.local : !v.local)) && isSelected(v, o.variants),
      );
      return {
        ok: 'manifest-only',
        manifest: { ...manifest, version, variants },
        note: `  note: ${buildResultFile} does not exist yet, so these tags come from ${manifestFile}; a real push refuses until docker-build has finished.`,
        ...(upstream ? { upstream } : {}),
      };
    }
    return {
      ok: false,
      errors: [
        `${buildResultFile}: not found. docker-push only pushes images docker-build finished building (it writes this file after the last variant). ${rebuild}`,
      ],
    };
  }
  const raw = readJson(abs(buildResultFile));
  if (raw.error) return { ok: false, errors: [`${buildResultFile}: is not valid JSON (${raw.error}). ${rebuild}`] };
  const check = checkBuildResult(raw.value, {
    file: buildResultFile,
    projectName: o.projectName,
    packageVersion: version,
    packageFile,
    ...(manifest ? { manifest, manifestFile } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.variants ? { variants: o.variants } : {}),
  });
  return check.ok
    ? { ok: true, result: check.result, buildResultFile, ...(upstream ? { upstream } : {}) }
    : { ok: false, errors: check.errors };
}
