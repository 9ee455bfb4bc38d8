// What every route of the portal server shares: the JSON answer, the error that carries its HTTP status, and the
// headers every answer gets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogHub } from './log-hub';
import type { NormalizedPortalServerSettings } from './settings';
import type { SupervisorClient } from './supervisor-client';
import type { MetricsReader } from './system-metrics';
import type { TunnelManager } from './tunnels';

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // connect-src https: lets the page ask a tunnel's /portal-resolver whether it is live (tunnel-liveness.js).
  'content-security-policy': "default-src 'self'; connect-src 'self' https:; img-src 'self' data:; frame-ancestors 'self'",
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error on one of upstream's routes: answered as FastAPI does, `{"detail": message}`, with upstream's wording. */
export class UpstreamHttpError extends HttpError {}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Refuses a request a browser marks as cross-site (every browser sends Sec-Fetch-Site; scripts send none). */
export function checkSameSite(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site}). Use the portal page.`);
  }
}

/** The long-lived parts of the server: created once, shared by every request. */
export interface PortalServices {
  metrics: MetricsReader;
  logHub: LogHub;
  tunnels: TunnelManager;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  settings: NormalizedPortalServerSettings;
  supervisor: SupervisorClient;
  services: PortalServices;
}
