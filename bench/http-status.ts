// One readiness probe of the bench: a GET with node:http that always settles. fetch's AbortSignal.timeout did not: a
// connection docker-proxy accepts before anything listens inside the container can hang the poll for good.
import { get } from 'node:http';

/**
 * The status of one GET of `url`, or 0 when the request fails or has not answered within `timeoutMs` (the socket is
 * destroyed then). The timer is a plain, referenced one, so a hung request cannot let Node exit or wait forever.
 */
export function httpStatusOnce(url: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (status: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(status);
    };
    const request = get(url, { headers, agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      settle(response.statusCode ?? 0);
    });
    const timer = setTimeout(() => {
      request.destroy();
      settle(0);
    }, timeoutMs);
    request.on('timeout', () => request.destroy());
    request.on('error', () => settle(0));
  });
}
