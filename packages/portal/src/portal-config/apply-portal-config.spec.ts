import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPortalConfig } from './apply-portal-config';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

const PORTAL = 'localhost:1111:11111:/:Instance Portal';

describe('applyPortalConfig', () => {
  let dir: TempDir;
  let stdout: string;
  let stderr: string;
  const run = (env: Record<string, string>) =>
    applyPortalConfig(
      { PORTAL_YAML_PATH: dir.file('portal.yaml'), PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'), OPEN_BUTTON_TOKEN: 'obt-value-1', ...env },
      { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } },
    );
  const read = (name: string) => readFileSync(dir.file(name), 'utf8');

  beforeEach(() => {
    dir = makeTempDir('portal-apply-');
    stdout = '';
    stderr = '';
  });
  afterEach(() => dir.remove());

  it('writes portal.yaml (0644) and the Caddyfile from PORTAL_CONFIG when there is no portal.yaml', () => {
    expect(run({ PORTAL_CONFIG: `${PORTAL}|localhost:8080:18080:/:Jupyter` })).toBe(0);
    expect(read('portal.yaml')).toContain('applications:\n  Instance Portal:\n    hostname: localhost\n    external_port: 1111\n');
    expect(statSync(dir.file('portal.yaml')).mode & 0o777).toBe(0o644);
    expect(read('Caddyfile')).toMatch(/^:1111 \{$/m);
    expect(read('Caddyfile')).toMatch(/^:8080 \{$/m);
    expect(stdout).toContain(`portal-config: wrote ${dir.file('portal.yaml')} from PORTAL_CONFIG (2 applications)`);
    expect(stderr).toBe('');
    expect(readdirSync(dir.path).sort()).toEqual(['Caddyfile', 'portal.yaml']); // no temp files left behind
  });

  it('keeps an existing portal.yaml with applications and ignores PORTAL_CONFIG', () => {
    const yaml = 'applications:\n  Edited:\n    hostname: localhost\n    external_port: 7000\n    internal_port: 17000\n    open_path: /\n    name: Edited\n';
    writeFileSync(dir.file('portal.yaml'), yaml);
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(read('portal.yaml')).toBe(yaml);
    expect(read('Caddyfile')).toMatch(/^:7000 \{$/m);
    expect(read('Caddyfile')).not.toContain(':1111');
  });

  it('regenerates from PORTAL_CONFIG when portal.yaml has an empty applications map', () => {
    writeFileSync(dir.file('portal.yaml'), 'applications: {}\n');
    chmodSync(dir.file('portal.yaml'), 0o640);
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(read('portal.yaml')).toContain('Instance Portal:');
    expect(statSync(dir.file('portal.yaml')).mode & 0o777).toBe(0o640); // the existing mode is kept
  });

  it('replaces an unusable portal.yaml, keeping a copy and saying so', () => {
    writeFileSync(dir.file('portal.yaml'), 'applications: [oops\n');
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(read('portal.yaml.invalid')).toBe('applications: [oops\n');
    expect(read('portal.yaml')).toContain('Instance Portal:');
    expect(stderr).toMatch(/^portal-config: .*portal\.yaml: is not valid YAML .* Using PORTAL_CONFIG instead; the old file is kept as .*portal\.yaml\.invalid\.\n$/);
  });

  it('writes through a symlinked portal.yaml, keeping the link', () => {
    mkdirSync(dir.file('real'));
    writeFileSync(dir.file('real/portal.yaml'), '');
    symlinkSync(dir.file('real/portal.yaml'), dir.file('portal.yaml'));
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(read('real/portal.yaml')).toContain('Instance Portal:');
  });

  it('exits 1 with the error and fix on a malformed PORTAL_CONFIG, writing nothing', () => {
    expect(run({ PORTAL_CONFIG: `${PORTAL}|localhost:80x:18080:/:Jupyter` })).toBe(1);
    expect(stderr).toBe(
      'portal-config: PORTAL_CONFIG: entry 2 ("Jupyter"): the external port "80x" is not a whole number. Use a whole number between 1 and 65535.\n',
    );
    expect(existsSync(dir.file('portal.yaml'))).toBe(false);
    expect(existsSync(dir.file('Caddyfile'))).toBe(false);
  });

  it('exits 1 on PORTAL_CONFIG that parses but breaks a rule', () => {
    expect(run({ PORTAL_CONFIG: `${PORTAL}|localhost:2222:12222:/:instance portal` })).toBe(1);
    expect(stderr).toMatch(/^portal-config: PORTAL_CONFIG: entry 2 \("instance portal"\): the label is already used by entry 1/);
    expect(existsSync(dir.file('Caddyfile'))).toBe(false);
  });

  it('exits 1 on a portal.yaml whose applications are invalid, leaving it untouched', () => {
    const yaml = 'applications:\n  Broken:\n    external_port: many\n    internal_port: 1\n';
    writeFileSync(dir.file('portal.yaml'), yaml);
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(1);
    expect(stderr).toContain('portal.yaml: applications."Broken".external_port: "many" is not a whole number.');
    expect(stderr).toContain('Or delete the file to start again from PORTAL_CONFIG.');
    expect(read('portal.yaml')).toBe(yaml);
    expect(existsSync(dir.file('Caddyfile'))).toBe(false);
  });

  it('exits 1 on bad AUTH_EXCLUDE and WEB_USERNAME values', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, AUTH_EXCLUDE: '8080,http', WEB_USERNAME: 'a b' })).toBe(1);
    expect(stderr).toBe(
      'portal-config: WEB_USERNAME: "a b" has characters a login name cannot carry here. Use letters, digits, \'.\', \'_\', \'@\' or \'-\'.\n' +
        'portal-config: AUTH_EXCLUDE: "http" is not a port. List external ports separated by commas, e.g. 8080,8384.\n',
    );
  });

  it('writes an empty map and a Caddyfile without sites for an empty PORTAL_CONFIG', () => {
    expect(run({})).toBe(0);
    expect(read('portal.yaml')).toBe('applications: {}\n');
    expect(read('Caddyfile')).not.toMatch(/^:/m);
  });

  it('generates and prints credentials once when neither token nor password is set', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, OPEN_BUTTON_TOKEN: '' })).toBe(0);
    const match = stdout.match(/username vastai, password ([0-9a-f]{32})\n/);
    expect(match).not.toBeNull();
    expect(stdout.match(/password/g)).toHaveLength(1);
    expect(stdout).toContain(`?token=${match![1]}`);
    expect(read('Caddyfile')).toContain(`query token=${match![1]}`);
  });

  it('prints no credentials when they were given', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, WEB_PASSWORD: 'secret' })).toBe(0);
    expect(stdout).not.toContain('secret');
    expect(stdout).not.toContain('obt-value-1');
  });

  it('uses TLS only when ENABLE_HTTPS=true and both files exist', () => {
    writeFileSync(dir.file('c.crt'), 'cert');
    const env = { PORTAL_CONFIG: PORTAL, PORTAL_TLS_CERT_PATH: dir.file('c.crt'), PORTAL_TLS_KEY_PATH: dir.file('c.key') };
    expect(run({ ...env, ENABLE_HTTPS: 'true' })).toBe(0);
    expect(read('Caddyfile')).not.toContain('tls ');
    expect(stderr).toContain('ENABLE_HTTPS=true but');
    writeFileSync(dir.file('c.key'), 'key');
    expect(run({ ...env, ENABLE_HTTPS: 'false' })).toBe(0);
    expect(read('Caddyfile')).not.toContain('tls ');
    expect(run({ ...env, ENABLE_HTTPS: 'TRUE' })).toBe(0);
    expect(read('Caddyfile')).toContain(`tls ${dir.file('c.crt')} ${dir.file('c.key')}`);
  });

  it('exits 2 when the directory cannot be written', () => {
    expect(applyPortalConfig(
      { PORTAL_CONFIG: PORTAL, OPEN_BUTTON_TOKEN: 't', PORTAL_YAML_PATH: dir.file('missing/portal.yaml'), PORTAL_CADDYFILE_PATH: dir.file('Caddyfile') },
      { stdout: { write: () => 0 }, stderr: { write: (t: string) => (stderr += t) } },
    )).toBe(2);
    expect(stderr).toMatch(/^portal-config: cannot write the configuration: .*ENOENT.*\. Check that the directory exists and is writable\.\n$/);
  });
});
