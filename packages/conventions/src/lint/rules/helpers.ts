// Shared lookups for lint rules: the Dockerfile's instructions and the overlay's files.
import { parseDockerfile, type Instruction } from '../dockerfile-parser';
import { BOOT_DIR } from '../../runtime-contract';
import { mountedStepFile } from '../../step-script';
import type { LintContext, LintFile } from '../types';

export const DOCKERFILE = 'Dockerfile';

export function dockerfileInstructions(context: LintContext): Instruction[] {
  const file = context.files.find((f) => f.path === DOCKERFILE);
  return file ? parseDockerfile(file.content) : [];
}

/** Instructions of the final stage (after the last FROM). */
export function finalStage(instructions: Instruction[]): Instruction[] {
  let last = 0;
  instructions.forEach((ins, i) => {
    if (ins.keyword === 'FROM') last = i;
  });
  return instructions.slice(last);
}

export interface RunScript {
  /** The Dockerfile for an inline RUN; the step file for a RUN that runs one. */
  file: string;
  /** 1-based line of the text's first line in `file`. */
  line: number;
  /** What bash runs, comment lines blanked (so that prose is not read as commands and line numbers hold). */
  text: string;
}

/** What every RUN of the Dockerfile runs: its arguments, or the step script it mounts. */
export function runScripts(context: LintContext): RunScript[] {
  return dockerfileInstructions(context)
    .filter((i) => i.keyword === 'RUN')
    .map((ins) => {
      const path = mountedStepFile(ins.args);
      const file = path === undefined ? undefined : context.files.find((f) => f.path === path);
      if (!file) return { file: DOCKERFILE, line: ins.line, text: ins.args };
      return { file: file.path, line: 1, text: file.content.replace(/^[ \t]*#.*$/gm, '') };
    });
}

/** The line of `script` where the first match of `pattern` ends (a match may start with the newline before it). */
export function lineOfMatch(script: RunScript, pattern: RegExp): number | undefined {
  const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(script.text);
  return match ? script.line + script.text.slice(0, match.index + match[0].length).split('\n').length - 1 : undefined;
}

export function filesUnder(context: LintContext, prefix: string): LintFile[] {
  return context.files.filter((f) => f.path.startsWith(prefix));
}

export function isShellScript(file: LintFile): boolean {
  return file.path.endsWith('.sh') || /^#!\s*\/(usr\/)?bin\/(env\s+)?(ba)?sh\b/.test(file.content);
}

/** The overlay's shell scripts: the ones VL060 holds to a header, shellcheck reads and VL023 searches. */
export function overlayShellScripts(context: LintContext): LintFile[] {
  return context.files.filter((f) => f.path.startsWith('ROOT/') && isShellScript(f));
}

/** 1-based line numbers where `pattern` matches. */
export function matchingLines(content: string, pattern: RegExp): number[] {
  return content.split('\n').flatMap((line, i) => (pattern.test(line) ? [i + 1] : []));
}

/** A default PORTAL_CONFIG a boot script sets: `PORTAL_CONFIG="${PORTAL_CONFIG:-...}"` or `PORTAL_CONFIG="..."`. */
export interface PortalConfigLine {
  file: LintFile;
  /** 1-based. */
  line: number;
  /** The value as bash reads it (backslash escapes removed). */
  text: string;
}

export function portalConfigLines(context: LintContext): PortalConfigLine[] {
  return filesUnder(context, `ROOT${BOOT_DIR}/`).flatMap((file) =>
    file.content.split('\n').flatMap((line, i) => {
      const m =
        /^\s*(?:export\s+)?PORTAL_CONFIG="\$\{PORTAL_CONFIG:-(.*)\}"\s*$/.exec(line) ??
        /^\s*(?:export\s+)?PORTAL_CONFIG="(.*)"\s*$/.exec(line);
      return m ? [{ file, line: i + 1, text: m[1].replace(/\\(.)/g, '$1') }] : [];
    }),
  );
}
