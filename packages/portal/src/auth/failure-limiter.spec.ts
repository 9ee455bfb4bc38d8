import { describe, expect, it } from 'vitest';
import { createFailureLimiter } from './failure-limiter';

describe('createFailureLimiter', () => {
  it('refuses after the limit and lets the client in again once the oldest failure leaves the window', () => {
    const limiter = createFailureLimiter({ limit: 3, windowMs: 10_000, maxClients: 10 });
    for (const t of [0, 1000, 2000]) limiter.recordFailure('a', t);
    expect(limiter.retryAfter('a', 2500)).toBe(8);
    expect(limiter.retryAfter('b', 2500)).toBe(0);
    expect(limiter.retryAfter('a', 10_001)).toBe(0);
  });

  it('keeps at most maxClients, forgetting the stalest', () => {
    const limiter = createFailureLimiter({ limit: 1, windowMs: 60_000, maxClients: 2 });
    limiter.recordFailure('a', 0);
    limiter.recordFailure('b', 1);
    limiter.recordFailure('c', 2);
    expect(['a', 'b', 'c'].map((c) => limiter.retryAfter(c, 3) > 0)).toEqual([false, true, true]);
  });
});
