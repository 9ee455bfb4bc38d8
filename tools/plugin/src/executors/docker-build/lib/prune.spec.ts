// The prune plan and the engine's listing, as data; the real engine run is in e2e/base-image/cache-registry.
import { describe, expect, it } from 'vitest';
import { createdArgv, listBuildTagsArgv, parseCreated, planPrune } from './prune';

const at = (minute: number) => Date.UTC(2026, 10, 30, 9, minute);
const entries = [
  { ref: 'r:build-a', created: at(1) },
  { ref: 'r:build-c', created: at(3) },
  { ref: 'r:build-b', created: at(2) },
  { ref: 'r:build-d', created: at(4) },
];

describe('planPrune', () => {
  it('keeps the newest N builds of the variant and untags the rest, oldest last', () => {
    expect(planPrune(entries, 2, new Set())).toEqual(['r:build-b', 'r:build-a']);
    expect(planPrune(entries, 4, new Set())).toEqual([]);
    expect(planPrune([], 1, new Set())).toEqual([]);
  });

  it('never untags a build this run made or used; it counts towards N', () => {
    expect(planPrune(entries, 1, new Set(['r:build-a']))).toEqual(['r:build-d', 'r:build-c', 'r:build-b']);
    expect(planPrune(entries, 2, new Set(['r:build-a']))).toEqual(['r:build-c', 'r:build-b']);
  });
});

describe("the engine's listing", () => {
  it('filters by repository, image and variant labels', () => {
    expect(listBuildTagsArgv('vastai/app', 'app', 'stock')).toEqual([
      'image',
      'ls',
      '--filter',
      'reference=vastai/app:build-*',
      '--filter',
      'label=io.vast.image=app',
      '--filter',
      'label=io.vast.variant=stock',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    expect(createdArgv(['r:build-a', 'r:build-b'])).toEqual(['image', 'inspect', '--format', '{{.Created}}', 'r:build-a', 'r:build-b']);
  });

  it("reads Docker's creation times, to the millisecond", () => {
    expect(parseCreated(['r:build-a', 'r:build-b'], '2026-11-30T09:01:00.123456789Z\n2026-11-30T09:01:00.124Z\n')).toEqual([
      { ref: 'r:build-a', created: at(1) + 123 },
      { ref: 'r:build-b', created: at(1) + 124 },
    ]);
  });
});
