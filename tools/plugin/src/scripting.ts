// @vast/plugin/scripting: what the workspace's scripts (scripts/release.ts) run the way the plugin does: commands by
// argv, the image family as builds read it, and where builds record what they did.
export { run } from './utils/exec';
export { readWorkspaceImages } from './lib/workspace-images';
export { pushResultFileOf } from './lib/build-result';
export { endpointsFromEnv, fetchReleases, SourceError, type SourceEndpoints } from './utils/release-sources';
