import { describe, expect, it } from 'vitest';
import { planSecureRedirect, wantsSecureRedirect } from './insecure-redirect.js';

describe('the insecure-context redirect', () => {
  it('looks for a tunnel only on an insecure page without redir=false', () => {
    expect(wantsSecureRedirect({ isSecureContext: false, search: '' })).toBe(true);
    expect(wantsSecureRedirect({ isSecureContext: false, search: '?redir=false' })).toBe(false);
    expect(wantsSecureRedirect({ isSecureContext: true, search: '' })).toBe(false);
  });

  const facts = { namedTunnel: null, quickTunnel: null, quickTunnelLive: false, hash: '#/logs', token: 'tok-0123456789abcdef' };

  it('goes to the named tunnel first, with the token and the route', () => {
    expect(
      planSecureRedirect({
        ...facts,
        namedTunnel: 'https://portal.example.org',
        quickTunnel: 'https://x-y.trycloudflare.com',
        quickTunnelLive: true,
      }),
    ).toEqual({
      url: 'https://portal.example.org/?token=tok-0123456789abcdef#/logs',
      via: 'named tunnel',
    });
  });

  it('goes to the quick tunnel only once it proved live, else nowhere', () => {
    expect(planSecureRedirect({ ...facts, quickTunnel: 'https://x-y.trycloudflare.com', quickTunnelLive: true })?.url).toBe(
      'https://x-y.trycloudflare.com/?token=tok-0123456789abcdef#/logs',
    );
    expect(planSecureRedirect({ ...facts, quickTunnel: 'https://x-y.trycloudflare.com', quickTunnelLive: false })).toBeNull();
    expect(planSecureRedirect(facts)).toBeNull();
  });
});
