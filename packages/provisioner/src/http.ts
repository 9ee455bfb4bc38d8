// HTTP(S) GET/HEAD with redirects followed by hand, so a credential never follows a redirect to another host
// (Hugging Face and Civitai both redirect file downloads to a CDN).
import http from 'node:http';
import https from 'node:https';

export const USER_AGENT = 'provisioner/1';
const MAX_REDIRECTS = 10;

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  /** Sent only to this origin (scheme, host and port of the first URL): dropped on a redirect elsewhere. */
  authorization?: string;
  body?: string;
  timeoutMs?: number;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A URL as it may be logged: no credentials, no query string (tokens travel there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?<redacted>' : ''}`;
  } catch {
    return '<not a URL>';
  }
}

function once(url: URL, request: HttpRequest, withAuth: boolean): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...request.headers };
  if (withAuth && request.authorization) headers.Authorization = request.authorization;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: request.method ?? 'GET', headers, timeout: request.timeoutMs ?? 30_000 }, resolve);
    req.on('timeout', () =>
      req.destroy(new HttpError(`${redactUrl(url.href)}: no response within ${(request.timeoutMs ?? 30_000) / 1000} s`)),
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** The final response after redirects; the caller reads or discards its body. */
export async function httpRequest(url: string, request: HttpRequest = {}): Promise<{ response: http.IncomingMessage; url: string }> {
  let current = new URL(url);
  const origin = current.origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:')
      throw new HttpError(`${redactUrl(current.href)}: only http(s) is fetched`);
    const response = await once(current, request, current.origin === origin);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      const next = new URL(response.headers.location, current);
      // An https download may not be sent on over plain http.
      if (current.protocol === 'https:' && next.protocol !== 'https:')
        throw new HttpError(`${redactUrl(url)}: redirected from https to ${next.protocol}; refused`);
      current = next;
      continue;
    }
    return { response, url: current.href };
  }
  throw new HttpError(`${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
}

/** The body as text, or an error naming the status. */
export async function httpText(url: string, request: HttpRequest = {}): Promise<string> {
  const { response } = await httpRequest(url, request);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new HttpError(`${redactUrl(url)}: HTTP ${status}`, status);
  return text;
}

/** `attachment; filename="a b.bin"` or `filename*=UTF-8''a%20b.bin` -> a safe basename, or undefined. */
export function contentDispositionName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  const plain = /filename\s*=\s*(?:"([^"]+)"|([^;]+))/i.exec(header);
  let name: string | undefined;
  try {
    name = extended ? decodeURIComponent(extended[1].trim()) : (plain?.[1] ?? plain?.[2])?.trim();
  } catch {
    name = (plain?.[1] ?? plain?.[2])?.trim();
  }
  // A server's name never chooses a directory.
  const base = name?.split(/[/\\]/).pop();
  return base && base !== '.' && base !== '..' ? base : undefined;
}
