// The generated part of an image's build context: Dockerfile, step scripts, supervisor confs and launch scripts,
// boot env script.
// The plugin writes these next to the project's own ROOT/ overlay; generated files win over nothing (a clash is an error).
import { capabilitiesFragmentPath, renderCapabilitiesFragment } from './capabilities/fragment';
import { bootEnvScriptPath, hasBootEnvScript, renderBootEnvScript } from './boot-env';
import { renderDockerfile } from './dockerfile';
import { renderStepFile, stepFilePath } from './step-script';
import { launchScriptPath, renderLaunchScript, renderSupervisorConf, supervisorConfPath } from './supervisor';
import { defaultPortalEntries, type ResolvedImage } from './graph';

export interface ContextFile {
  /** Path inside the build context, e.g. `Dockerfile` or `ROOT/etc/supervisor/conf.d/jupyter.conf`. */
  path: string;
  content: string;
  /** File mode: 0o644 or 0o755. */
  mode: number;
}

export function renderContextFiles(image: ResolvedImage): ContextFile[] {
  const def = image.definition;
  const files: ContextFile[] = [{ path: 'Dockerfile', content: renderDockerfile(image), mode: 0o644 }];
  // Read by bash through a mount, never executed directly: not executable.
  def.steps.forEach((step, index) => files.push({ path: stepFilePath(index, step), content: renderStepFile(image, index), mode: 0o644 }));
  for (const service of def.services) {
    files.push(
      { path: `ROOT${supervisorConfPath(service)}`, content: renderSupervisorConf(service, image.file), mode: 0o644 },
      { path: `ROOT${launchScriptPath(service)}`, content: renderLaunchScript(service, image.file), mode: 0o755 },
    );
  }
  if (hasBootEnvScript(def)) {
    files.push({
      path: `ROOT${bootEnvScriptPath(def.name)}`,
      content: renderBootEnvScript({
        image: def.name,
        source: image.file,
        portalEntries: def.defaultPortalConfig ? defaultPortalEntries(image.portalEntries) : undefined,
        env: def.bootEnv,
      }),
      mode: 0o755,
    });
  }
  files.push({ path: `ROOT${capabilitiesFragmentPath(image)}`, content: renderCapabilitiesFragment(image), mode: 0o644 });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
