// The tunnel manager (§2.7), inside the portal process: quick tunnels (`cloudflared --url <target>`) kept in memory
// by target, the named tunnel of CF_TUNNEL_TOKEN with its ingress read from cloudflared's metrics server, the public
// IP learnt from X-Forwarded-Host, and direct URLs. Without cloudflared on PATH every tunnel call reports why.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import {
  applyNamedTunnelEvent,
  findCloudflaredError,
  findQuickTunnelUrl,
  ingressForPort,
  NAMED_TUNNEL_STARTING,
  namedTunnelExited,
  parseIngress,
  parseNamedTunnelLine,
  type IngressRule,
  type NamedTunnelStatus,
} from './cloudflared-output';

export class TunnelsUnavailable extends Error {}

export interface TunnelSettings {
  /** `cloudflared`, found on PATH, or a path. */
  cloudflared: string;
  path: string | undefined;
  /** CF_TUNNEL_TOKEN: starts the named tunnel when set. */
  namedTunnelToken: string | null;
  /** CLOUDFLARE_METRICS, default localhost:11113. */
  metricsAddress: string;
  /** How long a new quick tunnel may take to print its address (upstream: 30 s). */
  startTimeoutMs: number;
  env: NodeJS.ProcessEnv;
}

interface QuickTunnel {
  child: ChildProcess;
  url: Promise<string>;
  resolved: string | null;
}

export interface TunnelManager {
  /** null when tunnels work; otherwise the reason they do not. */
  unavailableReason(): string | null;
  getOrCreateQuick(target: string): Promise<string>;
  existingQuick(target: string): string | null;
  allQuick(): Array<{ targetUrl: string; tunnelUrl: string }>;
  stopQuick(target: string): Promise<boolean>;
  refreshQuick(target: string): Promise<string>;
  /** The named tunnel's ingress, or null when there is no named tunnel or its metrics server does not answer. */
  namedIngress(): Promise<IngressRule[] | null>;
  namedForPort(port: number): Promise<string | null>;
  /** The named tunnel's connector as its output tells it, or null without CF_TUNNEL_TOKEN (or cloudflared). */
  namedStatus(): NamedTunnelStatus | null;
  startDefaults(targets: readonly string[]): void;
  /** The public IP learnt from X-Forwarded-Host (upstream's PUT /set-public-ip), for direct URLs. */
  publicIp(): string | null;
  setPublicIp(ip: string): void;
  close(): Promise<void>;
}

function findExecutable(command: string, searchPath: string | undefined): string | null {
  const candidates = isAbsolute(command)
    ? [command]
    : (searchPath ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/** TERM, then KILL after 5 s, as upstream stops a tunnel. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Lines of a child's stdout and stderr, merged. */
function onLines(child: ChildProcess, listener: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(listener);
    });
  }
}

export function createTunnelManager(settings: TunnelSettings): TunnelManager {
  const binary = findExecutable(settings.cloudflared, settings.path);
  const quick = new Map<string, QuickTunnel>();
  let named: ChildProcess | null = null;
  let namedStatus: NamedTunnelStatus | null = null;
  let closed = false;
  let publicIp: string | null = null;
  const retries: NodeJS.Timeout[] = [];

  const reason = () =>
    binary
      ? null
      : `tunnels unavailable: ${settings.cloudflared} is not on PATH. The production image installs cloudflared from Cloudflare's apt repository; install it to use tunnels.`;

  const binaryOrThrow = (): string => {
    if (!binary) throw new TunnelsUnavailable(reason()!);
    return binary;
  };

  const createQuick = (target: string): QuickTunnel => {
    const url = /^[a-z]+:\/\//i.test(target) ? target : `http://${target}`;
    const child = spawn(binaryOrThrow(), ['--no-autoupdate', '--no-tls-verify', '--url', url], {
      env: { TUNNEL_TRANSPORT_PROTOCOL: 'http2', ...settings.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tunnel: QuickTunnel = { child, resolved: null, url: Promise.resolve('') };
    tunnel.url = new Promise<string>((resolve, reject) => {
      let lastError = 'cloudflared printed no error';
      const timer = setTimeout(() => {
        reject(new Error(`cloudflared printed no trycloudflare.com address within ${settings.startTimeoutMs / 1000} s (${lastError})`));
        void stopChild(child);
      }, settings.startTimeoutMs);
      onLines(child, (line) => {
        lastError = findCloudflaredError(line) ?? lastError;
        const found = findQuickTunnelUrl(line);
        if (found && tunnel.resolved === null) {
          tunnel.resolved = found;
          clearTimeout(timer);
          resolve(found);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cloudflared could not start: ${error.message}`));
      });
      // 'close', not 'exit': by then cloudflared's last lines (its error) have been read.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (quick.get(target) === tunnel) quick.delete(target); // a dead tunnel is dropped
        reject(new Error(`cloudflared exited (${signal ?? `code ${code}`}) before printing an address: ${lastError}`));
      });
    });
    tunnel.url.catch(() => quick.get(target) === tunnel && quick.delete(target));
    return tunnel;
  };

  const manager: TunnelManager = {
    unavailableReason: reason,
    async getOrCreateQuick(target) {
      let tunnel = quick.get(target);
      if (!tunnel) {
        tunnel = createQuick(target);
        quick.set(target, tunnel);
      }
      return tunnel.url;
    },
    existingQuick: (target) => quick.get(target)?.resolved ?? null,
    allQuick: () => [...quick].filter(([, t]) => t.resolved !== null).map(([targetUrl, t]) => ({ targetUrl, tunnelUrl: t.resolved! })),
    async stopQuick(target) {
      const tunnel = quick.get(target);
      if (!tunnel) return false;
      quick.delete(target);
      await stopChild(tunnel.child);
      return true;
    },
    async refreshQuick(target) {
      await manager.stopQuick(target);
      return manager.getOrCreateQuick(target);
    },
    async namedIngress() {
      if (!named) return null;
      try {
        const response = await fetch(`http://${settings.metricsAddress}/config`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) return null;
        return parseIngress(await response.json());
      } catch {
        return null;
      }
    },
    async namedForPort(port) {
      const rule = ingressForPort((await manager.namedIngress()) ?? [], port);
      return rule ? `https://${rule.hostname}` : null;
    },
    namedStatus: () => namedStatus,
    startDefaults(targets) {
      if (!binary) return;
      // Sequential, 2 s apart; a failure is tried again after 10, 20 and 30 s (upstream's schedule).
      const attempt = (target: string, retry: number) => {
        if (closed) return;
        manager.getOrCreateQuick(target).catch(() => {
          if (retry < 3) retries.push(setTimeout(() => attempt(target, retry + 1), (retry + 1) * 10_000));
        });
      };
      targets.forEach((target, i) => retries.push(setTimeout(() => attempt(target, 0), i * 2000)));
    },
    publicIp: () => publicIp,
    setPublicIp: (ip) => {
      publicIp = ip;
    },
    async close() {
      closed = true;
      retries.forEach(clearTimeout);
      await Promise.all([...quick.values()].map((t) => stopChild(t.child)));
      quick.clear();
      if (named) await stopChild(named);
    },
  };

  if (binary && settings.namedTunnelToken) {
    named = spawn(
      binary,
      ['--no-autoupdate', 'tunnel', '--metrics', settings.metricsAddress, 'run', '--token', settings.namedTunnelToken],
      {
        env: { TUNNEL_TRANSPORT_PROTOCOL: 'http2', ...settings.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    namedStatus = NAMED_TUNNEL_STARTING;
    // Its lines still reach the portal's log (upstream's cloudflared wrote there), and tell the Tunnels page its state.
    onLines(named, (line) => {
      process.stderr.write(`cloudflared: ${line}\n`);
      const event = parseNamedTunnelLine(line);
      if (event && namedStatus) namedStatus = applyNamedTunnelEvent(namedStatus, event);
    });
    named.once('error', (error) => {
      named = null;
      namedStatus = namedTunnelExited(namedStatus ?? NAMED_TUNNEL_STARTING, `could not start: ${error.message}`);
    });
    named.once('close', (code, signal) => {
      named = null;
      if (!closed) namedStatus = namedTunnelExited(namedStatus ?? NAMED_TUNNEL_STARTING, `exited (${signal ?? `code ${code}`})`);
    });
  }
  return manager;
}
