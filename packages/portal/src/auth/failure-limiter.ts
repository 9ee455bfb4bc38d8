// Counts failed logins per client address; past the limit in the window, that client is refused (429) until the
// oldest failure ages out. It keeps a bounded number of clients so a flood of addresses cannot grow it without end.

export interface FailureLimiterOptions {
  limit: number;
  windowMs: number;
  maxClients: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimiterOptions = { limit: 10, windowMs: 60_000, maxClients: 10_000 };

export interface FailureLimiter {
  /** Seconds the client must wait before trying again, or 0 when it may try now. */
  retryAfter(client: string, nowMs: number): number;
  recordFailure(client: string, nowMs: number): void;
}

export function createFailureLimiter(options: FailureLimiterOptions = DEFAULT_FAILURE_LIMIT): FailureLimiter {
  // Insertion order doubles as age order: a client is re-inserted on every failure, so the first key is the stalest.
  const failures = new Map<string, number[]>();
  const recent = (client: string, nowMs: number): number[] => (failures.get(client) ?? []).filter((t) => t > nowMs - options.windowMs);
  return {
    retryAfter(client, nowMs) {
      const times = recent(client, nowMs);
      if (times.length < options.limit) return 0;
      return Math.max(1, Math.ceil((times[times.length - options.limit] + options.windowMs - nowMs) / 1000));
    },
    recordFailure(client, nowMs) {
      const times = recent(client, nowMs);
      times.push(nowMs);
      failures.delete(client);
      failures.set(client, times.slice(-options.limit));
      while (failures.size > options.maxClients) failures.delete(failures.keys().next().value as string);
    },
  };
}
