// Options of the local-root executor, as schema.json declares them.
export interface LocalRootExecutorOptions {
  suite?: string;
  image?: string;
  mirror?: string;
  force?: boolean;
  dryRun?: boolean;
  platform?: 'linux/amd64' | 'linux/arm64';
}
