// One log line with ANSI escapes -> safe HTML: text escaped, C0 controls other than TAB dropped, SGR colours turned
// into <span class>, every other escape sequence dropped. Upstream's mapping (§2.5): 0 reset, 1 bold, 2 dim,
// 30-37/90-97 foreground, 40-47/100-107 background, from one dark-theme palette. Classes, where upstream writes
// style attributes, because the page's Content-Security-Policy allows no inline style. Pure.

/** Colour n (0-7, black..white) and its bright twin (8-15) as classes; style.css holds the dark-theme palette. */
interface Style {
  bold: boolean;
  dim: boolean;
  fg: number | null;
  bg: number | null;
}

const PLAIN: Style = { bold: false, dim: false, fg: null, bg: null };

function applySgr(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  let next = { ...style };
  for (const code of codes) {
    if (code === 0) next = { ...PLAIN };
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 22) next = { ...next, bold: false, dim: false };
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) next.bg = null;
  }
  return next;
}

function classes(style: Style): string {
  const parts: string[] = [];
  if (style.fg !== null) parts.push(`ansi-fg-${style.fg}`);
  if (style.bg !== null) parts.push(`ansi-bg-${style.bg}`);
  if (style.bold) parts.push('ansi-bold');
  if (style.dim) parts.push('ansi-dim');
  return parts.join(' ');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ST), and two-character escapes.
const ESCAPE = /\x1b(?:\[([0-9;?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

/** The HTML of one line (no newline in it). */
export function ansiLineToHtml(line: string): string {
  let html = '';
  let style: Style = { ...PLAIN };
  let at = 0;
  const emit = (text: string) => {
    const clean = text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
    if (clean === '') return;
    const styled = classes(style);
    html += styled ? `<span class="${styled}">${escapeHtml(clean)}</span>` : escapeHtml(clean);
  };
  for (const match of line.matchAll(ESCAPE)) {
    emit(line.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === 'm' && !match[1]?.startsWith('?')) style = applySgr(style, match[1] ?? '');
  }
  emit(line.slice(at));
  return html;
}
