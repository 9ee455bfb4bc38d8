// The local root image, as data: normalised options and the exact commands that make it. Pure.
import { join } from 'node:path';
import { archOf, platformRootRef, type Platform } from '@vast/conventions';
import type { LocalRootExecutorOptions } from '../schema';

export interface NormalizedLocalRootOptions {
  suite: string;
  image: string;
  mirror: string;
  force: boolean;
  dryRun: boolean;
  /** Make the root of this platform (debootstrap --arch) under its own tag, `<image>-<arch>`; absent: the engine's own. */
  platform?: Platform;
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
    ...(options.platform ? { platform: options.platform } : {}),
  };
}

/** The image the options make: the root itself, or its one-platform copy (`vast-local/bookworm:latest-arm64`). */
export const localRootImageOf = (options: Pick<NormalizedLocalRootOptions, 'image' | 'platform'>): string =>
  options.platform ? platformRootRef(options.image, options.platform) : options.image;

/**
 * What a one-platform root is built from: the packed filesystem and nothing else. `docker import --platform` is
 * ignored by the 20.10 engine (the image says amd64 whatever it holds); a BuildKit build for the platform records it.
 */
export const PLATFORM_ROOT_DOCKERFILE = 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/bash"]\n';

export interface PlannedCommand {
  /** What the step does, printed as a progress line. */
  label: string;
  command: string;
  args: string[];
  /** Added to the environment of the command. */
  env?: Record<string, string>;
}

/**
 * debootstrap into workDir/rootfs, pack it, import it. A tarball file instead of `tar | docker import -` keeps every
 * command a plain argv (no shell pipe) and lets a failure name the step that failed.
 */
export function planLocalRoot(options: NormalizedLocalRootOptions, workDir: string, docker: string): PlannedCommand[] {
  const rootfs = join(workDir, 'rootfs');
  if (options.platform) {
    // The tarball and the Dockerfile alone in the build context: the unpacked root (device nodes) stays out of it.
    const context = join(workDir, 'context');
    const arch = archOf(options.platform);
    return [
      {
        label: `debootstrap ${options.suite} (minbase, ${arch}) from ${options.mirror}`,
        command: 'debootstrap',
        args: [`--arch=${arch}`, '--variant=minbase', options.suite, rootfs, options.mirror],
      },
      {
        label: 'pack the root filesystem',
        command: 'tar',
        args: ['--numeric-owner', '-C', rootfs, '-cf', join(context, 'rootfs.tar'), '.'],
      },
      {
        label: `docker build --platform ${options.platform} as ${localRootImageOf(options)}`,
        command: docker,
        args: ['build', '--platform', options.platform, '--tag', localRootImageOf(options), context],
        env: { DOCKER_BUILDKIT: '1' },
      },
    ];
  }
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
