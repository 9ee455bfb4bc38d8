import { describe, expect, it } from 'vitest';
import {
  applyNamedTunnelEvent,
  findCloudflaredError,
  findQuickTunnelUrl,
  ingressForPort,
  NAMED_TUNNEL_STARTING,
  namedTunnelExited,
  parseIngress,
  parseNamedTunnelLine,
  type NamedTunnelStatus,
} from './cloudflared-output';

// cloudflared 2024.x quick-tunnel start-up, as its documentation and every run print it (stderr, merged).
const QUICK_TUNNEL_OUTPUT = `2024-05-01T10:00:01Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.
2024-05-01T10:00:01Z INF Requesting new quick Tunnel on trycloudflare.com...
2024-05-01T10:00:03Z INF +--------------------------------------------------------------------------------------------+
2024-05-01T10:00:03Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
2024-05-01T10:00:03Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                                      |
2024-05-01T10:00:03Z INF +--------------------------------------------------------------------------------------------+
2024-05-01T10:00:04Z INF Registered tunnel connection connIndex=0 connection=8f0e event=0 ip=198.41.200.13 location=ams01 protocol=http2`;

// cloudflared 2024.x running a remotely managed named tunnel (`tunnel --metrics ... run --token ...`), stderr: start-up,
// four edge connections, the configuration the dashboard holds, a connection lost and registered again, shutdown.
const NAMED_TUNNEL_OUTPUT = String.raw`2024-05-01T10:00:00Z INF Starting tunnel tunnelID=6ff42ae2-765d-4adf-8112-31c55c1551ef
2024-05-01T10:00:00Z INF Version 2024.4.1
2024-05-01T10:00:00Z INF GOOS: linux, GOVersion: go1.22.2, GoArch: amd64
2024-05-01T10:00:00Z INF Settings: map[metrics:localhost:11113 no-autoupdate:true token:*****]
2024-05-01T10:00:00Z INF Generated Connector ID: 4d2c8d0f-7a1e-4a7b-9c55-2b0f3f0a9e11
2024-05-01T10:00:00Z INF Initial protocol http2
2024-05-01T10:00:00Z INF Starting metrics server on 127.0.0.1:11113/metrics
2024-05-01T10:00:01Z INF Registered tunnel connection connIndex=0 connection=28a5a3e6-1b0c-4c6e-9d1e-5f0c2b7d3a10 event=0 ip=198.41.200.13 location=ams08 protocol=http2
2024-05-01T10:00:01Z INF Updated to new configuration config="{\"ingress\":[{\"hostname\":\"comfy.example.com\", \"originRequest\":{}, \"service\":\"http://localhost:18188\"}, {\"service\":\"http_status:404\"}], \"warp-routing\":{\"enabled\":false}}" version=3
2024-05-01T10:00:02Z INF Registered tunnel connection connIndex=1 connection=9c1d7e2a-3f4b-4d8a-8e6f-0a1b2c3d4e5f event=0 ip=198.41.192.77 location=fra13 protocol=http2
2024-05-01T10:05:00Z ERR Serve tunnel error error="connection with edge closed" connIndex=1 event=0 ip=198.41.192.77
2024-05-01T10:05:00Z INF Retrying connection in up to 2s connIndex=1 event=0 ip=198.41.192.77
2024-05-01T10:05:02Z INF Registered tunnel connection connIndex=1 connection=0b3e5d7f-2a4c-4e6a-8b0d-1f3e5a7c9b2d event=0 ip=198.41.192.107 location=fra06 protocol=http2
2024-05-01T10:09:00Z INF Initiating graceful shutdown due to signal terminated ...
2024-05-01T10:09:00Z INF Unregistered tunnel connection connIndex=0 event=0 ip=198.41.200.13
2024-05-01T10:09:00Z INF Unregistered tunnel connection connIndex=1 event=0 ip=198.41.192.107`;

/** The state after each line, the way the tunnel manager folds them. */
function statesAlong(lines: string[]): NamedTunnelStatus[] {
  const states: NamedTunnelStatus[] = [];
  let status = NAMED_TUNNEL_STARTING;
  for (const line of lines) {
    const event = parseNamedTunnelLine(line);
    if (event) status = applyNamedTunnelEvent(status, event);
    states.push(status);
  }
  return states;
}

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

  it('reads a named tunnel’s connections, configuration and errors from its lines', () => {
    const lines = NAMED_TUNNEL_OUTPUT.split('\n');
    expect(lines.map(parseNamedTunnelLine).filter(Boolean)).toEqual([
      { kind: 'registered', connIndex: 0, location: 'ams08' },
      {
        kind: 'configuration',
        version: 3,
        ingress: [{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }],
      },
      { kind: 'registered', connIndex: 1, location: 'fra13' },
      { kind: 'unregistered', connIndex: 1, error: 'connection with edge closed' },
      { kind: 'registered', connIndex: 1, location: 'fra06' },
      { kind: 'unregistered', connIndex: 0, error: null },
      { kind: 'unregistered', connIndex: 1, error: null },
    ]);
    expect(parseNamedTunnelLine('Provided Tunnel token is not valid.')).toEqual({
      kind: 'error',
      message: 'Provided Tunnel token is not valid.',
    });
  });

  it('folds them into the connector’s state: starting, connected, reconnecting, exited', () => {
    const lines = NAMED_TUNNEL_OUTPUT.split('\n');
    const states = statesAlong(lines);
    const at = (text: string) => states[lines.findIndex((l) => l.includes(text))];
    expect(at('Starting metrics server')).toEqual(NAMED_TUNNEL_STARTING);
    expect(at('connIndex=0 connection=28a5')).toMatchObject({ state: 'connected', connections: [{ connIndex: 0, location: 'ams08' }] });
    expect(at('Updated to new configuration').ingress).toEqual([{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }]);
    expect(at('Serve tunnel error')).toMatchObject({ state: 'connected', error: 'connection with edge closed' });
    expect(at('location=fra06').connections.map((c) => c.location)).toEqual(['ams08', 'fra06']);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', connections: [] });
    expect(namedTunnelExited(states.at(-1)!, 'exited (SIGTERM)')).toMatchObject({
      state: 'exited',
      error: 'connection with edge closed (exited (SIGTERM))',
    });
    const refused = statesAlong(['Provided Tunnel token is not valid.']).at(-1)!;
    expect(namedTunnelExited(refused, 'exited (code 1)').error).toBe('Provided Tunnel token is not valid. (exited (code 1))');
  });
});
