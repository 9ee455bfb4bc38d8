// The cold row's floor runs the steps that install Debian packages, and the cold build is the planned argv with a
// tag of its own and no build cache.
import { describe, expect, it } from 'vitest';
import { coldArgv, installsPackages } from './cold';

describe('bench cold', () => {
  it('counts a step as the floor when it runs apt-get install, not when it only names apt in a comment or sets up files', () => {
    expect(installsPackages('set -euo pipefail\napt-get update\napt-get install -y --no-install-recommends \\\n  acl bc\n')).toBe(true);
    expect(installsPackages('# production installs it with apt-get install\n/opt/vast-base/main-venv.sh\n')).toBe(false);
    expect(installsPackages('/opt/vast-base/create-user.sh\n')).toBe(false);
  });

  it('turns the dry run into the same docker build with only its own tag and --no-cache', () => {
    const dry = [
      '# base-image:local (local) -> vastai/base-image:build-0123456789ab',
      'docker build --file dist/images/base-image/Dockerfile --tag vastai/base-image:build-0123456789ab --tag vastai/base-image:1.0.0-local --build-arg VAST_PROFILE=local dist/images/base-image',
    ].join('\n');
    expect(coldArgv(dry)).toEqual([
      'build',
      '--no-cache',
      '--tag',
      'vast-bench-cold/base-image:latest',
      '--file',
      'dist/images/base-image/Dockerfile',
      '--build-arg',
      'VAST_PROFILE=local',
      'dist/images/base-image',
    ]);
  });
});
