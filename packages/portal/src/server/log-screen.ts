// The terminal a log was written for, as much of it as the log stream needs (upstream §2.5): a carriage return
// rewrites the line, a newline commits it, and cursor-up (ESC[nA, ESC[nF) lets a program such as pip or tqdm redraw
// several lines it already printed. Each batch of output becomes the messages a viewer needs: `append` for new lines,
// `overwrite` for the line still being written, and `overwrite_block` when lines already shown were redrawn. Pure.

/** How far up a program may move the cursor (upstream caps n at 500); also how many lines stay redrawable. */
export const MAX_BLOCK_LINES = 500;
/** The longest line held back; a longer one is committed in pieces, whatever the program writes. */
export const MAX_ROW_CHARS = 64 * 1024;

/** What one batch of output changed, as the viewer sees it. Lines carry the program's text (SGR escapes kept). */
export type ScreenUpdate =
  | { type: 'append'; text: string }
  | { type: 'overwrite'; text: string }
  /**
   * Lines already shown were redrawn: the viewer replaces the last `replace` lines it shows for this log (the
   * pending line included) with `lines` (the pending line, if any, is the last of them and stays pending).
   */
  | { type: 'overwrite_block'; lines: string[]; replace: number; replaceCommitted: number; pending: boolean };

// CSI sequences (params, final byte) and the other escapes a terminal would swallow.
const ESCAPE = /\x1b(?:\[([0-9;?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/y;

export class LogScreen {
  /** The last lines of the log; the last one is where unterminated output goes. */
  private rows: string[] = [''];
  private row = 0;
  /** A carriage return was seen: the next text replaces the cursor's line. */
  private carriage = false;
  /** How many of `rows` the viewer shows as committed lines, and whether it shows the last one as pending. */
  private shownCommitted = 0;
  private shownPending = '';
  /** The lowest row changed by this batch that the viewer already showed as committed (Infinity: none). */
  private dirtyTop = Infinity;
  /** The start of an escape sequence cut off at the end of the last batch. */
  private held = '';

  /** Feeds decoded output (any split: a sequence cut between two calls is kept for the next) and says what changed. */
  write(text: string): ScreenUpdate[] {
    const input = this.held + text;
    this.held = '';
    const updates: ScreenUpdate[] = [];
    let at = 0;
    while (at < input.length) {
      const char = input[at];
      if (char === '\x1b') {
        ESCAPE.lastIndex = at;
        const match = ESCAPE.exec(input);
        if (!match) {
          // Perhaps cut off by the read: keep it for the next batch. Otherwise a lone ESC, dropped.
          if (input.length - at < 32 && /^\x1b(\[[0-9;?]*)?$/.test(input.slice(at))) {
            this.held = input.slice(at);
            break;
          }
          at++;
          continue;
        }
        at += match[0].length;
        if (match[2] !== undefined) this.csi(match[1] ?? '', match[2], match[0]);
        continue;
      }
      if (char === '\n') {
        this.newline(updates);
        at++;
        continue;
      }
      if (char === '\r') {
        this.carriage = true;
        at++;
        continue;
      }
      // A run of plain text.
      let end = at + 1;
      while (end < input.length && input[end] !== '\x1b' && input[end] !== '\n' && input[end] !== '\r') end++;
      this.put(input.slice(at, end), updates);
      at = end;
    }
    this.flush(updates);
    return updates;
  }

  /** The program is gone (its log file was replaced): its unfinished line is committed, and the cursor is below. */
  finish(): ScreenUpdate[] {
    this.held = '';
    this.row = this.rows.length - 1;
    return this.rows[this.row] === '' ? [] : this.write('\n');
  }

  private put(text: string, updates: ScreenUpdate[]): void {
    const current = this.carriage ? '' : this.rows[this.row];
    this.carriage = false;
    const line = current + text;
    if (line.length <= MAX_ROW_CHARS) return this.setRow(this.row, line);
    this.setRow(this.row, line.slice(0, MAX_ROW_CHARS));
    // At the bottom the rest goes on in a new line; a redrawn line above just ends there.
    if (this.row === this.rows.length - 1) {
      this.newline(updates);
      this.put(line.slice(MAX_ROW_CHARS), updates);
    }
  }

  private setRow(index: number, text: string): void {
    if (this.rows[index] === text) return;
    this.rows[index] = text;
    if (index < this.shownCommitted) this.dirtyTop = Math.min(this.dirtyTop, index);
  }

  private newline(updates: ScreenUpdate[]): void {
    // Logs are written through a pty (CR LF): the next text starts the line below from its first column, which in
    // this line-at-a-time model rewrites it (a redraw moves down onto lines it drew before).
    this.carriage = true;
    this.row++;
    if (this.row === this.rows.length) {
      this.rows.push('');
      this.trim(updates);
    }
  }

  /** Keeps MAX_BLOCK_LINES lines redrawable; older ones are final (and shown, once everything is flushed). */
  private trim(updates: ScreenUpdate[]): void {
    const excess = this.rows.length - 1 - MAX_BLOCK_LINES;
    if (excess <= 0) return;
    // Rows about to be forgotten must reach the viewer first.
    if (this.shownCommitted < excess || this.dirtyTop < excess) this.flush(updates);
    this.rows.splice(0, excess);
    this.row -= excess;
    this.shownCommitted -= excess;
    if (this.dirtyTop !== Infinity) this.dirtyTop -= excess;
  }

  private csi(params: string, final: string, sequence: string): void {
    if (params.startsWith('?')) return; // private modes (cursor visibility ...): nothing to show
    const n = Math.min(Math.max(Number(params.split(';')[0]) || 1, 1), MAX_BLOCK_LINES);
    switch (final) {
      case 'm':
        // Colours stay in the text; ansiLineToHtml renders them.
        this.setRow(this.row, (this.carriage ? '' : this.rows[this.row]) + sequence);
        this.carriage = false;
        return;
      case 'A':
      case 'F':
        this.row = Math.max(0, this.row - n);
        this.carriage = this.carriage || final === 'F';
        return;
      case 'B':
      case 'E':
        this.row = Math.min(this.rows.length - 1, this.row + n);
        this.carriage = this.carriage || final === 'E';
        return;
      case 'G': // upstream clears the line
      case 'K': // 2K clears it; 0K and 1K are ignored, as upstream
        if (final === 'G' || params === '2') {
          this.setRow(this.row, '');
          this.carriage = true;
        }
        return;
      case 'J':
        // Clear downward: the lines below the cursor go, and the cursor's line, now the last, is written anew.
        if (this.row < this.rows.length - 1) {
          if (this.row < this.shownCommitted) this.dirtyTop = Math.min(this.dirtyTop, this.row);
          this.rows.length = this.row + 1;
        }
        this.setRow(this.row, '');
        return;
      default:
        return;
    }
  }

  private flush(updates: ScreenUpdate[]): void {
    const last = this.rows.length - 1;
    const pending = this.rows[last];
    // A pending line the viewer shows that was wiped without a new line: it goes, as part of a (lineless) block.
    if (last === this.shownCommitted && pending === '' && this.shownPending !== '') this.dirtyTop = Math.min(this.dirtyTop, last);
    if (this.dirtyTop !== Infinity) {
      const top = this.dirtyTop;
      const lines = this.rows.slice(top, last);
      if (pending !== '') lines.push(pending);
      updates.push({
        type: 'overwrite_block',
        lines,
        replace: this.shownCommitted - top + (this.shownPending !== '' ? 1 : 0),
        replaceCommitted: this.shownCommitted - top,
        pending: pending !== '',
      });
    } else {
      for (let i = this.shownCommitted; i < last; i++) updates.push({ type: 'append', text: this.rows[i] });
      if (pending !== '' && pending !== this.shownPending) updates.push({ type: 'overwrite', text: pending });
    }
    this.dirtyTop = Infinity;
    this.shownCommitted = last;
    this.shownPending = pending;
  }
}
