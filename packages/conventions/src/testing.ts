// In-memory builders for tests: a valid definition of each class, and a resolved family built from them; and the one
// test certificate authority (test-ca.ts) the portal's, the provisioner's and the end-to-end tests share.
import { parseImageDefinition, type ImageDefinition, type ImageDefinitionInput } from './schema';
import { resolveImageGraph, type ResolvedImage } from './graph';
export { makeTestCa, TEST_CA_NAME, type TestCa } from './test-ca';

const BASE: ImageDefinitionInput = {
  name: 'base',
  class: 'base',
  description: 'Base image suitable for Vast.ai.',
  repository: 'vastai/base-image',
  env: { WORKSPACE: '/workspace' },
  steps: [{ name: 'packages', run: 'apt-get update\napt-get install -y supervisor' }],
  services: [
    {
      name: 'instance_portal',
      portalLabel: 'Instance Portal',
      portal: [{ label: 'Instance Portal', externalPort: 1111, internalPort: 11111 }],
      command: 'node /opt/portal/portal.cjs',
      waitForProvisioning: false,
    },
  ],
  defaultPortalConfig: true,
  variants: [
    { key: 'stock', from: 'ubuntu:24.04' },
    { key: 'local', from: 'vast-local/bookworm:latest', local: true },
  ],
};

/** A valid definition of the given class; `overrides` replace top-level fields. */
export function fakeDefinition(kind: 'base' | 'derivative' | 'external', overrides: Record<string, unknown> = {}): ImageDefinition {
  const input: Record<string, unknown> =
    kind === 'base'
      ? { ...BASE }
      : kind === 'derivative'
        ? {
            name: 'app',
            class: 'derivative',
            parent: 'base',
            description: 'App image suitable for Vast.ai.',
            repository: 'vastai/app',
            services: [
              {
                name: 'app',
                portalLabel: 'My App',
                portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }],
                command: 'python -m http.server 17860',
              },
            ],
            defaultPortalConfig: true,
            variants: [
              { key: 'stock', parent: 'stock' },
              { key: 'local', parent: 'local', local: true },
            ],
          }
        : {
            name: 'ext',
            class: 'external',
            parent: 'base',
            description: 'Ext image suitable for Vast.ai.',
            repository: 'vastai/ext',
            services: [
              {
                name: 'ext',
                portalLabel: 'Ext API',
                portal: [{ label: 'Ext API', externalPort: 21434, internalPort: 11434 }],
                command: 'ext serve',
              },
            ],
            defaultPortalConfig: true,
            variants: [{ key: '1.0', parent: 'stock', upstream: 'example/ext:1.0' }],
          };
  const result = parseImageDefinition({ ...input, ...overrides });
  if (!result.success) throw new Error(`fakeDefinition(${kind}) is invalid: ${JSON.stringify(result.errors)}`);
  return result.definition;
}

/** Resolves a family; throws on graph errors so tests see them. */
export function fakeFamily(...definitions: ImageDefinition[]): Map<string, ResolvedImage> {
  const { images, errors } = resolveImageGraph(
    definitions.map((definition) => ({ file: `packages/images/${definition.name}/image.ts`, version: '1.0.0', definition })),
  );
  if (errors.length) throw new Error(errors.map((e) => `${e.file}: ${e.path}: ${e.message}`).join('\n'));
  return images;
}

/** Build args the corpus reads (a step sees build args as environment variables, so a plain bash run gets them as env). */
export const STEP_CORPUS_ARGS: Record<string, string> = { CORPUS_ARG: 'two  words' };

/**
 * Install step scripts in the shell forms a line joiner gets wrong: each, run as a step, must print exactly what
 * `bash -euo pipefail` prints for it. Their output depends on the script alone (no paths, ids or clock).
 */
export const STEP_CORPUS: Array<{ name: string; run: string }> = [
  // The two scripts issue 18 found broken: `pkgs=()` lost its `;` (a syntax error), `x=$(cmd)` too (x unset).
  { name: 'issue18-array-then-if', run: ['pkgs=()', 'if [[ ${#pkgs[@]} -eq 0 ]]; then', '  echo "pkgs is empty"', 'fi'].join('\n') },
  { name: 'issue18-subst-then-use', run: ['kernel=$(uname)', 'echo "kernel is $kernel"'].join('\n') },
  {
    name: 'arrays',
    run: [
      'pkgs=()',
      'pkgs+=(curl "two words")',
      'declare -A owner=([a]=1 [b]=2)',
      'for p in "${pkgs[@]}"; do echo "[$p]"; done',
      'echo "${#pkgs[@]} ${owner[b]}"',
    ].join('\n'),
  },
  {
    name: 'command-substitution',
    run: [
      'version=$(echo 1.2.3)',
      'lines=$(',
      '  echo a',
      '  echo b',
      ')',
      'echo "$version $(echo "$lines" | wc -l)"',
      'nested="$(echo "$(echo inner)")"',
      'echo "$nested `echo backticks`"',
    ].join('\n'),
  },
  {
    name: 'case',
    run: [
      'for v in a b zz; do',
      '  case "$v" in',
      '    a) echo "is a" ;;',
      '    b)',
      '      echo "is b"',
      '      ;;',
      '    (z*) echo "starts with z" ;;',
      '    *) echo other ;;',
      '  esac',
      'done',
    ].join('\n'),
  },
  {
    name: 'if-for-while',
    run: [
      'if [[ -n "x" ]]',
      'then',
      '  echo then-branch',
      'elif false; then',
      '  echo never',
      'else',
      '  echo never',
      'fi',
      'i=0',
      'while (( i < 3 )); do',
      '  i=$((i + 1))',
      '  echo "i=$i"',
      'done',
      'until [[ $i -eq 0 ]]; do i=$((i - 1)); done',
      'for ((j = 0; j < 2; j++)); do echo "j=$j"; done',
      'for x in one two',
      'do',
      '  echo "$x"',
      'done',
    ].join('\n'),
  },
  {
    name: 'functions',
    run: [
      'greet() {',
      '  local who=$1',
      '  echo "hello $who"',
      '}',
      'function twice {',
      '  greet "$1"; greet "$1"',
      '}',
      'twice world',
      'sub() ( echo "in a subshell function" )',
      'sub',
    ].join('\n'),
  },
  { name: 'here-strings', run: ['read -r first second <<< "one two"', 'echo "$second $first"', "tr a-z A-Z <<<'shout'"].join('\n') },
  {
    name: 'heredocs',
    run: [
      'cat <<EOF',
      'expanded $((1 + 2)) and $(echo subst)',
      'EOF',
      "cat <<'EOF'",
      'literal $HOME `date` \\ stays',
      'EOF',
      'cat <<-EOF',
      '\tindented with tabs',
      '\tEOF',
      'f=$(mktemp)',
      'cat > "$f" <<EOF',
      'written to a file; then read back',
      'EOF',
      'cat "$f" && rm "$f"',
    ].join('\n'),
  },
  {
    name: 'continuations',
    run: [
      "printf '%s\\n' \\",
      '  one \\',
      '  two',
      'echo a \\',
      '  | tr a b',
      'true &&',
      '  echo "after &&"',
      'echo piped |',
      '  tr p P',
    ].join('\n'),
  },
  {
    name: 'comments-and-quotes',
    run: [
      '# a comment line',
      'echo "# not a comment"  # a trailing comment',
      '  # an indented comment',
      'echo \'single $quoted "double" inside\'',
      'echo "double \\"escaped\\" \\$dollar"',
      "echo $'ansi\\tC'",
      'echo "semicolon; in quotes" ; echo after-semicolon',
      'x="multi',
      'line string"',
      'echo "$x"',
      'echo "non-ascii: naïve — ünïcode ✓"',
    ].join('\n'),
  },
  {
    name: 'strict-mode',
    run: [
      'set -o | grep -E "^(errexit|nounset|pipefail)[[:space:]]" | tr -s " \\t" " "',
      'if ! false | true; then echo "a failing pipe fails"; fi',
      'echo "${UNSET_IN_CORPUS:-default for unset}"',
      'false || echo "|| still recovers"',
      'echo "arg: ${CORPUS_ARG}"',
    ].join('\n'),
  },
];

/** Upstream's top-level capabilities manifest keys in upstream's order (§5.2): the static snapshot and the live one. */
export const UPSTREAM_MANIFEST_KEYS = [
  'schema_version',
  'generated_at',
  'image',
  'credentials',
  'instance',
  'hardware',
  'python_environments',
  'tools',
  'services',
  'endpoints_openai',
  'provisioning',
  'auth',
  'discovery',
] as const;
