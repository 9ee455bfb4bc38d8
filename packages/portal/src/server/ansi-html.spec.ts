import { describe, expect, it } from 'vitest';
import { ansiLineToHtml } from './ansi-html';

describe('ansiLineToHtml', () => {
  it('renders SGR colours as spans and resets them', () => {
    expect(ansiLineToHtml('\x1b[31merror\x1b[0m: disk \x1b[1;92mok\x1b[m')).toBe(
      '<span class="ansi-fg-1">error</span>: disk <span class="ansi-fg-10 ansi-bold">ok</span>',
    );
  });

  it('escapes HTML and drops controls and other escapes but keeps tabs', () => {
    expect(ansiLineToHtml('<b>&"x"</b>\tA\x07\x1b[2K\x1b[?25l\x1b]0;title\x07B')).toBe('&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;\tAB');
  });

  it('maps dim and backgrounds', () => {
    expect(ansiLineToHtml('\x1b[2;44mx')).toBe('<span class="ansi-bg-4 ansi-dim">x</span>');
  });
});
