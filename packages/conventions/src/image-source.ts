// Renders an image definition as the TypeScript source of a packages/images/<name>/image.ts, so generators write
// image.ts from the same data they validate (no template text that could drift from the schema).
import { UNFILLED_MARKER, UNFILLED_PATTERN } from './lint/rules/vl040-unfilled';
import { definitionStrings } from './safe-strings';
import type { ProvisioningDefinitionInput } from './provisioning';
import type { ImageDefinitionInput } from './schema';

/**
 * Decisions a generator leaves to the author: dotted path (e.g. `description`, `services.0.command`) -> a hint
 * saying what to decide. The value at each path becomes `CHANGEME: <hint>`, which lint rule VL040 rejects wherever
 * it reaches the build context, so `nx run <image>:lint` fails until every one is decided.
 */
export type UnfilledMarkers = Record<string, string>;

export interface ImageSourceOptions {
  markers?: UnfilledMarkers;
  /** The first comment line: what this image is (house style: every file says what it is). */
  summary?: string;
}

/** The text a generator writes where the author must decide: lint finds the marker, the hint says what to decide. */
export function unfilledValue(hint: string): string {
  return `${UNFILLED_MARKER}: ${hint}`;
}

/** Whether a string still holds a generator's marker. */
export function isUnfilled(value: string): boolean {
  return UNFILLED_PATTERN.test(value);
}

/** Dotted paths of every string in `value` that still holds a marker, e.g. `services.0.command`. */
export function unfilledPaths(value: unknown): string[] {
  return [...definitionStrings(value)].filter((s) => !s.isKey && isUnfilled(s.text)).map((s) => s.path);
}

/**
 * A copy of `value` with every marker path set to its marker text. Generators validate this copy, so what is checked
 * is exactly what renderImageSource writes. A path that does not lead to a string is a programming error.
 */
export function applyMarkers<T>(value: T, markers: UnfilledMarkers = {}): T {
  const copy = structuredClone(value) as unknown;
  for (const [path, hint] of Object.entries(markers)) {
    const keys = path.split('.');
    let node = copy as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = node?.[key];
      if (next === null || typeof next !== 'object')
        throw new Error(`marker path '${path}': '${key}' is not an object or array in the definition.`);
      node = next as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (typeof node[last] !== 'string')
      throw new Error(`marker path '${path}' must lead to a string field (a marker in a number would not parse).`);
    node[last] = unfilledValue(hint);
  }
  return copy as T;
}

/** The order fields are written in: identity first, then how it is built, then what it runs, then the matrix. */
const KEY_ORDER: Record<string, readonly string[]> = {
  provisioning: ['name', 'from', 'description', 'aptPackages', 'pythonPackages', 'git', 'steps', 'services'],
  image: [
    'name',
    'class',
    'parent',
    'description',
    'repository',
    'args',
    'env',
    'artifacts',
    'steps',
    'services',
    'links',
    'bootEnv',
    'defaultPortalConfig',
    'variants',
  ],
  step: ['name', 'comment', 'profile', 'needs', 'torchGuard', 'run'],
  service: [
    'name',
    'profile',
    'portalLabel',
    'portal',
    'workdir',
    'user',
    'environment',
    'waitForProvisioning',
    'skipOnServerless',
    'startsecs',
    'autorestart',
    'pty',
    'command',
  ],
  variant: ['key', 'parent', 'local', 'from', 'upstream', 'cuda', 'python', 'torch', 'torchBackend', 'args'],
  portal: ['label', 'externalPort', 'internalPort', 'path', 'hostname', 'public', 'optIn'],
};

/** Which key order applies below a path: `services.0` is a service, `services.0.portal.1` a portal entry. */
function shapeAt(path: string[], top: string): string | undefined {
  if (path.length === 0) return top;
  const parent = path[path.length - 2];
  if (!/^\d+$/.test(path[path.length - 1])) return undefined;
  if (parent === 'steps') return 'step';
  if (parent === 'services') return 'service';
  if (parent === 'variants') return 'variant';
  if (parent === 'portal' || parent === 'links') return 'portal';
  return undefined;
}

function orderedEntries(value: Record<string, unknown>, path: string[], top: string): [string, unknown][] {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const order = KEY_ORDER[shapeAt(path, top) ?? ''];
  if (!order) return entries;
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return entries.sort(([a], [b]) => rank(a) - rank(b));
}

const WIDTH = 120;
const INDENT = '  ';

/** A JS string literal: single quotes unless the text has one and no double quote (as the hand-written files do). */
function quoteString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\u0000-\u001f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return quote + escaped.split(quote).join(`\\${quote}`) + quote;
}

function renderKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quoteString(key);
}

/** Renders `value` starting at column `column`, with `depth` levels of indentation for continuation lines. */
function renderValue(value: unknown, depth: number, column: number, path: string[], top: string): string {
  const pad = INDENT.repeat(depth);
  if (typeof value === 'string') {
    // Scripts stay one line per array element, the way people write them by hand.
    if (value.includes('\n')) {
      const lines = value.split('\n');
      return `[\n${lines.map((l) => `${pad}${INDENT}${quoteString(l)},`).join('\n')}\n${pad}].join('\\n')`;
    }
    return quoteString(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inline = `[${value.map((v, i) => renderValue(v, 0, 0, [...path, String(i)], top)).join(', ')}]`;
    if (!inline.includes('\n') && column + inline.length <= WIDTH) return inline;
    const items = value.map(
      (v, i) => `${pad}${INDENT}${renderValue(v, depth + 1, pad.length + INDENT.length, [...path, String(i)], top)},`,
    );
    return `[\n${items.join('\n')}\n${pad}]`;
  }
  if (typeof value === 'object') {
    const entries = orderedEntries(value as Record<string, unknown>, path, top);
    if (entries.length === 0) return '{}';
    const inline = `{ ${entries.map(([k, v]) => `${renderKey(k)}: ${renderValue(v, 0, 0, [...path, k], top)}`).join(', ')} }`;
    // The top level is always one field per line: it is the file people edit.
    if (path.length > 0 && !inline.includes('\n') && column + inline.length <= WIDTH) return inline;
    const lines = entries.map(([k, v]) => {
      const prefix = `${pad}${INDENT}${renderKey(k)}: `;
      return `${prefix}${renderValue(v, depth + 1, prefix.length, [...path, k], top)},`;
    });
    return `{\n${lines.join('\n')}\n${pad}}`;
  }
  throw new Error(`cannot render a ${typeof value} at ${path.join('.') || '(root)'} in image.ts`);
}

/** A definition module: a one-line summary, the import, and `export default <helper>({...})`. */
function renderModule(value: unknown, helper: string, top: string, summary: string): string {
  const opening = `export default ${helper}(`;
  return [
    `// ${summary.replace(/\n/g, ' ')}`,
    `import { ${helper} } from '@vast/conventions';`,
    '',
    `${opening}${renderValue(value, 0, opening.length, [], top)});`,
    '',
  ].join('\n');
}

/** The whole image.ts: `export default defineImage({...})`, markers in place. */
export function renderImageSource(input: ImageDefinitionInput, options: ImageSourceOptions = {}): string {
  const definition = applyMarkers(input, options.markers);
  return renderModule(
    definition,
    'defineImage',
    'image',
    options.summary ?? `${definition.name}: ${definition.class} image of the Vast family.`,
  );
}

/** The whole provisioning.ts of a provisioning-only template: `export default defineProvisioning({...})`. */
export function renderProvisioningSource(input: ProvisioningDefinitionInput, options: ImageSourceOptions = {}): string {
  const definition = applyMarkers(input, options.markers);
  return renderModule(
    definition,
    'defineProvisioning',
    'provisioning',
    options.summary ?? `${definition.name}: provisioning template for ${definition.from}.`,
  );
}
