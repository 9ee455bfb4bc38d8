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
      { ...paths(), OPEN_BUTTON_TOKEN: 'obt-value-1-0123456', ...env },
      { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } },
    );
  const read = (name: string) => readFileSync(dir.file(name), 'utf8');
  const paths = () => ({
    PORTAL_YAML_PATH: dir.file('portal.yaml'),
    PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
    PORTAL_AUTH_PATH: dir.file('portal-auth.json'),
    PORTAL_CREDENTIALS_PATH: dir.file('portal-credentials'),
  });

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
    expect(readdirSync(dir.path).sort()).toEqual(['Caddyfile', 'portal-auth.json', 'portal.yaml']); // no temp files left behind
  });

  it('keeps an existing portal.yaml with applications and ignores PORTAL_CONFIG', () => {
    const yaml =
      'applications:\n  Edited:\n    hostname: localhost\n    external_port: 7000\n    internal_port: 17000\n    open_path: /\n    name: Edited\n';
    writeFileSync(dir.file('portal.yaml'), yaml);
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(read('portal.yaml')).toBe(yaml);
    expect(read('Caddyfile')).toMatch(/^:7000 \{$/m);
    expect(read('Caddyfile')).not.toMatch(/^:1111 /m);
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
    expect(stderr).toMatch(
      /^portal-config: .*portal\.yaml: is not valid YAML .* Using PORTAL_CONFIG instead; the old file is kept as .*portal\.yaml\.invalid\.\n$/,
    );
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
      "portal-config: WEB_USERNAME: \"a b\" has characters a login name cannot carry here. Use letters, digits, '.', '_', '@' or '-'.\n" +
        'portal-config: AUTH_EXCLUDE: "http" is not a port. List external ports separated by commas, e.g. 8080,8384.\n',
    );
  });

  it('writes an empty map and a Caddyfile without sites for an empty PORTAL_CONFIG', () => {
    expect(run({})).toBe(0);
    expect(read('portal.yaml')).toBe('applications: {}\n');
    expect(read('Caddyfile')).not.toMatch(/^:/m);
  });

  it('generates long credentials into a root-only file when neither token nor password is set, and prints only where they are', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, OPEN_BUTTON_TOKEN: '' })).toBe(0);
    const secret = /^password=([A-Za-z0-9_-]{32})$/m.exec(read('portal-credentials'))?.[1];
    expect(secret).toBeDefined();
    expect(read('portal-credentials')).toContain(`token=${secret}\n`);
    expect(statSync(dir.file('portal-credentials')).mode & 0o777).toBe(0o600);
    expect(stdout).toContain(`read them as root inside the instance: cat ${dir.file('portal-credentials')}`);
    expect(stdout).not.toContain(secret);
    expect(read('Caddyfile')).not.toContain(secret);
    // Given credentials again: the generated ones no longer log in, so their file goes.
    expect(run({ PORTAL_CONFIG: PORTAL })).toBe(0);
    expect(existsSync(dir.file('portal-credentials'))).toBe(false);
  });

  it('prints no credentials when they were given, and writes neither them nor the token into any file', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, WEB_PASSWORD: 'secret-password-123' })).toBe(0);
    expect(stdout).not.toContain('secret-password-123');
    expect(stdout).not.toContain('obt-value-1');
    for (const name of readdirSync(dir.path)) {
      expect(read(name)).not.toContain('secret-password-123');
      expect(read(name)).not.toContain('obt-value-1-0123456');
    }
  });

  it("writes the gate's file 0600 with digests, and keeps its session secret across restarts unless it is unusable", () => {
    expect(run({ PORTAL_CONFIG: PORTAL, VAST_CONTAINERLABEL: 'C.9' })).toBe(0);
    expect(statSync(dir.file('portal-auth.json')).mode & 0o777).toBe(0o600);
    const first = JSON.parse(read('portal-auth.json')) as Record<string, unknown>;
    expect(first).toMatchObject({
      version: 1,
      username: 'vastai',
      cookieName: 'C.9_auth_token',
      tokenSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(run({ PORTAL_CONFIG: PORTAL, VAST_CONTAINERLABEL: 'C.9' })).toBe(0);
    expect((JSON.parse(read('portal-auth.json')) as Record<string, unknown>).sessionSecret).toBe(first.sessionSecret);
    writeFileSync(dir.file('portal-auth.json'), 'garbage');
    expect(run({ PORTAL_CONFIG: PORTAL, VAST_CONTAINERLABEL: 'C.9' })).toBe(0);
    expect((JSON.parse(read('portal-auth.json')) as Record<string, unknown>).sessionSecret).not.toBe(first.sessionSecret);
  });

  it('exits 1 on a token shorter than 16 characters, writing nothing', () => {
    expect(run({ PORTAL_CONFIG: PORTAL, OPEN_BUTTON_TOKEN: 'abc' })).toBe(1);
    expect(stderr).toMatch(/^portal-config: OPEN_BUTTON_TOKEN: 3 characters, and a login secret needs at least 16\./);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it('lists every port served without authentication, and why', () => {
    const config = `${PORTAL}|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:6006:6006:/:Board|localhost:7000:17000:/:Open`;
    expect(run({ PORTAL_CONFIG: config, AUTH_EXCLUDE: '7000' })).toBe(0);
    expect(stdout).toContain(
      'portal-config: port 6006 (Board) has no authentication: direct entry (external port = internal port): the application listens there itself and Caddy does not gate it\n',
    );
    expect(stdout).toContain('portal-config: port 7000 (Open) has no authentication: listed in AUTH_EXCLUDE\n');
    expect(stdout).not.toMatch(/port (1111|8080) /);
    stdout = '';
    expect(run({ PORTAL_CONFIG: PORTAL, ENABLE_AUTH: 'false' })).toBe(0);
    expect(stdout).toContain('portal-config: port 1111 (Instance Portal) has no authentication: ENABLE_AUTH=false\n');
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
    expect(
      applyPortalConfig(
        { ...paths(), PORTAL_CONFIG: PORTAL, OPEN_BUTTON_TOKEN: 't'.repeat(16), PORTAL_YAML_PATH: dir.file('missing/portal.yaml') },
        { stdout: { write: () => 0 }, stderr: { write: (t: string) => (stderr += t) } },
      ),
    ).toBe(2);
    expect(stderr).toMatch(
      /^portal-config: cannot write the configuration: .*ENOENT.*\. Check that the directory exists and is writable\.\n$/,
    );
  });
});
