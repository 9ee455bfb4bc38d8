// PyTorch in /venv/main, one variant per (torch, backend, CUDA line); torch's companions are pinned per torch version.
import { defineImage } from '@vast/conventions';

/** torchvision/torchaudio releases that match each torch release (they are built together). */
const COMPANIONS: Record<string, { torchvision: string; torchaudio: string }> = {
  '2.9.1': { torchvision: '0.24.1', torchaudio: '2.9.1' },
  '2.10.0': { torchvision: '0.25.0', torchaudio: '2.10.0' },
};

/**
 * Which CUDA line of base-image each backend runs on. The `mini` rows run on base-image's minis (NVIDIA's runtime
 * packages over stock Ubuntu), as upstream's configs/pytorch.json `mini[]`: of its 13 rows the reference names only
 * the two comfyui builds on, so only those are here (the other 11 are not guessed).
 */
const BUILDS = [
  { torch: '2.9.1', backend: 'cu128', cuda: '12.8', base: 'cuda-12.8.1-cudnn-devel-ubuntu24.04-py312' },
  { torch: '2.10.0', backend: 'cu128', cuda: '12.8', base: 'cuda-12.8.1-cudnn-devel-ubuntu24.04-py312' },
  { torch: '2.10.0', backend: 'cu128', cuda: '12.9', base: 'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312' },
  { torch: '2.10.0', backend: 'cu130', cuda: '13.0', base: 'cuda-13.0.3-cudnn-devel-ubuntu24.04-py312' },
  { torch: '2.10.0', backend: 'cu128', cuda: '12.9-mini', base: 'cuda-12.9-mini-py312' },
  { torch: '2.10.0', backend: 'cu130', cuda: '13.2-mini', base: 'cuda-13.2-mini-py312' },
];

/** The last line of both torch steps: the installed torch really multiplies and runs a layer, whichever build it is. */
const TORCH_COMPUTES =
  'python -c "import torch; a = torch.ones(2, 3); assert (a @ a.T).shape == (2, 2); print(torch.nn.Linear(3, 1)(a).shape)"';

export default defineImage({
  name: 'pytorch',
  class: 'derivative',
  parent: 'base-image',
  description: 'PyTorch image suitable for Vast.ai.',
  repository: 'vastai/pytorch',
  upstreamTags: { scheme: 'pytorch' },
  steps: [
    {
      name: 'torch',
      profile: 'production',
      comment: 'torch and its companions from the concrete backend index; the asserts fail the build if the wheel is wrong.',
      run: [
        'uv pip install --no-cache-dir \\',
        '  "torch==${PYTORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}" "torchaudio==${TORCHAUDIO_VERSION}" \\',
        '  --torch-backend "${PYTORCH_BACKEND}"',
        "python -c \"import torch; assert torch.__version__.startswith('${PYTORCH_VERSION}'), torch.__version__; assert torch.version.cuda, 'not a CUDA build'; print(torch.__version__, torch.version.cuda)\"",
        TORCH_COMPUTES,
      ].join('\n'),
    },
    {
      name: 'debian-torch',
      profile: 'local',
      comment: [
        "Offline profile: Debian's CPU builds of torch and its companions, seen by /venv/main through its system site",
        "packages. Debian's torch calls itself 1.13.0a0, so the versions are checked on the packages, against the variant.",
      ].join('\n'),
      run: [
        'apt-get update',
        'apt-get install -y --no-install-recommends python3-torch python3-torchvision python3-torchaudio',
        'rm -rf /var/lib/apt/lists/*',
        'for pin in "python3-torch ${PYTORCH_VERSION}" "python3-torchvision ${TORCHVISION_VERSION}" "python3-torchaudio ${TORCHAUDIO_VERSION}"; do',
        '  read -r package version <<<"$pin"',
        '  installed="$(dpkg-query -W -f=\'${Version}\' "$package")"',
        '  [[ "$installed" == "$version"[+-]* ]] || { echo "$package is $installed, the variant states $version"; exit 1; }',
        'done',
        'python -c "import torch, torchvision, torchaudio; assert torch.version.cuda is None; print(torch.__version__, torchvision.__version__, torchaudio.__version__)"',
        TORCH_COMPUTES,
      ].join('\n'),
    },
  ],
  variants: [
    ...BUILDS.map((b) => ({
      // Upstream's names: `<torch>-<backend>-cuda-<X.Y>[-mini]-py<XY>`, the mini's cuda fact being its X.Y.
      key: `${b.torch}-${b.backend}-cuda-${b.cuda}-py312`,
      parent: b.base,
      torch: b.torch,
      torchBackend: b.backend,
      cuda: b.cuda.replace(/-mini$/, ''),
      python: '3.12',
      args: { TORCHVISION_VERSION: COMPANIONS[b.torch].torchvision, TORCHAUDIO_VERSION: COMPANIONS[b.torch].torchaudio },
    })),
    // Debian bookworm's CPU builds; python (3.11) comes from base-image's local variant.
    {
      key: 'local',
      parent: 'local',
      local: true,
      torch: '1.13.1',
      torchBackend: 'cpu',
      args: { TORCHVISION_VERSION: '0.14.1', TORCHAUDIO_VERSION: '0.13.1' },
    },
  ],
});
