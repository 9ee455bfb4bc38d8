// The local root image, as data: normalised options and the exact commands that make it. Pure.
import { join } from 'node:path';
import type { LocalRootExecutorOptions } from '../schema';

export interface NormalizedLocalRootOptions {
  suite: string;
  image: string;
  mirror: string;
  force: boolean;
  dryRun: boolean;
}

export const LOCAL_ROOT_DEFAULTS = {
  suite: 'bookworm',
  image: 'vast-local/bookworm:latest',
  mirror: 'http://deb.debian.org/debian',
} as const;

export function normalizeLocalRootOptions(options: LocalRootExecutorOptions, env: NodeJS.ProcessEnv = {}): NormalizedLocalRootOptions {
  return {
    suite: options.suite ?? LOCAL_ROOT_DEFAULTS.suite,
    image: options.image ?? LOCAL_ROOT_DEFAULTS.image,
    mirror: options.mirror ?? LOCAL_ROOT_DEFAULTS.mirror,
    force: options.force ?? false,
    dryRun: options.dryRun === true || env.NX_DRY_RUN === 'true',
  };
}

export interface PlannedCommand {
  /** What the step does, printed as a progress line. */
  label: string;
  command: string;
  args: string[];
}

/**
 * debootstrap into workDir/rootfs, pack it, import it. A tarball file instead of `tar | docker import -` keeps every
 * command a plain argv (no shell pipe) and lets a failure name the step that failed.
 */
export function planLocalRoot(options: NormalizedLocalRootOptions, workDir: string, docker: string): PlannedCommand[] {
  const rootfs = join(workDir, 'rootfs');
  const tarball = join(workDir, 'rootfs.tar');
  return [
    {
      label: `debootstrap ${options.suite} (minbase) from ${options.mirror}`,
      command: 'debootstrap',
      args: ['--variant=minbase', options.suite, rootfs, options.mirror],
    },
    {
      label: 'pack the root filesystem',
      command: 'tar',
      args: ['--numeric-owner', '-C', rootfs, '-cf', tarball, '.'],
    },
    {
      label: `docker import as ${options.image}`,
      command: docker,
      // An imported rootfs has no config at all; a default command makes `docker run <image>` usable by hand.
      args: ['import', '--change', 'CMD ["/bin/bash"]', tarball, options.image],
    },
  ];
}
