import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followLog, LOG_NAME, readTail } from './log-follow';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('log names', () => {
  it.each(['jupyter', 'instance_portal', 'model-ui', 'a.b'])('accepts %s', (name) => expect(LOG_NAME.test(name)).toBe(true));
  it.each(['..', '../etc/passwd', '.hidden', 'a/b', 'a b', '', 'a%2fb'])('rejects %j', (name) => expect(LOG_NAME.test(name)).toBe(false));
});

describe('readTail and followLog', () => {
  let dir: TempDir;
  beforeEach(() => (dir = makeTempDir('portal-log-')));
  afterEach(() => dir.remove());

  it('reads the last lines, keeping the last state of carriage-return progress lines', () => {
    writeFileSync(dir.file('a.log'), 'one\ntwo\r\n10%\r50%\r100%\nlast\nstill being writ');
    expect(readTail(dir.file('a.log'), 3)).toEqual({ lines: ['two', '100%', 'last'], size: 27 });
    expect(readTail(dir.file('missing.log'), 3)).toBeNull();
  });

  it('drops the cut first line of a long file', () => {
    const long = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    writeFileSync(dir.file('a.log'), long);
    const tail = readTail(dir.file('a.log'), 100000)!;
    expect(tail.lines[tail.lines.length - 1]).toBe('line 19999');
    expect(tail.lines[0]).toMatch(/^line \d+$/);
    expect(Number(tail.lines[0].slice(5)) + tail.lines.length).toBe(20000);
  });

  it('reports appended complete lines, across a rotation, and waits for a missing file', async () => {
    const path = dir.file('svc.log');
    const got: string[] = [];
    const follower = followLog(path, 0, { lines: (l) => got.push(...l), reset: () => got.push('<reset>') }, 20);
    try {
      writeFileSync(path, 'first\npart');
      await until(() => got.length === 1, 'first line');
      appendFileSync(path, 'ial é\n');
      await until(() => got.length === 2, 'completed line');
      renameSync(path, `${path}.old`); // what logging.sh does when the service starts again
      writeFileSync(path, 'new file\n');
      await until(() => got.length === 4, 'reset and new line');
      expect(got).toEqual(['first', 'partial é', '<reset>', 'new file']);
    } finally {
      follower.stop();
    }
  });
});
