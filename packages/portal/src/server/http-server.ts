// The portal's HTTP server: the page, and the JSON API it uses. It listens on loopback only; Caddy's auth gate is
// the way in from outside. State changes are POST only and must come from the page itself (see checkPageRequest).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parsePortalYaml, type PortalEntry } from '@vast/conventions/portal-config';
import { describeApplications, describeProcess } from './applications';
import { followLog, LOG_NAME, readTail } from './log-follow';
import { readProgramLabels } from './program-labels';
import { readProvisioningStatus } from './provisioning-status';
import type { NormalizedPortalServerSettings } from './settings';
import { SupervisorFaults, SupervisorUnreachable, XmlRpcFault, type SupervisorClient } from './supervisor-client';

const PROCESS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const ACTIONS = new Set(['start', 'stop', 'restart']);
/** The page sends this header on every POST; a cross-site form or fetch cannot add it without a CORS preflight. */
export const PAGE_HEADER = 'x-portal-request';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readEntries(settings: NormalizedPortalServerSettings): { entries: PortalEntry[]; error: string | null } {
  let text: string;
  try {
    text = readFileSync(settings.portalYaml, 'utf8');
  } catch {
    return { entries: [], error: `${settings.portalYaml} does not exist yet: the caddy service writes it when it starts.` };
  }
  const parsed = parsePortalYaml(text, settings.portalYaml);
  return parsed.ok ? { entries: parsed.entries, error: null } : { entries: [], error: parsed.errors.join(' ') };
}

function readLabels(settings: NormalizedPortalServerSettings): Map<string, string> {
  let files: string[];
  try {
    files = readdirSync(settings.supervisorConfDir)
      .filter((f) => f.endsWith('.conf'))
      .sort();
  } catch {
    return new Map();
  }
  const texts: string[] = [];
  for (const file of files) {
    try {
      texts.push(readFileSync(join(settings.supervisorConfDir, file), 'utf8'));
    } catch {
      // unreadable conf: its program just has no label
    }
  }
  return readProgramLabels(texts);
}

function readSkipped(settings: NormalizedPortalServerSettings): Set<string> {
  try {
    return new Set(readdirSync(settings.skipDir));
  } catch {
    return new Set();
  }
}

/** Rejects POSTs that did not come from the page: a missing page header, or a browser saying it is cross-site. */
function checkPageRequest(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site}). Use the portal page.`);
  }
  if (req.headers[PAGE_HEADER] !== '1') {
    throw new HttpError(403, `missing the ${PAGE_HEADER}: 1 header the portal page sends with every action. Send it from scripts too.`);
  }
}

function supervisorErrorStatus(error: unknown): HttpError {
  if (error instanceof XmlRpcFault) {
    if (error.code === SupervisorFaults.BAD_NAME)
      return new HttpError(404, `supervisor has no program of that name (${error.faultString}).`);
    return new HttpError(409, `supervisor refused: ${error.faultString}`);
  }
  if (error instanceof SupervisorUnreachable) return new HttpError(503, error.message);
  return new HttpError(500, (error as Error).message);
}

async function runAction(supervisor: SupervisorClient, name: string, action: string): Promise<string | null> {
  const ignoring = async (fault: number, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      if (error instanceof XmlRpcFault && error.code === fault) return false;
      throw error;
    }
  };
  if (action === 'start') {
    return (await ignoring(SupervisorFaults.ALREADY_STARTED, () => supervisor.startProcess(name, false))) ? null : 'it was already running';
  }
  if (action === 'stop') {
    return (await ignoring(SupervisorFaults.NOT_RUNNING, () => supervisor.stopProcess(name, true))) ? null : 'it was not running';
  }
  // restart: wait for the stop so the start does not race it; don't wait for the start (the page polls the state).
  await ignoring(SupervisorFaults.NOT_RUNNING, () => supervisor.stopProcess(name, true));
  await supervisor.startProcess(name, false);
  return null;
}

function streamLog(req: IncomingMessage, res: ServerResponse, path: string, lineCount: number): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: string) => res.write(`event: ${event}\ndata: ${data}\n\n`);
  const tail = readTail(path, lineCount);
  if (tail) tail.lines.forEach((line) => send('line', line));
  else send('waiting', `${path} does not exist yet; waiting for the service to write it.`);
  const follower = followLog(path, tail?.size ?? 0, {
    lines: (lines) => lines.forEach((line) => send('line', line)),
    reset: () => send('reset', 'the log file was replaced (the service restarted)'),
  });
  // Comments keep proxies and browsers from closing an idle stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    follower.stop();
    clearInterval(keepAlive);
  });
}

function serveStatic(res: ServerResponse, settings: NormalizedPortalServerSettings, file: string): boolean {
  // Only names that are really in the public folder: no path is ever built from the URL beyond one listed name.
  let names: string[];
  try {
    names = readdirSync(settings.publicDir);
  } catch {
    return false;
  }
  if (!names.includes(file) || !CONTENT_TYPES[extname(file)]) return false;
  const body = readFileSync(join(settings.publicDir, file));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extname(file)],
    'cache-control': 'no-cache',
    'content-length': body.length,
  });
  res.end(body);
  return true;
}

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  settings: NormalizedPortalServerSettings;
  supervisor: SupervisorClient;
}

async function postProcessAction({ req, res, settings, supervisor }: RouteContext, name: string, action: string): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, `${action} changes state: use POST.`);
  checkPageRequest(req);
  if (!PROCESS_NAME.test(name)) throw new HttpError(400, `${JSON.stringify(name)} is not a supervisor program name.`);
  let note: string | null;
  try {
    note = await runAction(supervisor, name, action);
  } catch (error) {
    throw supervisorErrorStatus(error);
  }
  const info = (await supervisor.getAllProcessInfo()).find((p) => p.name === name || `${p.group}:${p.name}` === name);
  sendJson(res, 200, { ok: true, action, note, process: info ? describeProcess(info, readLabels(settings), readSkipped(settings)) : null });
}

async function getApplications({ res, settings, supervisor }: RouteContext): Promise<void> {
  const { entries, error } = readEntries(settings);
  let processes = null;
  let supervisorError: string | null = null;
  try {
    processes = await supervisor.getAllProcessInfo();
  } catch (e) {
    supervisorError = (e as Error).message;
  }
  const applications = describeApplications({
    entries,
    processes,
    labels: readLabels(settings),
    skipped: readSkipped(settings),
    publicPorts: settings.publicPorts,
  });
  sendJson(res, 200, { applications, errors: [error, supervisorError].filter(Boolean) });
}

async function getProcesses({ res, settings, supervisor }: RouteContext): Promise<void> {
  let processes;
  try {
    processes = await supervisor.getAllProcessInfo();
  } catch (e) {
    throw supervisorErrorStatus(e);
  }
  const labels = readLabels(settings);
  const skipped = readSkipped(settings);
  sendJson(res, 200, { processes: processes.map((p) => describeProcess(p, labels, skipped)) });
}

function getLog({ req, res, url, settings }: RouteContext, name: string): void {
  if (!LOG_NAME.test(name)) throw new HttpError(400, `${JSON.stringify(name)} is not a log name: use letters, digits, '_', '.' and '-'.`);
  const file = join(settings.logDir, `${name}.log`);
  const lineCount = Math.min(Math.max(Number(url.searchParams.get('lines') ?? 200) || 200, 1), 2000);
  if (url.searchParams.has('follow')) return streamLog(req, res, file, lineCount);
  const tail = readTail(file, lineCount);
  if (!tail) throw new HttpError(404, `${file} does not exist (yet).`);
  sendJson(res, 200, { name, lines: tail.lines });
}

/** GET routes of the API by their path segments after /api. */
function findReadRoute(segments: string[]): ((context: RouteContext) => void | Promise<void>) | null {
  const [resource, name] = segments;
  if (segments.length === 1 && resource === 'status')
    return ({ res, settings }) => sendJson(res, 200, { provisioning: readProvisioningStatus(settings.markerDir) });
  if (segments.length === 1 && resource === 'applications') return getApplications;
  if (segments.length === 1 && resource === 'processes') return getProcesses;
  if (segments.length === 2 && resource === 'logs') return (context) => getLog(context, name);
  return null;
}

async function route(context: RouteContext): Promise<void> {
  const { req, res, url, settings } = context;
  const method = req.method ?? 'GET';
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (url.pathname === '/health') return sendJson(res, 200, { ok: true });
  if (segments[0] === 'api') {
    const api = segments.slice(1);
    if (api.length === 3 && api[0] === 'processes' && ACTIONS.has(api[2])) return postProcessAction(context, api[1], api[2]);
    const read = findReadRoute(api);
    if (!read) throw new HttpError(404, `no API route ${method} ${url.pathname}.`);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${url.pathname} is read-only: use GET.`);
    return read(context);
  }
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'the page is read-only: use GET.');
  if (serveStatic(res, settings, segments.length === 0 ? 'index.html' : segments.length === 1 ? segments[0] : '')) return;
  throw new HttpError(404, `nothing at ${url.pathname}.`);
}

export function createPortalServer(settings: NormalizedPortalServerSettings, supervisor: SupervisorClient): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal.invalid');
    route({ req, res, url, settings, supervisor }).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof URIError ? 400 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) res.end();
      else sendJson(res, status, { error: message });
    });
  });
}

export function publicDirExists(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}
