// lint: the image invariants (@vast/conventions LINT_RULES), and bash -n and shellcheck over the assembled context.
import { logger, type ExecutorContext } from '@nx/devkit';
import { formatFinding, lintContext } from '@vast/conventions';
import { contextDirOf, readManifest } from '../../lib/assemble-context';
import { readImageChain } from '../../lib/workspace-images';
import { readLintContext } from './lib/read-context';
import { runShellChecks } from './lib/shellcheck';
import type { LintExecutorOptions } from './schema';

export default async function lintExecutor(options: LintExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName as string;
  const manifest = readManifest(context.root, name);
  if (!manifest) {
    logger.error(`${name}: dist/images/${name}/image.json is missing. Run nx run ${name}:build first (lint depends on it).`);
    return { success: false };
  }
  const workspace = await readImageChain(context.root, name);
  const contextDir = contextDirOf(context.root, name);
  const lint = readLintContext(contextDir, manifest, workspace.images.get(name), context.root);
  const findings = [...lintContext(lint), ...(options.shellcheck === false ? [] : await runShellChecks(contextDir, lint))];
  const shown = `dist/images/${name}`;
  for (const finding of findings) (finding.severity === 'error' ? logger.error : logger.warn)(formatFinding(shown, finding));
  const errors = findings.filter((f) => f.severity === 'error' || options.warningsAsErrors).length;
  const warnings = findings.length - findings.filter((f) => f.severity === 'error').length;
  logger.log(`${name}: ${lint.files.length} files, ${errors} errors, ${warnings} warnings${errors ? '' : ' — clean'}`);
  return { success: errors === 0 };
}
