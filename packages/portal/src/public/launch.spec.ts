import { describe, expect, it } from 'vitest';
import { chooseLaunchUrl, launchPending } from './launch.js';

const base = {
  namedTunnel: null,
  quickTunnel: null,
  directUrl: 'http://203.0.113.7:40080',
  directHttps: false,
  externalPort: 8080,
  path: '/lab',
  token: 'tok-0123456789abcdef',
};

describe('chooseLaunchUrl (upstream’s Launch Application preference)', () => {
  it('prefers an active named tunnel over everything', () => {
    expect(
      chooseLaunchUrl({ ...base, namedTunnel: 'https://lab.example.org', quickTunnel: 'https://a-b.trycloudflare.com', directHttps: true }),
    ).toEqual({ url: 'https://lab.example.org/lab?token=tok-0123456789abcdef', via: 'named tunnel' });
  });

  it('takes the direct URL next when direct HTTPS works, even with a quick tunnel', () => {
    expect(
      chooseLaunchUrl({ ...base, directUrl: 'https://203.0.113.7:40080', directHttps: true, quickTunnel: 'https://a-b.trycloudflare.com' }),
    ).toEqual({
      url: 'https://203.0.113.7:40080/lab?token=tok-0123456789abcdef',
      via: 'direct',
    });
  });

  it('takes an active quick tunnel when direct HTTPS does not work', () => {
    expect(chooseLaunchUrl({ ...base, quickTunnel: 'https://tall-blue-cat.trycloudflare.com' })).toEqual({
      url: 'https://tall-blue-cat.trycloudflare.com/lab?token=tok-0123456789abcdef',
      via: 'quick tunnel',
    });
  });

  it('falls back to the direct URL, keeping a path the page already put on it', () => {
    expect(chooseLaunchUrl(base)).toEqual({ url: 'http://203.0.113.7:40080/lab?token=tok-0123456789abcdef', via: 'direct' });
    expect(chooseLaunchUrl({ ...base, directUrl: 'http://127.0.0.1:8080/lab?token=tok-0123456789abcdef', token: null }).url).toBe(
      'http://127.0.0.1:8080/lab?token=tok-0123456789abcdef',
    );
  });

  it('adds redir=false to a direct URL of port 1111 only', () => {
    expect(chooseLaunchUrl({ ...base, externalPort: 1111, path: '/', token: null }).url).toBe('http://203.0.113.7:40080/?redir=false');
    expect(chooseLaunchUrl({ ...base, externalPort: 1111, path: '/', token: null, quickTunnel: 'https://q-r.trycloudflare.com' }).url).toBe(
      'https://q-r.trycloudflare.com/',
    );
  });
});

describe('launchPending (the page shows before the tunnel addresses are known)', () => {
  it('waits only while this application’s addresses are unknown, the wait is on and tunnels can exist', () => {
    expect(launchPending({ known: false, settled: false, tunnelsUnavailable: false })).toBe(true);
    expect(launchPending({ known: true, settled: false, tunnelsUnavailable: false })).toBe(false);
    expect(launchPending({ known: false, settled: true, tunnelsUnavailable: false })).toBe(false);
    expect(launchPending({ known: false, settled: false, tunnelsUnavailable: true })).toBe(false);
  });
});
