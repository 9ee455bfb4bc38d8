// @vast/plugin/testing: what the end-to-end suites and the bench drive the plugin with (the Docker helpers, smoke's
// container and probes, the build records, fakes), so nothing outside the plugin imports its src/ by path.
export { run, type RunResult } from './utils/exec';
export {
  assertDockerEngine,
  containerLogs,
  createContainer,
  dockerCommand,
  execInContainer,
  imageExists,
  imageId,
  publishedPort,
  inspectContainer,
  registryDigests,
  removeContainer,
  startContainer,
} from './utils/docker';
export { lookupManifest, type ManifestLookup } from './utils/registry-http';
export { buildResultFileOf, type BuildResult } from './lib/build-result';
export { runSmoke, startSmokeContainer, type ProvisioningSpec, type SmokeContainer } from './executors/smoke/lib/smoke';
export { selectChecks } from './executors/smoke/lib/smoke-config';
export { runChecks } from './executors/smoke/lib/run-checks';
export { fileExists, httpStatus, readFile, supervisorStates } from './executors/smoke/lib/probe';
export { failedStages, latestBootLines, startedStages } from './executors/smoke/lib/checks';
export { default as dockerPushExecutor } from './executors/docker-push/executor';
export { checkRegistryAccess } from './executors/docker-push/lib/registry-access';
export { copyManifestByDigest } from './executors/docker-push/lib/registry-copy';
export { default as dockerBuildExecutor } from './executors/docker-build/executor';
export { fakeExecutorContext } from './utils/fake-executor-context';
export { assembleContext } from './lib/assemble-context';
export { imageProjectDirs } from './lib/workspace-images';
export { LOCAL_ROOT_DEFAULTS } from './executors/local-root/lib/plan-local-root';
