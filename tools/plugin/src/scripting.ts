// @vast/plugin/scripting: what the workspace's scripts (scripts/release.ts) run the way the plugin does: commands by
// argv, and an image.ts loaded exactly as the build target loads it.
export { run, CommandError, type RunOptions, type RunResult } from './utils/exec';
export { loadDefinitionModule } from './lib/load-definition';
