export interface DockerBuildExecutorOptions {
  profile?: 'production' | 'local';
  variants?: string[];
  dryRun?: boolean;
  force?: boolean;
  cacheRegistry?: string;
  pull?: boolean;
  arg?: string | string[];
  tag?: string | string[];
  prune?: number;
  platform?: string;
}
