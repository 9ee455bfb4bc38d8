// The portal's HTTP server: the page, and the JSON API it uses. It listens on loopback only; Caddy's auth gate is
// the way in from outside. State changes are POST only and must come from the page itself (see checkPageRequest).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { describeApplications, describeProcess } from './applications';
import {
  checkSameSite,
  HttpError,
  SECURITY_HEADERS,
  sendJson,
  UpstreamHttpError,
  type PortalServices,
  type RouteContext,
} from './http-kit';
import { arrangeLinks, parseLinksYaml, parsePortalLinksEnv } from './links';
import { createLogHub } from './log-hub';
import { followLog, LOG_NAME, readTail } from './log-follow';
import { readEntries, readLabels, readSkipped } from './portal-state';
import { isOwnProgram, restartOwnProgram, runAction, supervisorErrorStatus } from './process-actions';
import { readProvisioningProgress, readProvisioningStatus } from './provisioning-status';
import type { NormalizedPortalServerSettings } from './settings';
import type { SupervisorClient } from './supervisor-client';
import { createMetricsReader } from './system-metrics';
import { describeTunnels } from './tunnel-list';
import { createTunnelManager } from './tunnels';
import { findUpstreamRoute, targetUrl } from './upstream-api';
import { acceptWebSocket } from './websocket';

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

/** Rejects POSTs that did not come from the page: a missing page header, or a browser saying it is cross-site. */
function checkPageRequest(req: IncomingMessage): void {
  checkSameSite(req);
  if (req.headers[PAGE_HEADER] !== '1') {
    throw new HttpError(403, `missing the ${PAGE_HEADER}: 1 header the portal page sends with every action. Send it from scripts too.`);
  }
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

async function postProcessAction({ req, res, settings, supervisor }: RouteContext, name: string, action: string): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, `${action} changes state: use POST.`);
  checkPageRequest(req);
  if (!PROCESS_NAME.test(name)) throw new HttpError(400, `${JSON.stringify(name)} is not a supervisor program name.`);
  if (action === 'stop' && settings.unstoppable.has(name)) {
    throw new HttpError(403, `${name} cannot be stopped from the portal: the portal needs it. Restart it instead.`);
  }
  if (action === 'restart' && isOwnProgram(settings, name)) {
    restartOwnProgram(settings, name);
    sendJson(res, 200, { ok: true, action, note: 'the portal restarts itself; the page reconnects when it is back', process: null });
    return;
  }
  let note: string | null;
  try {
    note = await runAction(supervisor, name, action);
  } catch (error) {
    throw supervisorErrorStatus(error);
  }
  const info = (await supervisor.getAllProcessInfo()).find((p) => p.name === name || `${p.group}:${p.name}` === name);
  sendJson(res, 200, {
    ok: true,
    action,
    note,
    process: info ? describeProcess(info, readLabels(settings), readSkipped(settings), settings.unstoppable) : null,
  });
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
    unstoppable: settings.unstoppable,
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
  sendJson(res, 200, { processes: processes.map((p) => describeProcess(p, labels, skipped, settings.unstoppable)) });
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

function getLinks({ res, settings }: RouteContext): void {
  let text = '';
  try {
    text = readFileSync(settings.linksFile, 'utf8');
  } catch {
    // no file: no links from it
  }
  const fromFile = parseLinksYaml(text, settings.linksFile);
  sendJson(res, 200, { ...arrangeLinks(fromFile.links, parsePortalLinksEnv(settings.env.PORTAL_LINKS)), warnings: fromFile.warnings });
}

/** What upstream renders into its page: the instance id, the GPU summary, whether direct HTTPS works; plus tunnels. */
async function getInstance({ res, settings, services }: RouteContext): Promise<void> {
  const metrics = await services.metrics.read();
  sendJson(res, 200, {
    id: settings.env.CONTAINER_ID ?? null,
    gpu: metrics.gpu.summary,
    direct_https: (settings.env.ENABLE_HTTPS ?? '').toLowerCase() === 'true' ? 'true' : 'false',
    environment: metrics.environment,
    tunnels_unavailable: services.tunnels.unavailableReason(),
  });
}

/** Both kinds of tunnel with their states, for the Tunnels page (tunnel-list.ts). */
async function getTunnels({ res, services }: RouteContext): Promise<void> {
  const { tunnels } = services;
  sendJson(
    res,
    200,
    describeTunnels({
      unavailable: tunnels.unavailableReason(),
      quick: tunnels.allQuick(),
      namedIngress: await tunnels.namedIngress(),
      namedStatus: tunnels.namedStatus(),
    }),
  );
}

/** Upstream's tunnel manager learns the public IP from the Host the browser used for port 1111 (X-Forwarded-Host). */
function learnPublicIp({ req, settings, services }: RouteContext): void {
  const forwarded = String(req.headers['x-forwarded-host'] ?? '')
    .split(',')[0]
    .trim();
  const match = forwarded.match(/^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/);
  if (match && match[2] === settings.env.VAST_TCP_PORT_1111) services.tunnels.setPublicIp(match[1]);
}

/** GET routes of the API by their path segments after /api. */
function findReadRoute(segments: string[]): ((context: RouteContext) => void | Promise<void>) | null {
  const [resource, name] = segments;
  if (segments.length === 1 && resource === 'status')
    return ({ res, settings }) =>
      sendJson(res, 200, {
        provisioning: readProvisioningStatus(settings.markerDir),
        progress: readProvisioningProgress(settings.markerDir, settings.provisioningProgressFile) ?? null,
      });
  if (segments.length === 1 && resource === 'applications') return getApplications;
  if (segments.length === 1 && resource === 'processes') return getProcesses;
  if (segments.length === 2 && resource === 'logs') return (context) => getLog(context, name);
  if (segments.length === 1 && resource === 'logs') return ({ res, services }) => sendJson(res, 200, { logs: services.logHub.files() });
  if (segments.length === 1 && resource === 'links') return getLinks;
  if (segments.length === 1 && resource === 'instance') return getInstance;
  if (segments.length === 1 && resource === 'tunnels') return getTunnels;
  return null;
}

async function route(context: RouteContext): Promise<void> {
  const { req, res, url, settings } = context;
  const method = req.method ?? 'GET';
  if (url.pathname === '/health') return sendJson(res, 200, { ok: true, status: 'ok' });
  const upstream = findUpstreamRoute(method, url.pathname);
  if (upstream) return upstream.handler(context, upstream.rest);
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments.length === 0) learnPublicIp(context);
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

/** The long-lived parts, from the settings; specs pass their own. */
export function createPortalServices(settings: NormalizedPortalServerSettings): PortalServices {
  return {
    metrics: createMetricsReader({ cgroupDir: settings.cgroupDir, workspace: settings.workspace, nvidiaSmi: settings.nvidiaSmi }),
    logHub: createLogHub(settings.logDir),
    tunnels: createTunnelManager({
      cloudflared: settings.cloudflared,
      path: settings.env.PATH,
      namedTunnelToken: settings.env.CF_TUNNEL_TOKEN?.trim() || null,
      metricsAddress: settings.env.CLOUDFLARE_METRICS?.trim() || 'localhost:11113',
      startTimeoutMs: 30_000,
      env: { ...settings.env },
    }),
  };
}

/** Upstream's default tunnels: one quick tunnel per distinct external port, to the entry that proxies it. */
export function defaultTunnelTargets(settings: NormalizedPortalServerSettings): string[] {
  const { entries } = readEntries(settings);
  const byPort = new Map<number, (typeof entries)[number]>();
  for (const entry of entries) {
    const seen = byPort.get(entry.externalPort);
    if (!seen || (seen.internalPort === seen.externalPort && entry.internalPort !== entry.externalPort))
      byPort.set(entry.externalPort, entry);
  }
  return [...byPort.values()].map((entry) => targetUrl(entries, entry, settings.env));
}

/** /ws-logs (§2.5): the system message, the replay, then every new line; `heartbeat` every 10 s, `ping` -> `pong`. */
function serveLogSocket(req: IncomingMessage, socket: import('node:stream').Duplex, services: PortalServices): void {
  const connection = acceptWebSocket(req, socket);
  if (!connection) return;
  connection.send(JSON.stringify({ type: 'system', html: 'Connected to log stream' }));
  const { replay, unsubscribe } = services.logHub.subscribe((message) => connection.send(JSON.stringify(message)));
  replay.forEach((message) => connection.send(JSON.stringify(message)));
  const heartbeat = setInterval(() => connection.send('heartbeat'), 10_000);
  connection.onText((text) => text === 'ping' && connection.send('pong'));
  connection.onClose(() => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

export function createPortalServer(
  settings: NormalizedPortalServerSettings,
  supervisor: SupervisorClient,
  services: PortalServices = createPortalServices(settings),
): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal.invalid');
    route({ req, res, url, settings, supervisor, services }).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof URIError ? 400 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) res.end();
      else sendJson(res, status, error instanceof UpstreamHttpError ? { detail: message } : { error: message });
    });
  });
  server.on('upgrade', (req, socket) => {
    if (new URL(req.url ?? '/', 'http://portal.invalid').pathname === '/ws-logs') serveLogSocket(req, socket, services);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  server.on('close', () => void services.tunnels.close());
  return server;
}

export function publicDirExists(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}
