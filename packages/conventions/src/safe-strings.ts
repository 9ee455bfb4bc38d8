// The string rules that keep an image definition from writing outside the structure of the files rendered from it:
// a Dockerfile (one instruction per line), a supervisor conf (one setting per line), shell scripts, COPY paths.
// Pure; schema.ts applies them to every string of a parsed definition.

export interface StringProblem {
  /** Dotted path to the field, as in DefinitionError. */
  path: string;
  message: string;
}

/**
 * Fields whose value is a script or a comment of several lines on purpose. The renderers keep their lines inside the
 * structure: a step's script is a file of the context that its RUN mounts, a step comment becomes `# ` lines,
 * a service command is the tail of its launch script. Every other string must be one line.
 */
const MULTI_LINE_FIELDS = [/^steps\.\d+\.run$/, /^steps\.\d+\.comment$/, /^services\.\d+\.command$/];

/**
 * C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators (line breaks for YAML 1.1 readers):
 * what no one-line value may hold, here and in a PORTAL_CONFIG label (portal-config.ts labelProblems).
 */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** The same, minus the newline and tab a script needs. */
const CONTROL_IN_SCRIPT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** `U+000A (line feed)`-style name of the first control character, for messages. */
function describeCharacter(char: string): string {
  const names: Record<string, string> = {
    '\n': 'a line break (\\n)',
    '\r': 'a carriage return (\\r)',
    '\t': 'a tab (\\t)',
    '\0': 'a NUL byte (\\0)',
  };
  return names[char] ?? `the control character U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The problem with a string's characters, or undefined. Multi-line text may hold `\n` and `\t`, nothing else. */
export function controlCharacterProblem(text: string, options: { multiLine: boolean }): string | undefined {
  const found = (options.multiLine ? CONTROL_IN_SCRIPT : CONTROL_CHARACTER).exec(text);
  if (!found) return undefined;
  const where = `at character ${found.index + 1}`;
  return options.multiLine
    ? `contains ${describeCharacter(found[0])} ${where}; a script may hold line breaks and tabs but no other control characters. Remove it.`
    : `contains ${describeCharacter(found[0])} ${where}: it would start a new line (or worse) in the generated Dockerfile, supervisor conf or script. Keep the value on one line of printable text.`;
}

/** Every string of a (parsed) definition, keys of records included, with its dotted path. */
export function* definitionStrings(value: unknown, path: string[] = []): Generator<{ path: string; text: string; isKey: boolean }> {
  if (typeof value === 'string') {
    yield { path: path.join('.'), text: value, isKey: false };
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* definitionStrings(item, [...path, String(i)]);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield { path: [...path, key].join('.'), text: key, isKey: true };
      yield* definitionStrings(item, [...path, key]);
    }
  }
}

/** Control characters anywhere in the definition: one problem per field. */
export function controlCharacterProblems(definition: unknown): StringProblem[] {
  const problems: StringProblem[] = [];
  for (const { path, text, isKey } of definitionStrings(definition)) {
    const multiLine = !isKey && MULTI_LINE_FIELDS.some((field) => field.test(path));
    const problem = controlCharacterProblem(text, { multiLine });
    if (problem) problems.push({ path, message: isKey ? `the key ${JSON.stringify(text)} ${problem}` : problem });
  }
  return problems;
}

/**
 * A path copied into the build context or the image: relative, no `.` or `..` segment (which would reach outside
 * ROOT/ or the workspace), and only characters a COPY line takes literally (no spaces, which split COPY's arguments,
 * and no `$`, which COPY expands).
 */
export function relativePathProblem(path: string, root: string): string | undefined {
  if (path.startsWith('/')) return `must be relative to ${root}, not absolute: drop the leading '/'.`;
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.'))
    return `must stay inside ${root}: remove the '.' and '..' segments and name the path from ${root}.`;
  if (segments.some((s) => s === '')) return `has an empty segment ('//' or a trailing '/'): write it as dir/file.`;
  const bad = /[^A-Za-z0-9._@+=,~-]/.exec(path.replace(/\//g, ''));
  if (bad)
    return `contains ${JSON.stringify(bad[0])}, which a COPY line would not take literally: use letters, digits and . _ - @ + = , ~ only.`;
  return undefined;
}

/**
 * A default value inside `${NAME:-value}` in the boot env script: a `}` that closes no `${` would end the expansion
 * early and leave the rest of the value as literal text after it (the renderer escapes backslashes, so it cannot be
 * escaped either).
 */
export function bootEnvValueProblem(value: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith('${', i)) {
      depth++;
      i++;
    } else if (value[i] === '}') {
      if (depth === 0)
        return `has a '}' at character ${i + 1} that closes no '\${': it would end the default early in the boot script. Remove it, or set the variable in a boot script of ROOT/.`;
      depth--;
    }
  }
  return depth > 0 ? "opens a '${' that is never closed: close it with '}'." : undefined;
}

/** A login name as useradd and supervisor's `user=` take it. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The parts of a parsed definition whose strings reach a copy, a RUN or the boot env script. */
interface DefinitionStrings {
  steps: ReadonlyArray<{ run: string; needs: readonly string[] }>;
  artifacts: ReadonlyArray<{ from: string; to: string }>;
  bootEnv: Readonly<Record<string, string>>;
}

/** Every rule of this module over a parsed definition: the errors parseImageDefinition adds to zod's. */
export function unsafeStringProblems(definition: DefinitionStrings): StringProblem[] {
  const problems = controlCharacterProblems(definition);
  const add = (path: string, message: string | undefined) => {
    if (message && !problems.some((p) => p.path === path)) problems.push({ path, message });
  };
  definition.steps.forEach((step, i) => {
    step.needs.forEach((need, j) => add(`steps.${i}.needs.${j}`, relativePathProblem(need, 'ROOT/')));
  });
  definition.artifacts.forEach((artifact, i) => {
    add(`artifacts.${i}.from`, relativePathProblem(artifact.from, 'the workspace root'));
    add(`artifacts.${i}.to`, relativePathProblem(artifact.to, 'ROOT/'));
  });
  for (const [name, value] of Object.entries(definition.bootEnv)) add(`bootEnv.${name}`, bootEnvValueProblem(value));
  return problems;
}
