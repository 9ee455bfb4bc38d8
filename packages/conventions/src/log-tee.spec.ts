// base-image's log-tee (ROOT/opt/instance-tools/bin/log-tee), run for real (python3): the three outputs, the
// stripping of escape sequences (also when a chunk boundary splits one, or splits a CRLF) and the rotation.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const LOG_TEE = join(__dirname, '../../images/base-image/ROOT/opt/instance-tools/bin/log-tee');
const MiB = 1024 * 1024;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-log-tee-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const portalLog = () => join(dir, 'portal', 'app.log');
const cleanLog = () => join(dir, 'app.log');

function logTee(input: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(LOG_TEE, [portalLog()], { input, encoding: 'utf8', maxBuffer: 64 * MiB });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Feeds chunks one read at a time: each is written only once log-tee has put the previous one into the portal log. */
async function logTeeInChunks(chunks: string[]): Promise<string> {
  const child = spawn(LOG_TEE, [portalLog()], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  let written = 0;
  for (const chunk of chunks) {
    child.stdin.write(chunk);
    written += Buffer.byteLength(chunk);
    for (let i = 0; i < 500 && !(existsSync(portalLog()) && statSync(portalLog()).size >= written); i++)
      await new Promise((r) => setTimeout(r, 10));
  }
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  return stdout;
}

describe('log-tee', () => {
  const noisy = 'plain \x1b[1;31mred\x1b[0m\r\nbar 10%\rbar 100%\r\n\x1b]0;a title\x07\x1b(Bdone\x1b[2K\n';
  const clean = 'plain red\nbar 10%\nbar 100%\ndone\n';

  it('keeps the portal log raw, and strips escape sequences and CRs from stdout and the clean twin', () => {
    const run = logTee(noisy);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(readFileSync(portalLog(), 'utf8')).toBe(noisy);
    expect(run.stdout).toBe(clean);
    expect(readFileSync(cleanLog(), 'utf8')).toBe(clean);
    expect(statSync(portalLog()).mode & 0o777).toBe(0o644);
  });

  it('appends to an existing portal log', () => {
    logTee('one\n');
    logTee('two\n');
    expect(readFileSync(portalLog(), 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(cleanLog(), 'utf8')).toBe('one\ntwo\n');
  });

  it('does not double a CRLF, nor leak an escape sequence, that a chunk boundary splits', async () => {
    const stdout = await logTeeInChunks(['line one\r', '\nline two \x1b[3', '2mgreen\x1b[0m\n']);
    expect(stdout).toBe('line one\nline two green\n');
    expect(readFileSync(cleanLog(), 'utf8')).toBe('line one\nline two green\n');
    expect(readFileSync(portalLog(), 'utf8')).toBe('line one\r\nline two \x1b[32mgreen\x1b[0m\n');
  });

  it('passes invalid UTF-8 to stdout as replacement characters instead of stopping, and to the portal log as it came', () => {
    const input = Buffer.concat([Buffer.from('before '), Buffer.from([0xff, 0xfe]), Buffer.from(' after\n')]);
    const run = logTee(input);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('before \ufffd\ufffd after\n');
    // The portal log is raw: the very bytes.
    expect(readFileSync(portalLog()).equals(input)).toBe(true);
  });

  it('rotates both files past 5 MiB to their last 1 MiB, from a line start', () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(80)}\n`);
    const input = lines.join('');
    expect(input.length).toBeGreaterThan(5 * MiB);
    const run = logTee(input);
    expect(run.status).toBe(0);
    for (const file of [portalLog(), cleanLog()]) {
      const text = readFileSync(file, 'utf8');
      // The last check came after the rotation; what follows it (under 512 KiB) is appended to the kept 1 MiB.
      expect(text.length).toBeLessThan(MiB + 512 * 1024);
      expect(text.length).toBeGreaterThan(MiB - 100);
      expect(text.startsWith('line ')).toBe(true);
      expect(text.endsWith(lines[lines.length - 1])).toBe(true);
      expect(existsSync(`${file}.rotate`)).toBe(false);
      expect(input.endsWith(text)).toBe(true);
    }
    expect(run.stdout).toBe(input);
  });

  it('refuses to run without exactly one path', () => {
    const run = spawnSync(LOG_TEE, [], { input: '', encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/usage: log-tee PORTAL_LOG/);
  });
});
