// Shared lookups for lint rules: the Dockerfile's instructions and the overlay's files.
import { parseDockerfile, type Instruction } from '../dockerfile-parser';
import { BOOT_DIR } from '../../boot-env';
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

export function filesUnder(context: LintContext, prefix: string): LintFile[] {
  return context.files.filter((f) => f.path.startsWith(prefix));
}

export function isShellScript(file: LintFile): boolean {
  return file.path.endsWith('.sh') || /^#!\s*\/(usr\/)?bin\/(env\s+)?(ba)?sh\b/.test(file.content);
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
      const m = /^\s*(?:export\s+)?PORTAL_CONFIG="\$\{PORTAL_CONFIG:-(.*)\}"\s*$/.exec(line) ?? /^\s*(?:export\s+)?PORTAL_CONFIG="(.*)"\s*$/.exec(line);
      return m ? [{ file, line: i + 1, text: m[1].replace(/\\(.)/g, '$1') }] : [];
    }),
  );
}
