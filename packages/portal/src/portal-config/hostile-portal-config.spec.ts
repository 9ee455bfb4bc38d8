// Issue 11 finding 7, against the real Caddy 2.6: whatever PORTAL_CONFIG says, portal-config either refuses it
// (nothing written, the entry, field and fix on stderr) or writes a Caddyfile that Caddy accepts. Never a file that
// Caddy rejects, which would take every port of the instance down.
import { beforeAll, describe, expect, it } from 'vitest';
import type { PortalEntry } from '@vast/conventions/portal-config';
import { renderCaddyfile } from './caddyfile';
import { caddyfileOptions } from '../testing/caddyfile-options';
import { selectApplications } from './select-applications';
import { hasCaddy, validateCaddyfile } from '../testing/caddy';

const OPTIONS = caddyfileOptions();
const PORTAL = 'localhost:1111:11111:/:Instance Portal';

const select = (portalConfig: string) => selectApplications({ yamlText: null, yamlPath: '/etc/portal.yaml', portalConfig });

function expectRefused(hostname: string): void {
  const selection = select(`${PORTAL}|${hostname}:7860:17860:/:App UI`);
  expect(selection.ok).toBe(false);
  expect(selection.ok || selection.errors).toEqual([
    `PORTAL_CONFIG: entry 2 ("App UI"): the hostname ${JSON.stringify(hostname)} is not a host name, an IPv4 address or a bracketed IPv6 address ` +
      '(it goes unquoted into the Caddyfile, where other text breaks the file or names another backend). Use a name such as localhost or 127.0.0.1: letters, digits, dashes and dots.',
  ]);
}

describe('hostile PORTAL_CONFIG values', () => {
  beforeAll(() => {
    expect(hasCaddy(), 'caddy is not installed: apt-get install -y caddy (these specs run the real Caddy 2.6)').toBe(true);
  });

  it.each([
    ['starting with "', '"evil'],
    ['starting with a backtick', '`evil'],
    ['starting with #', '#evil'],
  ])('a hostname %s is refused before any Caddyfile is written (on main, Caddy rejected the file)', (_what, hostname) => {
    const entry: PortalEntry = { hostname, externalPort: 7860, internalPort: 17860, path: '/', label: 'App UI' };
    // What main wrote for it: a Caddyfile that `caddy run` refuses, so no port answered at all.
    expect(validateCaddyfile(renderCaddyfile([entry], OPTIONS)).ok).toBe(false);
    expectRefused(hostname);
  });

  it.each([
    ['with a placeholder brace', '{evil'],
    ['in backticks', '`evil`'],
  ])('a hostname %s, which Caddy would read as something else, is refused too', (_what, hostname) => expectRefused(hostname));

  it.each([
    ['a label with braces', 'My {app} }'],
    ['a label with # and quotes', '#1 "best" `app`'],
    ['a label with a backslash and $', 'C:\\ $HOME'],
    ['a label with a colon', 'API: v2'],
  ])('%s is kept, and the Caddyfile written for it is valid', (_what, label) => {
    const selection = select(`${PORTAL}|127.0.0.1:7860:17860:/:${label}`);
    expect(selection.ok).toBe(true);
    if (!selection.ok) return;
    expect(selection.entries.map((e) => e.label)).toEqual(['Instance Portal', label]);
    const validation = validateCaddyfile(renderCaddyfile(selection.entries, OPTIONS));
    expect(validation.output).toContain('Valid configuration');
  });

  it('accepts the hostnames a backend can have: names, IPv4 and (in portal.yaml) bracketed IPv6', () => {
    const yamlText = [
      'applications:',
      '  Instance Portal: {hostname: localhost, external_port: 1111, internal_port: 11111, open_path: /, name: Instance Portal}',
      '  App UI: {hostname: "[::1]", external_port: 7860, internal_port: 17860, open_path: /, name: App UI}',
      '  Other: {hostname: backend-1.internal, external_port: 7870, internal_port: 17870, open_path: /, name: Other}',
    ].join('\n');
    const selection = selectApplications({ yamlText, yamlPath: '/etc/portal.yaml', portalConfig: '' });
    expect(selection.ok).toBe(true);
    if (!selection.ok) return;
    expect(validateCaddyfile(renderCaddyfile(selection.entries, OPTIONS)).output).toContain('Valid configuration');
  });
});
