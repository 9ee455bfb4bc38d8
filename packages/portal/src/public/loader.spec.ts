import { describe, expect, it } from 'vitest';
import { LOADER_STEPS, runLoader } from './loader.js';

const never = () => new Promise<never>(() => undefined);

describe('runLoader (upstream’s loader, never holding the page)', () => {
  it('shows each step in upstream’s order and ends when they are done, a failed one included', async () => {
    const shown: string[] = [];
    const ended = await runLoader({
      steps: [
        { text: LOADER_STEPS[0], run: async () => undefined },
        { text: LOADER_STEPS[1], run: async () => Promise.reject(new Error('portal down')) },
        { text: LOADER_STEPS[2], run: async () => undefined },
      ],
      show: (text) => shown.push(text),
      skip: never(),
    });
    expect(ended).toBe('done');
    expect(shown).toEqual(['Loading Instance Portal...', 'Gathering applications...', 'Loading secure tunnels...']);
  });

  it('ends on Skip while a source hangs, and shows no later step', async () => {
    const shown: string[] = [];
    let skip!: () => void;
    const skipped = new Promise<void>((resolve) => (skip = resolve));
    const loading = runLoader({
      steps: [
        { text: LOADER_STEPS[0], run: async () => undefined },
        { text: LOADER_STEPS[1], run: never },
        { text: LOADER_STEPS[2], run: async () => undefined },
      ],
      show: (text) => {
        shown.push(text);
        if (text === LOADER_STEPS[1]) skip();
      },
      skip: skipped,
      timeoutMs: 60_000,
    });
    expect(await loading).toBe('skipped');
    expect(shown).toEqual(['Loading Instance Portal...', 'Gathering applications...']);
  });

  it('ends by itself when a source never answers', async () => {
    expect(await runLoader({ steps: [{ text: LOADER_STEPS[2], run: never }], show: () => undefined, skip: never(), timeoutMs: 50 })).toBe(
      'timeout',
    );
  });
});
