import { describe, expect, it } from 'vitest';
import { sortProcesses, visibleRoutes } from './process-order.js';

describe('the Supervisor page’s rules', () => {
  it('sorts running and starting first, then failed (FATAL, BACKOFF), then the rest, by name within each', () => {
    const processes = [
      { name: 'a-stopped', state: 'stopped' },
      { name: 'b-failed', state: 'failed' },
      { name: 'c-starting', state: 'starting' },
      { name: 'd-running', state: 'running' },
      { name: 'a-skipped', state: 'skipped' },
      { name: 'a-running', state: 'running' },
    ];
    expect(sortProcesses(processes).map((p) => p.name)).toEqual([
      'a-running',
      'c-starting',
      'd-running',
      'b-failed',
      'a-skipped',
      'a-stopped',
    ]);
  });

  it('hides Supervisor when the portal does not run in a container', () => {
    const routes = (environment: string | null) => visibleRoutes(environment).map((r) => r.route);
    expect(routes('container')).toEqual(['apps', 'tunnels', 'services', 'logs', 'tools']);
    expect(routes('host')).toEqual(['apps', 'tunnels', 'logs', 'tools']);
    expect(routes(null)).toContain('services'); // not known yet
  });
});
