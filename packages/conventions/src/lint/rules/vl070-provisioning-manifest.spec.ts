import { describe, expect, it } from 'vitest';
import { lintContext, type LintContext } from '../index';
import { isProvisioningManifest, provisioningManifestRule } from './vl070-provisioning-manifest';

const contextWith = (path: string, content: string): LintContext => ({
  image: 'app',
  class: 'derivative',
  source: 'packages/images/app/image.ts',
  files: [{ path, content, mode: 0o644 }],
  torchInParent: false,
  inheritedEnv: [],
});
const findings = (content: string, path = 'ROOT/provisioning.yaml') => lintContext(contextWith(path, content), [provisioningManifestRule]);

describe('VL070 provisioning manifests', () => {
  it('finds the manifests an image ships', () => {
    expect(
      ['ROOT/provisioning.yaml', 'ROOT/opt/app/comfy-provisioning.yaml', 'ROOT/etc/provisioning.yml'].every(isProvisioningManifest),
    ).toBe(true);
    expect(['provisioning.yaml', 'ROOT/etc/portal.yaml', 'ROOT/opt/reprovisioning.yaml'].some(isProvisioningManifest)).toBe(false);
  });

  it('passes a valid manifest, with ${VAR} left for boot', () => {
    expect(findings('version: 1\ndownloads:\n  - url: "${MODEL_URL}"\n    dest: /workspace/models/\n')).toEqual([]);
  });

  it('names the file, the line and the key path of an unknown key, a bad URL and a duplicate port', () => {
    const text = [
      'version: 1',
      'downloads:',
      '  - url: "not a url"',
      '    dest: /m/',
      'services:',
      '  - {name: a, command: x, port: 7860}',
      '  - {name: b, command: y, port: 7860}',
      'post_comands: [echo]',
      '',
    ].join('\n');
    expect(findings(text).map((f) => `${f.code} ${f.file}:${f.line} ${f.message}`)).toEqual([
      "VL070 ROOT/provisioning.yaml:3 downloads.0.url: 'not a url' is not a URL. Write it as https://host/path/file (the provisioner would refuse it at boot)",
      expect.stringMatching(/^VL070 ROOT\/provisioning\.yaml:8 post_comands: is not a key here\. Fix its spelling or remove it\./),
    ]);
    const ports = findings(text.replace('post_comands: [echo]\n', '').replace('"not a url"', 'https://example.com/m.bin'));
    expect(ports.map((f) => `${f.line} ${f.message}`)).toEqual([
      '7 services.1.port: 7860 is already the port of services.0 (a). Give each service its own port. (the provisioner would refuse it at boot)',
    ]);
  });
});
