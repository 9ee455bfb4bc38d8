// Renders an image's capabilities fragment, /etc/vast_capabilities.d/<NN>-<name>.yaml, from its image.ts: its services
// (supervisor program, portal label, ports), tools, Python environments and endpoints, so the file cannot drift from
// the image. Stage 80 merges the fragments of the chain into /etc/vast_capabilities.json.
import { stringify } from 'yaml';
import type { ResolvedImage } from '../graph';
import { CAPABILITIES_FRAGMENTS_DIR } from '../runtime-contract';
import { generatedHeader } from '../text';

/** Upstream's numbering by depth in the FROM chain: base 10-, a direct child 30-, anything deeper 50-. */
export function capabilitiesFragmentName(image: Pick<ResolvedImage, 'ancestors' | 'definition'>): string {
  const depth = image.ancestors.length;
  const number = depth === 0 ? '10' : depth === 1 ? '30' : '50';
  return `${number}-${image.definition.name}.yaml`;
}

export const capabilitiesFragmentPath = (image: Pick<ResolvedImage, 'ancestors' | 'definition'>) =>
  `${CAPABILITIES_FRAGMENTS_DIR}/${capabilitiesFragmentName(image)}`;

/** The fragment as plain data, in upstream's key names (snake_case). */
export function capabilitiesFragment(image: ResolvedImage): Record<string, unknown> {
  const def = image.definition;
  const caps = def.capabilities;
  // The description is the image's LABEL already (and a generated image's CHANGEME marker, which lint wants once).
  const fragment: Record<string, unknown> = { image: { name: def.name, ...caps?.image } };
  if (caps?.tools.length)
    fragment.tools = caps.tools.map((t) => ({ name: t.name, ...(t.path && { path: t.path }), description: t.description }));
  if (caps?.pythonEnvironments.length)
    fragment.python_environments = caps.pythonEnvironments.map((e) => ({
      name: e.name,
      path: e.path,
      ...(e.activate && { activate: e.activate }),
      ...(e.kind && { kind: e.kind }),
      description: e.description,
      packages_of_interest: e.packagesOfInterest,
    }));
  if (caps?.openaiEndpoints.length)
    fragment.openai_endpoints = caps.openaiEndpoints.map((e) => ({
      service: e.service,
      path: e.path,
      capabilities: e.capabilities,
      models_path: e.modelsPath,
    }));
  // Not an upstream key: which supervisor program serves which portal entries, so the manifest can name the program
  // of each service without a running supervisord (upstream guesses it from the names).
  const services = def.services.filter((s) => s.portal.length);
  if (services.length)
    fragment.services = services.map((s) => ({
      program: s.name,
      ...(s.portalLabel && { portal_label: s.portalLabel }),
      ports: s.portal.map((p) => ({ label: p.label, external_port: p.externalPort, internal_port: p.internalPort, path: p.path })),
    }));
  return fragment;
}

export function renderCapabilitiesFragment(image: ResolvedImage): string {
  return `# ${generatedHeader(`Capabilities of ${image.definition.name} for agents; merged by boot stage 80.`, image.file)}\n${stringify(
    capabilitiesFragment(image),
    { lineWidth: 0 },
  )}`;
}
