import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile-parser';

describe('parseDockerfile', () => {
  it('joins continuations, drops comment lines inside them, keeps flags, lines and key-value pairs', () => {
    const text = [
      'FROM base AS stage',
      'LABEL a="x y" \\',
      '  # a comment inside the continuation',
      '  b=2',
      'COPY --from=stage /x /y',
      'RUN set -e; \\',
      '    echo "a  b"',
    ].join('\n');
    expect(parseDockerfile(text).map(({ keyword, args, line, properties }) => ({ keyword, args, line, properties }))).toEqual([
      { keyword: 'FROM', args: 'base AS stage', line: 1, properties: undefined },
      {
        keyword: 'LABEL',
        args: 'a="x y" b=2',
        line: 2,
        properties: [
          ['a', 'x y'],
          ['b', '2'],
        ],
      },
      { keyword: 'COPY', args: '--from=stage /x /y', line: 5, properties: undefined },
      { keyword: 'RUN', args: 'set -e; echo "a  b"', line: 6, properties: undefined },
    ]);
  });

  it('honours the escape directive', () => {
    const text = ['# escape=`', 'FROM base', 'RUN echo one `', '    two'].join('\n');
    expect(parseDockerfile(text).map((i) => [i.keyword, i.args, i.line])).toEqual([
      ['FROM', 'base', 2],
      ['RUN', 'echo one two', 3],
    ]);
  });
});
