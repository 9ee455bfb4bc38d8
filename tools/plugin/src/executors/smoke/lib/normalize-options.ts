// Smoke options -> one normalised shape (later code never sees undefined). Pure: the executor reads the files.
import type { SmokeExecutorOptions } from '../schema';
import type { BuiltVariant as FullBuiltVariant } from '../../../lib/build-result';
import { DEFAULT_SMOKE_PORTAL_CONFIG, type ProvisioningSpec } from './smoke';

export interface NormalizedSmokeOptions {
  projectName: string;
  profile: 'production' | 'local';
  image: string;
  /** The build-result variant `image` is, when it came from there (smoke pulls one docker-build left in the cache registry). */
  built?: BuiltVariant;
  portalConfig: string;
  provisioning: ProvisioningSpec;
  token: string;
  timeoutSeconds: number;
  dryRun: boolean;
}

export interface SmokeFacts {
  projectName: string;
  /** Workspace-relative path of build-result.json, for messages. */
  buildResultFile: string;
  /** Parsed build-result.json, or undefined when it does not exist. */
  buildResult: unknown;
  /** Reads a workspace file (for provisioningScript paths); undefined when missing. */
  readScript: (path: string) => string | undefined;
  randomToken: () => string;
  env: NodeJS.ProcessEnv;
}

export type NormalizeResult = { ok: true; options: NormalizedSmokeOptions } | { ok: false; error: string };

type BuiltVariant = Pick<FullBuiltVariant, 'key' | 'buildTag'> & Partial<Pick<FullBuiltVariant, 'versionTag' | 'cacheRef'>>;

function builtVariants(value: unknown): { profile?: string; variants: BuiltVariant[] } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as { profile?: unknown; variants?: unknown };
  if (!Array.isArray(record.variants)) return undefined;
  const variants = record.variants.filter(
    (v): v is BuiltVariant => typeof v === 'object' && v !== null && typeof v.key === 'string' && typeof v.buildTag === 'string',
  );
  return { profile: typeof record.profile === 'string' ? record.profile : undefined, variants };
}

export function normalizeSmokeOptions(options: SmokeExecutorOptions, facts: SmokeFacts): NormalizeResult {
  const profile = options.profile ?? 'production';
  const rebuild = `Build it first: nx run ${facts.projectName}:docker-build${profile === 'local' ? ' -c local' : ''}`;

  let image = options.image;
  let selected: BuiltVariant | undefined;
  if (!image) {
    const built = builtVariants(facts.buildResult);
    if (facts.buildResult === undefined)
      return { ok: false, error: `${facts.buildResultFile} is missing, so there is no image to boot. ${rebuild}` };
    if (!built || !built.variants.length)
      return { ok: false, error: `${facts.buildResultFile}: variants: lists no built variant. ${rebuild}` };
    if (built.profile && built.profile !== profile) {
      return {
        ok: false,
        error: `${facts.buildResultFile}: profile: is '${built.profile}', but this smoke runs the '${profile}' profile. ${rebuild}`,
      };
    }
    const variant = options.variant ? built.variants.find((v) => v.key === options.variant) : built.variants[0];
    if (!variant) {
      return {
        ok: false,
        error: `${facts.buildResultFile}: variants: has no '${options.variant}' (built: ${built.variants.map((v) => v.key).join(', ')}). Pick one of those or build it.`,
      };
    }
    image = variant.buildTag;
    selected = variant;
  }

  const expect = options.expectProvisioning ?? 'complete';
  let provisioning: ProvisioningSpec = { kind: 'default' };
  const source = options.provisioningScript;
  if (source === 'none') provisioning = { kind: 'none' };
  else if (source && /^https:\/\//i.test(source)) provisioning = { kind: 'url', url: source, expect };
  else if (source && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    // fetch-script in the image refuses it too: a script that runs as root is fetched over https only.
    return {
      ok: false,
      error: `provisioningScript: '${source.split('?')[0]}' is not an https URL; the container fetches https:// only. Serve it over https or give a workspace-relative path.`,
    };
  } else if (source) {
    const script = facts.readScript(source);
    if (script === undefined)
      return {
        ok: false,
        error: `provisioningScript: '${source}' is neither an https URL nor a file in the workspace. Give an https URL or a workspace-relative path.`,
      };
    provisioning = { kind: 'inline', script, expect };
  }

  return {
    ok: true,
    options: {
      projectName: facts.projectName,
      profile,
      image,
      ...(selected?.cacheRef ? { built: selected } : {}),
      portalConfig: options.portalConfig ?? DEFAULT_SMOKE_PORTAL_CONFIG,
      provisioning,
      token: options.token ?? facts.randomToken(),
      timeoutSeconds: options.timeoutSeconds ?? 240,
      dryRun: options.dryRun === true || facts.env.NX_DRY_RUN === 'true',
    },
  };
}
