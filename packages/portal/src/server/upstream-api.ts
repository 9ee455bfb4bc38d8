// Upstream's HTTP API (§2.3, §2.8, §5.2), path for path, over the same code as our /api/*: the routes only reshape.
// Errors are FastAPI's `{"detail": ...}` with upstream's wording; POSTs refuse a browser's cross-site request but,
// unlike /api/*, need no page header, because scripts and Vast's UI call them as they are.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PortalEntry } from '@vast/conventions/portal-config';
import { LAUNCH_MARKER } from '@vast/conventions/runtime-contract';
import {
  assembleManifest,
  describeEndpoints,
  describeServices,
  mergeFragments,
  readEnvironmentKinds,
  readFragments,
  readListeningPorts,
  readPackageVersions,
  type CapabilityFacts,
} from './capabilities';
import { checkSameSite, sendJson, sendText, SECURITY_HEADERS, UpstreamHttpError, type RouteContext } from './http-kit';
import { downloadFileName, renderLogArchive } from './log-download';
import { isOwnProgram, restartOwnProgram, runAction, supervisorErrorStatus } from './process-actions';
import { readProvisioningStatus } from './provisioning-status';
import { readEntries, readSkipped } from './portal-state';
import type { ProcessInfo } from './supervisor-client';
import { isSeparateVolume } from './system-metrics';
import { TunnelsUnavailable } from './tunnels';
import { XmlRpcFault } from './xmlrpc';

type Handler = (context: RouteContext, rest: string) => void | Promise<void>;

/** §2.4: https for launch-mode Jupyter (8080 -> 8080, nothing else proxying 8080), else as ENABLE_HTTPS says. */
export function schemeForEntry(
  entries: readonly PortalEntry[],
  entry: PortalEntry,
  env: RouteContext['settings']['env'],
): 'http' | 'https' {
  const launchJupyter =
    entry.externalPort === 8080 &&
    entry.internalPort === 8080 &&
    !entries.some((other) => other.externalPort === 8080 && other.internalPort !== 8080);
  return launchJupyter || (env.ENABLE_HTTPS ?? '').toLowerCase() === 'true' ? 'https' : 'http';
}

/** The tunnel target of an application: its Caddy listener, so auth applies through the tunnel. */
export function targetUrl(entries: readonly PortalEntry[], entry: PortalEntry, env: RouteContext['settings']['env']): string {
  return `${schemeForEntry(entries, entry, env)}://${entry.hostname}:${entry.externalPort}`;
}

function hydrateApplications({ settings }: RouteContext): Record<string, Record<string, unknown>> {
  const { entries } = readEntries(settings);
  const result: Record<string, Record<string, unknown>> = {};
  for (const entry of entries) {
    result[entry.label] = {
      hostname: entry.hostname,
      external_port: entry.externalPort,
      internal_port: entry.internalPort,
      open_path: entry.path,
      name: entry.label,
      target_url: targetUrl(entries, entry, settings.env),
      mapped_port: settings.env[`VAST_TCP_PORT_${entry.externalPort}`] ?? '',
    };
  }
  return result;
}

/** Supervisor's programs minus the hidden ones: skip-marked programs, and Jupyter when Vast manages it (/.launch). */
async function visibleProcesses({ settings, supervisor }: RouteContext): Promise<ProcessInfo[]> {
  let processes: ProcessInfo[];
  try {
    processes = await supervisor.getAllProcessInfo();
  } catch {
    throw new UpstreamHttpError(500, 'Failed to communicate with supervisor');
  }
  const skipped = readSkipped(settings);
  const launchMode = existsSync(join(settings.markerDir, LAUNCH_MARKER));
  return processes.filter((p) => !skipped.has(p.name) && !(launchMode && p.name === 'jupyter'));
}

async function listProcesses(context: RouteContext): Promise<void> {
  const processes = await visibleProcesses(context);
  sendJson(
    context.res,
    200,
    processes.map((p) => ({
      name: p.name,
      group: p.group,
      state: p.statename,
      description: p.description,
      pid: p.pid,
      start: p.start,
      now: p.now,
      unstoppable: context.settings.unstoppable.has(p.name),
    })),
  );
}

async function processAction(context: RouteContext, name: string, action: string): Promise<void> {
  checkSameSite(context.req);
  if (action === 'stop' && context.settings.unstoppable.has(name)) throw new UpstreamHttpError(403, `Process '${name}' cannot be stopped`);
  if (action === 'restart') {
    const processes = await visibleProcesses(context);
    const target = processes.find((p) => p.name === name);
    if (!target) throw new UpstreamHttpError(404, `Process '${name}' not found`);
    if (isOwnProgram(context.settings, name)) restartOwnProgram(context.settings, name);
    else void runAction(context.supervisor, name, 'restart').catch(() => undefined); // upstream answers at once
  } else {
    try {
      await runAction(context.supervisor, name, action);
    } catch (error) {
      if (error instanceof XmlRpcFault) throw new UpstreamHttpError(400, error.faultString);
      const mapped = supervisorErrorStatus(error);
      throw new UpstreamHttpError(mapped.status === 503 ? 500 : mapped.status, mapped.message);
    }
  }
  sendJson(context.res, 200, { status: 'ok', name, action });
}

async function capabilityFacts(context: RouteContext, include: { metrics?: boolean; packages?: boolean } = {}): Promise<CapabilityFacts> {
  const { settings, services } = context;
  const fragments = mergeFragments(readFragments(settings.capabilitiesDir));
  const processes = await visibleProcesses(context).catch(() => []);
  const metrics = await services.metrics.read();
  return {
    fragments,
    entries: readEntries(settings).entries,
    processes,
    env: settings.env,
    gpuSummary: metrics.gpu.summary,
    provisioning: readProvisioningStatus(settings.markerDir),
    provisioningLog: settings.provisioningLog,
    workspaceIsVolume: isSeparateVolume(settings.workspace),
    listeningPorts: readListeningPorts(),
    environmentKinds: readEnvironmentKinds(fragments),
    packageVersions: include.packages ? await readPackageVersions(fragments) : undefined,
    metrics: include.metrics
      ? { cpu: metrics.cpu, ram: metrics.ram, disk: metrics.disk, volume: metrics.volume, gpu: metrics.gpu }
      : undefined,
    now: new Date(),
  };
}

async function capabilities(context: RouteContext): Promise<void> {
  const include = new Set((context.url.searchParams.get('include') ?? '').split(',').map((s) => s.trim()));
  sendJson(
    context.res,
    200,
    assembleManifest(await capabilityFacts(context, { metrics: include.has('metrics'), packages: include.has('packages') })),
  );
}

function downloadLogs({ res, url, settings }: RouteContext): void {
  const body = renderLogArchive(settings.logArchiveDir);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${downloadFileName(url.searchParams.get('filename'), new Date())}"`,
    'cache-control': 'no-store',
    'content-length': body.length,
  });
  res.end(body);
}

function tunnelsOrThrow({ services }: RouteContext) {
  const reason = services.tunnels.unavailableReason();
  if (reason) throw new UpstreamHttpError(503, reason);
  return services.tunnels;
}

async function tunnelCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TunnelsUnavailable) throw new UpstreamHttpError(503, error.message);
    throw new UpstreamHttpError(500, (error as Error).message);
  }
}

function portOf(rest: string): number {
  if (!/^[0-9]+$/.test(rest)) throw new UpstreamHttpError(422, `${JSON.stringify(rest)} is not a port number`);
  return Number(rest);
}

function directUrl({ res, settings, services }: RouteContext, rest: string): void {
  const port = portOf(rest);
  const mapped = settings.env[`VAST_TCP_PORT_${port}`];
  const ip = services.tunnels.publicIp() ?? settings.env.PUBLIC_IPADDR;
  if (!mapped || !ip) throw new UpstreamHttpError(404, 'Direct URL unavailable');
  const { entries } = readEntries(settings);
  const entry = entries.find((e) => e.externalPort === port);
  const scheme = entry
    ? schemeForEntry(entries, entry, settings.env)
    : (settings.env.ENABLE_HTTPS ?? '').toLowerCase() === 'true'
      ? 'https'
      : 'http';
  sendJson(res, 200, { result: `${scheme}://${ip}:${mapped}` });
}

const GET: Record<string, Handler> = {
  'get-applications': (context) => sendJson(context.res, 200, hydrateApplications(context)),
  'supervisor/processes': listProcesses,
  'system-metrics': async (context) => sendJson(context.res, 200, await context.services.metrics.read()),
  'download-logs': downloadLogs,
  capabilities,
  '.well-known/vast-capabilities': capabilities,
  'capabilities/services': async (context) => sendJson(context.res, 200, describeServices(await capabilityFacts(context))),
  'capabilities/endpoints': async (context) => sendJson(context.res, 200, describeEndpoints(await capabilityFacts(context))),
  'get-direct-url/': directUrl,
  'get-existing-quick-tunnel/': (context, target) => {
    const url = context.services.tunnels.existingQuick(target);
    if (!url) throw new UpstreamHttpError(404, 'Tunnel not found');
    sendText(context.res, 200, url);
  },
  'get-existing-named-tunnel/': async (context, rest) => {
    const url = await context.services.tunnels.namedForPort(portOf(rest));
    if (!url) throw new UpstreamHttpError(404, 'Tunnel not found');
    sendText(context.res, 200, url);
  },
  'get-all-quick-tunnels': (context) => sendJson(context.res, 200, context.services.tunnels.allQuick()),
  'get-named-tunnels': async (context) => {
    const ingress = await context.services.tunnels.namedIngress();
    if (!ingress) throw new UpstreamHttpError(404, 'Tunnel config not found');
    sendJson(
      context.res,
      200,
      ingress.map((rule) => ({ targetUrl: rule.service, tunnelUrl: `https://${rule.hostname}` })),
    );
  },
};

const POST: Record<string, Handler> = {
  'supervisor/process/': async (context, rest) => {
    const match = rest.match(/^([^/]+)\/(start|stop|restart)$/);
    if (!match) throw new UpstreamHttpError(404, 'Not Found');
    await processAction(context, match[1], match[2]);
  },
  'start-quick-tunnel/': async (context, target) => {
    checkSameSite(context.req);
    const tunnels = tunnelsOrThrow(context);
    sendJson(context.res, 200, { tunnel_url: await tunnelCall(() => tunnels.getOrCreateQuick(target)) });
  },
  'stop-quick-tunnel/': async (context, target) => {
    checkSameSite(context.req);
    if (!(await context.services.tunnels.stopQuick(target))) throw new UpstreamHttpError(404, 'Quick tunnel not found');
    sendJson(context.res, 200, { message: 'Quick tunnel stopped successfully' });
  },
  'refresh-quick-tunnel/': async (context, target) => {
    checkSameSite(context.req);
    const tunnels = tunnelsOrThrow(context);
    sendJson(context.res, 200, { tunnel_url: await tunnelCall(() => tunnels.refreshQuick(target)) });
  },
  'capabilities/provision': () => {
    throw new UpstreamHttpError(501, 'Runtime provisioning is not available in this portal yet; set PROVISIONING_MANIFEST and restart.');
  },
};

/** The handler for an upstream route and the path rest it takes (`{port}`, `{target_url:path}`), or null. */
export function findUpstreamRoute(method: string, pathname: string): { handler: Handler; rest: string } | null {
  const table = method === 'POST' ? POST : method === 'GET' || method === 'HEAD' ? GET : null;
  const path = pathname.replace(/^\//, '');
  const other = method === 'POST' ? GET : POST;
  for (const [candidates, wrongMethod] of [
    [table, false],
    [other, true],
  ] as const) {
    if (!candidates) continue;
    for (const [key, handler] of Object.entries(candidates)) {
      const hit = key.endsWith('/') ? path.startsWith(key) && path.length > key.length : path === key;
      if (!hit) continue;
      if (wrongMethod) {
        return {
          handler: () => {
            throw new UpstreamHttpError(405, 'Method Not Allowed');
          },
          rest: '',
        };
      }
      return { handler, rest: key.endsWith('/') ? decodeURIComponent(path.slice(key.length)) : '' };
    }
  }
  return null;
}
