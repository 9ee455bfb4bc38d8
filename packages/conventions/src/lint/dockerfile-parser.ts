// A small Dockerfile reader for lint: instructions with continuations joined, comments dropped, line numbers kept.

export interface Instruction {
  keyword: string;
  /** Arguments with backslash-newlines joined (as Docker sees them). */
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
  /** The instruction's lines as written, for messages. */
  raw: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    const parts: string[] = [];
    let current = line;
    for (;;) {
      const continued = /\\\s*$/.test(current);
      parts.push(continued ? current.replace(/\\\s*$/, '') : current);
      if (!continued || i + 1 >= lines.length) break;
      i++;
      current = lines[i];
      // Docker skips comment lines inside a continuation.
      while (current.trim().startsWith('#') && i + 1 < lines.length) current = lines[++i];
    }
    const joined = parts.join(' ').trim();
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    instructions.push({ keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '', line: start + 1, raw: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return instructions;
}

/** `KEY=value` pairs of a LABEL or ENV instruction (quoted values unquoted). */
export function parseKeyValues(args: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const re = /([A-Za-z0-9_.-]+)=("((?:[^"\\]|\\.)*)"|(\S*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(args))) pairs.push([m[1], m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]]);
  return pairs;
}
