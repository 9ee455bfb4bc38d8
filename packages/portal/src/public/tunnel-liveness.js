// @ts-check
// Whether a tunnel reaches this instance's Caddy (upstream §2.10): every Caddy site answers `/portal-resolver` itself,
// without auth and to any origin, so `<tunnel>/portal-resolver?t=<ms>` answering 200 proves the tunnel is up. One
// check polls every second within a 5 s budget; a new tunnel gets 10 checks 1.5 s apart; the page re-checks every
// 30 s. Pure apart from the fetch it is given.

export const CHECK_BUDGET_MS = 5000;
export const POLL_MS = 1000;
export const NEW_TUNNEL_TRIES = 10;
export const NEW_TUNNEL_INTERVAL_MS = 1500;
export const RECHECK_MS = 30_000;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {string} tunnelUrl
 * @param {{ fetch?: typeof fetch, budgetMs?: number, pollMs?: number }} [options]
 * @returns {Promise<boolean>}
 */
export async function isTunnelLive(tunnelUrl, { fetch: get = fetch, budgetMs = CHECK_BUDGET_MS, pollMs = POLL_MS } = {}) {
  let base;
  try {
    base = new URL('/portal-resolver', tunnelUrl);
  } catch {
    return false;
  }
  const deadline = Date.now() + budgetMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budgetMs);
  try {
    while (Date.now() < deadline) {
      const url = new URL(base);
      url.searchParams.set('t', String(Date.now())); // past any cache between the browser and Caddy
      const started = Date.now();
      try {
        const response = await get(url.toString(), { cache: 'no-store', credentials: 'omit', signal: controller.signal });
        if (response.status === 200) return true;
      } catch {
        if (controller.signal.aborted) return false;
      }
      await sleep(Math.max(0, Math.min(pollMs - (Date.now() - started), deadline - Date.now())));
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A new tunnel: cloudflared prints its address before the edge routes it, so it is tried `tries` times.
 * @param {string} tunnelUrl
 * @param {{ tries?: number, intervalMs?: number, check?: (url: string) => Promise<boolean> }} [options]
 */
export async function waitForTunnel(
  tunnelUrl,
  { tries = NEW_TUNNEL_TRIES, intervalMs = NEW_TUNNEL_INTERVAL_MS, check = isTunnelLive } = {},
) {
  for (let attempt = 1; attempt <= tries; attempt++) {
    if (await check(tunnelUrl)) return true;
    if (attempt < tries) await sleep(intervalMs);
  }
  return false;
}
