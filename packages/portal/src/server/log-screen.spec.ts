import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogScreen, MAX_BLOCK_LINES, type ScreenUpdate } from './log-screen';

/** pip's own progress display (its vendored rich), recorded by log-recordings/record-pip-progress.py. */
const PIP = readFileSync(join(__dirname, 'log-recordings/pip-two-downloads.ansi'), 'utf8');
/** Where rich starts each redraw: back to the start of the last line, clear it, up one, clear that. */
const REDRAW = '\r\x1b[2K\x1b[1A\x1b[2K';

const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[@-~]/g, '');
const show = (updates: ScreenUpdate[]) =>
  updates.map((u) => (u.type === 'overwrite_block' ? { ...u, lines: u.lines.map(plain) } : { ...u, text: plain(u.text) }));

/** What a viewer shows after applying the updates as the page does: committed lines, and the pending one. */
function view(updates: ScreenUpdate[], shown: { lines: string[]; pending: string | null } = { lines: [], pending: null }) {
  for (const u of updates) {
    if (u.type === 'append') {
      shown.pending = null;
      shown.lines.push(plain(u.text));
    } else if (u.type === 'overwrite') shown.pending = plain(u.text);
    else {
      let remove = u.replace;
      if (shown.pending !== null && remove > 0) {
        shown.pending = null;
        remove--;
      }
      shown.lines.splice(shown.lines.length - remove, remove);
      const lines = u.lines.map(plain);
      if (u.pending) shown.pending = lines.pop()!;
      shown.lines.push(...lines);
    }
  }
  return shown;
}

describe('LogScreen (the terminal behind /ws-logs)', () => {
  it("turns pip's redraws, read one refresh at a time, into overwrite_block messages for the two lines", () => {
    const [first, ...redraws] = PIP.split(REDRAW);
    expect(redraws).toHaveLength(5);
    const screen = new LogScreen();
    const start = screen.write(first);
    expect(show(start)).toEqual([
      { type: 'append', text: 'torch.whl ━━━━━━━━━━━━━━━━━━━━ 0.0/4.0 MB' },
      { type: 'overwrite', text: 'numpy.whl ━━━━━━━━━━━━━━━━━━━━ 0.0/2.0 MB' },
    ]);
    const second = screen.write(REDRAW + redraws[0]);
    expect(show(second)).toEqual([
      {
        type: 'overwrite_block',
        lines: ['torch.whl ━━━━━╺━━━━━━━━━━━━━━ 1.0/4.0 MB', 'numpy.whl ━━━━━╺━━━━━━━━━━━━━━ 0.5/2.0 MB'],
        replace: 2, // the committed torch line and the pending numpy line
        replaceCommitted: 1,
        pending: true,
      },
    ]);
    let shown = view([...start, ...second]);
    for (const redraw of redraws.slice(1)) shown = view(screen.write(REDRAW + redraw), shown);
    // The last redraw ends both lines: nothing is pending, nothing was duplicated.
    expect(shown).toEqual({
      lines: ['torch.whl ━━━━━━━━━━━━━━━━━━━━ 4.0/4.0 MB', 'numpy.whl ━━━━━━━━━━━━━━━━━━━━ 2.0/2.0 MB'],
      pending: null,
    });
  });

  it('keeps the colours of the redrawn lines', () => {
    const screen = new LogScreen();
    screen.write(PIP.split(REDRAW)[0]);
    const [block] = screen.write(REDRAW + PIP.split(REDRAW)[1]);
    expect(block.type === 'overwrite_block' && block.lines[0]).toContain('\x1b[91m');
  });

  it('gives the final lines at once when the whole recording arrives in one read', () => {
    const updates = new LogScreen().write(PIP);
    expect(show(updates)).toEqual([
      { type: 'append', text: 'torch.whl ━━━━━━━━━━━━━━━━━━━━ 4.0/4.0 MB' },
      { type: 'append', text: 'numpy.whl ━━━━━━━━━━━━━━━━━━━━ 2.0/2.0 MB' },
    ]);
  });

  it('gives the same view whatever the reads cut (escape sequences and all)', () => {
    const whole = view(new LogScreen().write(PIP));
    for (const size of [1, 3, 7, 64]) {
      const screen = new LogScreen();
      let shown = view([]);
      for (let at = 0; at < PIP.length; at += size) shown = view(screen.write(PIP.slice(at, at + size)), shown);
      expect(shown, `reads of ${size} characters`).toEqual(whole);
    }
  });

  it('commits carriage-return progress in its last state, as before', () => {
    const screen = new LogScreen();
    expect(show(screen.write('a\nprogress 10%\rprogress 55%'))).toEqual([
      { type: 'append', text: 'a' },
      { type: 'overwrite', text: 'progress 55%' },
    ]);
    expect(show(screen.write('\rprogress 100%\n'))).toEqual([{ type: 'append', text: 'progress 100%' }]);
  });

  it('moves down with ESC[B, clears with ESC[J, and drops the pending line a program wiped', () => {
    const screen = new LogScreen();
    screen.write('one\ntwo\nthree\n');
    // Up three, rewrite "one", down one, clear below the cursor: "three" goes, "two" becomes the line being written.
    const shown = view(screen.write('\x1b[3Aone!\x1b[1B\x1b[J'), { lines: ['one', 'two', 'three'], pending: null });
    expect(shown).toEqual({ lines: ['one!'], pending: null });
    const wiped = new LogScreen();
    wiped.write('done\nworking 10%');
    expect(show(wiped.write('\r\x1b[2K'))).toEqual([
      { type: 'overwrite_block', lines: [], replace: 1, replaceCommitted: 0, pending: false },
    ]);
  });

  it('caps cursor-up at 500 lines and keeps only that many lines redrawable', () => {
    const screen = new LogScreen();
    screen.write(Array.from({ length: 800 }, (_, i) => `line ${i}\n`).join(''));
    const [block] = screen.write('\x1b[9999Aredrawn\n');
    expect(block.type).toBe('overwrite_block');
    if (block.type !== 'overwrite_block') return;
    expect(block.lines).toHaveLength(MAX_BLOCK_LINES);
    expect(block.replace).toBe(MAX_BLOCK_LINES);
    expect(plain(block.lines[0])).toBe('redrawn');
    expect(plain(block.lines[1])).toBe('line 301');
  });
});
