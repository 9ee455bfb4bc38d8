// The one error type generators throw for bad input: a message that names the option (or file and field) and the fix.
export class GeneratorInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratorInputError';
  }
}

/** Throws every problem at once, so a person fixes a command line in one go. */
export function throwIfAny(problems: string[], what: string): void {
  if (problems.length === 1) throw new GeneratorInputError(`${what}: ${problems[0]}`);
  if (problems.length) throw new GeneratorInputError([`${what}:`, ...problems.map((p) => `  - ${p}`)].join('\n'));
}
