import { describe, expect, it } from 'vitest';
import { createArgs, dockerCommand } from './docker';

describe('createArgs', () => {
  it('passes env values as argv items and publishes on 127.0.0.1 only', () => {
    expect(
      createArgs({
        image: 'vastai/base-image:build-0123456789ab',
        name: 'vast-smoke-base-image-1a2b',
        env: { PORTAL_CONFIG: 'localhost:8080:18080:/:Jupyter|x', OPEN_BUTTON_TOKEN: "t'; rm -rf /" },
        publish: [8080, 1111],
        labels: { 'vast.smoke': 'true' },
        args: ['--no-cert-gen'],
      }),
    ).toEqual([
      'create',
      '--name',
      'vast-smoke-base-image-1a2b',
      '--label',
      'vast.smoke=true',
      '--env',
      'PORTAL_CONFIG=localhost:8080:18080:/:Jupyter|x',
      '--env',
      "OPEN_BUTTON_TOKEN=t'; rm -rf /",
      '--publish',
      '127.0.0.1::8080',
      '--publish',
      '127.0.0.1::1111',
      'vastai/base-image:build-0123456789ab',
      '--no-cert-gen',
    ]);
  });
});

describe('dockerCommand', () => {
  it('uses VAST_DOCKER when set', () => {
    expect(dockerCommand({ VAST_DOCKER: '/opt/docker' })).toBe('/opt/docker');
  });
});
