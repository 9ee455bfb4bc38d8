// Options of the docker-push executor, as schema.json declares them.
export interface DockerPushExecutorOptions {
  registry?: string;
  dryRun?: boolean;
  profile?: 'production' | 'local';
  upstreamTags?: boolean;
  date?: string;
  promoteFrom?: string;
  merge?: boolean;
  variants?: string[];
  namespace?: string;
  promoteFromNamespace?: string;
}
