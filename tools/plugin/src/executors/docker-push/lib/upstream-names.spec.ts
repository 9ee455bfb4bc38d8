// The workspace's own images against the upstream names templates pin: each must come out of some variant's
// image.json facts, as docker-push --upstreamTags computes them, so a template moved here finds its image.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderImageManifest, upstreamTagSchemeOf, upstreamTagsOf } from '@vast/conventions';
import { readWorkspaceImages, type WorkspaceImages } from '../../../lib/workspace-images';

const workspaceRoot = join(__dirname, '../../../../../..');
const DATE = '2026-08-21';
let workspace: WorkspaceImages;

beforeAll(async () => {
  workspace = await readWorkspaceImages(workspaceRoot);
});

/** Every upstream name of every variant of `image`, keyed by variant. */
function upstreamNames(image: string): Map<string, string[]> {
  const resolved = workspace.images.get(image)!;
  const manifest = renderImageManifest(resolved, '');
  const scheme = upstreamTagSchemeOf(resolved.definition);
  return new Map(manifest.variants.map((v) => [v.key, upstreamTagsOf(scheme, { ...v, args: v.args ?? {} }, DATE)]));
}

const variantNamed = (names: Map<string, string[]>, tag: string) => [...names].find(([, tags]) => tags.includes(tag))?.[0];

describe("the workspace's images carry upstream's names", () => {
  it('base-image: each mini under <mini_tag>-py<XY>-<DATE> (configs/base-image.json mini[]), on every Python', () => {
    const names = upstreamNames('base-image');
    for (const mini of ['cuda-12.9-mini', 'cuda-13.2-mini'])
      for (const py of ['310', '311', '312', '313', '314'])
        expect(variantNamed(names, `${mini}-py${py}-${DATE}`), `${mini}-py${py}`).toBe(`${mini}-py${py}`);
    expect(variantNamed(names, `stock-ubuntu24.04-py312-${DATE}`)).toBe('stock-ubuntu24.04-py312');
    // and no default-Python alias: upstream's promotion names none for a mini
    expect(variantNamed(names, `cuda-12.9-mini-${DATE}`)).toBeUndefined();
  });

  it("pytorch: comfyui's PYTORCH_BASE upstream (build-comfyui.yml), the two mini rows", () => {
    const names = upstreamNames('pytorch');
    expect(variantNamed(names, `2.10.0-cu128-cuda-12.9-mini-py312-${DATE}`)).toBe('2.10.0-cu128-cuda-12.9-mini-py312');
    expect(variantNamed(names, `2.10.0-cu130-cuda-13.2-mini-py312-${DATE}`)).toBe('2.10.0-cu130-cuda-13.2-mini-py312');
  });

  it('comfyui: built on those pytorch minis, tagged <ref>-cuda-<X.Y>-py312 as upstream tags its two builds', () => {
    const comfyui = workspace.images.get('comfyui')!.definition;
    expect(comfyui.variants.map((v) => v.parent)).toEqual(['2.10.0-cu128-cuda-12.9-mini-py312', '2.10.0-cu130-cuda-13.2-mini-py312']);
    const names = upstreamNames('comfyui');
    const ref = comfyui.args.COMFYUI_REF;
    expect([...names.values()].flat()).toEqual([`${ref}-cuda-12.9-py312`, `${ref}-cuda-13.2-py312`]);
  });
});
