// Reads a provisioning manifest: YAML text -> `${VAR}` expansion -> schema -> the checks a schema cannot express.
// Never throws; errors are `path: what is wrong. What to do.` as data, the same for lint and for the provisioner.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { DefinitionError } from '../schema';
import { expandValues, type Environment } from './expand';
import { isHuggingFaceHost, MANIFEST_KEYS, provisioningManifestSchema, type ProvisioningManifest } from './schema';

export type ManifestParseResult = { success: true; manifest: ProvisioningManifest } | { success: false; errors: DefinitionError[] };

const joinPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** The value at a path of the input (zod does not keep the input in its issues). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    value,
  );
}

function manifestErrorsOf(error: z.ZodError, input: unknown): DefinitionError[] {
  return error.issues.flatMap((issue): DefinitionError[] => {
    const base = joinPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? ` The manifest's keys are: ${MANIFEST_KEYS.join(', ')}.` : '';
      return issue.keys.map((key) => ({
        path: base ? `${base}.${key}` : key,
        message: `is not a key here. Fix its spelling or remove it.${known}`,
      }));
    }
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return [{ path: base || '(root)', message: missing ? 'is required' : issue.message }];
  });
}

/** Checks across entries: one supervisor program per name, one service per port. */
function checkManifest(manifest: ProvisioningManifest): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const names = new Map<string, number>();
  const ports = new Map<number, number>();
  manifest.services.forEach((service, i) => {
    const first = names.get(service.name);
    if (first !== undefined)
      errors.push({
        path: `services.${i}.name`,
        message: `'${service.name}' is already services.${first}.name. Give each service its own name.`,
      });
    else names.set(service.name, i);
    if (service.port === undefined) return;
    const other = ports.get(service.port);
    if (other !== undefined)
      errors.push({
        path: `services.${i}.port`,
        message: `${service.port} is already the port of services.${other} (${manifest.services[other].name}). Give each service its own port.`,
      });
    else ports.set(service.port, i);
  });
  const needsDest = (path: string, downloads: ProvisioningManifest['downloads']) =>
    downloads.forEach((d, i) => {
      let host = '';
      try {
        host = new URL(d.url).hostname;
      } catch {
        return; // a URL still holding ${VAR}: checked at boot
      }
      if (!d.dest && !isHuggingFaceHost(host))
        errors.push({
          path: `${path}.${i}.dest`,
          message: 'is required for a download that is not from Hugging Face: a file path, or a directory ending in /',
        });
    });
  needsDest('downloads', manifest.downloads);
  manifest.conditional_downloads.forEach((c, i) => {
    needsDest(`conditional_downloads.${i}.downloads`, c.downloads);
    needsDest(`conditional_downloads.${i}.else_downloads`, c.else_downloads);
  });
  return errors;
}

/**
 * A manifest from its parsed YAML value. `env` expands `${VAR}` references first, as at boot; without it (lint,
 * before the template's variables exist) references stay and the URL checks skip values that still hold one.
 */
export function parseProvisioningManifest(value: unknown, env?: Environment): ManifestParseResult {
  if (value === null || value === undefined)
    return { success: false, errors: [{ path: '(root)', message: 'is empty. Write at least `version: 1`.' }] };
  if (typeof value !== 'object' || Array.isArray(value))
    return { success: false, errors: [{ path: '(root)', message: 'must be a mapping of manifest keys, starting with `version: 1`.' }] };
  const input = env ? expandValues(value, env) : value;
  const result = provisioningManifestSchema.safeParse(input);
  if (!result.success) return { success: false, errors: manifestErrorsOf(result.error, input) };
  const errors = checkManifest(result.data);
  return errors.length ? { success: false, errors } : { success: true, manifest: result.data };
}

/** The same from YAML text; a syntax error names its line. */
export function parseProvisioningManifestText(text: string, env?: Environment): ManifestParseResult {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return { success: false, errors: [{ path: '(root)', message: `is not valid YAML: ${(error as Error).message.split('\n')[0]}` }] };
  }
  return parseProvisioningManifest(value, env);
}

/** Errors as lines for a log or a lint report, each prefixed by the file. */
export const formatManifestErrors = (file: string, errors: readonly DefinitionError[]) =>
  errors.map((e) => `${file}: ${e.path}: ${e.message}`);
