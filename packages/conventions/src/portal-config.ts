// PORTAL_CONFIG (`hostname:external:internal:path:Label|...`) and /etc/portal.yaml: parse, validate, format, render.
// Pure: the caddy service's portal-config CLI and the image renderers both call these, so both agree on the grammar.
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import { CONTROL_CHARACTER } from './safe-strings';
import type { PortalEntry } from './schema';

export type { PortalEntry };

/** The supervisor program environment variable naming a program's portal label: supervisor.ts writes it, the portal reads it. */
export const PORTAL_LABEL_ENV = 'VAST_PORTAL_LABEL';

export type PortalConfigParseResult = { ok: true; entries: PortalEntry[] } | { ok: false; errors: string[] };

/**
 * Why a portal.yaml could not be used. `hasApplications` tells the caller whether the file declares applications
 * (then it is authoritative and its errors are fatal) or is unusable as a whole (then PORTAL_CONFIG takes over).
 */
export type PortalYamlParseResult = { ok: true; entries: PortalEntry[] } | { ok: false; hasApplications: boolean; errors: string[] };

const EXAMPLE_ENTRY = 'localhost:1111:11111:/:Instance Portal';
const PORT_FIX = 'Use a whole number between 1 and 65535.';

/** `entry 2 ("Jupyter")`: entries are numbered from 1 in the order they appear. */
function describeEntry(index: number, label: string): string {
  return label === '' ? `entry ${index + 1}` : `entry ${index + 1} (${JSON.stringify(label)})`;
}

function parsePortText(text: string): number | undefined {
  return /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

/**
 * Parses PORTAL_CONFIG. Each entry splits on its first four ':' (so labels may contain ':'); empty segments
 * between '|' are ignored and whitespace around entries and fields is trimmed. Port ranges, duplicates and
 * label characters are checked by validatePortalEntries.
 */
export function parsePortalConfig(text: string): PortalConfigParseResult {
  const entries: PortalEntry[] = [];
  const errors: string[] = [];
  const segments = text
    .split('|')
    .map((segment) => segment.trim())
    .filter((segment) => segment !== '');
  segments.forEach((segment, index) => {
    const fields = splitFields(segment).map((field) => field.trim());
    if (fields.length < 5) {
      errors.push(
        `entry ${index + 1} ${JSON.stringify(segment)} has ${fields.length} of the 5 ':'-separated fields. ` +
          `Write it as hostname:external_port:internal_port:path:Label, e.g. ${EXAMPLE_ENTRY}`,
      );
      return;
    }
    const [hostname, externalText, internalText, path, label] = fields;
    const who = describeEntry(index, label);
    const externalPort = parsePortText(externalText);
    const internalPort = parsePortText(internalText);
    if (externalPort === undefined) {
      errors.push(`${who}: the external port ${JSON.stringify(externalText)} is not a whole number. ${PORT_FIX}`);
    }
    if (internalPort === undefined) {
      errors.push(`${who}: the internal port ${JSON.stringify(internalText)} is not a whole number. ${PORT_FIX}`);
    }
    if (externalPort !== undefined && internalPort !== undefined) {
      entries.push({ hostname, externalPort, internalPort, path, label });
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, entries };
}

/** Splits on the first four ':' only: `a:b:c:d:e:f` -> [a, b, c, d, 'e:f']. */
function splitFields(segment: string): string[] {
  const fields: string[] = [];
  let rest = segment;
  while (fields.length < 4) {
    const at = rest.indexOf(':');
    if (at < 0) break;
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  fields.push(rest);
  return fields;
}

/**
 * Checks entries (parsed or written in an image.ts) against the rules that keep PORTAL_CONFIG parseable and
 * Caddy startable. Every message names the entry by position and label and says what to change.
 */
export function validatePortalEntries(entries: readonly PortalEntry[]): string[] {
  const errors: string[] = [];
  entries.forEach((entry, index) => errors.push(...checkEntry(entry, index)));
  errors.push(...checkLabelsUnique(entries));
  errors.push(...checkPortSharing(entries));
  return errors;
}

function checkEntry(entry: PortalEntry, index: number): string[] {
  const errors: string[] = [];
  const who = describeEntry(index, entry.label);
  for (const [which, port] of [
    ['external', entry.externalPort],
    ['internal', entry.internalPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errors.push(`${who}: the ${which} port ${port} is not a port number. ${PORT_FIX}`);
    }
  }
  errors.push(...labelProblems(entry.label).map((problem) => `${who}: ${problem}`));
  const hostname = hostnameProblem(entry.hostname);
  if (hostname) errors.push(`${who}: ${hostname}`);
  if (!entry.path.startsWith('/') || /[\s:|\u0000-\u001f\u007f]/.test(entry.path)) {
    errors.push(
      `${who}: the path ${JSON.stringify(entry.path)} must start with '/' and contain no whitespace, control characters, ':' or '|' ` +
        '(they break the format). Use a path such as / or /terminals/1; percent-encode anything else.',
    );
  }
  return errors;
}

/**
 * Why a text cannot be a PORTAL_CONFIG label (empty when it can). Labels reach PORTAL_CONFIG, /etc/portal.yaml, a
 * supervisor environment value, a Caddyfile comment and the boot env script; the renderers quote or escape every
 * other character (a `}` included: renderBootEnvScript escapes it inside `${PORTAL_CONFIG:-...}`).
 */
export function labelProblems(label: string): string[] {
  if (label.trim() === '') return ['the label is empty. Name the application, e.g. Instance Portal.'];
  const problems: string[] = [];
  if (label.includes('|')) problems.push("the label contains '|', which separates PORTAL_CONFIG entries. Remove it or use '/' instead.");
  if (/[\r\n\u2028\u2029]/.test(label)) {
    problems.push('the label contains a line break, which ends the PORTAL_CONFIG value. Keep the label on one line.');
  } else if (CONTROL_CHARACTER.test(label)) {
    problems.push('the label contains a control character (a tab, NUL or similar). Use printable text only.');
  }
  if (label !== label.trim())
    problems.push('the label starts or ends with whitespace, which parsing trims away. Remove the surrounding spaces.');
  return problems;
}

const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
/** All-numeric dotted names are IPv4 addresses or nothing (999.1.1.1 is not a host). */
const IPV4_LIKE = /^[0-9.]+$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]$/;

/**
 * Why a hostname cannot be the backend of a Caddy site (undefined when it can): it is written unquoted after
 * `reverse_proxy`, where a leading `"` or backtick opens a quoted token, `#` starts a comment and `{` a block, and
 * Caddy then refuses the whole file, taking every port down. Allowed: RFC 1123 names (localhost included), IPv4, and
 * bracketed IPv6 (only in portal.yaml or image.ts: PORTAL_CONFIG splits on ':').
 */
export function hostnameProblem(hostname: string): string | undefined {
  const valid =
    IPV4.test(hostname) ||
    BRACKETED_IPV6.test(hostname) ||
    (hostname.length <= 253 && !IPV4_LIKE.test(hostname) && hostname.split('.').every((label) => HOSTNAME_LABEL.test(label)));
  if (valid) return undefined;
  return (
    `the hostname ${JSON.stringify(hostname)} is not a host name, an IPv4 address or a bracketed IPv6 address ` +
    '(it goes unquoted into the Caddyfile, where other text breaks the file or names another backend). Use a name such as localhost or 127.0.0.1: letters, digits, dashes and dots.'
  );
}

function checkLabelsUnique(entries: readonly PortalEntry[]): string[] {
  const errors: string[] = [];
  const firstByKey = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = entry.label.toLowerCase();
    if (key.trim() === '') return;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, index);
      return;
    }
    errors.push(
      `${describeEntry(index, entry.label)}: the label is already used by ${describeEntry(first, entries[first].label)} ` +
        '(labels are compared ignoring case, and each becomes a key of /etc/portal.yaml). Give each application its own label.',
    );
  });
  return errors;
}

/**
 * Caddy listens on the external port of every proxied entry (external != internal) and forwards to the internal
 * port: one external port has one backend, one backend one external port, and no backend sits on a port Caddy
 * listens on. A direct entry (external == internal) gets no site of its own.
 */
function checkPortSharing(entries: readonly PortalEntry[]): string[] {
  const errors: string[] = [];
  const proxiedFromExternal = new Map<number, number>();
  const proxiedToInternal = new Map<number, number>();
  entries.forEach((entry, index) => {
    if (entry.externalPort === entry.internalPort) return;
    const who = describeEntry(index, entry.label);
    const sameExternal = proxiedFromExternal.get(entry.externalPort);
    if (sameExternal !== undefined && entries[sameExternal].internalPort !== entry.internalPort) {
      const other = entries[sameExternal];
      errors.push(
        `${who}: external port ${entry.externalPort} already proxies to internal port ${other.internalPort} for ` +
          `${describeEntry(sameExternal, other.label)}; one port cannot reach two backends. ` +
          `Use another external port, or internal port ${other.internalPort}.`,
      );
    }
    const sameInternal = proxiedToInternal.get(entry.internalPort);
    if (sameInternal !== undefined && entries[sameInternal].externalPort !== entry.externalPort) {
      const other = entries[sameInternal];
      errors.push(
        `${who}: internal port ${entry.internalPort} is already proxied from external port ${other.externalPort} for ` +
          `${describeEntry(sameInternal, other.label)}. Proxy each application from one external port.`,
      );
    }
    if (sameExternal === undefined) proxiedFromExternal.set(entry.externalPort, index);
    if (sameInternal === undefined) proxiedToInternal.set(entry.internalPort, index);
  });
  entries.forEach((entry, index) => {
    // A direct entry on a port Caddy serves is a link into that site (upstream's `8080:8080:/terminals/1:Jupyter
    // Terminal`), not a second listener; only a proxied backend on Caddy's own port would loop.
    if (entry.externalPort === entry.internalPort) return;
    const listener = proxiedFromExternal.get(entry.internalPort);
    if (listener === undefined) return;
    errors.push(
      `${describeEntry(index, entry.label)}: port ${entry.internalPort} is where this application listens, but Caddy also ` +
        `listens there for ${describeEntry(listener, entries[listener].label)}. Move one of them to a free port.`,
    );
  });
  return errors;
}

/**
 * Direct entries (external == internal) with no Caddy site on their port: the application itself answers there, with
 * no authentication in front. A direct entry on a port some proxied entry uses is a link into that site (upstream's
 * `localhost:8080:8080:/terminals/1:Jupyter Terminal`) and is authenticated like it.
 */
export function unauthenticatedEntries(entries: readonly PortalEntry[]): PortalEntry[] {
  const sites = new Set(entries.filter((e) => e.externalPort !== e.internalPort).map((e) => e.externalPort));
  return entries.filter((e) => e.externalPort === e.internalPort && !sites.has(e.externalPort));
}

/** The PORTAL_CONFIG text for entries; the inverse of parsePortalConfig for valid entries. */
export function formatPortalConfig(entries: readonly PortalEntry[]): string {
  return entries.map((e) => `${e.hostname}:${e.externalPort}:${e.internalPort}:${e.path}:${e.label}`).join('|');
}

/**
 * The /etc/portal.yaml text: an `applications` map keyed by label, in entry order. Written as YAML 1.1 so that
 * labels such as `yes` or `on` are quoted for PyYAML readers too.
 */
export function renderPortalYaml(entries: readonly PortalEntry[]): string {
  const doc = new Document({ applications: {} }, { version: '1.1' });
  const applications = doc.get('applications');
  if (!isMap(applications)) throw new Error('unreachable: applications is created as a map');
  for (const entry of entries) {
    applications.set(
      doc.createNode(entry.label),
      doc.createNode({
        hostname: entry.hostname,
        external_port: entry.externalPort,
        internal_port: entry.internalPort,
        open_path: entry.path,
        name: entry.label,
      }),
    );
  }
  return doc.toString();
}

/**
 * Reads a portal.yaml text back into entries (label = `name`, else the key; hostname defaults to localhost and
 * open_path to /). Empty text, a null document or an empty `applications` map give no entries.
 */
export function parsePortalYaml(text: string, file = '/etc/portal.yaml'): PortalYamlParseResult {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length) {
    const first = doc.errors[0].message.split('\n')[0];
    return { ok: false, hasApplications: false, errors: [`${file}: is not valid YAML (${first}). Fix the syntax or delete the file.`] };
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { ok: true, entries: [] };
  if (!isPlainObject(root)) {
    return { ok: false, hasApplications: false, errors: [`${file}: the document is not a map. Start it with 'applications:'.`] };
  }
  const applications = root.applications;
  if (applications === null || applications === undefined) return { ok: true, entries: [] };
  if (!isPlainObject(applications)) {
    return {
      ok: false,
      hasApplications: false,
      errors: [`${file}: applications is not a map. Key each application by its label, e.g. 'Instance Portal:'.`],
    };
  }
  const entries: PortalEntry[] = [];
  const errors: string[] = [];
  // Keys in document order: a JS object would move integer-like labels such as "123" to the front.
  const keys = isMap(doc.get('applications')) ? orderedKeys(doc.get('applications')) : Object.keys(applications);
  for (const key of keys) {
    const value = applications[key];
    const where = `${file}: applications.${JSON.stringify(key)}`;
    if (!isPlainObject(value)) {
      errors.push(`${where}: is not a map. Give it hostname, external_port, internal_port, open_path and name.`);
      continue;
    }
    const externalPort = readPort(value.external_port);
    const internalPort = readPort(value.internal_port);
    if (externalPort === undefined) errors.push(describeBadPort(`${where}.external_port`, value.external_port));
    if (internalPort === undefined) errors.push(describeBadPort(`${where}.internal_port`, value.internal_port));
    const hostname = readString(value.hostname, 'localhost');
    const path = readString(value.open_path, '/');
    const label = readString(value.name, key);
    if (externalPort !== undefined && internalPort !== undefined) entries.push({ hostname, externalPort, internalPort, path, label });
  }
  if (errors.length) return { ok: false, hasApplications: true, errors };
  return { ok: true, entries };
}

function orderedKeys(node: unknown): string[] {
  if (!isMap(node)) return [];
  return node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

function readPort(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string') return parsePortText(value.trim());
  return undefined;
}

function readString(value: unknown, fallback: string): string {
  if (value === null || value === undefined) return fallback;
  return String(value).trim() || fallback;
}

function describeBadPort(where: string, value: unknown): string {
  if (value === undefined || value === null) return `${where}: is missing. ${PORT_FIX}`;
  return `${where}: ${JSON.stringify(value)} is not a whole number. ${PORT_FIX}`;
}
