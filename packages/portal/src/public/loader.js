// @ts-check
// Upstream's loader (§2.10): "Loading Instance Portal..." -> "Gathering applications..." -> "Loading secure
// tunnels...", with "Skip waiting". It never holds the page: Skip ends it, and so does a timeout when a source is slow.
// The page runs the first two steps here; the third text stands on each Launch button until that application's
// tunnel addresses are known (launch.js), so the page shows as soon as the applications are known.
// Pure: the page gives it the steps, a way to show text and a skip signal.

/** How long the loader may stand in front of the page, whatever its sources do. */
export const LOADER_TIMEOUT_MS = 10_000;

export const LOADER_STEPS = ['Loading Instance Portal...', 'Gathering applications...', 'Loading secure tunnels...'];

/**
 * Shows each step's text while its work runs, in order. Resolves with how it ended: `done` (every step finished; a
 * failed step counts as finished, the page says why elsewhere), `skipped` or `timeout`.
 * @param {{ steps: Array<{ text: string, run: () => Promise<unknown> }>, show: (text: string) => void,
 *   skip: Promise<unknown>, timeoutMs?: number }} options
 * @returns {Promise<'done' | 'skipped' | 'timeout'>}
 */
export async function runLoader({ steps, show, skip, timeoutMs = LOADER_TIMEOUT_MS }) {
  let timer;
  /** @type {Promise<'timeout'>} */
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  /** @type {Promise<'skipped'>} */
  const skipped = skip.then(() => 'skipped');
  let over = false;
  const work = (async () => {
    for (const step of steps) {
      if (over) break;
      show(step.text);
      await step.run().catch(() => undefined);
    }
    return /** @type {'done'} */ ('done');
  })();
  try {
    return await Promise.race([work, skipped, timeout]);
  } finally {
    over = true;
    clearTimeout(timer);
  }
}
