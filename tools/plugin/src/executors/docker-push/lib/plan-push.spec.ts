import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, planPush } from './plan-push';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const result = {
  name: 'pytorch',
  repository: 'vastai/pytorch',
  version: '2.1.0',
  variants: [
    { key: 'cu128', buildTag: 'vastai/pytorch:build-aaaaaaaaaaaa', imageId: id('a') },
    { key: 'cu130', buildTag: 'vastai/pytorch:build-bbbbbbbbbbbb', imageId: id('b') },
  ],
};

describe('planPush', () => {
  it('pushes every exact tag before any moving alias', () => {
    expect(planPush(result, 'registry.example:5000').map((s) => [s.target, s.source, s.alias])).toEqual([
      ['registry.example:5000/vastai/pytorch:2.1.0-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', false],
      ['registry.example:5000/vastai/pytorch:2.1.0-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', false],
      ['registry.example:5000/vastai/pytorch:2.1-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', true],
      ['registry.example:5000/vastai/pytorch:2-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', true],
      ['registry.example:5000/vastai/pytorch:latest-cu128', 'vastai/pytorch:build-aaaaaaaaaaaa', true],
      ['registry.example:5000/vastai/pytorch:2.1-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', true],
      ['registry.example:5000/vastai/pytorch:2-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', true],
      ['registry.example:5000/vastai/pytorch:latest-cu130', 'vastai/pytorch:build-bbbbbbbbbbbb', true],
    ]);
  });

  it('gives a prerelease only its exact tags', () => {
    expect(planPush({ ...result, version: '2.1.0-rc.1' }, 'docker.io').map((s) => s.target)).toEqual([
      'docker.io/vastai/pytorch:2.1.0-rc.1-cu128',
      'docker.io/vastai/pytorch:2.1.0-rc.1-cu130',
    ]);
  });

  it('throws before anything is planned when a tag would be invalid', () => {
    expect(() => planPush({ ...result, variants: [{ ...result.variants[0], key: 'x'.repeat(125) }] }, 'docker.io')).toThrow(/Docker allows at most 128/);
  });
});

describe('isLoopbackRegistry', () => {
  it('is true only for loopback hosts', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000/ns')).toBe(true);
    expect(isLoopbackRegistry('127.1.2.3')).toBe(true);
    expect(isLoopbackRegistry('docker.io')).toBe(false);
    expect(isLoopbackRegistry('127.0.0.1.example.com:5000')).toBe(false);
  });
});
