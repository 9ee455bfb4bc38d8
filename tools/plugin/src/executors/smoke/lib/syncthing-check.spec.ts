import { describe, expect, it } from 'vitest';
import { syncthingConfigProblems, syncthingValues } from './syncthing-check';

/**
 * The gui and options sections of a config.xml that syncthing-launch left (Debian's Syncthing 1.19 generated it; first
 * run, OPEN_BUTTON_TOKEN=smoke-token-0123456789, VAST_TCP_PORT_72299=22000), trimmed to the lines around what is judged.
 */
const CONFIG = `<configuration version="36">
    <gui enabled="true" tls="false" debugging="false">
        <theme>default</theme>
        <address>127.0.0.1:18384</address>
        <apikey>smoke-token-0123456789</apikey>
        <insecureAdminAccess>true</insecureAdminAccess>
        <insecureSkipHostcheck>true</insecureSkipHostcheck>
    </gui>
    <options>
        <globalAnnounceEnabled>true</globalAnnounceEnabled>
        <relaysEnabled>true</relaysEnabled>
        <natEnabled>false</natEnabled>
        <listenAddress>dynamic+https://relays.syncthing.net/endpoint</listenAddress>
        <listenAddress>tcp://0.0.0.0:22000</listenAddress>
    </options>
    <defaults>
        <device id="" compression="metadata">
            <address>dynamic</address>
        </device>
    </defaults>
</configuration>
`;
const expected = { token: 'smoke-token-0123456789', protocolPort: '22000' };

describe('syncthing', () => {
  it("reads an element's values from its own section only, unescaped", () => {
    expect(syncthingValues(CONFIG, 'gui', 'address')).toEqual(['127.0.0.1:18384']);
    expect(syncthingValues(CONFIG, 'options', 'listenAddress')).toEqual([
      'dynamic+https://relays.syncthing.net/endpoint',
      'tcp://0.0.0.0:22000',
    ]);
    expect(syncthingValues(CONFIG.replace('smoke-token-0123456789', 'a&amp;b&lt;c'), 'gui', 'apikey')).toEqual(['a&b<c']);
  });

  it("finds nothing to object to in upstream's configuration", () => {
    expect(syncthingConfigProblems(CONFIG, expected)).toEqual([]);
  });

  it('names each difference: GUI address, API key, host check, NAT, a port-less or missing listen address', () => {
    const changed = CONFIG.replace('127.0.0.1:18384', '0.0.0.0:8384')
      .replace('smoke-token-0123456789', 'random')
      .replace('<insecureSkipHostcheck>true', '<insecureSkipHostcheck>false')
      .replace('<natEnabled>false', '<natEnabled>true')
      .replace('tcp://0.0.0.0:22000', 'tcp://0.0.0.0:');
    expect(syncthingConfigProblems(changed, expected)).toEqual([
      "gui.address is '0.0.0.0:8384', expected '127.0.0.1:18384'",
      "gui.apikey is '(another key)', expected OPEN_BUTTON_TOKEN",
      "gui.insecureSkipHostcheck is 'false', expected 'true'",
      "options.natEnabled is 'true', expected 'false'",
      'listen addresses without a port: tcp://0.0.0.0:',
      'listens on [dynamic+https://relays.syncthing.net/endpoint tcp://0.0.0.0:], without tcp://0.0.0.0:22000 (VAST_TCP_PORT_72299)',
    ]);
  });

  it('asks for no tcp listen address when the platform maps no protocol port', () => {
    const relayOnly = CONFIG.replace('        <listenAddress>tcp://0.0.0.0:22000</listenAddress>\n', '');
    expect(syncthingConfigProblems(relayOnly, { token: expected.token })).toEqual([]);
  });
});
