import { describe, expect, it } from 'vitest';
import { findCloudflaredError, findQuickTunnelUrl, ingressForPort, parseIngress } from './cloudflared-output';

// cloudflared 2024.x quick-tunnel start-up, as its documentation and every run print it (stderr, merged).
const QUICK_TUNNEL_OUTPUT = `2024-05-01T10:00:01Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.
2024-05-01T10:00:01Z INF Requesting new quick Tunnel on trycloudflare.com...
2024-05-01T10:00:03Z INF +--------------------------------------------------------------------------------------------+
2024-05-01T10:00:03Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
2024-05-01T10:00:03Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                                      |
2024-05-01T10:00:03Z INF +--------------------------------------------------------------------------------------------+
2024-05-01T10:00:04Z INF Registered tunnel connection connIndex=0 connection=8f0e event=0 ip=198.41.200.13 location=ams01 protocol=http2`;

describe('cloudflared output', () => {
  it('finds the quick tunnel address on its line and nowhere else', () => {
    const found = QUICK_TUNNEL_OUTPUT.split('\n').map(findQuickTunnelUrl).filter(Boolean);
    expect(found).toEqual(['https://seasonal-deck-organisms-sf.trycloudflare.com']);
  });

  it('reports cloudflared errors', () => {
    expect(
      findCloudflaredError(
        '2024-05-01T10:00:02Z ERR Error unmarshaling QuickTunnel response: error code: 1015 error="invalid character \'e\' looking for beginning of value" status_code="429 Too Many Requests"',
      ),
    ).toMatch(/^Error unmarshaling QuickTunnel response: error code: 1015/);
    expect(findCloudflaredError('2024-05-01T10:00:01Z INF Starting metrics server on 127.0.0.1:11113/metrics')).toBeNull();
  });

  it('lists and looks up named-tunnel ingress', () => {
    const rules = parseIngress({
      version: 3,
      config: {
        ingress: [
          { hostname: 'comfy.example.com', service: 'http://localhost:18188' },
          { hostname: 'ssh.example.com', service: 'ssh://localhost:22' },
          { service: 'http_status:404' },
        ],
      },
    });
    expect(rules).toEqual([{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }]);
    expect(ingressForPort(rules, 18188)?.hostname).toBe('comfy.example.com');
    expect(ingressForPort(rules, 8080)).toBeNull();
    expect(parseIngress({})).toEqual([]);
  });
});
