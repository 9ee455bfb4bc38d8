// Runs shellcheck over the context's shell scripts and turns its findings into lint findings (code VL090).
import { isShellScript, SHELLCHECK_CODE, type LintContext, type LintFinding } from '@vast/conventions';
import { run, hasCommand } from '../../../utils/exec';

interface ShellcheckComment {
  file: string;
  line: number;
  level: 'error' | 'warning' | 'info' | 'style';
  code: number;
  message: string;
}

export function shellScripts(context: LintContext): string[] {
  // The same test rule VL060 uses, so the scripts that must carry a header are the ones shellcheck reads.
  return context.files.filter((f) => f.path.startsWith('ROOT/') && isShellScript(f)).map((f) => f.path);
}

export async function runShellcheck(contextDir: string, context: LintContext): Promise<LintFinding[]> {
  const scripts = shellScripts(context);
  if (!scripts.length) return [];
  if (!(await hasCommand('shellcheck'))) {
    return [{ code: SHELLCHECK_CODE, severity: 'error', file: scripts[0], message: 'shellcheck is not installed, so no script was checked. Install it: apt-get install -y shellcheck.' }];
  }
  const result = await run('shellcheck', ['--format=json', '--shell=bash', '--severity=warning', ...scripts], { cwd: contextDir, reject: false });
  if (result.exitCode > 1) throw new Error(`shellcheck failed (${result.exitCode}): ${result.stderr}`);
  const comments = JSON.parse(result.stdout || '[]') as ShellcheckComment[];
  return comments.map((c) => ({
    code: SHELLCHECK_CODE,
    severity: c.level === 'error' || c.level === 'warning' ? 'error' : 'warning',
    file: c.file,
    line: c.line,
    message: `SC${c.code}: ${c.message} (https://www.shellcheck.net/wiki/SC${c.code})`,
  }));
}

