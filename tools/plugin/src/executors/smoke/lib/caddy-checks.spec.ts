import { describe, expect, it } from 'vitest';
import { judgeCaddyRestart, judgeNotReady } from './caddy-checks';

describe('caddy-restart-keeps-ports', () => {
  const before = { ports: ['1111', '8080'], pids: '41' };
  it('passes when a new caddy listens on every port the old one had', () => {
    expect(judgeCaddyRestart(before, { ports: ['1111', '8080'], pids: '97' })).toEqual({
      status: 'pass',
      detail: 'restarted (pid 41 -> 97); listening again on 1111 8080',
    });
  });

  it('fails, naming the ports, when a port did not come back', () => {
    expect(judgeCaddyRestart(before, { ports: ['8080'], pids: '97' })).toMatchObject({
      status: 'fail',
      detail: 'listened on 1111 8080 before the restart; 1111 not back (now: 8080)',
    });
  });

  it('fails while the old caddy still runs or none does', () => {
    expect(judgeCaddyRestart(before, before)).toMatchObject({
      status: 'fail',
      detail: 'caddy was not restarted (pid before 41, after 41)',
    });
    expect(judgeCaddyRestart(before, { ports: [], pids: '' }).status).toBe('fail');
  });
});

describe('not-ready-page', () => {
  const url = 'http://127.0.0.1:8080/';
  it("passes on a 502 that carries the page's marker header", () => {
    expect(judgeNotReady('HTTP/1.1 502 Bad Gateway\r\nCache-Control: no-store\r\nX-Portal-Placeholder: true\r\n\r\n', url).status).toBe(
      'pass',
    );
  });

  it('fails on a bare 502, and on the application answering', () => {
    expect(judgeNotReady('HTTP/1.1 502 Bad Gateway\r\nServer: Caddy\r\n\r\n', url)).toMatchObject({
      status: 'fail',
      detail: `${url} -> 502, without X-Portal-Placeholder; expected the not-ready page (502)`,
    });
    expect(judgeNotReady('HTTP/1.1 200 OK\r\n\r\n', url).status).toBe('fail');
  });
});
