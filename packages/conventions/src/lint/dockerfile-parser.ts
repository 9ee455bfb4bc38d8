// Reads a Dockerfile for lint through dockerfile-ast (the parser behind the Dockerfile language server), which knows
// continuations, comment lines inside them, heredocs and the escape directive. Instructions keep their line numbers.
import { DockerfileParser, ModifiableInstruction, PropertyInstruction } from 'dockerfile-ast';

export interface Instruction {
  keyword: string;
  /** Arguments as Docker sees them: continuations joined, comment lines inside them dropped. */
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
  /** The instruction's lines as written, for messages. */
  raw: string;
  /** `KEY=value` pairs of an ENV, LABEL or ARG instruction, values unquoted (undefined for an ARG without default). */
  properties?: Array<[string, string | undefined]>;
}

export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n');
  const lineStart: number[] = [];
  for (let i = 0, offset = 0; i < lines.length; offset += lines[i].length + 1, i++) lineStart.push(offset);
  const offsetOf = (position: { line: number; character: number }) => lineStart[position.line] + position.character;

  return DockerfileParser.parse(text)
    .getInstructions()
    .map((instruction) => {
      const range = instruction.getRange();
      // Flags (COPY --from=...) and arguments by their own text; between two on different lines (a continuation, maybe
      // with comment lines) one space.
      const flags = instruction instanceof ModifiableInstruction ? instruction.getFlags().map((f) => f.getRange()) : [];
      const tokens = [...flags, ...instruction.getArguments().map((a) => a.getRange())].sort(
        (a, b) => a.start.line - b.start.line || a.start.character - b.start.character,
      );
      const args = tokens
        .map((token, k) => {
          const own = text.slice(offsetOf(token.start), offsetOf(token.end));
          if (k === 0) return own;
          const previous = tokens[k - 1].end;
          return (previous.line === token.start.line ? text.slice(offsetOf(previous), offsetOf(token.start)) : ' ') + own;
        })
        .join('');
      const properties =
        instruction instanceof PropertyInstruction
          ? instruction.getProperties().map((p): [string, string | undefined] => [p.getName(), p.getValue() ?? undefined])
          : undefined;
      return {
        keyword: instruction.getKeyword().toUpperCase(),
        args,
        line: range.start.line + 1,
        raw: lines.slice(range.start.line, range.end.line + 1).join('\n'),
        ...(properties ? { properties } : {}),
      };
    });
}
