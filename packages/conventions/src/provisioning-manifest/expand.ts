// `${VAR}` expansion of a provisioning manifest's string values, before validation (upstream-runtime §1.3).
// Pure: the environment is an argument.

export type Environment = Readonly<Record<string, string | undefined>>;

/** `${NAME}`, `${NAME:-default}` or `${NAME:=default}`; `$${` writes a literal `${`. Bare `$NAME` is left alone. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-=])([^}]*))?\}/g;

/**
 * One string with its references replaced. A default applies when the variable is unset **or empty**, as in bash
 * (upstream applies it only when unset: a QUIRK fixed on purpose, see docs/compatibility.md).
 */
export function expandString(value: string, env: Environment): string {
  return value.replace(REFERENCE, (match, name: string | undefined, _op: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const current = env[name];
    if (fallback !== undefined && (current === undefined || current === '')) return fallback;
    return current ?? '';
  });
}

/** Every string value expanded, recursively; mapping keys are not (they are names, not data). */
export function expandValues(value: unknown, env: Environment): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((v) => expandValues(v, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandValues(v, env)]));
  return value;
}

/** Whether a string still names a variable (lint validates a manifest before the values of its variables exist). */
export const hasReference = (value: string) => /\$\{[A-Za-z_][A-Za-z0-9_]*(?::[-=][^}]*)?\}/.test(value.replace(/\$\$\{/g, ''));
