// Runs shellcheck over the overlay's shell scripts (VL090), and bash -n and shellcheck over every install step's script
// (VL091, VL092); @vast/conventions decides what their output means.
import {
  bashSyntaxFindings,
  missingShellcheckFinding,
  overlayScripts,
  overlayShellcheckFindings,
  SHELLCHECK_ARGS,
  SHELLCHECK_CODE,
  STEP_SHELL_CODE,
  STEP_SHELLCHECK_ARGS,
  stepScripts,
  stepShellcheckFindings,
  type LintContext,
  type LintFinding,
  type ShellcheckComment,
} from '@vast/conventions';
import { run, hasCommand } from '../../../utils/exec';

/** shellcheck's comments on `files` (context paths), or undefined when shellcheck is not installed. */
async function shellcheck(contextDir: string, args: string[], files: string[]): Promise<ShellcheckComment[] | undefined> {
  if (!(await hasCommand('shellcheck'))) return undefined;
  const result = await run('shellcheck', [...args, ...files], { cwd: contextDir, reject: false });
  if (result.exitCode > 1) throw new Error(`shellcheck failed (${result.exitCode}): ${result.stderr}`);
  return JSON.parse(result.stdout || '[]') as ShellcheckComment[];
}

export async function runShellcheck(contextDir: string, context: LintContext): Promise<LintFinding[]> {
  const scripts = overlayScripts(context);
  if (!scripts.length) return [];
  const comments = await shellcheck(contextDir, SHELLCHECK_ARGS, scripts);
  return comments ? overlayShellcheckFindings(comments) : [missingShellcheckFinding(SHELLCHECK_CODE, scripts[0])];
}

/** Production steps never build here, so this is the only check their shell gets. */
export async function runStepChecks(contextDir: string, context: LintContext): Promise<LintFinding[]> {
  const scripts = stepScripts(context);
  if (!scripts.length) return [];
  const findings: LintFinding[] = [];
  for (const script of scripts) {
    const result = await run('bash', ['-n', script], { cwd: contextDir, reject: false });
    findings.push(...bashSyntaxFindings(context, script, result.stderr));
  }
  const comments = await shellcheck(contextDir, STEP_SHELLCHECK_ARGS, scripts);
  return [...findings, ...(comments ? stepShellcheckFindings(context, comments) : [missingShellcheckFinding(STEP_SHELL_CODE, scripts[0])])];
}

/** Every shell check of a context: the overlay's scripts and the steps'. */
export async function runShellChecks(contextDir: string, context: LintContext): Promise<LintFinding[]> {
  return [...(await runShellcheck(contextDir, context)), ...(await runStepChecks(contextDir, context))];
}
