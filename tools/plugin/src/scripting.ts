// @vast/plugin/scripting: what the workspace's scripts (scripts/release.ts) run the way the plugin does: commands by
// argv, an image.ts loaded exactly as the build target loads it, the image family as builds read it, and where
// builds record what they did.
export { run, CommandError, type RunOptions, type RunResult } from './utils/exec';
export { loadDefinitionModule } from './lib/load-definition';
export { readWorkspaceImages } from './lib/workspace-images';
export { recordsDirOf } from './lib/build-result';
