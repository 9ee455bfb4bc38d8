// docker-push: pushes the release tags of every variant docker-build finished, to one registry, and says
// exactly what it pushed. Refuses before touching anything unless the build is complete and current.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import type { DockerPushExecutorOptions } from './schema';
import { formatDryRun, formatPushReport } from './lib/format-report';
import { normalizeOptions } from './lib/normalize-options';
import { isLoopbackRegistry, planPush } from './lib/plan-push';
import { checkLocalImages, pushSteps, type PushReport } from './lib/push-release';
import { readPushInputs } from './lib/read-inputs';

export interface DockerPushResult {
  success: boolean;
  report?: PushReport;
}

export default async function dockerPushExecutor(options: DockerPushExecutorOptions, context: ExecutorContext): Promise<DockerPushResult> {
  const log = (line: string) => logger.info(line);
  const fail = (lines: string[]) => {
    for (const line of lines) logger.error(line);
    return { success: false };
  };

  const normalized = normalizeOptions(options, context, process.env);
  if (!normalized.ok) return fail([normalized.error]);
  const o = normalized.options;

  const inputs = readPushInputs(o);
  if (inputs.ok === false) return fail([`docker-push ${o.projectName}: refusing to push anything:`, ...inputs.errors]);

  let steps;
  try {
    steps =
      inputs.ok === 'manifest-only'
        ? planPush(
            {
              name: o.projectName,
              repository: inputs.manifest.repository,
              version: inputs.manifest.version,
              variants: inputs.manifest.variants.map((v) => ({ key: v.key, buildTag: `(not built: ${v.key})`, imageId: '' })),
            },
            o.registry,
          )
        : planPush(inputs.result, o.registry);
  } catch (error) {
    // Invalid tags (a variant key or version Docker cannot hold) are caught before anything is pushed.
    return fail([`docker-push ${o.projectName}: refusing to push anything: ${error instanceof Error ? error.message : String(error)}`]);
  }

  const version = inputs.ok === 'manifest-only' ? inputs.manifest.version : inputs.result.version;
  if (o.dryRun) {
    for (const line of formatDryRun(o.projectName, version, o.registry, steps, inputs.ok === 'manifest-only' ? inputs.note : undefined)) log(line);
    return { success: true };
  }
  if (inputs.ok !== true) return fail([`docker-push ${o.projectName}: nothing built to push.`]);

  const rebuild = `Run nx run ${o.projectName}:docker-build${o.profile ? ` -c ${o.profile}` : ''} again.`;
  const problems = await checkLocalImages(inputs.result.variants, inputs.buildResultFile, rebuild, log);
  if (problems.length) return fail([`docker-push ${o.projectName}: refusing to push anything:`, ...problems]);

  const report = await pushSteps(steps, { insecure: isLoopbackRegistry(o.registry), log });
  const lines = formatPushReport(o.projectName, version, o.registry, report);
  // Kept next to build-result.json so CI can collect the pushed tags (and the digests) of every image.
  mkdirSync(join(o.workspaceRoot, o.recordsDir), { recursive: true });
  writeFileSync(
    join(o.workspaceRoot, o.recordsDir, 'push-result.json'),
    `${JSON.stringify({ name: o.projectName, version, registry: o.registry, ...report }, null, 2)}\n`,
  );
  if (report.failed) {
    for (const line of lines) logger.error(line);
    return { success: false, report };
  }
  for (const line of lines) log(line);
  return { success: true, report };
}
