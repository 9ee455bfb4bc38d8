import { describe, expect, it } from 'vitest';
import { describeApplications, describeProcess } from './applications';
import type { ProcessInfo } from './supervisor-client';

function info(name: string, statename: string, group = name): ProcessInfo {
  return { name, group, statename, description: '', pid: 0, exitstatus: 0, spawnerr: '', start: 0, now: 0 };
}

const labels = new Map([
  ['jupyter', 'Jupyter'],
  ['syncthing', 'Syncthing'],
  ['tensorboard', 'Tensorboard'],
]);

describe('describeProcess', () => {
  it.each([
    ['RUNNING', 'running'],
    ['STARTING', 'starting'],
    ['BACKOFF', 'starting'],
    ['STOPPING', 'stopping'],
    ['STOPPED', 'stopped'],
    ['EXITED', 'stopped'],
    ['FATAL', 'failed'],
    ['UNKNOWN', 'unknown'],
  ])('maps %s to %s', (statename, state) => {
    expect(describeProcess(info('jupyter', statename), labels, new Set()).state).toBe(state);
  });

  it('shows a program with a skip marker as skipped whatever supervisor says', () => {
    expect(describeProcess(info('syncthing', 'EXITED'), labels, new Set(['syncthing']))).toEqual({
      name: 'syncthing',
      state: 'skipped',
      supervisorState: 'EXITED',
      description: '',
      label: 'Syncthing',
      unstoppable: false,
    });
    expect(describeProcess(info('caddy', 'RUNNING'), labels, new Set(), new Set(['caddy'])).unstoppable).toBe(true);
  });

  it('names grouped processes group:name', () => {
    expect(describeProcess(info('worker_0', 'RUNNING', 'workers'), labels, new Set()).name).toBe('workers:worker_0');
  });
});

describe('describeApplications', () => {
  const entries = [
    { label: 'Jupyter', hostname: 'localhost', externalPort: 8080, internalPort: 18080, path: '/' },
    { label: 'Jupyter Terminal', hostname: 'localhost', externalPort: 8080, internalPort: 8080, path: '/terminals/1' },
    { label: 'Tensorboard', hostname: 'localhost', externalPort: 6006, internalPort: 16006, path: '/' },
    { label: 'Docs', hostname: 'localhost', externalPort: 9000, internalPort: 19000, path: '/' },
  ];

  it('joins applications with their programs, states and public ports', () => {
    const apps = describeApplications({
      entries,
      processes: [info('jupyter', 'RUNNING'), info('caddy', 'RUNNING')],
      labels,
      skipped: new Set(),
      publicPorts: { 8080: 40123 },
    });
    expect(apps.map((a) => [a.label, a.process?.name ?? null, a.process?.state ?? null, a.publicPort])).toEqual([
      ['Jupyter', 'jupyter', 'running', 40123],
      ['Jupyter Terminal', 'jupyter', 'running', 40123],
      ['Tensorboard', 'tensorboard', 'unknown', null], // labelled in its conf, not reported by supervisor
      ['Docs', null, null, null],
    ]);
  });

  it('still lists applications when supervisor cannot be asked', () => {
    const apps = describeApplications({
      entries: entries.slice(0, 1),
      processes: null,
      labels,
      skipped: new Set(['jupyter']),
      publicPorts: {},
    });
    expect(apps[0].process).toMatchObject({ name: 'jupyter', state: 'skipped' });
  });
});
