// What bash -n and shellcheck say about the context's scripts, as lint findings. The plugin runs the two programs;
// which files they read, with which arguments, and what their output means is decided here.
import { buildProvidedNames, STEPS_DIR } from '../step-script';
import { dockerfileInstructions, finalStage, overlayShellScripts } from './rules/helpers';
import { locateFinding } from './step-location';
import type { LintContext, LintFinding } from './types';

/** shellcheck over the shell scripts of the ROOT overlay. */
export const SHELLCHECK_CODE = 'VL090';
/** bash -n and shellcheck over the script of every install step. */
export const STEP_SHELL_CODE = 'VL091';
/** A step reads an upper-case variable that no ARG, ENV, parent ENV or build-provided variable declares. */
export const UNDECLARED_VARIABLE_CODE = 'VL092';

export const SHELLCHECK_ARGS = ['--format=json', '--shell=bash', '--severity=warning'];
/**
 * Steps also get shellcheck's optional report of unassigned upper-case variables: each is then either declared
 * (an ARG, ENV, parent ENV or build-provided name, and dropped) or a VL092.
 */
export const STEP_SHELLCHECK_ARGS = [...SHELLCHECK_ARGS, '--enable=check-unassigned-uppercase'];

/** One entry of `shellcheck --format=json`. */
export interface ShellcheckComment {
  file: string;
  line: number;
  level: 'error' | 'warning' | 'info' | 'style';
  code: number;
  message: string;
}

/** The overlay's shell scripts: the ones rule VL060 holds to a header are the ones checked. */
export function overlayScripts(context: LintContext): string[] {
  return overlayShellScripts(context).map((f) => f.path);
}

export function stepScripts(context: LintContext): string[] {
  return context.files.filter((f) => f.path.startsWith(`${STEPS_DIR}/`)).map((f) => f.path);
}

export function missingShellcheckFinding(code: string, file: string): LintFinding {
  return {
    code,
    severity: 'error',
    file,
    message: 'shellcheck is not installed, so no script was checked. Install it: apt-get install -y shellcheck.',
  };
}

function shellcheckFinding(code: string, comment: ShellcheckComment): LintFinding {
  return {
    code,
    severity: comment.level === 'error' || comment.level === 'warning' ? 'error' : 'warning',
    file: comment.file,
    line: comment.line,
    message: `SC${comment.code}: ${comment.message} (https://www.shellcheck.net/wiki/SC${comment.code})`,
  };
}

export function overlayShellcheckFindings(comments: ShellcheckComment[]): LintFinding[] {
  return comments.map((c) => shellcheckFinding(SHELLCHECK_CODE, c));
}

/** Names a step may read without assigning them: the final stage's ARG and ENV, the chain's ENV, the build's own. */
export function declaredStepNames(context: LintContext): Set<string> {
  const names = new Set<string>([...context.inheritedEnv, ...buildProvidedNames(context.class)]);
  for (const ins of finalStage(dockerfileInstructions(context))) {
    if (ins.keyword === 'ARG' || ins.keyword === 'ENV') for (const [name] of ins.properties ?? []) names.add(name);
  }
  return names;
}

const UNASSIGNED = /^(\S+) is referenced but not assigned/;

export function stepShellcheckFindings(context: LintContext, comments: ShellcheckComment[]): LintFinding[] {
  const declared = declaredStepNames(context);
  return comments.flatMap((comment) => {
    const name = comment.code === 2154 ? UNASSIGNED.exec(comment.message)?.[1] : undefined;
    if (name !== undefined && declared.has(name)) return [];
    if (name !== undefined && !/[a-z]/.test(name)) {
      return [
        locateFinding(context, {
          code: UNDECLARED_VARIABLE_CODE,
          severity: 'error',
          file: comment.file,
          line: comment.line,
          message: `reads \${${name}}, which no ARG, ENV, parent ENV or build-provided variable declares, so set -u stops the build there. Declare it in args or env of ${context.source} (or a parent's env), or read it as \${${name}:-} if it may be unset.`,
        }),
      ];
    }
    return [locateFinding(context, shellcheckFinding(STEP_SHELL_CODE, comment))];
  });
}

/** `bash -n <file>` wrote `stderr`: each `<file>: line N: message` is a finding (warnings too: an unclosed heredoc is one). */
export function bashSyntaxFindings(context: LintContext, file: string, stderr: string): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const text of stderr.split('\n')) {
    if (!text.startsWith(`${file}: `)) continue;
    const match = /^line (\d+): (.*)$/.exec(text.slice(file.length + 2));
    findings.push(
      locateFinding(context, {
        code: STEP_SHELL_CODE,
        severity: 'error',
        file,
        ...(match ? { line: Number(match[1]) } : {}),
        message: `bash -n: ${match ? match[2] : text.slice(file.length + 2)}`,
      }),
    );
  }
  return findings;
}
