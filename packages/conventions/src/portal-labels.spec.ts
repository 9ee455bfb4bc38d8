// The portalLabel rules of exit_portal.sh, checked for every image.ts by resolveImageGraph (issue 11 finding 6).
import { describe, expect, it } from 'vitest';
import { resolveImageGraph } from './graph';
import { checkPortalLabels, type LabelledImage } from './portal-labels';
import type { ImageDefinition, PortalEntry } from './schema';
import { fakeDefinition } from './testing';

const entry = (label: string, externalPort: number, internalPort: number, path = '/'): PortalEntry => ({
  label,
  externalPort,
  internalPort,
  path,
  hostname: 'localhost',
});

/** The base of the family as base-image has it: the portal, Jupyter, and the Jupyter Terminal link into Jupyter's site. */
const BASE: LabelledImage = {
  name: 'base-image',
  services: [
    { name: 'instance_portal', portalLabel: 'Instance Portal', portal: [entry('Instance Portal', 1111, 11111)] },
    { name: 'jupyter', portalLabel: 'Jupyter', portal: [entry('Jupyter', 8080, 18080)] },
    { name: 'cron', portal: [] },
  ],
  links: [entry('Jupyter Terminal', 8080, 8080, '/terminals/1')],
};

/** A child with one service gated on `portalLabel` and exposing `entries`. */
const child = (portalLabel: string, entries: PortalEntry[] = [entry('My App', 7860, 17860)]): LabelledImage => ({
  name: 'my-app',
  services: [{ name: 'my_app', portalLabel, portal: entries }],
  links: [],
});

const messages = (chain: LabelledImage[]) => checkPortalLabels(chain).map((p) => `${p.path}: ${p.message}`);

describe('checkPortalLabels', () => {
  it("accepts the base image's labels: Jupyter also matches Jupyter Terminal, a link into Jupyter's own site", () => {
    expect(messages([BASE])).toEqual([]);
    expect(messages([BASE, child('My App')])).toEqual([]);
  });

  it('refuses a label that matches no entry: the service would never start', () => {
    expect(messages([BASE, child('My Ap p')])).toEqual([
      "services.0.portalLabel: 'My Ap p' matches no PORTAL_CONFIG entry of the chain ('Instance Portal', 'Jupyter', 'Jupyter Terminal', 'My App'), so the service would never start. Use the label of the entry it serves.",
    ]);
  });

  it.each([
    ['Name', 'hostname: localhost'],
    ['Port', 'external_port: 1111'],
    ['local', 'hostname: localhost'],
    ['1111', 'external_port: 1111'],
    ['open_path', 'open_path: /'],
  ])("refuses '%s', which matches the YAML line '%s' of portal.yaml, so the service would always start", (label, line) => {
    const [problem] = messages([BASE, child(label, [entry(`My ${label} App`, 7860, 17860)])]);
    expect(problem).toContain(`services.0.portalLabel: '${label}' matches the chain's /etc/portal.yaml line '${line}'`);
    expect(problem).toContain('which is YAML structure or a value, not a label');
  });

  it("refuses a label inside 'applications:', the line every portal.yaml has", () => {
    expect(messages([BASE, child('App', [entry('App', 7860, 17860)])])[0]).toContain(
      "'App' matches the line 'applications:' that every /etc/portal.yaml has",
    );
  });

  it("refuses a label that also matches another application's entry", () => {
    expect(messages([BASE, child('Portal', [entry('Portal', 7860, 17860)])])).toEqual([
      "services.0.portalLabel: 'Portal' would not switch on and off on its own: it appears in the chain's /etc/portal.yaml line 'Instance Portal:' (base-image's entry 'Instance Portal'), and exit_portal.sh starts a service while its label appears on any line of /etc/portal.yaml. Choose a label that neither contains nor is part of another.",
    ]);
    expect(messages([BASE, child('jupyter', [entry('jupyter', 7860, 17860)])]).at(-1)).toContain(
      "'jupyter' is taken: the chain already has a 'Jupyter' entry (base-image)",
    );
  });

  it("refuses a child entry that an ancestor's label matches, naming the child's field", () => {
    expect(messages([BASE, child('Jupyter Lab', [entry('Jupyter Lab', 7860, 17860)])])).toEqual([
      "services.0.portal.0.label: 'Jupyter Lab' contains 'Jupyter', the portalLabel of base-image's service jupyter, and exit_portal.sh starts a service while its label appears on any line of /etc/portal.yaml: jupyter would start whenever this entry is listed. Choose a label that does not contain 'Jupyter'.",
    ]);
  });

  it('lets a service without entries of its own be gated on another application (as the tunnel manager is on the portal)', () => {
    const tunnel: LabelledImage = {
      name: 'my-app',
      services: [{ name: 'tunnels', portalLabel: 'Instance Portal', portal: [] }],
      links: [],
    };
    expect(messages([BASE, tunnel])).toEqual([]);
  });

  it('reports through resolveImageGraph with the file and the field path, for a hand-edited image.ts', () => {
    const app: ImageDefinition = fakeDefinition('derivative', {
      services: [
        { name: 'app', portalLabel: 'Name', portal: [{ label: 'My Name App', externalPort: 7860, internalPort: 17860 }], command: 'x' },
      ],
    });
    const { errors } = resolveImageGraph([
      { file: 'packages/images/base/image.ts', version: '1.0.0', definition: fakeDefinition('base') },
      { file: 'packages/images/app/image.ts', version: '1.0.0', definition: app },
    ]);
    expect(errors.map((e) => `${e.file}: ${e.path}`)).toEqual(['packages/images/app/image.ts: services.0.portalLabel']);
    expect(errors[0].message).toContain("'Name' matches the chain's /etc/portal.yaml line 'hostname: localhost'");
  });
});
