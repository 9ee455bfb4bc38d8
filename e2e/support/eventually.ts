// The one poll loop of the suites that wait on a booted container or a server: try, pause, try again, and when time is
// up fail with what was awaited (and the last state seen, where the caller can describe it) instead of a bare timeout.

export interface EventuallyOptions {
  /** Give up after this long. Default: two minutes. */
  timeoutMs?: number;
  /** The pause between two tries. Default: one second. */
  intervalMs?: number;
  /** What the timeout error shows as the last state (e.g. supervisor's table and the container's log). */
  describeLast?: () => Promise<string>;
}

/**
 * Calls `probe` until it returns a value other than `undefined` or `false`, and returns that value; after `timeoutMs`
 * throws `timed out after <s>s waiting for <what>`.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 120_000, intervalMs = 1000, describeLast }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const last = describeLast ? `. Last state:\n${await describeLast()}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
