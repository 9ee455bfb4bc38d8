import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followLog, LineAssembler, LOG_NAME, MAX_PENDING_BYTES, readTail } from './log-follow';
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

  it('holds back a bounded amount of several MB of output without newlines, one viewer or many, and keeps sending', async () => {
    const path = dir.file('progress.log');
    writeFileSync(path, '');
    const viewers = [0, 1, 2].map(() => {
      const got: string[] = [];
      const follower = followLog(path, 0, { lines: (l) => got.push(...l), reset: () => got.push('<reset>') }, 20);
      return { got, follower, maxPending: 0 };
    });
    try {
      // 4 MB of a progress bar that only ever returns the carriage, then 4 MB that never ends a line at all.
      for (let i = 0; i < 40; i++) appendFileSync(path, Array.from({ length: 1000 }, (_, j) => `${i}:${j} ${'#'.repeat(90)}\r`).join(''));
      for (let i = 0; i < 40; i++) appendFileSync(path, 'x'.repeat(100 * 1024));
      appendFileSync(path, '\rdone\n');
      for (const viewer of viewers) {
        await until(() => {
          viewer.maxPending = Math.max(viewer.maxPending, viewer.follower.pendingBytes());
          return viewer.got.includes('done');
        }, 'the line after 8 MB without a newline');
        expect(viewer.maxPending).toBeLessThanOrEqual(MAX_PENDING_BYTES);
        expect(viewer.follower.pendingBytes()).toBe(0);
      }
    } finally {
      for (const viewer of viewers) viewer.follower.stop();
    }
  });
});

describe('LineAssembler', () => {
  it('keeps only the last state of a carriage-return progress line, even when \\r\\n is split across reads', () => {
    const lines = new LineAssembler();
    expect(lines.push(Buffer.from('a\n10%\r50%'))).toEqual(['a']);
    expect(lines.pendingBytes).toBe(3);
    expect(lines.push(Buffer.from('\r100%\r'))).toEqual([]);
    expect(lines.push(Buffer.from('\nnext\n'))).toEqual(['100%', 'next']);
    expect(lines.pendingBytes).toBe(0);
  });

  it('sends a line that never ends in pieces of at most MAX_PENDING_BYTES, never cutting a UTF-8 character', () => {
    const lines = new LineAssembler();
    const sent: string[] = [];
    const text = 'é'.repeat(3 * MAX_PENDING_BYTES); // 2 bytes each: 6 * MAX_PENDING_BYTES bytes, no newline
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at += 4099) {
      sent.push(...lines.push(bytes.subarray(at, at + 4099)));
      expect(lines.pendingBytes).toBeLessThanOrEqual(MAX_PENDING_BYTES);
    }
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const piece of sent) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(MAX_PENDING_BYTES);
    sent.push(...lines.push(Buffer.from('\n')));
    expect(sent.join('')).toBe(text);
  });
});
