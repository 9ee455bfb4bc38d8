// A provisioning manifest as YAML text: what the provisioning and convert generators write. Keys in the schema's order
// and defaults left out, so the file shows only what was decided; comment lines first (what it is, how to use it).
import { stringify } from 'yaml';
import { MANIFEST_KEYS, type ProvisioningManifestInput } from './schema';

export function renderManifestYaml(manifest: ProvisioningManifestInput, comments: readonly string[]): string {
  const ordered = Object.fromEntries(
    MANIFEST_KEYS.filter((key) => manifest[key as keyof ProvisioningManifestInput] !== undefined).map((key) => [
      key,
      manifest[key as keyof ProvisioningManifestInput],
    ]),
  );
  const header = comments.flatMap((c) => c.split('\n')).map((line) => (line ? `# ${line}` : '#'));
  return [...header, stringify(ordered, { lineWidth: 0 })].join('\n');
}
