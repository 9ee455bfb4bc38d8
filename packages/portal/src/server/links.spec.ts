import { describe, expect, it } from 'vitest';
import { arrangeLinks, parseLinksYaml, parsePortalLinksEnv } from './links';

describe('portal links', () => {
  it('reads upstream’s YAML list with defaults', () => {
    const { links, warnings } = parseLinksYaml(
      `- label: Model docs\n  url: https://example.org/models\n  icon: book\n  position: before\n  links:\n    - label: FAQ\n      url: https://example.org/faq\n- label: Bad\n  url: ftp://x\n- label: Dash\n  url: http://example.org/d\n  icon: nope\n`,
      '/etc/portal-links.yaml',
    );
    expect(links).toEqual([
      {
        label: 'Model docs',
        url: 'https://example.org/models',
        description: '',
        icon: 'book',
        button_text: 'Open',
        position: 'before',
        links: [{ label: 'FAQ', url: 'https://example.org/faq' }],
      },
      { label: 'Dash', url: 'http://example.org/d', description: '', icon: 'link', button_text: 'Open', position: 'after', links: [] },
    ]);
    expect(warnings).toEqual(['/etc/portal-links.yaml: entry 2 needs a label and an http(s) url; skipped.']);
  });

  it('gives no links for a mapping, a comment-only file or broken YAML', () => {
    expect(parseLinksYaml('version: 1\n', 'f').links).toEqual([]);
    expect(parseLinksYaml('version: 1\n', 'f').warnings[0]).toMatch(/must be a YAML list/);
    expect(parseLinksYaml('# only comments\n', 'f')).toEqual({ links: [], warnings: [] });
    expect(parseLinksYaml('- [unclosed\n', 'f').warnings[0]).toMatch(/^f: not valid YAML/);
  });

  it('reads PORTAL_LINKS, splitting on the first two |, and places them after', () => {
    const env = parsePortalLinksEnv('Docs|https://d.example|Read | this,broken,Site|http://s.example');
    expect(env.map((l) => [l.label, l.url, l.description])).toEqual([
      ['Docs', 'https://d.example', 'Read | this'],
      ['Site', 'http://s.example', ''],
    ]);
    const file = parseLinksYaml('- label: First\n  url: https://f.example\n  position: before\n', 'f').links;
    expect(arrangeLinks(file, env)).toEqual({ before: file, after: env });
  });
});
