import { LineCounter, parseDocument } from 'yaml';
import { parseProvisioningManifestText } from '../../provisioning-manifest/parse';
import type { LintRule } from '../types';

/** A provisioning manifest shipped in the image: /provisioning.yaml (boot stage 75 runs it), or any *provisioning.yaml. */
export const isProvisioningManifest = (path: string) => /^ROOT\/(?:.*\/)?(?:[^/]*[.-])?provisioning\.ya?ml$/.test(path);

/** The line of the deepest node of `path` (`services.0.port`) that the document has. */
function lineOf(text: string, path: string): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const keys = path === '(root)' ? [] : path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
    // An unknown key has no value node under its parent's schema; its parent's pair still has a position.
    const parent =
      n > 1
        ? (doc.getIn(keys.slice(0, n - 1), true) as
            { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined)
        : (doc.contents as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null);
    const pair = parent?.items?.find((item) => item.key?.value === keys[n - 1]);
    if (pair?.key?.range) return lines.linePos(pair.key.range[0]).line;
  }
  return undefined;
}

export const provisioningManifestRule: LintRule = {
  code: 'VL070',
  severity: 'error',
  description: 'Every provisioning manifest the image ships is valid under the schema the provisioner runs it with.',
  check(context, report) {
    for (const file of context.files.filter((f) => isProvisioningManifest(f.path))) {
      const result = parseProvisioningManifestText(file.content);
      if (result.success) continue;
      for (const error of result.errors)
        report({
          file: file.path,
          line: lineOf(file.content, error.path),
          message: `${error.path}: ${error.message} (the provisioner would refuse it at boot)`,
        });
    }
  },
};
