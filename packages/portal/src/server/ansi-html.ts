// One log line with ANSI escapes -> safe HTML: text escaped, C0 controls other than TAB dropped, SGR colours turned
// into <span style>, every other escape sequence dropped. Upstream's mapping (§2.5): 0 reset, 1 bold, 2 dim,
// 30-37/90-97 foreground, 40-47/100-107 background, from one dark-theme palette. Pure.

const PALETTE = [
  '#3b3b3b', // black
  '#ff6b6b', // red
  '#69db7c', // green
  '#ffd43b', // yellow
  '#74c0fc', // blue
  '#e599f7', // magenta
  '#66d9e8', // cyan
  '#dee2e6', // white
];
const BRIGHT = ['#868e96', '#ff8787', '#8ce99a', '#ffe066', '#a5d8ff', '#eebefa', '#99e9f2', '#ffffff'];

interface Style {
  bold: boolean;
  dim: boolean;
  fg: string | null;
  bg: string | null;
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
    else if (code >= 30 && code <= 37) next.fg = PALETTE[code - 30];
    else if (code >= 90 && code <= 97) next.fg = BRIGHT[code - 90];
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = PALETTE[code - 40];
    else if (code >= 100 && code <= 107) next.bg = BRIGHT[code - 100];
    else if (code === 49) next.bg = null;
  }
  return next;
}

function css(style: Style): string {
  const parts: string[] = [];
  if (style.fg) parts.push(`color:${style.fg}`);
  if (style.bg) parts.push(`background-color:${style.bg}`);
  if (style.bold) parts.push('font-weight:bold');
  if (style.dim) parts.push('opacity:0.7');
  return parts.join(';');
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
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
    if (clean === '') return;
    const styled = css(style);
    html += styled ? `<span style="${styled}">${escapeHtml(clean)}</span>` : escapeHtml(clean);
  };
  for (const match of line.matchAll(ESCAPE)) {
    emit(line.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] === 'm' && !match[1]?.startsWith('?')) style = applySgr(style, match[1] ?? '');
  }
  emit(line.slice(at));
  return html;
}
